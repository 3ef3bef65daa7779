"""The disputed figures' table stays inside the page's margins and its comments read as prose.

Six columns on a portrait A4 page: the table ran into the right margin of the English edition
(its long headings and amounts never wrapped) with each comment one word a line, and off the
page in the bilingual edition. The PDF is read back with pdftotext -bbox.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.alignment import services as alignment
from portal.organizations.models import OrgKind
from portal.projects import services as projects
from portal.reference.services import set_khmer_digits
from portal.reports import services
from portal.reports.params import ReportParams
from tests import factories
from tests.reports import pdf as read

MM = 72 / 25.4
SIDE_MARGIN = 16 * MM  # the page rules of portal/reports/render.py: 22 mm 16 mm 20 mm 16 mm
TOP_MARGIN, BOTTOM_MARGIN = 22 * MM, 20 * MM
TOLERANCE = 0.5  # a glyph's box may overhang its advance by a hair

COMMENT = (
    "Treasury recorded only the first tranche of the year; the second tranche was paid into "
    "the project account in December and is not yet in the ministry's budget execution report."
)
LINK = "Figures as in https://www.mef.gov.kh/documents/budget-execution-report-2024-q4-health.pdf"
# The widest amounts of the table (partner, government, difference), and two ordinary ones.
AMOUNTS = ["999,999,999.99", "1,000.00", "-999,998,999.99", "123,456,789.12", "-82,304,526.07"]


@pytest.fixture
def disputes():
    cdc = factories.user(role="cdc")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MOHDISP")
    partner = factories.organization(OrgKind.BILATERAL, acronym="DISPAID")
    for title_en, title_km, partner_usd, government_usd, comment in (
        (
            "Strengthening rural health services and maternal care in the northern provinces",
            "ការពង្រឹងសេវាសុខាភិបាលនៅជនបទ និងការថែទាំមាតា នៅខេត្តភាគខាងជើង",
            Decimal("999999999.99"),
            Decimal("1000.00"),
            COMMENT,
        ),
        (
            "Water supply",
            "ការផ្គត់ផ្គង់ទឹក",
            Decimal("123456789.12"),
            Decimal("41152263.05"),
            LINK,
        ),
    ):
        project = factories.project(
            partner,
            ministry,
            title_en=title_en,
            title_km=title_km,
            commitment_amount=Decimal("1500000000"),
            commitment_date=date(2022, 1, 1),
            funding=[projects.YearAmount(2024, "disbursement", partner_usd, "USD")],
        )
        alignment.save_figures(
            project, [alignment.FigureData(2024, government_usd, "disputed", comment)], actor=cdc
        )
    return cdc


def _section_words(pdf: bytes, first_amount: str) -> list[read.Word]:
    """The words of the section's pages inside the page body (not the running header/footer)."""
    words = read.words(pdf)
    first_page = next(w.page for w in words if w.text == first_amount)
    return [
        w
        for w in words
        if w.page >= first_page
        and w.y_min >= TOP_MARGIN - TOLERANCE
        and w.y_max <= w.page_height - BOTTOM_MARGIN + TOLERANCE
    ]


def _comment_lines(words: list[read.Word]) -> list[list[str]]:
    """The lines of COMMENT as laid out: its column, from its first word to its truncation."""
    start = next(w for w in words if w.text == "Treasury")
    column = [w for w in words if w.x_min >= start.x_min - TOLERANCE and w.y_min >= start.y_min]
    lines: dict[tuple[int, int], list[read.Word]] = {}
    for w in column:
        lines.setdefault((w.page, round(w.y_min)), []).append(w)
    result = []
    for key in sorted(lines):
        result.append([w.text for w in sorted(lines[key], key=lambda w: w.x_min)])
        if result[-1][-1].endswith("..."):  # Jinja's truncate ends the comment here
            break
    return result


@pytest.mark.parametrize(
    "language, khmer_digits", [("en", False), ("km", False), ("km", True), ("both", False)]
)
def test_the_disputed_figures_keep_inside_the_margins(disputes, language, khmer_digits):
    if khmer_digits:
        set_khmer_digits(True, actor=disputes)
    digits = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩") if khmer_digits else {}
    amounts = [amount.translate(digits) for amount in AMOUNTS]
    built = services.build(
        ReportParams(
            year=2024, sections=("reconciliation",), language=language, audience="internal"
        )
    )
    words = _section_words(built.pdf, amounts[0])
    texts = [w.text for w in words]

    # Every amount on one line: a single word of the PDF, never broken.
    for amount in amounts:
        assert amount in texts, (amount, texts)
    right = words[0].page_width - SIDE_MARGIN
    crossing = [(w.text, round(w.x_max, 1)) for w in words if w.x_max > right + TOLERANCE]
    assert not crossing, f"words beyond the right margin ({right:.1f} pt): {crossing}"
    assert all(w.x_min >= SIDE_MARGIN - TOLERANCE for w in words)

    # The comment reads as prose: three words a line at least (but its last), never one.
    lines = _comment_lines(words)
    assert lines[-1][-1].endswith("..."), lines
    assert all(len(line) >= 3 for line in lines[:-1]), lines
