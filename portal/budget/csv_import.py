"""The whole budget tree from a CSV file: checked first, then applied all or nothing.

Columns (header row, any order, comma or semicolon): `code`, `parent_code` (blank for a
ministry), `ministry` (the acronym of a ministry's institution, on ministry rows), `name_en`,
and optionally `name_km`, `level` (checked when given) and `retired` (yes/no). A code already
in the tree is updated (renamed, moved, retired); a blank cell keeps what the node has; nodes
the file does not name stay as they are. Importing the same file again changes nothing. Any
bad row refuses the whole file with each row's line and problem, and nothing is changed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.audit.services import record
from portal.budget.models import LEVELS, MINISTRY, PARENT_LEVEL, BudgetNode
from portal.budget.services import follow_move
from portal.extensions import db
from portal.organizations.models import Organization

REQUIRED_COLUMNS = ("code", "parent_code", "name_en")
MAX_ROWS = 20_000
YES, NO = {"yes", "y", "true", "1", "retired"}, {"no", "n", "false", "0", ""}


class BudgetCsvError(ValueError):
    """The file was refused; `errors` lists each problem with its line (nothing was saved)."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class TreeRow:
    line: int
    code: str
    parent_code: str | None
    name_en: str
    name_km: str | None
    ministry: str | None
    level: str | None
    retired: bool | None


@dataclass
class ImportResult:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BudgetCsvError([_("The file is not UTF-8 text. Save it as CSV (UTF-8).")])


