"""The report's figures are the dashboard's, its parameters are checked, its PDF reads back."""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.aggregates.services import aggregate, totals
from portal.dashboard.services import dashboard
from portal.demo.services import build_demo
from portal.extensions import db
from portal.khmer import ZWSP
from portal.organizations.models import Organization
from portal.projects.queries import ProjectFilters
from portal.reports import content, services
from portal.reports.params import SECTIONS, ReportParams
from portal.templating import money
from tests import factories
from tests.reports import pdf as read


@pytest.fixture
def demo():
    build_demo(project_count=40)


def test_parameters_refuse_what_makes_no_sense():
    with pytest.raises(ValueError, match="ends before it starts"):
        ReportParams(year=2024, year_to=2023)
    with pytest.raises(ValueError, match="needs its value"):
        ReportParams(year=2024, scope="partner")
    with pytest.raises(ValueError, match="unknown sections"):
        ReportParams(year=2024, sections=("key_figures", "gossip"))
    with pytest.raises(ValueError, match="unknown language"):
        ReportParams(year=2024, language="fr")
    # Sections come out in the report's order, whatever order they were asked in.
    params = ReportParams(year=2024, sections=("methodology", "key_figures"))
    assert params.sections == ("key_figures", "methodology")
    assert ReportParams.from_json(params.as_json()) == params


def test_key_figures_equal_the_dashboard_for_random_scopes(demo):
    cdc = factories.user(role="cdc")
    partners = db.session.scalars(
        select(Organization.id).where(Organization.acronym.in_(["JICA", "ADB"]))
    ).all()
    scopes = [("country", ""), ("province", "12"), ("sector", "122")] + [
        ("partner", str(i)) for i in partners
    ]
    rng = random.Random(7)
    for scope, value in scopes:
        year = rng.choice([2022, 2023, 2024])
        params = ReportParams(year=year, scope=scope, scope_value=value, sections=("key_figures",))
        data = content.collect(params)
        board = dashboard(cdc, params.filters(), year, "en")["key"]
        for measure in ("disbursed", "planned", "commitment", "partners", "on_budget_share"):
            assert data.key[measure] == board[measure], (scope, value, year, measure)


def test_a_range_adds_up_the_years_of_the_range(demo):
    cdc = factories.user(role="cdc")
    params = ReportParams(year=2022, year_to=2024, sections=("key_figures", "partners"))
    data = content.collect(params)
    by_year = [
        totals(aggregate(cdc, ProjectFilters(), "partner", year=y)) for y in (2022, 2023, 2024)
    ]
    assert data.key["disbursed"] == sum((t.disbursed for t in by_year), Decimal(0))
    assert data.key["disbursed"] > 0
    # The partner table adds up to the key figure, to the cent.
    assert sum((r.disbursed for r in data.rows["partner"]), Decimal(0)) == data.key["disbursed"]


