"""The demo's rows written in bulk: PostgreSQL's COPY, one executemany on other databases.

Written on the session's connection, so in its transaction, but past the session's listeners:
those note the projects whose money is kept (portal/aggregates: cells and sums, worked out at
the commit) from the rows a statement writes. The demo copies only rows those listeners need
not see, the rows of projects noted already: each project's own row is written first and
noted as new (`write_projects`), then its sectors, places, yearly money and the like. The
data's version (portal/changes.py) is raised at the commit as for any change.

COPY skips what makes an INSERT of many rows slow on PostgreSQL (one statement executed per
row, or a statement of thousands of parameters that the driver parses anew each time): at
100,000 projects, a minute of the demo's build.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from sqlalchemy import JSON, ColumnDefault, Table, func, insert, select, text

from portal import changes
from portal.aggregates import cells, summary
from portal.db import Base, indexes_after
from portal.extensions import db
from portal.projects import tally
from portal.projects.models import Project


def write(table: Table, rows: Sequence[dict]) -> None:
    """Write `rows` (dicts naming the same columns) into `table`.

    A column left out takes its default as an INSERT would give it (a value or a function of
    no argument); a default the database works out is refused.
    """
    if not rows:
        return
    connection = db.session.connection()
    db.session.info[changes.FLAG] = True  # the data changed: raise the version at the commit
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    given = list(rows[0])
    defaults: dict[str, ColumnDefault] = {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        default = column.default
        if not isinstance(default, ColumnDefault) or not (default.is_scalar or default.is_callable):
            raise ValueError(f"{table.name}.{column.name}: a default the database works out")
        defaults[column.name] = default
    names = [*given, *defaults]
    dialect = connection.dialect
    processors = [_processor(table.c[name].type, dialect) for name in names]
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [row[name] for name in given]
            for default in defaults.values():
                values.append(default.arg if default.is_scalar else default.arg(None))
            copy.write_row(
                [process(value) for value, process in zip(values, processors, strict=True)]
            )


def write_projects(rows: Sequence[dict]) -> None:
    """Write new projects' rows (with their ids) as `write` does, and note them for the money
    kept per project, worked out at the commit (the session's listeners do not see them)."""
    write(Project.__table__, rows)
    ids = [row["id"] for row in rows]
    session = db.session()
    cells.note_written(session, ids)
    summary.note_new(session, ids)


def _processor(type_, dialect):
    """What turns a value into the one COPY writes, as an INSERT would: the type's own (cents
    of an amount...); JSON as its text, None as JSON's null unless the type says NULL (the
    driver takes a JSON value as an object only in its own wrapper)."""
    if isinstance(type_, JSON):
        serialize = getattr(dialect, "_json_serializer", None) or json.dumps
        none_as_null = type_.none_as_null
        return lambda value: None if value is None and none_as_null else serialize(value)
    process = type_.bind_processor(dialect)
    if process is None:
        return lambda value: value
    return lambda value: None if value is None else process(value)


def next_id(model) -> int:
    """The first id after the table's largest (the demo assigns ids itself: a project's rows
    name it without a round trip)."""
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def sync_sequences(tables) -> None:
    """On PostgreSQL, move each id sequence past the ids assigned here."""
    if not _postgresql():
        return
    for table in tables:
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )


# Memory for each sort and hash of the build's statements, PostgreSQL's default being 4 MB: the
# commit's group sums sort and hash a million rows in each of dozens of branches, and spilled
# them to disk (at 100,000 projects, 35 s instead of 47).
WORK_MEM = "64MB"


def roomy_sorts() -> None:
    """On PostgreSQL, WORK_MEM for the rest of the transaction (the build and its commit)."""
    if _postgresql():
        db.session.execute(
            text("SELECT set_config('work_mem', :memory, true)"), {"memory": WORK_MEM}
        )


def analyze(tables=None) -> None:
    """On PostgreSQL, refresh the planner's statistics of the tables just filled (None: of
    every table).

    Without them, the next statements, the commit's and the first pages' get plans made for
    empty tables (the scorecards' correlated subquery, the yearly money joined row by row, a
    whole table read for each chunk of projects whose money is worked out again) and take
    seconds, until autovacuum gets round to analyzing the tables (if it runs at all).
    """
    if not _postgresql():
        return
    db.session.execute(text("ANALYZE" if tables is None else f"ANALYZE {', '.join(tables)}"))


@contextmanager
def indexed_after() -> Iterator[None]:
    """On PostgreSQL, the indexes (but the primary keys' and unique constraints') and foreign
    keys of every empty table dropped for the block and made again after it: each index built
    once from the rows, each key checked once by a join (portal.db.indexes_after). The build's
    statements read whole tables or look rows up by their primary key, which stays."""
    if not _postgresql():
        yield
        return
    connection = db.session.connection()
    with ExitStack() as stack:
        for table in Base.metadata.sorted_tables:
            stack.enter_context(indexes_after(connection, table.name))
        yield


@contextmanager
def tally_paused() -> Iterator[None]:
    """On PostgreSQL, the triggers keeping the groups of projects (portal/projects/tally.py)
    disabled for the block, and the groups counted again once after it; elsewhere, nothing.

    Each project written moves its group's row: in one transaction writing 100,000 projects,
    then the workflow state of most, a few hundred rows each get thousands of versions that
    every later move walks (half a minute at 100,000 projects, growing as the square). The
    disabling is part of the transaction: a failure rolls it back with the rest.
    """
    connection = db.session.connection()
    names = tally.TRIGGERS.get(connection.dialect.name, ()) if _postgresql() else ()
    for name in names:
        connection.execute(text(f"ALTER TABLE project DISABLE TRIGGER {name}"))
    yield
    if names:
        for name in names:
            connection.execute(text(f"ALTER TABLE project ENABLE TRIGGER {name}"))
        tally.rebuild(connection)
