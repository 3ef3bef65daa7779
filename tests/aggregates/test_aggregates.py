"""Aggregates reconcile with the project list, exactly, and never spread nationwide money."""

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select

from portal.aggregates.services import DIMENSIONS, NATIONWIDE, UNALLOCATED, aggregate, totals
from portal.demo.projects import seed_projects
from portal.demo.services import seed_organizations, seed_rates
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import queries, services
from portal.projects.models import SHARE_BASIS, ProjectFunding, share_bounds
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


def _parts(cents: int, percentages: list[Decimal]) -> list[Decimal]:
    """Each share's cents, rounded half up at its bounds, in USD (what the service must give)."""

    def rounded(bound: int) -> int:
        return int((Decimal(cents) * bound / SHARE_BASIS).to_integral_value(ROUND_HALF_UP))

    return [Decimal(rounded(high) - rounded(low)) / 100 for low, high in share_bounds(percentages)]


def test_shares_short_of_100_and_huge_amounts_split_exactly(cdc):
    partner = factories.organization(OrgKind.BILATERAL)
    codes, thirds = ("12", "17", "02"), [Decimal("33.33")] * 3
    for amount in ("100", "90000000000.01"):  # the second overflows a plain cents * bound
        factories.project(
            reporting=partner,
            nationwide=False,
            commitment_amount=Decimal(amount),
            locations=[services.LocationShare(code, Decimal("33.33")) for code in codes],
        )
    rows = {
        r.key: r for r in aggregate(cdc, queries.ProjectFilters(partner=partner.id), "province")
    }
    small, huge = _parts(10_000, thirds), _parts(9_000_000_000_001, thirds)
    expected = [a + b for a, b in zip(small, huge, strict=True)]
    assert [rows[code].commitment for code in codes] == expected
    assert small == [Decimal("33.33"), Decimal("33.34"), Decimal("33.33")]
    assert sum(expected) == Decimal("90000000100.01")


def test_money_of_some_years_adds_up_the_same_in_every_dimension(cdc):
    seed_organizations()
    seed_rates()
    seed_projects(150)
    everything = queries.ProjectFilters()
    for year, year_to in ((2015, None), (2020, 2024), (2024, 2031)):
        last = year_to or year
        disbursed = db.session.scalar(
            select(func.sum(ProjectFunding.amount_usd)).where(
                ProjectFunding.kind == "disbursement", ProjectFunding.year.between(year, last)
            )
        )
        by_year = totals(aggregate(cdc, everything, "year", year=year, year_to=year_to))
        assert by_year.disbursed == (disbursed or 0)
        for dimension in DIMENSIONS:
            total = totals(aggregate(cdc, everything, dimension, year=year, year_to=year_to))
            assert (total.commitment, total.disbursed, total.planned) == (
                by_year.commitment,
                by_year.disbursed,
                by_year.planned,
            ), (year, year_to, dimension)


def test_without_counts_only_groups_with_money_in_those_years_are_listed(cdc):
    partner = factories.organization(OrgKind.BILATERAL)
    for code, year in (("12", 2023), ("17", 2024)):
        factories.project(
            reporting=partner,
            nationwide=False,
            locations=[services.LocationShare(code, Decimal(100))],
            funding=[services.YearAmount(year, "disbursement", Decimal("10"), "USD")],
        )
    filters = queries.ProjectFilters(partner=partner.id)
    quiet = aggregate(cdc, filters, "province", year=2023, measures=("disbursed",), counts=False)
    assert [(r.key, r.disbursed, r.project_count) for r in quiet] == [("12", Decimal("10.00"), 0)]
    counted = {r.key: r for r in aggregate(cdc, filters, "province", year=2023)}
    assert (counted["17"].disbursed, counted["17"].project_count) == (Decimal(0), 1)


def test_an_edit_of_the_shares_shows_at_once(cdc):
    partner = factories.organization(OrgKind.BILATERAL)
    values = {
        "title_en": "Moving project",
        "reporting_org_id": partner.id,
        "lead_national_partner_id": factories.organization(OrgKind.GOVERNMENT).id,
        "locations": [services.LocationShare("12", Decimal(100))],
        "commitment_amount": Decimal("1000"),
        "commitment_currency": "USD",
        "commitment_date": date(2022, 1, 1),
    }
    project = services.save_project(services.ProjectData(**values), actor=None)
    filters = queries.ProjectFilters(partner=partner.id)
    assert [r.key for r in aggregate(cdc, filters, "province")] == ["12"]
    values["locations"] = [
        services.LocationShare("12", Decimal(25)),
        services.LocationShare("17", Decimal(75)),
    ]
    services.save_project(services.ProjectData(**values), actor=None, project=project)
    rows = {r.key: r.commitment for r in aggregate(cdc, filters, "province")}
    assert rows == {"12": Decimal("250.00"), "17": Decimal("750.00")}


def test_a_groups_years_add_up_to_its_span_and_to_all_years(cdc):
    """A year's money split over places is the range of the project's cents from its earlier
    years on, split: so a province's years add up, to the cent, to its figure over the span
    and over all years (each year split alone would give 3 + 3 = 6 cents, not 7)."""
    from portal.aggregates import summary
    from portal.analysis.pivot import Question, pivot

    partner = factories.organization(OrgKind.BILATERAL)
    factories.project(
        reporting=partner,
        nationwide=False,
        funding=[
            services.YearAmount(2022, "disbursement", Decimal("0.10"), "USD"),
            services.YearAmount(2023, "disbursement", Decimal("0.10"), "USD"),
        ],
        locations=[
            services.LocationShare("12", Decimal("33.33")),
            services.LocationShare("17", Decimal("33.33")),
            services.LocationShare("02", Decimal("33.34")),
        ],
    )
    db.session.commit()
    filters = queries.ProjectFilters(partner=partner.id)

    def disbursed(year=None, year_to=None, read=aggregate, user=cdc, asked=filters):
        rows = read(user, asked, "province", year=year, year_to=year_to, measures=["disbursed"])
        return {r.key: r.disbursed for r in rows if r.key in ("12", "17", "02")}

    cents = {code: Decimal(c) / 100 for code, c in (("12", 3), ("17", 4), ("02", 3))}
    assert disbursed(2022) == cents
    assert disbursed(2023) == {"12": Decimal("0.04"), "17": Decimal("0.02"), "02": Decimal("0.04")}
    whole = {"12": Decimal("0.07"), "17": Decimal("0.06"), "02": Decimal("0.07")}
    assert disbursed(2022, 2023) == whole == disbursed()
    assert disbursed(2020, 2030) == whole
    # The kept sums (CDC without filters) and the report builder answer the same.
    everything = queries.ProjectFilters()
    for year, year_to in ((2022, None), (2023, None), (2022, 2023)):
        kept = disbursed(year, year_to, read=summary.aggregate, asked=everything)
        assert kept == disbursed(year, year_to, asked=everything), (year, year_to)
        answer = pivot(
            cdc,
            Question(
                ["province"], [], "disbursed", money_from=year, money_to=year_to, filters=filters
            ),
        )
        assert {k[0]: v for k, v in answer.row_totals.items()} == disbursed(year, year_to)
