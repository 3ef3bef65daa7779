"""The report's funding by source: each kind of source's money, year by year, equal to the
aggregate service's `source` dimension to the cent, in English and Khmer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.aggregates.services import aggregate, totals
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services
from portal.projects.queries import ProjectFilters
from portal.reports import content
from portal.reports import services as reports
from portal.reports.common import ReportReader
from portal.reports.params import SECTIONS, ReportParams
from portal.templating import money
from tests import factories
from tests.reports import pdf as read

MEASURES = ("signed", "disbursed", "planned", "expenditure")


@pytest.fixture
def portfolio():
    """A co-financed project with a counterpart in kind, one with a national source, one plain."""
    partner = factories.organization(OrgKind.BILATERAL, acronym="SRCAID")
    adb = factories.organization(OrgKind.MULTILATERAL, acronym="SRCADB")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="SRCMIN")
    factories.rate("KHR", 2024, "4100")
    year = services.YearAmount
    factories.project(
        reporting=partner,
        lead=ministry,
        commitment_amount=Decimal("10000000"),
        funding=[
            year(2023, "disbursement", Decimal("1000000.01"), "USD"),
            year(2024, "disbursement", Decimal("1500000.07"), "USD"),
            year(2025, "planned", Decimal("2000000"), "USD"),
            year(2023, "commitment", Decimal("6000000.03"), "USD"),
            year(2024, "expenditure", Decimal("460000.11"), "USD"),
            year(2023, "commitment", Decimal("30000000"), "USD", source=0),
            year(2024, "disbursement", Decimal("5000000.33"), "USD", source=0),
            year(2024, "planned", Decimal("7000000.05"), "USD", source=0),
            year(2024, "disbursement", Decimal("4100000000"), "KHR", source=1),
        ],
        sources=[
            services.SourceData("cofinancier", adb.id),
            services.SourceData("counterpart", ministry.id, in_kind=True),
        ],
    )
    factories.project(
        reporting=partner,
        lead=ministry,
        commitment_amount=Decimal("500000"),
        funding=[
            year(2024, "disbursement", Decimal("250000.19"), "USD"),
            year(2024, "expenditure", Decimal("200000.23"), "USD", source=0),
        ],
        sources=[services.SourceData("national")],
    )
    factories.project(
        reporting=partner,
        lead=ministry,
        commitment_amount=Decimal("75000.55"),
        funding=[year(2023, "disbursement", Decimal("75000.55"), "USD")],
    )
    db.session.commit()
    return partner


def test_funding_by_source_is_a_section_to_choose():
    assert "sources" in SECTIONS
    assert str(SECTIONS["sources"]) == "Funding by source"
    assert "sources" in ReportParams(year=2024, audience="public").sections


@pytest.mark.parametrize("years", [(2024, None), (2023, 2024)])
def test_each_year_and_the_period_equal_the_aggregate_service_to_the_cent(app, portfolio, years):
    first, last = years
    params = ReportParams(year=first, year_to=last, sections=("sources",))
    section = content.collect(params).sources
    blocks = section.years + ([section.period] if section.period else [])
    spans = [(y, y) for y in range(first, (last or first) + 1)]
    if last:
        spans.append((first, last))
    assert len(blocks) == len(spans)
    for block, (year, year_to) in zip(blocks, spans, strict=True):
        service = {
            r.key: r
            for r in aggregate(
                ReportReader(),
                ProjectFilters(),
                "source",
                year=year,
                year_to=year_to,
                measures=MEASURES,
                counts=False,
            )
        }
        assert {r.key for r in block.rows} == set(service)
        for row in block.rows:
            for measure in MEASURES:
                assert row.value(measure) == service[row.key].value(measure), (row.key, measure)
        whole = totals(list(service.values()))
        for measure in MEASURES:
            assert block.total.value(measure) == whole.value(measure)
    year_2024 = {r.key: r for r in section.years[-1].rows}
    assert year_2024["reporting"].disbursed == Decimal("1750000.26")
    assert year_2024["reporting"].expenditure == Decimal("460000.11")
    assert year_2024["national"].expenditure == Decimal("200000.23")
    assert year_2024["cofinancier"].disbursed == Decimal("5000000.33")
    assert year_2024["cofinancier"].planned == Decimal("7000000.05")
    assert year_2024["counterpart"].disbursed == Decimal("1000000.00")
    assert section.years[-1].total.disbursed == Decimal("7750000.59")


def test_the_pdf_shows_the_sources_in_english_and_khmer(app, portfolio):
    params = ReportParams(year=2024, sections=("sources",))
    flat = " ".join(read.reading_text(reports.build(params).pdf).split())
    assert "Funding by source" in flat and "Money by funding source, 2024 (USD)" in flat
    for label in ("Reporting partner", "Co-financiers", "Government counterpart"):
        assert label in flat
    assert money(Decimal("7750000.59")) in flat  # the year's total disbursed
    assert money(Decimal("5000000.33")) in flat
    khmer = reports.build(ReportParams(year=2024, sections=("sources",), language="km")).pdf
    text = read.reading_text(khmer).replace("\u200b", "")
    assert money(Decimal("7750000.59")).replace(",", "") in text.replace(",", "")
    assert "Funding by source" not in text or "ប្រភព" in text


def test_a_range_has_a_table_a_year_and_one_for_the_period(app, portfolio):
    params = ReportParams(year=2023, year_to=2024, sections=("sources",))
    flat = " ".join(read.reading_text(reports.build(params).pdf).split())
    for label in ("2023 (USD)", "2024 (USD)", "2023–2024 (USD)"):
        assert f"Money by funding source, {label}" in flat
