"""The source dimension: the reporting row is today's figures, each other row its sources' sum."""

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.aggregates.services import DIMENSIONS, aggregate, totals
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import queries, services
from portal.projects.sources import FundingSource, SourceFunding
from tests import factories

MEASURES = ("commitment", "disbursed", "planned", "signed", "expenditure")


@pytest.fixture
def portfolio():
    """Three projects of one partner: co-financed, with a counterpart in kind, and plain."""
    cdc = factories.user(role="cdc")
    partner = factories.organization(OrgKind.BILATERAL, acronym="AFDT")
    adb = factories.organization(OrgKind.MULTILATERAL, acronym="ADBT")
    wb = factories.organization(OrgKind.MULTILATERAL, acronym="WBT")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MPWTT")
    factories.rate("EUR", 2023, "0.92")
    factories.rate("KHR", 2024, "4100")
    year = services.YearAmount
    factories.project(
        reporting=partner,
        lead=ministry,
        commitment_amount=Decimal("10000000"),
        funding=[
            year(2023, "disbursement", Decimal("1000000.01"), "USD"),
            year(2025, "planned", Decimal("2000000"), "USD"),
            year(2022, "commitment", Decimal("6000000"), "USD"),
            year(2023, "expenditure", Decimal("460000"), "EUR"),
            year(2023, "commitment", Decimal("30000000"), "USD", source=0),
            year(2023, "disbursement", Decimal("5000000.33"), "USD", source=0),
            year(2024, "planned", Decimal("7000000"), "USD", source=1),
            year(2024, "disbursement", Decimal("4100000000"), "KHR", source=2),
        ],
        sources=[
            services.SourceData("cofinancier", adb.id),
            services.SourceData("cofinancier", wb.id),
            services.SourceData("counterpart", ministry.id, in_kind=True),
        ],
    )
    factories.project(
        reporting=partner,
        lead=ministry,
        commitment_amount=Decimal("500000"),
        funding=[
            year(2024, "disbursement", Decimal("250000"), "USD"),
            year(2024, "expenditure", Decimal("200000"), "USD", source=0),
        ],
        sources=[services.SourceData("national")],
    )
    factories.project(
        reporting=partner,
        lead=ministry,
        commitment_amount=Decimal("75000.55"),
        funding=[year(2023, "disbursement", Decimal("75000.55"), "USD")],
    )
    return {"cdc": cdc, "filters": queries.ProjectFilters(partner=partner.id)}


def _sum_of(kind: str, money: str, years=None) -> Decimal:
    """The USD sum of the yearly amounts of `money` of every source of the kind `kind`."""
    statement = (
        select(func.coalesce(func.sum(SourceFunding.amount_usd), 0))
        .join(FundingSource, FundingSource.id == SourceFunding.source_id)
        .where(FundingSource.kind == kind, SourceFunding.kind == money)
    )
    if years:
        statement = statement.where(SourceFunding.year.between(*years))
    return Decimal(db.session.scalar(statement)).quantize(Decimal("0.01"))


@pytest.mark.parametrize("years", [None, (2023, 2023), (2023, 2024)])
def test_each_kind_of_source_holds_its_own_money(portfolio, years):
    cdc, filters = portfolio["cdc"], portfolio["filters"]
    span = {"year": years[0], "year_to": years[1]} if years else {}
    rows = {r.key: r for r in aggregate(cdc, filters, "source", measures=MEASURES, **span)}
    # The reporting row is the partner's figures as every other dimension gives them.
    today = totals(aggregate(cdc, filters, "partner", measures=MEASURES, **span))
    for measure in MEASURES:
        assert rows["reporting"].value(measure) == today.value(measure), measure
    assert rows["reporting"].project_count == 3
    for kind in ("cofinancier", "counterpart", "national"):
        row = rows[kind]
        assert row.commitment == row.signed == _sum_of(kind, "commitment", years)
        assert row.disbursed == _sum_of(kind, "disbursement", years)
        assert row.planned == _sum_of(kind, "planned", years)
        assert row.expenditure == _sum_of(kind, "expenditure", years)
    assert rows["cofinancier"].project_count == 1
    assert rows["national"].project_count == 1


