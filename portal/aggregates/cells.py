"""Each project's money already split into cells, kept current in the transaction that changes it.

A cell is the cents of one project's measure (commitment, actual or planned disbursement) that
fall in one year, one of its sectors and one of its places. The split is the report builder's
(portal/analysis/pivot.py) done once, not at every question: a measure's yearly amounts follow
one another (a year is the range from the cents of the earlier years to those and its own; a
commitment has one range, in its year of agreement), and each cell is the box of that range ×
the sector's share bounds × the place's share bounds, worked out from its corners, each corner
rounded half up as the aggregate service rounds a share (`part`, sectors first, then places).
Summed along any axis the corners cancel in pairs, so:

- a project's cells add up to its stored total of the measure, to the cent;
- its cells of one sector (over every year and place) are the aggregate service's share of that
  sector, those of one province its share of that province, and so on;
- any sum of cells over projects is what the builder would answer for those dimensions.

A project without sectors has its cells' sector NULL ("unallocated"); one without places has
its place NULL and `nationwide` as the project says.

Each cell names its kind of funding source (portal/projects/sources.py). The reporting
partner's cells are the project's own figures, as above. The other kinds' (co-financiers, the
government's counterpart, other national sources) are their yearly amounts, several sources of
one kind summed, split over the project's sectors and places the same way; their commitment is
what they signed in each year. So the report builder's `source` dimension answers what the
aggregate service's does, and crosses with every other dimension. The measures `signed`
(commitments signed by year) and `expenditure` are the sources' own rows: the reporting
partner's cells of them come from its source's rows; the other kinds' `signed` is their
commitment.

The cells of a project are worked out again, by one INSERT ... SELECT, just before every commit
that changed its money, dates, sectors or places: through the ORM (a form, an upload, an
import) or by a bulk statement (the demo, a new exchange rate: the rows that statement touches
are read before it runs). `rebuild` works every project out from scratch
(`flask portal summaries rebuild`); a test keeps the two equal after random changes.

Why a table kept by the application and not a PostgreSQL materialized view: a view is refreshed
whole (about 2 s at 10,000 projects, ten times that at 100,000) for every change of one
project, and SQLite has none; the cells of one project cost a millisecond or two.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    event,
    extract,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal import changes
from portal.aggregates import streams
from portal.aggregates.services import AGREED, KINDS, _whole_cents, part
from portal.db import Base, indexes_after
from portal.projects.models import (
    SHARE_BASIS,
    Project,
    ProjectFunding,
    ProjectLocation,
    ProjectSector,
)
from portal.projects.sources import REPORTING, FundingSource, SourceFunding

# The kind of a source's yearly row each measure sums for the sources other than the reporting
# partner; their `signed` is their commitment, read from the same cells (portal/analysis/pivot.py),
# so it is not kept twice. The reporting partner's own rows give its `signed` and `expenditure`
# (streams.REPORTING_KINDS); its other measures are the project's own figures.
OTHER_KINDS = {m: kind for m, kind in streams.OTHER_KINDS.items() if m != "signed"}
# The project columns a cell depends on: a bulk UPDATE of project that sets none of them (a
# workflow step, a quality score) leaves the cells alone.
PROJECT_COLUMNS = frozenset(
    {
        "id",
        "commitment_usd",
        "commitment_date",
        "actual_start",
        "planned_start",
        "nationwide",
        "disbursed_usd",
        "planned_usd",
    }
)
TABLES = {
    Project.__tablename__: Project.id,
    ProjectFunding.__tablename__: ProjectFunding.project_id,
    ProjectSector.__tablename__: ProjectSector.project_id,
    ProjectLocation.__tablename__: ProjectLocation.project_id,
    FundingSource.__tablename__: FundingSource.project_id,
    SourceFunding.__tablename__: SourceFunding.source_id,  # the project through its source
}
# Projects worked out again by one statement; more are done in several.
CHUNK = 500
# From this many projects, if they are half of all or more, every project's cells are worked
# out again at once (`refresh`).
REBUILD_AT = 20 * CHUNK
PENDING = "portal_money_cells"  # session.info key: ids of projects to work out again
PENDING_SOURCES = "portal_money_cell_sources"  # and ids of funding sources (their projects)


# What a cell is kept by (the builder's questions filter on the first two and group by the
# others), and every column written.
KEYS = (
    "measure",
    "source",
    "year",
    "sector_code",
    "province_code",
    "district_code",
    "commune_code",
    "nationwide",
)
COLUMNS = ("project_id", *KEYS, "cents")


class MoneyCell(Base):
    """The cents of one project's measure in one year, sector and place (see the module)."""

    __tablename__ = "money_cell"
    __table_args__ = (
        # The builder's questions read a measure's cells; the columns it groups by follow, so
        # both databases can read most questions from the index alone.
        Index("ix_money_cell_measure", *KEYS, "project_id", "cents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    measure: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(12), default=REPORTING)
    year: Mapped[int | None] = mapped_column(Integer)
    sector_code: Mapped[str | None] = mapped_column(String(5))
    province_code: Mapped[str | None] = mapped_column(String(2))
    district_code: Mapped[str | None] = mapped_column(String(4))
    commune_code: Mapped[str | None] = mapped_column(String(6))
    nationwide: Mapped[bool] = mapped_column(Boolean, default=False)
    cents: Mapped[int] = mapped_column(BigInteger)


def _year_of(column):
    # SQLite's dialect writes EXTRACT as strftime: one statement serves both databases, built
    # without an application's engine (the migration that first fills the cells has none).
    return cast(extract("year", column), Integer)


def _money(ids):
    """SELECT (project_id, measure, source, year, low, high) of the projects `ids` lists."""
    amount = _whole_cents(Project.commitment_usd)
    reporting = literal(REPORTING, String).label("source")
    commitments = select(
        Project.id.label("project_id"),
        literal("commitment", String).label("measure"),
        reporting,
        _year_of(AGREED).label("year"),
        literal(0, BigInteger).label("low"),
        amount.label("high"),
    ).where(Project.id.in_(ids), Project.commitment_usd.is_not(None))
    cents = _whole_cents(ProjectFunding.amount_usd)
    running = func.sum(func.sum(cents)).over(
        partition_by=(ProjectFunding.project_id, ProjectFunding.kind),
        order_by=ProjectFunding.year,
    )
    measure = case(*((ProjectFunding.kind == kind, name) for name, kind in KINDS.items()))
    yearly = (
        select(
            ProjectFunding.project_id.label("project_id"),
            measure.label("measure"),
            reporting,
            ProjectFunding.year.label("year"),
            cast(running - func.sum(cents), BigInteger).label("low"),
            cast(running, BigInteger).label("high"),
        )
        .where(
            ProjectFunding.project_id.in_(ids),
            ProjectFunding.kind.in_(list(KINDS.values())),
            ProjectFunding.amount_usd.is_not(None),
        )
        .group_by(ProjectFunding.project_id, ProjectFunding.kind, ProjectFunding.year)
    )
    return union_all(commitments, yearly, _other_sources(ids)).subquery("money")


def _other_sources(ids):
    """SELECT (project_id, measure, source, year, low, high) of the sources' own rows: the
    sources other than the reporting partner, those of one kind summed, and the reporting
    partner's signed commitments and expenditure."""
    cents = _whole_cents(SourceFunding.amount_usd)
    keys = (FundingSource.project_id, FundingSource.kind, SourceFunding.kind)
    running = func.sum(func.sum(cents)).over(partition_by=keys, order_by=SourceFunding.year)
    reporting = FundingSource.kind == REPORTING
    measure = case(
        *(
            ((reporting & (SourceFunding.kind == kind)), name)
            for name, kind in streams.REPORTING_KINDS.items()
        ),
        *(
            ((~reporting) & (SourceFunding.kind == kind), name)
            for name, kind in OTHER_KINDS.items()
        ),
    )
    kinds = {*OTHER_KINDS.values(), *streams.REPORTING_KINDS.values()}
    return (
        select(
            FundingSource.project_id.label("project_id"),
            measure.label("measure"),
            FundingSource.kind.label("source"),
            SourceFunding.year.label("year"),
            cast(running - func.sum(cents), BigInteger).label("low"),
            cast(running, BigInteger).label("high"),
        )
        .join(FundingSource, FundingSource.id == SourceFunding.source_id)
        .where(
            FundingSource.project_id.in_(ids),
            SourceFunding.kind.in_(sorted(kinds)),
            SourceFunding.amount_usd.is_not(None),
        )
        .group_by(*keys, SourceFunding.year)
    )


def _cells(ids):
    """SELECT the cells (MoneyCell's columns but id) of the projects `ids` lists."""
    money = _money(ids)
    full = literal_column(str(SHARE_BASIS), BigInteger)
    zero = literal(0, BigInteger)
    sector_bounds = (
        func.coalesce(ProjectSector.share_to, full),
        func.coalesce(ProjectSector.share_from, zero),
    )
    place_bounds = (
        func.coalesce(ProjectLocation.share_to, full),
        func.coalesce(ProjectLocation.share_from, zero),
    )
    terms: list[tuple[Any, int]] = [(money.c.high, 1), (money.c.low, -1)]
    for upper, lower in (sector_bounds, place_bounds):
        terms = [
            corner
            for amount, sign in terms
            for corner in ((part(amount, upper), sign), (part(amount, lower), -sign))
        ]
    total = terms[0][0]
    for term, sign in terms[1:]:
        total = total + term if sign > 0 else total - term
    return (
        select(
            money.c.project_id,
            money.c.measure,
            money.c.source,
            money.c.year,
            ProjectSector.sector_code,
            ProjectLocation.province_code,
            ProjectLocation.district_code,
            ProjectLocation.commune_code,
            Project.nationwide,
            cast(total, BigInteger),
        )
        .select_from(money)
        .join(Project, and_(Project.id == money.c.project_id, *_among(Project.id, ids)))
        .outerjoin(
            ProjectSector,
            and_(
                ProjectSector.project_id == money.c.project_id,
                *_among(ProjectSector.project_id, ids),
            ),
        )
        .outerjoin(
            ProjectLocation,
            and_(
                ProjectLocation.project_id == money.c.project_id,
                *_among(ProjectLocation.project_id, ids),
            ),
        )
    )


def _among(column, ids) -> tuple:
    """`column` among the listed `ids`, said again for each table joined to the money: the
    planner does not carry a list over a join, and without it each chunk of a refresh read the
    whole of those tables (a refresh of every project cost the square of their number). Nothing
    for a SELECT of ids (a rebuild joins whole tables anyway)."""
    return () if isinstance(ids, Select) else (column.in_(ids),)


def _write(connection, ids) -> None:
    target = MoneyCell.__table__
    connection.execute(
        insert(target).from_select([target.c[name] for name in COLUMNS], _cells(ids))
    )


def refresh(connection, project_ids: Iterable[int]) -> None:
    """Work out again the cells of these projects (deleted ones lose theirs).

    When they are most of the projects (a bulk write: the demo, a rate of a common currency),
    every project's cells are worked out by one statement instead: the same cells, as the
    others' are current, in a fraction of the time of hundreds of chunks.
    """
    ids = sorted(set(project_ids))
    table = MoneyCell.__table__
    if len(ids) >= REBUILD_AT and 2 * len(ids) >= _project_count(connection):
        rebuild(connection)
        return
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        connection.execute(delete(table).where(table.c.project_id.in_(chunk)))
        _write(connection, chunk)


def _project_count(connection) -> int:
    return connection.execute(select(func.count()).select_from(Project)).scalar_one()


def rebuild(connection) -> int:
    """Work out every project's cells from scratch; returns how many cells there are.

    Into an empty table (the demo's build, the first filling), the table's indexes are built
    after its rows are in (`indexes_after`).
    """
    table = MoneyCell.__table__
    with indexes_after(connection, table.name):
        connection.execute(delete(table))
        _write(connection, select(Project.id))
    return connection.execute(select(func.count()).select_from(table)).scalar_one()


# --- kept current --------------------------------------------------------------------------


def _pending(session) -> set[int]:
    return session.info.setdefault(PENDING, set())


@event.listens_for(Session, "after_flush")
def _note_flushed(session, _flush_context) -> None:
    # After a flush the session still lists what it wrote, new projects with their ids.
    pending = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Project):
            project_id = obj.id
        elif isinstance(obj, ProjectFunding | ProjectSector | ProjectLocation | FundingSource):
            project_id = obj.project_id
        elif isinstance(obj, SourceFunding):
            sources = session.info.setdefault(PENDING_SOURCES, set())
            sources.add(obj.source_id)
            continue
        else:
            continue
        if project_id is not None:
            if pending is None:
                pending = _pending(session)
            pending.add(project_id)


def note_written(session, project_ids: Iterable[int]) -> None:
    """Projects whose rows were written in `session`'s transaction past its listeners (the
    demo's COPY): their cells are worked out at the commit, as for those the session wrote."""
    _pending(session).update(project_ids)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state) -> None:
    ids = bulk_projects(state, TABLES, PROJECT_COLUMNS)
    if ids:
        _pending(state.session).update(ids)


