"""Write many projects at once (an IATI file, a spreadsheet): the registry's rules, in bulk.

Each project is checked by the same `validate` as the form. New projects are written with one
INSERT per table for the whole batch instead of one unit of work each, which is what makes a
national file of ten thousand activities take seconds; updates take the form's own path.
Nothing is committed here: the caller commits the batch once, or rolls it back.
"""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import func, insert, select

from portal.audit.services import record_each
from portal.db import utcnow
from portal.extensions import db
from portal.projects import history
from portal.projects.lookups import Lookups
from portal.projects.models import Project
from portal.projects.services import (
    CHILD_MODELS,
    DERIVED_COLUMNS,
    ProjectData,
    ProjectInvalid,
    child_rows,
    column_values,
    money_row,
    refresh_totals,
    save_project,
    validate,
)
from portal.projects.sources import (
    COUNTERPART,
    PROJECT_FUNDING_KINDS,
    REPORTING,
    FundingSource,
    SourceFunding,
)


def save_projects(
    items: list[tuple[ProjectData, Project | None]], *, actor, lookups: Lookups
) -> list[int | ProjectInvalid]:
    """Save a batch of (data, project to update or None); return each project's id or refusal.

    New projects start as drafts, like a project typed into the form; each gets its creation
    in the audit log and the history. The workflow follows saved projects only once they are
    confirmed, so no `project_saved` signal is sent for them.
    """
    outcomes: list[int | ProjectInvalid | None] = []
    fresh: list[tuple[int, dict, dict]] = []  # (position, project columns, child rows)
    for data, project in items:
        try:
            if project is not None:
                saved = save_project(data, actor=actor, project=project, lookups=lookups)
                outcomes.append(saved.id)
                continue
            rates = validate(data, None, lookups)["rates"]
        except ProjectInvalid as invalid:
            outcomes.append(invalid)
            continue
        columns, children = column_values(data), child_rows(data, rates)
        children["sources"] = _source_rows(data, rates)
        shape = SimpleNamespace(
            **columns,
            **{name: [SimpleNamespace(**row) for row in rows] for name, rows in children.items()},
        )
        refresh_totals(shape, rates)
        columns.update({name: getattr(shape, name) for name in DERIVED_COLUMNS})
        fresh.append((len(outcomes), columns, children))
        outcomes.append(None)
    inserted = dict(
        zip(
            [position for position, _columns, _children in fresh],
            _insert(fresh, actor),
            strict=True,
        )
    )
    return [inserted[i] if outcome is None else outcome for i, outcome in enumerate(outcomes)]


def _insert(fresh: list[tuple[int, dict, dict]], actor) -> list[int]:
    """Insert the new projects, their rows, history and audit entries; return their ids."""
    if not fresh:
        return []
    db.session.flush()  # anything pending goes first, as one unit of work would order it
    user_id = getattr(actor, "id", None)
    now = utcnow()
    table = Project.__table__
    rows = [
        {
            **columns,
            "created_by_id": user_id,
            "updated_by_id": user_id,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for _position, columns, _children in fresh
    ]
    ids = _inserted(table, rows)
    for name, model in CHILD_MODELS.items():
        child_rows = [
            {**row, "project_id": project_id}
            for (_p, _c, children), project_id in zip(fresh, ids, strict=True)
            for row in children[name]
        ]
        if child_rows:
            db.session.execute(insert(model.__table__), child_rows)
    # Each new project's funding sources (its reporting partner first) and their money.
    sources = [
        (source, project_id)
        for (_p, _c, children), project_id in zip(fresh, ids, strict=True)
        for source in children["sources"]
    ]
    source_ids = _inserted(
        FundingSource.__table__,
        [
            {**{k: v for k, v in source.items() if k != "amounts"}, "project_id": project_id}
            for source, project_id in sources
        ],
    )
    money = [
        {**row, "source_id": source_id}
        for (source, _project_id), source_id in zip(sources, source_ids, strict=True)
        for row in source["amounts"]
    ]
    if money:
        db.session.execute(insert(SourceFunding.__table__), money)
    history.record_creations(
        [
            (project_id, columns["title_en"])
            for (_p, columns, _c), project_id in zip(fresh, ids, strict=True)
        ],
        user=actor,
        at=now,
    )
    record_each("project.created", user=actor, object_type="Project", object_ids=ids, at=now)
    return ids


def _inserted(table, rows: list[dict]) -> list[int]:
    """Insert `rows` into `table` with ids the database gives; return the ids in their order.

    PostgreSQL returns them from one batched statement. SQLite returns rows of a multi-row
    INSERT in no promised order, so SQLAlchemy would insert one row a statement: instead the
    rows are inserted by one executemany and their ids read back as those above the table's last
    id before it. SQLite gives a row an id above every other and lets one transaction write at a
    time, so those are this insert's rows, in their order; a count that differs stops the
    batch (the caller rolls back)."""
    if not rows:
        return []
    if db.session.get_bind().dialect.name != "sqlite":
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(db.session.execute(statement, rows).scalars())
    last = db.session.execute(select(func.max(table.c.id))).scalar() or 0
    db.session.execute(insert(table), rows)
    ids = list(
        db.session.execute(
            select(table.c.id).where(table.c.id > last).order_by(table.c.id)
        ).scalars()
    )
    if len(ids) != len(rows):
        raise RuntimeError(f"{table.name}: {len(rows)} rows inserted, {len(ids)} found")
    return ids


def _source_rows(data: ProjectData, rates: dict) -> list[dict]:
    """A new project's funding sources as rows, each with its money: the reporting partner's
    (its signed commitments and expenditure; its disbursements are the project's own rows),
    then the other sources of `data` in order (an import names them from its providers)."""
    money = [
        (row.source, money_row(row, rates))
        for row in data.funding
        if not (row.source is None and row.kind in PROJECT_FUNDING_KINDS)
    ]
    rows = [
        {
            "kind": REPORTING,
            "organization_id": None,
            "in_kind": False,
            "position": 0,
            "amounts": [stored for source, stored in money if source is None],
        }
    ]
    for position, source in enumerate(data.sources or []):
        rows.append(
            {
                "kind": source.kind,
                "organization_id": source.organization_id,
                "in_kind": source.kind == COUNTERPART and bool(source.in_kind),
                "position": position + 1,
                "amounts": [stored for index, stored in money if index == position],
            }
        )
    return rows
