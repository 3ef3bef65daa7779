"""Every page of a full report keeps its words inside the side margins, in each edition.

The tables' amounts never wrap (.num), and their headings did not either: the bilingual
headings ("Committed (USD) / ...") pushed the funding tables, the alignment, predictability and
quality tables off the right edge of the page, and the English predictability table into the
right margin. The report here has every section (a reporting round's report, from the demo
data), and one partner with the widest amounts a table shows; the PDF is read back with
pdftotext -bbox.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.alignment import services as alignment
from portal.demo.services import build_demo
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services as projects
from portal.reference.services import set_khmer_digits
from portal.reports import services
from portal.reports.params import SECTIONS, ReportParams
from portal.rounds import freeze
from portal.rounds.models import ReportingRound
from tests import factories
from tests.reports import pdf as read

MM = 72 / 25.4
SIDE_MARGIN = 16 * MM  # the page rules of portal/reports/render.py: 22 mm 16 mm 20 mm 16 mm
TOLERANCE = 0.5  # a glyph's box may overhang its advance by a hair

WIDEST = Decimal("999999999.99")
COMMENT = (
    "Treasury recorded only the first tranche of the year; the second tranche was paid into "
    "the project account in December and is not yet in the ministry's budget execution report."
)


@pytest.fixture
def round_year() -> int:
    """The demo's data with its open round closed (so that a report has every section), and in
    it a partner with long names, the widest amounts and a disputed figure; the round's year."""
    build_demo(project_count=60)
    open_round = db.session.scalar(select(ReportingRound).where(ReportingRound.state == "open"))
    assert open_round is not None
    year = open_round.year
    cdc = factories.user(role="cdc")
    ministry = factories.organization(
        OrgKind.GOVERNMENT,
        acronym="MRDWIDE",
        name_en="Ministry of Rural Development and Water Resources Management",
        name_km="ក្រសួងអភិវឌ្ឍន៍ជនបទ និងការគ្រប់គ្រងធនធានទឹក",
    )
    partner = factories.organization(
        OrgKind.MULTILATERAL,
        acronym="INTLWIDE",
        name_en="International Fund for Infrastructure and Agricultural Development",
        name_km="មូលនិធិអន្តរជាតិសម្រាប់ហេដ្ឋារចនាសម្ព័ន្ធ និងការអភិវឌ្ឍកសិកម្ម",
    )
    project = factories.project(
        partner,
        ministry,
        title_en=(
            "Climate-resilient rural roads, irrigation and water supply in the Tonle Sap basin"
        ),
        title_km="ផ្លូវជនបទ ប្រព័ន្ធធារាសាស្ត្រ និងការផ្គត់ផ្គង់ទឹក ធន់នឹងអាកាសធាតុ នៅអាងទន្លេសាប",
        planned_start=date(year - 1, 1, 1),
        planned_end=date(year + 3, 12, 31),
        commitment_amount=WIDEST,
        commitment_date=date(year, 3, 1),
        funding=[
            projects.YearAmount(year - 1, "disbursement", WIDEST, "USD"),
            projects.YearAmount(year, "disbursement", WIDEST, "USD"),
            projects.YearAmount(year, "planned", WIDEST, "USD"),
            projects.YearAmount(year + 1, "planned", WIDEST, "USD"),
        ],
    )
    alignment.save_figures(
        project,
        [alignment.FigureData(year, Decimal("1000.00"), "disputed", COMMENT)],
        actor=cdc,
    )
    freeze.close(open_round, actor=cdc)
    db.session.flush()
    return year


@pytest.mark.parametrize(
    "language, khmer_digits", [("en", False), ("km", False), ("km", True), ("both", False)]
)
def test_no_word_of_a_full_report_crosses_the_side_margins(round_year, language, khmer_digits):
    if khmer_digits:
        set_khmer_digits(True, actor=None)
    params = ReportParams(
        year=round_year, round_year=round_year, language=language, audience="internal"
    )
    assert params.sections == tuple(SECTIONS)  # every section, a round's coverage included
    built = services.build(params)
    words = read.words(built.pdf)
    assert len({w.page for w in words}) == built.pages

    # The widest amount is in the tables, whole: one word of the PDF.
    digits = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩") if khmer_digits else {}
    assert "999,999,999.99".translate(digits) in {w.text for w in words}
    right = words[0].page_width - SIDE_MARGIN
    crossing = [
        (w.page, w.text, round(w.x_min, 1), round(w.x_max, 1))
        for w in words
        if w.x_max > right + TOLERANCE or w.x_min < SIDE_MARGIN - TOLERANCE
    ]
    assert not crossing, (
        f"words beyond the side margins ({SIDE_MARGIN:.1f} to {right:.1f} pt): {crossing[:40]}"
    )
