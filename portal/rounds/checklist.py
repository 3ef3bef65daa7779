"""A partner's checklist for a round: each concerned project with the figures the round asks.

A row shows, in the project's main currency, the actual disbursement of the round's year and
the plans of the next three years, with the status and the end date. A correction goes through
the project registry's own rules and version check (`save_project`), so the checklist can never
store what the project form would refuse, nor overwrite a colleague's save silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.projects import codes
from portal.projects.models import Project
from portal.projects.services import YearAmount, save_project
from portal.rounds.models import ReportingRound, RoundProjectUpdate
from portal.rounds.services import concerned, mark_updated, updated
from portal.spreadsheets.compare import data_from_project

ACTUAL, PLANNED = "disbursement", "planned"


@dataclass
class Figures:
    """What a row edits: amounts by (kind, year) in the main currency, status and end date."""

    amounts: dict[tuple[str, int], Decimal | None]
    status: str
    end_date: date | None


@dataclass
class Row:
    project: Project
    currency: str
    figures: Figures
    # (kind, year) whose money is in more than one currency: edited in the project form only.
    mixed: set[tuple[str, int]] = field(default_factory=set)
    updated_at: object = None
    no_change: bool = False

    @property
    def updated(self) -> bool:
        return self.updated_at is not None


def columns(round_: ReportingRound) -> list[tuple[str, int]]:
    """The (kind, year) pairs the round asks for, in order."""
    return list(fields(round_).values())


def fields(round_: ReportingRound) -> dict[str, tuple[str, int]]:
    """The name of each amount a checklist row (or workbook row) holds, and what it is."""
    return {"actual": (ACTUAL, round_.year)} | {
        f"plan_{i}": (PLANNED, year) for i, year in enumerate(round_.plan_years, start=1)
    }


def prefilled(round_: ReportingRound, row: Row) -> dict:
    """A row's amounts by field name, as the form and the workbook show them."""
    return {name: row.figures.amounts.get(key) for name, key in fields(round_).items()}


def main_currency(project: Project) -> str:
    """The currency the checklist shows the project's money in."""
    if project.commitment_currency:
        return project.commitment_currency
    counts: dict[str, int] = {}
    for row in project.funding:
        counts[row.currency] = counts.get(row.currency, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else "USD"


def end_date_of(project: Project) -> date | None:
    return project.actual_end or project.planned_end


def figures_of(round_: ReportingRound, project: Project) -> tuple[str, Figures, set]:
    """The project's current figures for the round, with the pairs held in several currencies."""
    currency = main_currency(project)
    wanted = set(columns(round_))
    amounts: dict[tuple[str, int], Decimal | None] = dict.fromkeys(wanted)
    mixed = set()
    for row in project.funding:
        key = (row.kind, row.year)
        if key not in wanted:
            continue
        if row.currency != currency:
            mixed.add(key)
        amounts[key] = (amounts[key] or Decimal(0)) + row.amount
    return currency, Figures(amounts, project.status, end_date_of(project)), mixed


def count(round_: ReportingRound, organization_id: int, *, todo_only: bool = False) -> int:
    statement = select(func.count()).where(
        concerned(round_), Project.reporting_org_id == organization_id
    )
    if todo_only:
        statement = statement.where(~updated(round_))
    return db.session.scalar(statement) or 0


def rows(
    round_: ReportingRound,
    organization_id: int,
    *,
    todo_only: bool = False,
    offset: int = 0,
    limit: int = 50,
    ids: list[int] | None = None,
) -> list[Row]:
    """One page of the partner's checklist (projects not yet updated first, then by title),
    or the rows of the projects `ids` (a form sent back with its input)."""
    statement = (
        select(Project)
        .where(concerned(round_), Project.reporting_org_id == organization_id)
        .options(selectinload(Project.funding))
        .order_by(updated(round_), Project.title_en, Project.id)
        .offset(offset)
        .limit(limit)
    )
    if todo_only:
        statement = statement.where(~updated(round_))
    if ids is not None:
        statement = statement.where(Project.id.in_(ids)).offset(None).limit(None)
    projects = list(db.session.scalars(statement))
    marks = {
        update.project_id: update
        for update in db.session.scalars(
            select(RoundProjectUpdate).where(
                RoundProjectUpdate.round_id == round_.id,
                RoundProjectUpdate.project_id.in_([p.id for p in projects]),
            )
        )
    }
    result = []
    for project in projects:
        currency, figures, mixed = figures_of(round_, project)
        mark = marks.get(project.id)
        result.append(
            Row(
                project,
                currency,
                figures,
                mixed,
                updated_at=mark.at if mark else None,
                no_change=bool(mark and mark.no_change),
            )
        )
    return result


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a == b)


def differs(round_: ReportingRound, project: Project, wanted: Figures) -> bool:
    """Whether `wanted` changes anything of the project's round figures."""
    _, current, mixed = figures_of(round_, project)
    return (
        current.status != wanted.status
        or current.end_date != wanted.end_date
        or any(
            not _same(current.amounts.get(key), wanted.amounts.get(key))
            for key in columns(round_)
            if key not in mixed
        )
    )


def apply(
    round_: ReportingRound, project: Project, wanted: Figures, *, actor, expected_version: int
) -> None:
    """Save the row's figures into the project and mark it updated in the round.

    Refuses as the project form does: ProjectInvalid (a rule) or EditConflict (saved meanwhile).
    """
    currency, _, mixed = figures_of(round_, project)
    data = data_from_project(project)
    asked = {key for key in columns(round_) if key not in mixed}
    data.funding = [f for f in data.funding if (f.kind, f.year) not in asked] + [
        YearAmount(year, kind, amount, currency)
        for (kind, year) in sorted(asked)
        if (amount := wanted.amounts.get((kind, year))) is not None
    ]
    data.status = wanted.status
    if project.actual_end is not None or wanted.status == codes.CLOSED:
        data.actual_end = wanted.end_date
    else:
        data.planned_end = wanted.end_date
    save_project(data, actor=actor, project=project, expected_version=expected_version)
    mark_updated(round_, project, actor=actor, no_change=False)


def confirm_unchanged(round_: ReportingRound, project: Project, *, actor) -> None:
    """Mark the project's figures as still right for the round (one click)."""
    mark_updated(round_, project, actor=actor, no_change=True)


def apply_changed(
    round_: ReportingRound, project: Project, wanted: Figures, *, actor, expected_version: int
) -> bool:
    """Apply a row (the page's checklist or a workbook's) when it changes anything, in a
    savepoint of its own: a refusal (ProjectInvalid, EditConflict) rolls back this row alone.
    Returns whether the row changed the project."""
    if not differs(round_, project, wanted):
        return False
    with db.session.begin_nested():
        apply(round_, project, wanted, actor=actor, expected_version=expected_version)
    return True
