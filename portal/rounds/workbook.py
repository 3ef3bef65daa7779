"""The round's checklist as a workbook: download, fill in offline, upload (all or nothing).

One row a project the round concerns: the actual disbursement of the year and the plans of
the next three, in the project's main currency, its status and end date, and a "No change"
column. As in the project workbook, a blank cell keeps what the project has, the Version column
guards against overwriting a colleague's save, and either every row is saved or none is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.projects.models import Project
from portal.projects.services import EditConflict, ProjectInvalid
from portal.rounds import checklist
from portal.rounds.models import ReportingRound
from portal.rounds.services import concerned
from portal.spreadsheets.layout import Column, Sheet
from portal.spreadsheets.reading import CellError, read_workbook
from portal.spreadsheets.template import workbook_bytes

PAGE = 500  # projects read at a time while writing the workbook


def round_sheet(round_: ReportingRound) -> Sheet:
    """The sheet's columns, headed with the round's years."""
    plans = tuple(
        Column(f"plan_{i}", _l("Plan %(year)s", year=year), "decimal", 14)
        for i, year in enumerate(round_.plan_years, start=1)
    )
    return Sheet(
        "round",
        _l("Round %(year)s", year=round_.year),
        (
            Column("id", _l("Portal ID"), "integer", 10, required=True),
            Column("project_title", _l("Title"), "text", 48, informational=True),
            Column("currency", _l("Currency"), "text", 10, informational=True),
            Column("actual", _l("Actual %(year)s", year=round_.year), "decimal", 14),
            *plans,
            Column("status", _l("Status"), "choice", 24, "status"),
            Column("end_date", _l("End date"), "date", 13),
            Column("no_change", _l("No change"), "yes_no", 11, "yes_no"),
            Column("version", _l("Version (do not change)"), "integer", 10),
        ),
    )


def _readme(round_: ReportingRound) -> list[str]:
    return [
        _(
            "For each project: the actual disbursement of %(year)s and the plans of %(first)s "
            "to %(last)s, in the currency shown, then its status and end date.",
            year=round_.year,
            first=round_.plan_years[0],
            last=round_.plan_years[-1],
        ),
        _("Write “Yes” in the No change column of a project whose figures are right as they are."),
        _("A blank cell keeps what the project has; write 0 for no money."),
        _(
            "Then upload the file on the round's page. Either every row is saved, or none is: "
            "the page lists every problem by row."
        ),
        _("Keep the Portal ID and Version columns as they are."),
    ]


def workbook_for(round_: ReportingRound, organization_id: int) -> bytes:
    """The partner's checklist as an .xlsx file."""
    rows = []
    offset = 0
    while True:
        found = checklist.rows(round_, organization_id, offset=offset, limit=PAGE)
        for row in found:
            rows.append(
                {
                    "id": row.project.id,
                    "project_title": row.project.title_en,
                    "currency": row.currency,
                    **checklist.prefilled(round_, row),
                    "status": row.figures.status,
                    "end_date": row.figures.end_date,
                    "version": row.project.version,
                }
            )
        if len(found) < PAGE:
            break
        offset += PAGE
    title = _("Reporting round %(year)s", year=round_.year)
    return workbook_bytes([(round_sheet(round_), rows)], title, _readme(round_))


@dataclass
class Outcome:
    saved: int = 0
    unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)


def apply_upload(round_: ReportingRound, organization_id: int, content: bytes, *, actor) -> Outcome:
    """Read the workbook and save every row, or none when any row is refused.

    Raises UnreadableFile when the file cannot be read at all.
    """
    sheet = round_sheet(round_)
    book = read_workbook(content, (sheet,))
    outcome = Outcome(errors=list(book.errors))
    rows = book.rows.get("round", [])
    ids = [r.values.get("id") for r in rows if isinstance(r.values.get("id"), int)]
    projects = {
        p.id: p
        for p in db.session.scalars(
            select(Project).where(
                Project.id.in_(ids),
                Project.reporting_org_id == organization_id,
                concerned(round_),
            )
        )
    }
    savepoint = db.session.begin_nested()
    for row in rows:
        values = row.values
        row_id = values.get("id")
        project = projects.get(row_id) if row_id is not None else None
        if project is None:
            book.error(
                sheet, row.number, "id", _l("No project of yours in this round has this ID.")
            )
            continue
        if values.get("no_change"):
            checklist.confirm_unchanged(round_, project, actor=actor)
            outcome.unchanged += 1
            continue
        _, current, mixed = checklist.figures_of(round_, project)
        amounts = dict(current.amounts)
        for name, key in checklist.fields(round_).items():
            if values.get(name) is None:
                continue  # a blank cell keeps what the project has
            if key in mixed:
                book.error(
                    sheet,
                    row.number,
                    name,
                    _l("In several currencies: change it in the project form."),
                )
                continue
            if values[name] < 0:
                book.error(sheet, row.number, name, _l("An amount cannot be negative."))
                continue
            amounts[key] = values[name]
        wanted = checklist.Figures(
            amounts,
            values.get("status") or current.status,
            values.get("end_date") or current.end_date,
        )
        version = values.get("version")
        try:
            if not checklist.apply_changed(
                round_,
                project,
                wanted,
                actor=actor,
                expected_version=version if isinstance(version, int) else project.version,
            ):
                continue
        except ProjectInvalid as invalid:
            for message in invalid.errors.values():
                book.error(sheet, row.number, None, message)
        except EditConflict:
            book.error(
                sheet,
                row.number,
                "version",
                _l("Someone saved this project after you downloaded the file: download it again."),
            )
        else:
            outcome.saved += 1
    outcome.errors = list(book.errors)
    if outcome.errors:
        savepoint.rollback()
        outcome.saved = outcome.unchanged = 0
    else:
        savepoint.commit()
    return outcome
