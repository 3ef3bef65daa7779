"""Figures as people read them: summaries in millions (exact in the title, tables and exports),
one date format per language, symbols every common font has, a favicon, plurals that agree."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal

import flask_babel
import pytest
from flask import render_template_string

from portal.commitments.codes import STATUS_SYMBOLS
from portal.projects import services
from portal.projects.services import set_published
from tests import factories


def _render(app, template: str, locale: str, **values) -> str:
    with app.test_request_context(headers={"Accept-Language": locale}):
        flask_babel.refresh()  # the test's app context would keep the last language
        return render_template_string(template, **values)


def test_a_summary_figure_is_in_millions_with_the_exact_amount_in_its_title(app):
    shown = _render(app, "{{ v|millions }}", "en", v=Decimal("343448266.45"))
    assert shown == '<span class="figure" title="343,448,266.45">343.4 M</span>'
    assert _render(app, "{{ v|millions }}", "en", v=Decimal("345678.9")).endswith(">345,679</span>")
    assert _render(app, "{{ v|millions }}", "en", v=None) == ""
    khmer = _render(app, "{{ v|millions }}", "km", v=Decimal("2500000"))
    assert re.search(r">2\.5 លាន</span>$", khmer), khmer


def test_the_dashboard_and_province_page_summarise_in_millions(client):
    project = factories.project(
        title_en="Millions road",
        nationwide=False,
        locations=[services.LocationShare("12", Decimal(100))],
        funding=[services.YearAmount(2024, "disbursement", Decimal("2345678.91"), "USD")],
    )
    set_published(project, True, actor=None)
    dashboard = client.get("/dashboard/?year=2024").get_data(as_text=True)
    assert 'title="2,345,678.91">2.3 M</span>' in dashboard
    province = client.get("/map/province/12?year_from=2024&year_to=2024").get_data(as_text=True)
    assert ">2.3 M</span>" in province
    # The tables keep the exact amount.
    assert "2,345,678.91" in client.get("/projects/?q=Millions").get_data(as_text=True)


@pytest.mark.parametrize(
    ("locale", "short_date", "short_datetime"),
    [("en", "6 Dec 2026", "6 Dec 2026, 14:05"), ("km", "6 ធ្នូ 2026", "6 ធ្នូ 2026, 14:05")],
)
def test_one_date_format_per_language_day_first(app, locale, short_date, short_datetime):
    # 07:05 UTC is 14:05 in Phnom Penh, the portal's time zone.
    day, moment = date(2026, 12, 6), datetime(2026, 12, 6, 7, 5, tzinfo=UTC)
    for style in ("short", "medium"):
        template = f"{{{{ d|dateformat('{style}') }}}}|{{{{ t|datetimeformat('{style}') }}}}"
        assert _render(app, template, locale, d=day, t=moment) == f"{short_date}|{short_datetime}"


def test_every_status_symbol_is_in_an_installed_font():
    for symbol in STATUS_SYMBOLS.values():
        fonts = subprocess.run(
            ["fc-list", f":charset={ord(symbol):x}", "family"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert fonts.strip(), f"no installed font draws {symbol!r} (U+{ord(symbol):04X})"


def test_the_portal_has_a_favicon(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in page
    assert client.get("/static/favicon.svg").status_code == 200


def test_the_list_total_agrees_with_one_project(client):
    project = factories.project(title_en="The only one of its name")
    set_published(project, True, actor=None)
    page = client.get("/projects/?q=The+only+one+of+its+name").get_data(as_text=True)
    assert "Total of the project matching the filters" in page
    assert "Total of the 1 projects" not in page


def test_the_report_builder_starts_on_the_last_whole_year(client, login_as):
    login_as("cdc")
    page = client.get("/reports/new").get_data(as_text=True)
    last_year = date.today().year - 1
    chosen = re.search(r'<select[^>]*name="year"[^>]*>.*?</select>', page, re.S).group(0)
    assert re.search(rf'<option selected value="{last_year}">', chosen), chosen[:300]


def test_chart_labels_are_whole_and_values_read_in_millions(client):
    project = factories.project(
        title_en="Civil society grants",
        sectors=[services.SectorShare("15150", Decimal(100))],
        funding=[services.YearAmount(2024, "disbursement", Decimal("3456789"), "USD")],
    )
    set_published(project, True, actor=None)
    page = client.get("/dashboard/?year=2024").get_data(as_text=True)
    labels = re.findall(r'<span class="hbar-label">([^<]*)</span>', page)
    assert "151 Government &amp; Civil Society-general" in labels, labels
    assert not any(label.endswith("…") for label in labels)
    assert '<span class="hbar-value" title="3,456,789.00 USD">3.5 M</span>' in page


def test_amounts_are_written_as_babel_writes_them_in_every_language(app):
    """The money filters write fixed decimals with Python's own formatting: the same text as
    babel's, rounding (half to even) and grouping included, in languages that group with a
    point or a narrow space too."""
    import random

    from babel import numbers

    from portal.templating import format_decimal

    chosen = random.Random(2026)
    values = [Decimal("-0.001"), Decimal("0.005"), Decimal("0.015"), Decimal("-2.5"), 0, -7]
    values += [Decimal("1E+3"), Decimal("123456789012345.675"), 10**15]
    for _ in range(400):
        values.append(Decimal(chosen.randint(-(10**9), 10**9)).scaleb(chosen.randint(-6, 4)))
    for locale in ("en", "km", "de", "fr"):
        with app.test_request_context(headers={"Accept-Language": locale}):
            flask_babel.refresh()
            with flask_babel.force_locale(locale):
                for pattern in ("#,##0.00", "#,##0.0", "#,##0", "#,##0.####"):
                    for value in values:
                        expected = numbers.format_decimal(value, format=pattern, locale=locale)
                        assert format_decimal(value, format=pattern) == expected, (locale, value)
