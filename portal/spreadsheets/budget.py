"""Budget codes in the project workbook: one cell a project, "12.01 60; 12.02 40".

The template writes each project's codes with their shares. On upload:
- a blank cell keeps the codes the project has (a blank never erases);
- a cell that says what the project has changes nothing, whoever uploads it;
- a changed cell is refused when the codes were changed in the portal after the file was made
  (the Budget codes version cell beside it, as the project's Version cell for its fields): a
  colleague's codes are never silently overwritten;
- a changed cell is taken only from someone who may change budget codes
  (security.can_edit_budget_codes: CDC, or the lead ministry); anyone else's is refused at the
  cell, so nothing is silently dropped and the uploader puts the cell back or blanks it;
- a wrong code, or shares not adding up to 100, is refused at the cell with the service's
  reasons; one refusal anywhere and nothing of the file is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.budget import services as budget_services
from portal.budget.cells import CellInvalid, codes_text, parse_codes, percent_text
from portal.budget.models import ProjectBudget
from portal.budget.queries import lines_of
from portal.extensions import db
from portal.security import can_edit_budget_codes
from portal.spreadsheets.compare import Change
from portal.spreadsheets.layout import BUDGET_CODES, BUDGET_VERSION, PROJECTS


@dataclass
class BudgetChange:
    """The codes a workbook gives a project, and the mapping version they were checked with."""

    shares: list[budget_services.BudgetShare]
    version: int  # the mapping's version the file was made with (0: no codes then)


def template_codes(projects) -> dict[int, tuple[str | None, int]]:
    """Each project's budget-codes cell for the template (None: no codes) and the version of
    its codes (0 before any)."""
    ids = [p.id for p in projects]
    lines = lines_of(ids)
    statement = select(ProjectBudget.project_id, ProjectBudget.version).where(
        ProjectBudget.project_id.in_(ids)
    )
    versions = {row[0]: row[1] for row in db.session.execute(statement).all()}
    return {
        p.id: (codes_text(lines.get(p.id, [])) or None, versions.get(p.id, 0)) for p in projects
    }


def _normal(shares) -> list[tuple[str, Decimal]]:
    return sorted((s.code.strip(), Decimal(s.percentage).normalize()) for s in shares)


def read_budget_cells(user, rows, planned_projects, error: Callable) -> None:
    """Read the Projects sheet's budget cells into each planned project's `budget` change.

    `error(sheet, row, key, message, planned)` notes a refusal at the cell.
    """
    by_row = {row.number: row for row in rows}
    current = lines_of(p.project.id for p in planned_projects if p.project is not None)
    for planned in planned_projects:
        row = by_row.get(planned.row)
        text = row.values.get(BUDGET_CODES) if row is not None else None
        if text is None or not str(text).strip():
            continue
        try:
            shares = parse_codes(str(text))
        except CellInvalid as invalid:
            error(PROJECTS, planned.row, BUDGET_CODES, str(invalid), planned)
            continue
        lines = current.get(planned.project.id, []) if planned.project is not None else []
        before = [budget_services.BudgetShare(line.node.code, line.percentage) for line in lines]
        if _normal(shares) == _normal(before):
            continue
        version = row.values.get(BUDGET_VERSION) if row is not None else None
        if planned.project is not None and not _version_holds(planned, version, error):
            continue
        # The rules see the project as the workbook leaves it (its lead ministry may change).
        subject = SimpleNamespace(
            id=planned.project.id if planned.project is not None else None,
            lead_national_partner_id=planned.data.lead_national_partner_id,
        )
        if not can_edit_budget_codes(user, subject):
            error(
                PROJECTS,
                planned.row,
                BUDGET_CODES,
                _l(
                    "Only CDC and the project's lead ministry change its budget codes: put the "
                    "cell back as it was, or leave it blank."
                ),
                planned,
            )
            continue
        try:
            budget_services.check_shares(subject, shares)
        except budget_services.BudgetInvalid as invalid:
            error(PROJECTS, planned.row, BUDGET_CODES, _reasons(invalid, shares), planned)
            continue
        planned.budget = BudgetChange(shares, version or 0)
        planned.changes.append(
            Change(
                str(PROJECTS.column(BUDGET_CODES).label),
                codes_text(lines),
                "; ".join(f"{s.code} {percent_text(s.percentage or Decimal(0))}" for s in shares),
            )
        )


def _version_holds(planned, version: int | None, error: Callable) -> bool:
    """Whether the file's codes are those of the version it was made with; refuse the cell if
    someone changed the codes in the portal since."""
    theirs = budget_services.mapping_version(planned.project.id)
    if version is None:
        message = _l("Keep the budget codes version the template gave this project.")
        error(PROJECTS, planned.row, BUDGET_VERSION, message, planned)
        return False
    if version != theirs:
        error(
            PROJECTS,
            planned.row,
            BUDGET_CODES,
            _l(
                "The budget codes of project %(id)s were changed in the portal after this file "
                "was made (version %(theirs)s, the file has %(ours)s). Download a new template, "
                "or copy your changes into it.",
                id=planned.project.id,
                theirs=theirs,
                ours=version,
            ),
            planned,
        )
        return False
    return True


def _reasons(invalid: budget_services.BudgetInvalid, shares) -> str:
    """The service's refusals as one cell's message, each naming its code."""
    messages = []
    for key, message in invalid.errors.items():
        parts = key.split("-")
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(shares):
            messages.append(f"{shares[int(parts[1])].code}: {message}")
        else:
            messages.append(message)
    return " ".join(messages)


def apply_budget(planned, project, user) -> None:
    """Write the codes a planned project's cell gives (flush only; refusals raise)."""
    if planned.budget is None:
        return
    budget_services.set_budget_codes(
        project, planned.budget.shares, actor=user, expected_version=planned.budget.version
    )


REFUSALS = (budget_services.BudgetInvalid, budget_services.MappingConflict)
