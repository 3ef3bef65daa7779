"""A joint review stays a summary: a long list shows its first entries, ordered as its caption
says, then "and N more"; every entry is in the workbook attached inside the PDF, downloadable
beside it for the PDF's readers, and kept unchanged with the issued report."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from portal.alignment import services as alignment
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services as projects
from portal.projects.models import Project
from portal.reports import lists, services
from portal.reports.models import IssuedReport, IssuedReportChanged, ReportJob
from portal.reports.params import ReportParams
from portal.templating import money
from tests import factories
from tests.reports import pdf as read

YEAR = 2024
DISPUTES = lists.SHOWN + 4
STALE = lists.SHOWN + 2
LISTED = ("loans", "reconciliation", "quality")


@pytest.fixture
def registry():
    """More disputed figures and stale projects than the PDF shows, and two loans."""
    cdc = factories.user(role="cdc")
    partner = factories.organization(OrgKind.BILATERAL, acronym="LISTAID")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="LISTMIN")
    for n in range(DISPUTES):
        # Dispute n differs by (n + 1) thousand dollars: the largest differences come last.
        project = factories.project(
            partner,
            ministry,
            title_en=f"Disputed project {n:02d}",
            funding=[projects.YearAmount(YEAR, "disbursement", Decimal(500000), "USD")],
        )
        alignment.save_figures(
            project,
            [
                alignment.FigureData(
                    YEAR,
                    Decimal(500000 - 1000 * (n + 1)),
                    "disputed",
                    "The treasury recorded less.",
                )
            ],
            actor=cdc,
        )
    now = datetime.now(UTC)
    for n in range(STALE):
        stale = factories.project(partner, ministry, title_en=f"Forgotten project {n:02d}")
        # Stale project n was last updated 400 + n days ago: the oldest come last.
        db.session.execute(
            update(Project)
            .where(Project.id == stale.id)
            .values(updated_at=now - timedelta(days=400 + n))
        )
    for n, amount in enumerate(("2500000.55", "333333.33")):
        factories.project(
            partner,
            ministry,
            title_en=f"Loan project {n}",
            type_of_assistance="loan",
            commitment_amount=Decimal(amount),
        )
    db.session.commit()
    return cdc


def _project(title: str) -> Project:
    return db.session.scalars(select(Project).where(Project.title_en == title)).one()


def _params(**values) -> ReportParams:
    return ReportParams(year=YEAR, sections=LISTED, **values)


def _attachments(pdf: bytes, folder: Path) -> dict[str, bytes]:
    """The files embedded in the PDF, read back with poppler's pdfdetach."""
    source = folder / "report.pdf"
    source.write_bytes(pdf)
    listing = subprocess.run(
        ["pdfdetach", "-list", str(source)], check=True, capture_output=True, text=True
    ).stdout
    names = [line.split(": ", 1)[1] for line in listing.splitlines()[1:]]
    out = folder / "attached"
    out.mkdir()
    subprocess.run(["pdfdetach", "-saveall", "-o", str(out), str(source)], check=True)
    return {name: (out / name).read_bytes() for name in names}


def _sheet(book_bytes: bytes, title: str) -> list[list]:
    book = load_workbook(io.BytesIO(book_bytes), read_only=True)
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def test_long_lists_show_their_first_entries_then_how_many_more(app, registry):
    built = services.build(_params())
    text = read.reading_text(built.pdf)
    flat = " ".join(text.split())
    # Disputes, largest difference first: the PDF shows the largest, not the smallest.
    for n in range(DISPUTES - lists.SHOWN, DISPUTES):
        assert f"Disputed project {n:02d}" in text
    for n in range(DISPUTES - lists.SHOWN):
        assert f"Disputed project {n:02d}" not in text
    assert "largest difference first" in flat
    assert f"…and {DISPUTES - lists.SHOWN} more: the complete list is in the workbook" in flat
    # Projects not updated for a year, oldest first.
    for n in range(STALE - lists.SHOWN, STALE):
        assert f"Forgotten project {n:02d}" in text
    assert "Forgotten project 00" not in text
    assert f"…and {STALE - lists.SHOWN} more" in flat
    # Two loans: no cut, no "more".
    assert "Loan project 0" in text and "Loan project 1" in text
    assert flat.count("more: the complete list") == 2


