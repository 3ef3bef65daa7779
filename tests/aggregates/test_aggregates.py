"""Aggregates reconcile with the project list, exactly, and never spread nationwide money."""

import random
from datetime import date
from decimal import Decimal

import pytest

from portal.aggregates.services import DIMENSIONS, NATIONWIDE, UNALLOCATED, aggregate, totals
from portal.demo.projects import seed_projects
from portal.demo.services import seed_organizations, seed_rates
from portal.organizations.models import OrgKind
from portal.projects import queries, services
from tests import factories


@pytest.fixture
def cdc():
    return factories.user(role="cdc")


def test_nationwide_and_unallocated_money_keep_their_own_rows(cdc):
    partner = factories.organization(OrgKind.BILATERAL)
    factories.project(
        reporting=partner,
        nationwide=True,
        commitment_amount=Decimal("300"),
        funding=[services.YearAmount(2023, "disbursement", Decimal("90"), "USD")],
    )
    factories.project(reporting=partner, nationwide=False, commitment_amount=Decimal("50"))
    factories.project(
        reporting=partner,
        nationwide=False,
        commitment_amount=Decimal("100"),
        locations=[
            services.LocationShare("12", Decimal("33.33")),
            services.LocationShare("17", Decimal("33.33")),
            services.LocationShare("02", Decimal("33.34")),
        ],
    )
    rows = {
        r.key: r for r in aggregate(cdc, queries.ProjectFilters(partner=partner.id), "province")
    }
    assert rows[NATIONWIDE].commitment == Decimal("300.00")
    assert rows[NATIONWIDE].disbursed == Decimal("90.00")
    assert rows[UNALLOCATED].commitment == Decimal("50.00")
    # One third each, and the three parts add up to the project's amount exactly.
    assert [rows[c].commitment for c in ("12", "17", "02")] == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]
    assert sum(
        r.commitment for k, r in rows.items() if k not in (NATIONWIDE, UNALLOCATED)
    ) == Decimal("100.00")
    assert rows["12"].project_count == 1 and rows[NATIONWIDE].project_count == 1


def test_year_limits_the_money_to_that_year(cdc):
    partner = factories.organization(OrgKind.BILATERAL)
    factories.project(
        reporting=partner,
        commitment_date=date(2022, 3, 1),
        funding=[
            services.YearAmount(2022, "disbursement", Decimal("10"), "USD"),
            services.YearAmount(2023, "disbursement", Decimal("20"), "USD"),
            services.YearAmount(2027, "planned", Decimal("40"), "USD"),
        ],
    )
    filters = queries.ProjectFilters(partner=partner.id)
    rows = {r.key: r for r in aggregate(cdc, filters, "year")}
    assert (rows[2022].disbursed, rows[2023].disbursed, rows[2027].planned) == (
        Decimal("10.00"),
        Decimal("20.00"),
        Decimal("40.00"),
    )
    assert rows[2022].commitment == Decimal("1000000.00")
    only_2023 = totals(aggregate(cdc, filters, "partner", year=2023))
    assert (only_2023.disbursed, only_2023.commitment) == (Decimal("20.00"), Decimal(0))


def test_totals_equal_the_project_list_for_random_filters(cdc, app):
    seed_organizations()
    seed_rates()
    seed_projects(150)
    randomness = random.Random(7)
    options = {
        "sector": ["", "122", "140", "12220", "151"],
        "province": ["", "12", "17", "02"],
        "status": ["", "2", "3"],
        "assistance": ["", "grant", "loan"],
        "year_from": [None, 2010, 2020],
    }
    for _attempt in range(12):
        filters = queries.ProjectFilters(**{k: randomness.choice(v) for k, v in options.items()})
        expected = queries.totals(queries.filtered(cdc, filters))
        for dimension in randomness.sample(DIMENSIONS, 3):
            total = totals(aggregate(cdc, filters, dimension))
            assert (total.commitment, total.disbursed, total.planned) == (
                expected.commitment_usd,
                expected.disbursed_usd,
                expected.planned_usd,
            ), (filters, dimension)
