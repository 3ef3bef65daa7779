"""Changes to the budget tree and to a project's budget codes (they flush; views commit)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update

from portal.audit.services import record
from portal.budget.models import (
    MAPPABLE,
    MINISTRY,
    PROGRAMME,
    SUBPROGRAMME,
    BudgetNode,
    ProjectBudget,
    ProjectBudgetLine,
)
from portal.budget.queries import subtree_ids
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Organization
from portal.projects.models import share_bounds

HUNDRED = Decimal(100)
TOLERANCE = Decimal("0.01")
CHILD_LEVEL = {None: MINISTRY, MINISTRY: PROGRAMME, PROGRAMME: SUBPROGRAMME}


class BudgetInvalid(ValueError):
    """The input breaks a rule; `errors` maps form field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class MappingConflict(RuntimeError):
    """Someone changed the project's budget codes after the editor opened them."""

    def __init__(self, mapping: ProjectBudget) -> None:
        super().__init__("budget mapping changed meanwhile")
        self.mapping = mapping


@dataclass
class NodeData:
    code: str
    name_en: str
    name_km: str | None = None
    parent_code: str | None = None
    organization_id: int | None = None  # a ministry's institution
    retired: bool = False


@dataclass
class BudgetShare:
    code: str
    percentage: Decimal | None


# --- the tree -----------------------------------------------------------------------------------


def is_usable(node: BudgetNode) -> bool:
    """A node and every node above it are in force (not retired)."""
    current: BudgetNode | None = node
    while current is not None:
        if current.retired:
            return False
        current = current.parent
    return True


def node_in_use(node: BudgetNode) -> bool:
    """Some project maps to the node or to a node under it."""
    ids = subtree_ids(node.id)
    return bool(db.session.scalar(select(exists().where(ProjectBudgetLine.node_id.in_(ids)))))


def check_node(data: NodeData, node: BudgetNode | None) -> tuple[BudgetNode | None, str]:
    """Check a node's data against the tree; return its parent and level or refuse."""
    errors: dict[str, str] = {}
    code = data.code.strip()
    if not code or len(code) > 40 or any(c.isspace() for c in code):
        errors["code"] = str(_l("Give a code of at most 40 characters without spaces."))
    else:
        other = db.session.scalar(select(BudgetNode).where(BudgetNode.code == code))
        if other is not None and other is not node:
            errors["code"] = str(_l("Another node already has the code %(code)s.", code=code))
    if not data.name_en.strip():
        errors["name_en"] = str(_l("Give the English name."))
    parent = None
    if data.parent_code:
        parent = db.session.scalar(select(BudgetNode).where(BudgetNode.code == data.parent_code))
        if parent is None:
            errors["parent_code"] = str(_l("There is no node %(code)s.", code=data.parent_code))
    level = CHILD_LEVEL.get(parent.level if parent else None)
    if parent is not None and level is None:
        errors["parent_code"] = str(_l("A sub-programme cannot hold other nodes."))
    elif node is not None and level != node.level:
        errors["parent_code"] = str(
            _l("A node keeps its level: choose a parent of the level its parent has.")
        )
    elif parent is not None and node is not None and parent.id in subtree_ids(node.id):
        errors["parent_code"] = str(_l("A node cannot move under itself."))
    elif parent is not None and not data.retired and not is_usable(parent):
        errors["parent_code"] = str(_l("That parent is retired; reinstate it first."))
    if level == MINISTRY:
        organization = (
            db.session.get(Organization, data.organization_id) if data.organization_id else None
        )
        if organization is None or not organization.is_national:
            errors["organization_id"] = str(
                _l("A ministry (budget chapter) belongs to a national institution.")
            )
    if errors:
        raise BudgetInvalid(errors)
    return parent, level or MINISTRY


def save_node(data: NodeData, node: BudgetNode | None, *, actor) -> BudgetNode:
    """Add a node or rename, move, retire or reinstate one; refuses with BudgetInvalid."""
    parent, level = check_node(data, node)
    creating = node is None
    before = None if node is None else (node.code, node.parent_id, node.name_en, node.retired)
    if node is None:
        node = BudgetNode(level=level)
        db.session.add(node)
    node.code = data.code.strip()
    node.name_en = data.name_en.strip()
    node.name_km = (data.name_km or "").strip() or None
    moved = not creating and node.parent_id != (parent.id if parent else None)
    node.parent = parent
    node.organization_id = parent.organization_id if parent else data.organization_id  # type: ignore[assignment]
    db.session.flush()
    if moved:
        follow_move(node)
    if data.retired and not node.retired:
        for member in subtree_ids(node.id):
            db.session.get(BudgetNode, member).retired = True  # type: ignore[union-attr]
    node.retired = data.retired
    db.session.flush()
    record(
        "budget_node.created" if creating else "budget_node.saved",
        user=actor,
        obj=node,
        code=node.code,
        before=None if before is None else [str(v) for v in before],
    )
    return node


