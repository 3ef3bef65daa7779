"""How many projects, and how much money, each group of projects holds, kept by the database.

The project list shows, above its pages, how many projects match and their total commitment,
disbursement and planned money. Counted from the projects, that is a sum over every matching
project: at 100,000 projects, tens of milliseconds on the first view after any change (the
totals are kept per data version, `portal.projects.listing`). Most views ask it of groups this
table keeps: the projects a reader may see, by partner, lead ministry, workflow state and
whether published. One row a group (published or not, reporting partner, lead ministry with 0
for none, workflow state), with its number of projects and the sums of their money in cents.

The database keeps it current in the statement that changes a project: triggers on `project`
(insert, delete, and an update of a column a group or sum depends on) take a project off its
old group and add it to its new one, whatever wrote it (the ORM, a bulk statement, SQL by hand,
a migration). So the totals are exact inside a transaction too, before a commit and after a
rollback. A transaction changing a project holds its group's row until it commits: two
transactions changing projects of the same group (same partner, ministry, state and
publication) wait for each other at that row. On PostgreSQL each change of a group's row in
one transaction leaves a version of it that the next change walks past: a transaction writing
thousands of projects of one group pays for that as the square of their number (10,000 updates
of one group's projects: 3.2 s instead of 0.7 s), so the demo build pauses the triggers and
counts the groups once (`rebuild`).

The list reads it when its filters are only those the groups answer (`answers`): the reader's
visibility (as `security.project_visibility` says, applied to the groups), the partner, the
ministry, publication and, for people logged in, the workflow state. The sum runs over a few
hundred rows whatever the number of projects.

The triggers are created with the table (`flask db upgrade`, or `create_all` through the
metadata's event below). A migration that rebuilds the `project` table on SQLite (a batch
operation) drops its triggers with it: it must create them again (`install`) and `rebuild` the
table; the tests check the triggers are there at the latest migration.
"""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    case,
    event,
    func,
    not_,
    null,
    select,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, Money
from portal.extensions import db
from portal.projects.queries import ProjectFilters, Totals
from portal.security import project_visibility


class ProjectTally(Base):
    """One group of projects: how many, and the sums of their money (see the module)."""

    __tablename__ = "project_tally"

    published: Mapped[bool] = mapped_column(Boolean, primary_key=True, autoincrement=False)
    reporting_org_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # 0 for the projects without a lead ministry (a key cannot be empty).
    lead_national_partner_id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False
    )
    workflow_state: Mapped[str] = mapped_column(String(20), primary_key=True)
    projects: Mapped[int] = mapped_column(Integer)
    commitment_usd: Mapped[Decimal] = mapped_column(Money)
    disbursed_usd: Mapped[Decimal] = mapped_column(Money)
    planned_usd: Mapped[Decimal] = mapped_column(Money)


# The filters of the list the groups answer; any other filter set counts the projects.
FILTERS = frozenset({"partner", "ministry", "published", "state"})
# The columns of a project that its group or its sums depend on.
COLUMNS = (
    "published_at",
    "reporting_org_id",
    "lead_national_partner_id",
    "workflow_state",
    "commitment_usd",
    "disbursed_usd",
    "planned_usd",
)
_GROUP = "published, reporting_org_id, lead_national_partner_id, workflow_state"
_SUMS = "projects, commitment_usd, disbursed_usd, planned_usd"


def _group_of(row: str) -> str:
    """The group's key columns of `row` (NEW or OLD in a trigger; the project in a SELECT)."""
    return (
        f"{row}published_at IS NOT NULL, {row}reporting_org_id, "
        f"coalesce({row}lead_national_partner_id, 0), {row}workflow_state"
    )


def _money_of(row: str) -> str:
    return ", ".join(f"coalesce({row}{m}, 0)" for m in COLUMNS[4:])


def _take_off(row: str) -> str:
    """The UPDATE taking the project `row` (OLD) off its group."""
    return (
        "UPDATE project_tally SET projects = projects - 1, "
        + ", ".join(f"{m} = {m} - coalesce({row}{m}, 0)" for m in COLUMNS[4:])
        + f" WHERE ({_GROUP}) = ({_group_of(row)})"
    )


def _add(row: str) -> str:
    """The INSERT adding the project `row` (NEW) to its group, made if need be."""
    return (
        f"INSERT INTO project_tally ({_GROUP}, {_SUMS}) "
        f"VALUES ({_group_of(row)}, 1, {_money_of(row)}) "
        f"ON CONFLICT ({_GROUP}) DO UPDATE SET projects = project_tally.projects + 1, "
        + ", ".join(f"{m} = project_tally.{m} + excluded.{m}" for m in COLUMNS[4:])
    )