def test_the_workbook_is_attached_inside_the_pdf_with_every_entry(app, registry, tmp_path):
    built = services.build(_params())
    attached = _attachments(built.pdf, tmp_path)
    assert list(attached) == [f"joint-review-{YEAR}-complete-lists.xlsx"]
    workbook = attached[f"joint-review-{YEAR}-complete-lists.xlsx"]
    assert workbook == built.workbook
    book = load_workbook(io.BytesIO(workbook), read_only=True)
    assert book.sheetnames == ["About", "Loans", "Disputed figures", "Not updated for a year"]
    disputes = _sheet(workbook, "Disputed figures")
    assert disputes[1][:5] == [
        "Project",
        "Year",
        "Partner reported (USD)",
        "Government recorded (USD)",
        "Difference (USD)",
    ]
    # Every disputed figure, the ones the PDF cut included, in the PDF's order, to the cent.
    assert [row[0] for row in disputes[2:]] == [
        f"Disputed project {n:02d}" for n in reversed(range(DISPUTES))
    ]
    assert [Decimal(str(row[4])) for row in disputes[2:]] == [
        Decimal(-1000 * (n + 1)) for n in reversed(range(DISPUTES))
    ]
    stale = _sheet(workbook, "Not updated for a year")
    assert [row[0] for row in stale[2:]] == [
        f"Forgotten project {n:02d}" for n in reversed(range(STALE))
    ]
    loans = _sheet(workbook, "Loans")
    assert [(row[0], Decimal(str(row[2]))) for row in loans[2:]] == [
        ("Loan project 0", Decimal("2500000.55")),
        ("Loan project 1", Decimal("333333.33")),
    ]
    about = _sheet(workbook, "About")
    counts = {row[0]: row[1] for row in about if len(row) > 1 and row[1] is not None}
    assert counts == {"Loans": 2, "Disputed figures": DISPUTES, "Not updated for a year": STALE}


def test_khmer_report_cuts_its_lists_in_khmer_too(app, registry, tmp_path):
    built = services.build(_params(language="km"))
    text = "".join(read.reading_text(built.pdf).split()).replace("\u200b", "")
    assert "…" in text and str(DISPUTES - lists.SHOWN) in text
    # The Khmer catalog translates the line once merged; its number is there in any case.
    workbook = _attachments(built.pdf, tmp_path)[f"joint-review-{YEAR}-complete-lists.xlsx"]
    book = load_workbook(io.BytesIO(workbook), read_only=True)
    assert len(book.sheetnames) == 4
    assert sum(1 for _ in book.worksheets[2].iter_rows()) == DISPUTES + 2


def test_the_issued_report_keeps_its_workbook_unchanged(app, client, login_as, registry):
    job = services.start(_params(), registry)
    job = db.session.get(ReportJob, job.id)
    assert job.state == "done" and job.workbook is not None
    report = services.issue(job, registry)
    assert report.workbook == job.workbook
    assert report.workbook_sha256 and report.workbook_sha256 == job.workbook_sha256
    report.workbook = b"another workbook"
    with pytest.raises(IssuedReportChanged):
        db.session.flush()
    db.session.rollback()
    login_as("cdc")
    issued = db.session.get(IssuedReport, report.id)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert f"/reports/{report.id}/lists.xlsx" in page and issued.workbook_sha256 in page
    download = client.get(f"/reports/{report.id}/lists.xlsx")
    assert download.status_code == 200 and download.data == issued.workbook
    assert download.mimetype.endswith("spreadsheetml.sheet")
    draft = client.get(f"/reports/jobs/{job.id}/lists.xlsx")
    assert draft.status_code == 200 and draft.data == issued.workbook
    assert f"/reports/jobs/{job.id}/lists.xlsx" in client.get(f"/reports/jobs/{job.id}").text


def test_a_report_without_long_lists_has_no_workbook(app, client, login_as, registry):
    built = services.build(ReportParams(year=YEAR, sections=("key_figures",)))
    assert built.workbook is None
    assert (
        "embedded files"
        not in subprocess.run(
            ["pdfinfo", "-"], input=built.pdf, capture_output=True, check=True
        ).stdout.decode()
    )
    job = services.start(ReportParams(year=YEAR, sections=("key_figures",)), registry)
    login_as("cdc")
    assert client.get(f"/reports/jobs/{job.id}/lists.xlsx").status_code == 404


def test_a_public_editions_workbook_has_what_its_pdf_has(app, registry):
    """A public edition has no disputes or quality annex, in the PDF or the workbook, and
    lists only the published loans."""
    projects.set_published(_project("Loan project 0"), True, actor=None)
    db.session.commit()
    built = services.build(_params(audience="public"))
    book = load_workbook(io.BytesIO(built.workbook), read_only=True)
    assert book.sheetnames == ["About", "Loans"]
    loans = _sheet(built.workbook, "Loans")
    assert [row[0] for row in loans[2:]] == ["Loan project 0"]
    assert "Disputed project" not in read.reading_text(built.pdf)


def test_the_loans_state_concessional_yes_or_no_and_the_grant_equivalent(app, registry):
    from portal.loans import services as loan_services
    from portal.loans.rules import LoanData

    loan_services.save_terms(
        _project("Loan project 0"),
        LoanData(
            interest_rate=Decimal("0.75"),
            maturity_years=Decimal("38"),
            grace_years=Decimal("6"),
            repayment_type="1",
            repayment_plan="2",
        ),
        actor=None,
    )
    db.session.commit()
    built = services.build(ReportParams(year=YEAR, sections=("loans",)))
    flat = " ".join(read.reading_text(built.pdf).split())
    assert "Loans and their concessionality (largest commitment first)" in flat
    loans = _sheet(built.workbook, "Loans")
    soft_row, bare_row = loans[2], loans[3]
    assert soft_row[4] == "Yes" and bare_row[4] == "—"
    equivalent = Decimal(str(soft_row[5]))
    assert equivalent > 0
    assert money(equivalent) in flat  # the loan's, and the total's (the only loan with terms)
    assert "All 2 loans" in flat