def bulk_projects(state, tables: dict, project_columns: frozenset[str]) -> set[int] | None:
    """The projects a bulk statement (`state`: the do_orm_execute event's) writes, read before
    it runs; None when it writes none of `tables` ({table name: its project id column}), or
    updates projects without setting any of `project_columns`."""
    table = changes.written_table(state)
    name = getattr(table, "name", "")
    if table is None or name not in tables:
        return None
    statement = state.statement
    if state.is_insert:
        return _inserted_ids(state.session, tables[name].key, name, statement, state.parameters)
    if name == Project.__tablename__ and state.is_update:
        values = {getattr(key, "key", key) for key in statement._values or {}}
        if not values & project_columns:
            return None
    found = select(table.c[tables[name].key])
    if name == SourceFunding.__tablename__:
        found = select(FundingSource.project_id).join(
            SourceFunding, SourceFunding.source_id == FundingSource.id
        )
    if statement.whereclause is not None:
        found = found.where(statement.whereclause)
    return set(state.session.connection().execute(found).scalars())


def _inserted_ids(session, column: str, name: str, statement, parameters) -> set[int]:
    """The project ids a bulk INSERT writes (from its parameters; the demo's inserts)."""
    rows = parameters if isinstance(parameters, list) else [parameters or {}]
    given = {row.get(column) for row in rows if isinstance(row, dict)}
    values = getattr(statement, "_values", None) or {}
    for key, value in values.items():
        if getattr(key, "key", key) == column:
            given.add(getattr(value, "value", None))
    ids: set[int] = {found for found in given if found is not None}
    if name == SourceFunding.__tablename__ and ids:
        return set(
            session.connection()
            .execute(select(FundingSource.project_id).where(FundingSource.id.in_(ids)))
            .scalars()
        )
    return ids