def test_the_reporting_row_is_todays_totals_to_the_cent(portfolio):
    cdc, filters = portfolio["cdc"], portfolio["filters"]
    rows = {r.key: r for r in aggregate(cdc, filters, "source")}
    listed = queries.totals(queries.filtered(cdc, filters))
    assert rows["reporting"].commitment == listed.commitment_usd == Decimal("10575000.55")
    assert rows["reporting"].disbursed == listed.disbursed_usd == Decimal("1325000.56")
    assert rows["reporting"].planned == listed.planned_usd == Decimal("2000000.00")
    assert rows["cofinancier"].commitment == Decimal("30000000.00")
    assert rows["cofinancier"].disbursed == Decimal("5000000.33")
    assert rows["counterpart"].disbursed == Decimal("1000000.00")  # 4,100,000,000 KHR


def test_signed_and_expenditure_are_the_reporting_partners_unless_sources_are_asked(portfolio):
    cdc, filters = portfolio["cdc"], portfolio["filters"]
    by_year = {r.key: r for r in aggregate(cdc, filters, "year", measures=MEASURES)}
    assert by_year[2022].signed == Decimal("6000000.00")
    assert by_year[2023].signed == Decimal("0")  # ADBT's 30,000,000 is not the partner's
    assert by_year[2023].expenditure == Decimal("500000.00")  # 460,000 EUR at 0.92
    assert by_year[2023].disbursed == Decimal("1075000.56")
    everything = totals(aggregate(cdc, filters, "ministry", measures=MEASURES))
    assert everything.signed == Decimal("6000000.00")
    assert everything.expenditure == Decimal("500000.00")
    # The measures asked by default are unchanged.
    plain = aggregate(cdc, filters, "ministry")
    assert [(r.commitment, r.disbursed, r.planned) for r in plain] == [
        (Decimal("10575000.55"), Decimal("1325000.56"), Decimal("2000000.00"))
    ]


def test_a_partner_sees_only_its_projects_sources(portfolio):
    other = factories.organization(OrgKind.BILATERAL, acronym="KOICAT")
    reader = factories.user(role="dp", organization=other)
    rows = aggregate(reader, queries.ProjectFilters(partner=other.id), "source", counts=False)
    assert rows == []


EVERY = (*MEASURES, "grant_equivalent")


@pytest.mark.parametrize("years", [None, (2023, 2023), (2022, 2024)])
def test_the_source_rows_add_up_and_the_reporting_row_is_every_dimensions_total(portfolio, years):
    cdc, filters = portfolio["cdc"], portfolio["filters"]
    span = {"year": years[0], "year_to": years[1]} if years else {}
    rows = aggregate(cdc, filters, "source", measures=EVERY, **span)
    reporting = next(r for r in rows if r.key == "reporting")
    others = [r for r in rows if r.key != "reporting"]
    together = totals(rows)
    for measure in EVERY:
        # The sum over the kinds of source is the reporting row plus the others, to the cent.
        assert together.value(measure) == reporting.value(measure) + sum(
            (r.value(measure) for r in others), Decimal(0)
        )
    for dimension in DIMENSIONS:
        plain = totals(aggregate(cdc, filters, dimension, measures=EVERY, **span))
        for measure in EVERY:
            assert reporting.value(measure) == plain.value(measure), (dimension, measure)
    if years is None:
        listed = queries.totals(queries.filtered(cdc, filters))
        assert reporting.commitment == listed.commitment_usd
        assert reporting.disbursed == listed.disbursed_usd
        assert reporting.planned == listed.planned_usd
        # No loan among them: the grant equivalent is the whole commitment.
        assert reporting.grant_equivalent == listed.commitment_usd


def test_the_source_filters_keep_the_rows_reconciled(portfolio):
    cdc, filters = portfolio["cdc"], portfolio["filters"]
    cofinanced = replace(filters, source_kind="cofinancier")
    rows = {r.key: r for r in aggregate(cdc, cofinanced, "source", measures=EVERY)}
    assert set(rows) == {"reporting", "cofinancier", "counterpart"}
    listed = queries.totals(queries.filtered(cdc, cofinanced))
    assert listed.count == 1
    assert rows["reporting"].commitment == listed.commitment_usd == Decimal("10000000.00")
    assert rows["cofinancier"].disbursed == Decimal("5000000.33")
