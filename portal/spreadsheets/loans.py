"""Loan terms in the project workbook: one row a project on the Loan terms sheet.

The template writes the terms of every project that has some, and an empty row for every loan
without terms, with the terms' version. On upload:
- a blank cell keeps the term the project has (`portal.loans.services.merge`);
- a row that says what the terms are changes nothing, whatever its version;
- a changed row is refused when the terms were saved in the portal after the file was made
  (its Version cell), as the loan form refuses;
- impossible terms are refused at their cells with the loan rules' own messages
  (`portal.loans.rules.problems`), and terms are taken for loans only, as on the loan form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.loans import services as loan_services
from portal.loans.models import LoanTerms
from portal.loans.rules import FIELDS, LoanData, LoanTermsInvalid, problems
from portal.projects import codes
from portal.spreadsheets.compare import Change
from portal.spreadsheets.layout import LOANS

LABEL = _l("Loan terms")
NONE = 0  # the version a file gives a project that had no terms


@dataclass
class LoanChange:
    """The terms a workbook gives a project, and the version they were read against."""

    data: LoanData
    version: int  # NONE when the project had no terms


def template_rows(projects) -> list[dict]:
    """A row for every project with terms, and an empty one for every loan without."""
    ids = [p.id for p in projects]
    terms = {
        t.project_id: t
        for t in db.session.scalars(select(LoanTerms).where(LoanTerms.project_id.in_(ids)))
    }
    rows = []
    for project in projects:
        loan = terms.get(project.id)
        if loan is None and not codes.is_loan(project.type_of_assistance, project.finance_type):
            continue
        values = {name: getattr(loan, name) for name in FIELDS} if loan is not None else {}
        rows.append(
            {
                "project": project.id,
                "project_title": project.title_en,
                **values,
                "version": loan.version if loan is not None else NONE,
            }
        )
    return rows


def _text(data: LoanData) -> str:
    """The terms in one line for the preview, each with its column's header."""
    return "; ".join(
        f"{LOANS.column(name).label}: {getattr(data, name)}"
        for name in FIELDS
        if getattr(data, name) is not None
    )


def read_loans(builder: Any) -> None:
    """Read each project's row into its planned `loan` change (refusals at their cells)."""
    rows = builder.workbook.rows.get(LOANS.key, [])
    ids = [p.project.id for p in builder.planned if p.project is not None]
    current = {
        t.project_id: t
        for t in db.session.scalars(select(LoanTerms).where(LoanTerms.project_id.in_(ids)))
    }
    seen: dict[int, int] = {}
    for row in rows:
        planned = builder._owner(LOANS, row)
        if planned is None:
            continue
        if id(planned) in seen:
            message = _l("This project is already on row %(row)s.", row=seen[id(planned)])
            builder.error(LOANS, row.number, "project", message, planned)
            continue
        seen[id(planned)] = row.number
        loan = current.get(planned.project.id) if planned.project is not None else None
        given = LoanData(**{name: row.values.get(name) for name in FIELDS})
        merged = loan_services.merge(loan, given)
        before = loan_services.data_of(loan)
        if merged == before:
            continue
        version = row.values.get("version")
        if planned.project is not None and not _version_holds(builder, planned, row, loan, version):
            continue
        if not codes.is_loan(planned.data.type_of_assistance, planned.data.finance_type):
            builder.error(
                LOANS,
                row.number,
                "project",
                _l("This project is not a loan: set its type of assistance to Loan first."),
                planned,
            )
            continue
        errors = problems(merged)
        for name, message in errors.items():
            builder.error(LOANS, row.number, name, message, planned)
        if errors:
            continue
        planned.loan = LoanChange(merged, loan.version if loan is not None else NONE)
        planned.extra_changes.append(Change(str(LABEL), _text(before), _text(merged)))


def _version_holds(builder: Any, planned, row, loan: LoanTerms | None, version) -> bool:
    """Whether the row's version is that of the terms as they are; refuse it at the cell if
    not (someone saved them in the portal after the file was made)."""
    if version is None and loan is not None:
        message = _l("Keep the version the template gave these terms.")
        builder.error(LOANS, row.number, "version", message, planned)
        return False
    theirs = loan.version if loan is not None else NONE
    if version is not None and version != theirs:
        builder.error(
            LOANS,
            row.number,
            "version",
            _l(
                "The loan terms of project %(id)s were saved in the portal after this file was "
                "made (version %(theirs)s, the file has %(ours)s). Download a new template, or "
                "copy your changes into it.",
                id=planned.project.id,
                theirs=theirs,
                ours=version,
            ),
            planned,
        )
        return False
    return True


def apply_loan(planned, project, user) -> None:
    """Write the terms a planned project's row gives (flush only; refusals raise)."""
    if planned.loan is None:
        return
    loan_services.save_terms(
        project, planned.loan.data, actor=user, expected_version=planned.loan.version
    )


REFUSALS = (LoanTermsInvalid, loan_services.EditConflict)