def settle(session) -> None:
    """Work out the cells of what `session` changed and has not committed yet, so that it
    reads its own changes from the cells as it reads them from the tables (as autoflush does).
    """
    if session.autoflush and _money_unflushed(session):
        session.flush()
    _work_out_noted(session)


@event.listens_for(Session, "before_commit")
def _work_out(session) -> None:
    if _money_unflushed(session):
        session.flush()  # what the commit would flush next is noted too
    _work_out_noted(session)


MONEY_MODELS = (
    Project,
    ProjectFunding,
    ProjectSector,
    ProjectLocation,
    FundingSource,
    SourceFunding,
)


def _money_unflushed(session) -> bool:
    """Whether `session` holds changes of the cells' tables not yet flushed (other changes are
    left for the commit to flush, as it would)."""
    return any(
        isinstance(obj, MONEY_MODELS)
        for objects in (session.new, session.dirty, session.deleted)
        for obj in objects
    )


def _work_out_noted(session) -> None:
    ids = session.info.pop(PENDING, None) or set()
    sources = session.info.pop(PENDING_SOURCES, None)
    if sources:
        ids |= set(
            session.connection()
            .execute(select(FundingSource.project_id).where(FundingSource.id.in_(sources)))
            .scalars()
        )
    if ids:
        refresh(session.connection(), ids)


@event.listens_for(Session, "after_commit")
def _forget(session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(PENDING_SOURCES, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, _previous_transaction) -> None:
    # A savepoint rolled back keeps what the transaction around it noted (working out a
    # project again that did not change costs nothing but time).
    if not session.in_transaction():
        session.info.pop(PENDING, None)
        session.info.pop(PENDING_SOURCES, None)