def parse(data: bytes) -> list[TreeRow]:
    """Read the rows; refuse a file without the needed columns or with malformed cells."""
    text = _text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [column.strip().lower() for column in next(reader, [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise BudgetCsvError(
            [
                _(
                    "Line 1: the header must name the columns code, parent_code and name_en "
                    "(missing: %(missing)s).",
                    missing=", ".join(missing),
                )
            ]
        )
    rows: list[TreeRow] = []
    errors: list[str] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise BudgetCsvError([_("The file has more than %(n)s rows.", n=MAX_ROWS)])
        cell = dict(zip(header, (c.strip() for c in cells), strict=False))
        retired_text = cell.get("retired", "").lower()
        retired = None if not retired_text else retired_text in YES
        if retired_text and retired_text not in YES | NO:
            errors.append(
                _("Line %(n)s: retired is yes or no, not %(v)s.", n=number, v=retired_text)
            )
        level = cell.get("level", "").lower() or None
        if level is not None and level not in LEVELS:
            errors.append(
                _(
                    "Line %(n)s: the level is ministry, programme or subprogramme, not %(v)s.",
                    n=number,
                    v=level,
                )
            )
        rows.append(
            TreeRow(
                line=number,
                code=cell.get("code", ""),
                parent_code=cell.get("parent_code") or None,
                name_en=cell.get("name_en", ""),
                name_km=cell.get("name_km") or None,
                ministry=cell.get("ministry") or None,
                level=level,
                retired=retired,
            )
        )
    if errors:
        raise BudgetCsvError(errors)
    return rows


def check(rows: list[TreeRow]) -> dict[str, str]:
    """Check every row against the tree the file would make; return each code's level.

    Refuses (BudgetCsvError) with every problem, line by line.
    """
    existing = {node.code: node for node in db.session.scalars(select(BudgetNode))}
    parent_of = {
        code: (node.parent.code if node.parent else None) for code, node in existing.items()
    }
    errors: list[str] = []
    lines: dict[str, int] = {}
    for row in rows:
        if not row.code or len(row.code) > 40 or any(c.isspace() for c in row.code):
            errors.append(
                _("Line %(n)s: give a code of at most 40 characters without spaces.", n=row.line)
            )
            continue
        if row.code in lines:
            errors.append(
                _(
                    "Line %(n)s: the code %(code)s is already on line %(first)s.",
                    n=row.line,
                    code=row.code,
                    first=lines[row.code],
                )
            )
            continue
        lines[row.code] = row.line
        parent_of[row.code] = row.parent_code
    levels: dict[str, str] = {}

    def level_of(code: str, depth: int = 0) -> str | None:
        if code in levels:
            return levels[code]
        if depth > 3 or code not in parent_of:
            return None
        parent = parent_of[code]
        if parent is None:
            return MINISTRY
        above = level_of(parent, depth + 1)
        return {MINISTRY: "programme", "programme": "subprogramme"}.get(above or "")

    for code in parent_of:
        level = level_of(code)
        if level is not None:
            levels[code] = level
    acronyms = {
        org.acronym.lower(): org
        for org in db.session.scalars(select(Organization).where(Organization.acronym.is_not(None)))
    }
    for row in rows:
        if lines.get(row.code) != row.line:
            continue
        if not row.name_en and row.code not in existing:
            errors.append(_("Line %(n)s: give the English name (name_en).", n=row.line))
        if len(row.name_en) > 255 or len(row.name_km or "") > 255:
            errors.append(_("Line %(n)s: a name is at most 255 characters.", n=row.line))
        if row.parent_code and row.parent_code not in parent_of:
            errors.append(
                _(
                    "Line %(n)s: the parent %(code)s is neither in the file nor in the tree.",
                    n=row.line,
                    code=row.parent_code,
                )
            )
            continue
        level = levels.get(row.code)
        if level is None:
            errors.append(
                _(
                    "Line %(n)s: the parent %(code)s is a sub-programme or makes a loop; a "
                    "ministry holds programmes, a programme sub-programmes.",
                    n=row.line,
                    code=row.parent_code,
                )
            )
            continue
        if row.level is not None and row.level != level:
            errors.append(
                _(
                    "Line %(n)s: the level says %(given)s but its parent makes it a %(level)s.",
                    n=row.line,
                    given=row.level,
                    level=level,
                )
            )
        node = existing.get(row.code)
        if node is not None and node.level != level:
            errors.append(
                _(
                    "Line %(n)s: %(code)s is a %(level)s in the tree and keeps its level.",
                    n=row.line,
                    code=row.code,
                    level=node.level,
                )
            )
        if level == MINISTRY:
            organization = acronyms.get((row.ministry or "").lower())
            if row.ministry is None and node is not None:
                continue
            if organization is None or not organization.is_national:
                errors.append(
                    _(
                        "Line %(n)s: the ministry column names no national institution the "
                        "portal knows (%(v)s).",
                        n=row.line,
                        v=row.ministry or "",
                    )
                )
        elif row.ministry:
            errors.append(_("Line %(n)s: only a ministry row names its institution.", n=row.line))
    if errors:
        raise BudgetCsvError(errors)
    return levels


def _state(node: BudgetNode) -> tuple:
    return (node.parent_id, node.name_en, node.name_km, node.retired, node.organization_id)


def import_tree(data: bytes, *, actor) -> ImportResult:
    """Check and apply a tree file (flushes; the caller commits). Refuses with BudgetCsvError."""
    rows = parse(data)
    if not rows:
        raise BudgetCsvError([_("The file has no rows under its header.")])
    levels = check(rows)
    existing = {node.code: node for node in db.session.scalars(select(BudgetNode))}
    acronyms = {
        org.acronym.lower(): org.id
        for org in db.session.scalars(select(Organization).where(Organization.acronym.is_not(None)))
    }
    result = ImportResult()
    order = {level: rank for rank, level in enumerate(PARENT_LEVEL)}
    moved: list[BudgetNode] = []
    for row in sorted(rows, key=lambda r: order[levels[r.code]]):
        node = existing.get(row.code)
        parent = existing.get(row.parent_code) if row.parent_code else None
        creating = node is None
        if node is None:
            node = BudgetNode(code=row.code, level=levels[row.code], retired=False)
            db.session.add(node)
            existing[row.code] = node
        before = _state(node)
        node.parent = parent
        node.name_en = row.name_en or node.name_en
        node.name_km = row.name_km or node.name_km
        if row.retired is not None:
            node.retired = row.retired
        if parent is not None:
            node.organization_id = parent.organization_id
        elif row.ministry:
            node.organization_id = acronyms[row.ministry.lower()]
        db.session.flush()
        if creating:
            result.created += 1
        elif _state(node) != before:
            result.changed += 1
            node.starter = False
            if before[0] != node.parent_id:
                moved.append(node)
    for node in moved:
        follow_move(node)
    total = db.session.scalar(select(func.count()).select_from(BudgetNode))
    result.unchanged = len(rows) - result.created - result.changed
    record(
        "budget_tree.imported",
        user=actor,
        object_type="BudgetNode",
        created=result.created,
        changed=result.changed,
        nodes=total,
    )
    return result


# --- the tree as a file (what `import_tree` reads back) -----------------------------------------

EXPORT_COLUMNS = ("code", "parent_code", "level", "ministry", "name_en", "name_km", "retired")


def tree_rows() -> tuple[list[str], list[list]]:
    """The whole tree as the import's columns, parents before children (a round trip)."""
    nodes = list(db.session.scalars(select(BudgetNode)))
    by_id = {node.id: node for node in nodes}
    order = {level: rank for rank, level in enumerate(PARENT_LEVEL)}
    nodes.sort(key=lambda node: (order[node.level], node.code))
    rows = []
    for node in nodes:
        parent = by_id.get(node.parent_id) if node.parent_id else None
        rows.append(
            [
                node.code,
                parent.code if parent else "",
                node.level,
                node.organization.acronym if node.level == MINISTRY else "",
                node.name_en,
                node.name_km or "",
                "yes" if node.retired else "no",
            ]
        )
    return list(EXPORT_COLUMNS), rows