def test_the_english_pdf_has_its_sections_totals_and_page_numbers(demo):
    build_demo(project_count=200)  # enough partners and sectors for tables to run over pages
    params = ReportParams(year=2024)
    built = services.build(params)
    pages = read.page_texts(built.pdf)
    assert built.pages == read.page_count(built.pdf) == len(pages)
    assert built.pages >= 10
    whole = "\n".join(pages)
    for title in (SECTIONS[key] for key in params.sections):  # all but a round's coverage
        assert str(title) in whole, title
    # The table of contents gives each section's page, and that page starts with it.
    contents = pages[1]
    assert "Contents" in contents
    for title in ("Funding by province", "Methodology"):
        line = next(line for line in contents.splitlines() if title in line)
        page = int(line.split()[-1])
        assert title in pages[page - 1]
    # Headers and footers from the second page on.
    assert f"Page 2 of {built.pages}" in pages[1]
    assert f"Page {built.pages} of {built.pages}" in pages[-1]
    assert "Development cooperation joint review 2024" in pages[3]
    # The key figures are the dashboard's.
    cdc = factories.user(role="cdc")
    key = dashboard(cdc, ProjectFilters(), 2024, "en")["key"]
    assert money(key["disbursed"]) in pages[2]
    assert money(key["commitment"]) in pages[2]
    # Long tables keep their header on each page they run over: every page of the funding
    # sections that shows a row of figures also shows the column headings, including pages
    # where a table goes on from the page before (no caption there).
    lines = contents.splitlines()
    first = int(next(x for x in lines if "Funding by development partner" in x).split()[-1])
    last = int(next(x for x in lines if "Trend over the years" in x).split()[-1])
    money_row = re.compile(r"\S\s+[\d,]+\.\d\d\s+[\d,]+\.\d\d\s+[\d,]+\.\d\d\s+[\d.]+ %")
    funding_pages = [p for p in pages[first - 1 : last - 1] if money_row.search(p)]
    captions = (
        "All development partners",
        "Funding by sector (DAC",
        "Funding by province,",
        "Funding by type of assistance",
        "Funding by modality",
    )
    continued = [p for p in funding_pages if not any(c in p for c in captions)]
    assert continued, "with this many projects, some table should run over a page"
    for text in funding_pages:  # the headings wrap in their narrow columns
        assert "Committed" in text and "Share of" in text and "disbursed" in text


def test_the_khmer_report_embeds_the_khmer_font_and_speaks_khmer(demo):
    from portal.reports import render

    params = ReportParams(year=2024, language="km", sections=("key_figures", "provinces"))
    html = render.render_html(params, content.collect(params), for_pdf=True)
    assert ZWSP in html  # Khmer word boundaries marked for the PDF renderer
    html = html.replace(ZWSP, "")
    assert 'lang="km"' in html
    assert "តួលេខសំខាន់ៗ" in html  # Key figures
    assert "មូលនិធិតាមខេត្ត" in html  # Funding by province
    assert "ទូទាំងប្រទេស" in html  # Nationwide, its own row
    assert "Key figures" not in html

    built = services.build(params)
    embedded = {name.split("+")[-1]: is_embedded for name, is_embedded in read.fonts(built.pdf)}
    assert embedded.get("Noto-Sans-Khmer") is True
    # Extracting shaped Khmer from a PDF loses the order of vowels and subscripts (the glyphs
    # are right; pages were checked by eye), so the text check stays coarse: mostly Khmer
    # words, and the page footer's "Page 2 of N".
    whole = read.text(built.pdf)
    khmer = sum(1 for ch in whole if "\u1780" <= ch <= "\u17ff")
    latin = sum(1 for ch in whole if ch.isascii() and ch.isalpha())
    assert khmer > 3 * latin
    assert re.search(rf"ទំព័រ\s+2\s+\S+\s+{built.pages}\b", whole)


def test_the_bilingual_pdf_puts_both_languages_side_by_side(demo):
    from portal.reports import render

    params = ReportParams(year=2024, language="both", sections=("key_figures", "methodology"))
    html = render.render_html(params, content.collect(params), for_pdf=True).replace(ZWSP, "")
    assert "Key figures / តួលេខសំខាន់ៗ" in html
    assert 'class="side" lang="km"' in html and 'class="side" lang="en"' in html
    built = services.build(params)
    whole = read.text(built.pdf)
    assert "Key figures" in whole and "Page 2 of" in whole
    assert any("\u1780" <= ch <= "\u17ff" for ch in whole)


def test_user_text_is_escaped_in_the_report(demo):
    from portal.reports import render

    partner = factories.organization()
    factories.project(reporting=partner, title_en="<script>alert(1)</script> Roads")
    params = ReportParams(year=2024, sections=("quality",))
    data = content.collect(params)
    data.stale = [p for p in data.stale] + [
        factories.project(reporting=partner, title_en="<b>bold</b> & co")
    ]
    html = render.render_html(params, data, for_pdf=True)
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html
