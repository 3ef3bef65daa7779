"""What other features read of the budget classification: codes, names, the on-budget rule."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import Boolean, exists, or_, select, type_coerce

from portal.budget.models import (
    MAPPABLE,
    SUBPROGRAMME,
    BudgetNode,
    ProjectBudget,
    ProjectBudgetLine,
)
from portal.extensions import db


def has_budget_codes(project_id_column):
    """SQL: the project (its id column given) maps to at least one budget code."""
    return exists().where(ProjectBudgetLine.project_id == project_id_column)


def on_budget_clause(Project):
    """SQL for a project's on-budget value: mapped to budget codes, else its typed field.

    A project with a budget mapping is on budget whatever was typed; without one, the field as
    the partner (or CDC) typed it stays in force. Typed as a boolean on both databases.
    """
    return type_coerce(or_(Project.on_budget, has_budget_codes(Project.id)), Boolean)


def mapped_project_ids(project_ids: Iterable[int]) -> set[int]:
    """Return those of `project_ids` that map to budget codes."""
    ids = list(project_ids)
    if not ids:
        return set()
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(
            db.session.scalars(
                select(ProjectBudgetLine.project_id)
                .where(ProjectBudgetLine.project_id.in_(chunk))
                .distinct()
            )
        )
    return found


def on_budget_by_project(projects) -> dict[int, tuple[bool, list[ProjectBudgetLine]]]:
    """Each project's derived on-budget value and its budget lines (for downloads)."""
    lines = lines_of(p.id for p in projects)
    return {p.id: (bool(p.on_budget) or p.id in lines, lines.get(p.id, [])) for p in projects}


def is_on_budget(project) -> bool:
    """A project's on-budget value by the rule above."""
    return bool(project.on_budget) or bool(mapped_project_ids([project.id]))


def mapping_of(project_id: int) -> ProjectBudget | None:
    """The project's budget mapping (its lines in order), or None."""
    return db.session.get(ProjectBudget, project_id)


def lines_of(project_ids: Iterable[int]) -> dict[int, list[ProjectBudgetLine]]:
    """Each project's budget lines (largest share first), for lists, the API and exports."""
    ids = list(project_ids)
    result: dict[int, list[ProjectBudgetLine]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        statement = (
            select(ProjectBudgetLine)
            .where(ProjectBudgetLine.project_id.in_(chunk))
            .order_by(ProjectBudgetLine.project_id, ProjectBudgetLine.share_from)
        )
        for line in db.session.scalars(statement):
            result.setdefault(line.project_id, []).append(line)
    return result


def all_nodes() -> list[BudgetNode]:
    """Every node of the tree, ministries first, each branch in code order."""
    return list(db.session.scalars(select(BudgetNode).order_by(BudgetNode.code)))


def node_by_code(code: str) -> BudgetNode | None:
    return db.session.scalar(select(BudgetNode).where(BudgetNode.code == code))


def mappable_choices(organization_id: int | None, locale: str = "en") -> list[tuple[str, str]]:
    """(code, label) of the programmes and sub-programmes a project of that lead may map to."""
    statement = (
        select(BudgetNode)
        .where(BudgetNode.level.in_(MAPPABLE), BudgetNode.retired.is_(False))
        .order_by(BudgetNode.code)
    )
    if organization_id is not None:
        statement = statement.where(BudgetNode.organization_id == organization_id)
    return [
        (node.code, f"{node.code} — {node.display_name(locale)}")
        for node in db.session.scalars(statement)
    ]


def subtree_ids(node_id: int) -> set[int]:
    """The node and every node under it."""
    children: dict[int | None, list[int]] = {}
    for node_id_, parent_id in db.session.execute(select(BudgetNode.id, BudgetNode.parent_id)):
        children.setdefault(parent_id, []).append(node_id_)
    found, stack = set(), [node_id]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def projects_under(node_id: int):
    """SQL: ids of the projects mapped to the node or to a node under it (list filter)."""
    return select(ProjectBudgetLine.project_id).where(
        ProjectBudgetLine.node_id.in_(subtree_ids(node_id))
    )


def projects_under_code(code: str):
    """SQL: ids of the projects mapped to the node of `code` or under it (none if unknown)."""
    node = node_by_code(code)
    if node is None:
        return select(ProjectBudgetLine.project_id).where(ProjectBudgetLine.project_id.is_(None))
    return projects_under(node.id)


def programme_names(ids: Iterable[int], locale: str = "en") -> dict[int, str]:
    """'code — name' of each programme id (the aggregates' budget dimension labels)."""
    wanted = [i for i in ids if isinstance(i, int)]
    if not wanted:
        return {}
    return {
        node.id: f"{node.code} — {node.display_name(locale)}"
        for node in db.session.scalars(select(BudgetNode).where(BudgetNode.id.in_(wanted)))
    }


def mapping_choices_for(project, locale: str = "en") -> list[tuple[str, str]]:
    """The codes a project's form offers: its lead ministry's in force, and those it has."""
    choices = mappable_choices(project.lead_national_partner_id or -1, locale)
    offered = {code for code, _label in choices}
    mapping = mapping_of(project.id)
    for line in mapping.lines if mapping else []:
        if line.node.code not in offered:
            choices.append((line.node.code, f"{line.node.code} — {line.node.display_name(locale)}"))
    return choices


def filter_choices(locale: str = "en") -> list[tuple[str, str]]:
    """(code, label) of every programme and sub-programme in code order (the list's filter).

    Retired codes stay, marked, since projects may still map to them; a sub-programme's label
    is indented under its programme.
    """
    statement = select(BudgetNode).where(BudgetNode.level.in_(MAPPABLE)).order_by(BudgetNode.code)
    choices = []
    for node in db.session.scalars(statement):
        indent = "\u2003" if node.level == SUBPROGRAMME else ""
        label = f"{indent}{node.code} — {node.display_name(locale)}"
        choices.append((node.code, f"{label} ({_('retired')})" if node.retired else label))
    return choices