def follow_move(node: BudgetNode) -> None:
    """After a move: the branch takes its new ministry, lines their new programme."""
    ids = subtree_ids(node.id)
    db.session.execute(
        update(BudgetNode)
        .where(BudgetNode.id.in_(ids))
        .values(organization_id=node.organization_id)
    )
    if node.level == SUBPROGRAMME:
        db.session.execute(
            update(ProjectBudgetLine)
            .where(ProjectBudgetLine.node_id == node.id)
            .values(programme_id=node.parent_id)
        )
    db.session.expire_all()


def delete_node(node: BudgetNode, *, actor) -> None:
    """Delete a node no project uses and that holds no other node; else refuse (retire it)."""
    if node.children:
        raise BudgetInvalid({"node": str(_l("Remove or move the nodes under it first."))})
    if node_in_use(node):
        raise BudgetInvalid(
            {"node": str(_l("Projects use this code: retire it instead of deleting it."))}
        )
    record("budget_node.deleted", user=actor, obj=node, code=node.code)
    db.session.delete(node)
    db.session.flush()


# --- a project's codes --------------------------------------------------------------------------


def mapping_version(project_id: int) -> int:
    """The version of a project's mapping (0 before its first save)."""
    mapping = db.session.get(ProjectBudget, project_id)
    return mapping.version if mapping else 0


def check_shares(project, shares: list[BudgetShare]) -> list[tuple[BudgetNode, Decimal]]:
    """Check a project's budget codes; return (node, percentage) pairs or refuse.

    Refused: an unknown or retired code, a whole ministry, a code of another ministry than the
    project's lead, the same code twice, a share outside 0-100, shares not adding up to 100.
    """
    errors: dict[str, str] = {}
    checked: list[tuple[BudgetNode, Decimal]] = []
    seen: set[str] = set()
    for i, share in enumerate(shares):
        prefix = f"lines-{i}-"
        code = (share.code or "").strip()
        node = db.session.scalar(select(BudgetNode).where(BudgetNode.code == code))
        if node is None:
            errors[prefix + "code"] = str(_l("There is no budget code %(code)s.", code=code))
        elif node.level not in MAPPABLE:
            errors[prefix + "code"] = str(
                _l("Choose a programme or sub-programme, not a whole ministry.")
            )
        elif not is_usable(node):
            errors[prefix + "code"] = str(
                _l("The budget code %(code)s is retired; choose one in force.", code=code)
            )
        elif project.lead_national_partner_id is None:
            errors[prefix + "code"] = str(_l("The project has no lead ministry yet."))
        elif node.organization_id != project.lead_national_partner_id:
            errors[prefix + "code"] = str(
                _l(
                    "%(code)s is in the budget of %(ministry)s, not of the project's lead "
                    "ministry.",
                    code=code,
                    ministry=node.organization.acronym,
                )
            )
        elif code in seen:
            errors[prefix + "code"] = str(_l("Each budget code once."))
        seen.add(code)
        if share.percentage is None or not (0 < share.percentage <= HUNDRED):
            errors[prefix + "percentage"] = str(_l("A share is more than 0 and at most 100."))
        elif node is not None:
            checked.append((node, share.percentage))
    if shares and not errors:
        total = sum((s.percentage or Decimal(0) for s in shares), Decimal(0))
        if abs(total - HUNDRED) > TOLERANCE:
            errors["lines"] = str(
                _l(
                    "Budget code percentages must add up to 100; they add up to %(total)s.",
                    total=f"{total:g}",
                )
            )
    if errors:
        raise BudgetInvalid(errors)
    return checked


def set_budget_codes(
    project, shares: list[BudgetShare], *, actor, expected_version: int | None = None
) -> ProjectBudget:
    """Replace a project's budget codes (none: back to the typed on-budget field).

    Refuses with MappingConflict when `expected_version` is not the stored one, and with
    BudgetInvalid as `check_shares` says.
    """
    mapping = db.session.get(ProjectBudget, project.id)
    if expected_version is not None and (mapping.version if mapping else 0) != expected_version:
        if mapping is None:
            raise BudgetInvalid({"lines": str(_l("The budget codes changed meanwhile."))})
        raise MappingConflict(mapping)
    checked = check_shares(project, shares)
    before = [(line.node.code, str(line.percentage)) for line in mapping.lines] if mapping else []
    if mapping is None:
        mapping = ProjectBudget(project_id=project.id)
        db.session.add(mapping)
    mapping.lines.clear()
    db.session.flush()
    bounds = share_bounds([percentage for _node, percentage in checked])
    for (node, percentage), (low, high) in zip(checked, bounds, strict=True):
        mapping.lines.append(
            ProjectBudgetLine(
                project_id=project.id,
                node_id=node.id,
                programme_id=node.programme_id,
                percentage=percentage,
                share_from=low,
                share_to=high,
            )
        )
    mapping.updated_by_id = getattr(actor, "id", None)
    mapping.changed_at = utcnow()
    after = [(node.code, str(percentage)) for node, percentage in checked]
    db.session.flush()
    if before == after:
        return mapping
    record(
        "project.budget_codes",
        user=actor,
        object_type="Project",
        object_id=project.id,
        before=before,
        after=after,
    )
    return mapping