_CHANGED = " OR ".join(
    [f"(OLD.{c} IS NULL) <> (NEW.{c} IS NULL)" for c in COLUMNS[:1]]
    + [f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COLUMNS[1:]]
)
_TRIGGERS = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION project_tally_keep() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"  IF TG_OP <> 'INSERT' THEN {_take_off('OLD.')}; END IF;\n"
        f"  IF TG_OP <> 'DELETE' THEN {_add('NEW.')}; END IF;\n"
        "  RETURN NULL;\n"
        "END $$",
        "DROP TRIGGER IF EXISTS project_tally_rows ON project",
        "CREATE TRIGGER project_tally_rows AFTER INSERT OR DELETE ON project "
        "FOR EACH ROW EXECUTE FUNCTION project_tally_keep()",
        "DROP TRIGGER IF EXISTS project_tally_changes ON project",
        f"CREATE TRIGGER project_tally_changes AFTER UPDATE OF {', '.join(COLUMNS)} ON project "
        f"FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION project_tally_keep()",
    ],
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS project_tally_insert AFTER INSERT ON project "
        f"BEGIN {_add('NEW.')}; END",
        "CREATE TRIGGER IF NOT EXISTS project_tally_delete AFTER DELETE ON project "
        f"BEGIN {_take_off('OLD.')}; END",
        f"CREATE TRIGGER IF NOT EXISTS project_tally_update AFTER UPDATE OF {', '.join(COLUMNS)} "
        f"ON project WHEN {_CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} "
        f"BEGIN {_take_off('OLD.')}; {_add('NEW.')}; END",
    ],
}
# The triggers' names, to tell whether they are there.
TRIGGERS = {
    "postgresql": ("project_tally_rows", "project_tally_changes"),
    "sqlite": ("project_tally_insert", "project_tally_delete", "project_tally_update"),
}


def install(connection) -> None:
    """Create (or replace) the triggers that keep the table current."""
    for statement in _TRIGGERS[connection.dialect.name]:
        connection.execute(text(statement))


def rebuild(connection) -> None:
    """Count every group again from the projects."""
    connection.execute(text("DELETE FROM project_tally"))
    connection.execute(
        text(
            f"INSERT INTO project_tally ({_GROUP}, {_SUMS}) "
            f"SELECT {_group_of('')}, count(*), "
            + ", ".join(f"coalesce(sum({m}), 0)" for m in COLUMNS[4:])
            + f" FROM project GROUP BY {_group_of('')}"
        )
    )


@event.listens_for(Base.metadata, "after_create")
def _install_with_the_tables(metadata, connection, tables=(), **_kw) -> None:
    """`create_all` (the tests) makes the triggers with the tables, as the migration does."""
    made = {table.name for table in tables}
    if {"project", "project_tally"} <= made and connection.dialect.name in _TRIGGERS:
        install(connection)


# The groups seen as projects, for `security.project_visibility`: the reader sees the same
# groups of projects as the projects, by the same rule.
_AS_PROJECT = SimpleNamespace(
    published_at=case((ProjectTally.published, true()), else_=null()),
    reporting_org_id=ProjectTally.reporting_org_id,
    lead_national_partner_id=ProjectTally.lead_national_partner_id,
)


def answers(filters: ProjectFilters) -> bool:
    """Whether the groups answer the list with these filters (only FILTERS are set)."""
    return all(
        getattr(filters, f.name) in (None, "") for f in fields(filters) if f.name not in FILTERS
    )


def totals(user, filters: ProjectFilters) -> Totals | None:
    """The count and money totals of the list for `user` and `filters` (as
    `queries.totals(queries.filtered(user, filters))`), or None when the groups do not answer.
    """
    if not answers(filters):
        return None
    where = [project_visibility(user, _AS_PROJECT)]
    # As `queries.filtered` applies them.
    if filters.partner:
        where.append(ProjectTally.reporting_org_id == filters.partner)
    if filters.ministry:
        where.append(ProjectTally.lead_national_partner_id == filters.ministry)
    if filters.published == "yes":
        where.append(ProjectTally.published)
    elif filters.published == "no":
        where.append(not_(ProjectTally.published))
    if filters.state and getattr(user, "is_authenticated", False):
        where.append(ProjectTally.workflow_state == filters.state)
    row = db.session.execute(
        select(
            func.coalesce(func.sum(ProjectTally.projects), 0),
            func.coalesce(func.sum(ProjectTally.commitment_usd), 0),
            func.coalesce(func.sum(ProjectTally.disbursed_usd), 0),
            func.coalesce(func.sum(ProjectTally.planned_usd), 0),
        ).where(*where)
    ).one()
    return Totals(
        count=int(row[0]), commitment_usd=row[1], disbursed_usd=row[2], planned_usd=row[3]
    )
