"""Declarative base, shared column helpers and pagination."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import (
    BigInteger,
    CursorResult,
    DateTime,
    MetaData,
    Numeric,
    Result,
    Table,
    func,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so that Alembic can alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CENT = Decimal("0.01")


class MoneyType(TypeDecorator):
    """An amount with two decimals, stored as a whole number of cents.

    Integers are exact on every database (SQLite has no decimal type), so sums done in SQL are
    exact too. Python sees a Decimal. A 64-bit integer holds 92 quadrillion units with cents,
    enough for any amount in any currency, KRW and KHR included.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) * 100).to_integral_value(ROUND_HALF_EVEN))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(CENT)


Money = MoneyType()
Rate = Numeric(20, 8, asdecimal=True)
Percent = Numeric(5, 2, asdecimal=True)

ZERO = Decimal("0")


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Declarative types `__table__` as any FromClause; every model here maps to a Table.
        __table__: ClassVar[Table]


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


# Why not Flask-SQLAlchemy's `db.paginate` (3.1): it would change the pages. A page number past
# the last (a bookmark after rows went away) shows the last page here, and a page below 1 the
# first; there both are a 404 (or, with error_out=False, an empty page and page 1). An empty list
# is "page 1 of 1" here, "of 0" there. And it pages only a select of one entity, while `Page`
# also pages lists worked out in Python (the inbox, a round's checks) and rows of several
# columns counted by a cheaper query of their own (the checklist, the validation queue).
@dataclass
class Page:
    """One page of results and what a pager needs to link to the others."""

    items: list[Any]
    page: int
    per_page: int
    total: int
    # What the pager's links add besides the page number (a cursor, where a list has one).
    next_args: dict[str, str] = field(default_factory=dict)
    prev_args: dict[str, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def paginate(session, statement, page: int, per_page: int, *, clamp: bool = True) -> Page:
    """Run `statement` for one page, counting the whole result once.

    Pages show the last page for a number past it (`clamp`); the API answers such a page
    empty, with its number, as a client asked for it.
    """
    page = max(1, page)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    pages = max(1, math.ceil((total or 0) / per_page))
    if clamp:
        page = min(page, pages)
    items = list(session.scalars(statement.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total or 0)


# What another transaction writing the same rows at the same moment makes the database say:
# PostgreSQL's unique violation, serialization failure, deadlock and lock timeout, and SQLite's
# unique constraint and "database is locked" (SQLite locks the whole file while one writes).
_CONCURRENT_STATES = {"23505", "40001", "40P01", "55P03"}
_CONCURRENT_SQLITE = ("unique constraint failed", "database is locked")


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched: Session.execute returns a CursorResult for these
    statements, but is typed as returning any Result."""
    return cast(CursorResult[Any], result).rowcount


def is_concurrent_write(error: BaseException) -> bool:
    """Whether `error` may come from another transaction writing the same records meanwhile."""
    if isinstance(error, StaleDataError):
        return True
    if not isinstance(error, IntegrityError | OperationalError):
        return False
    state = getattr(error.orig, "sqlstate", None)
    if state:
        return state in _CONCURRENT_STATES
    text = str(error.orig).lower()
    return any(words in text for words in _CONCURRENT_SQLITE)


def commit_retrying(session, work: Callable[[], Any], *, attempts: int = 3, pause: float = 0.5):
    """Run `work()` and commit; when another transaction's writes got in the way, do it again.

    Everything `work` wrote is rolled back before the next attempt, which sees what the other
    transaction committed (the same rows are then found, not written twice). Returns what
    `work` returned. Any other error, or the last attempt's, is raised after the rollback.
    """
    attempt = 1
    while True:
        try:
            result = work()
            session.commit()
            return result
        except Exception as error:
            session.rollback()
            if attempt >= attempts or not is_concurrent_write(error):
                raise
        time.sleep(pause * attempt)
        attempt += 1


# The catalog's definitions of a table's indexes that back no constraint, and of its foreign keys.
_OWN_INDEXES = text(
    "SELECT quote_ident(c.relname), pg_get_indexdef(i.indexrelid) FROM pg_index i"
    " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = CAST(:table AS regclass)"
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
)
_FOREIGN_KEYS = text(
    "SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE conrelid = CAST(:table AS regclass) AND contype = 'f'"
)


@contextmanager
def indexes_after(
    connection, table: str, *, memory: str = "256MB", indexes: bool = True
) -> Iterator[None]:
    """For a block that fills `table`, on PostgreSQL and when the table is empty: its indexes
    (but those of its primary key and unique constraints) and its foreign keys dropped for the
    block and made again after it, from their own definitions, with `memory` for the sorts
    (with `indexes` false, only its foreign keys). Elsewhere, or when the table holds rows,
    nothing.

    An index built once from the rows is several times faster than each row added to it, and a
    foreign key is checked by one join instead of a lookup per row (3.3 million money cells:
    33 s instead of 72). The table is the transaction's alone (ACCESS EXCLUSIVE) until it ends;
    a failure rolls the drop back with the rest.
    """
    if connection.dialect.name != "postgresql" or connection.scalar(
        text(f"SELECT EXISTS (SELECT 1 FROM {table})")
    ):
        yield
        return
    own = connection.execute(_OWN_INDEXES, {"table": table}).all() if indexes else []
    keys = connection.execute(_FOREIGN_KEYS, {"table": table}).all()
    for name, _definition in keys:
        connection.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
    for name, _definition in own:
        connection.execute(text(f"DROP INDEX {name}"))
    yield
    kept = connection.scalar(text("SELECT current_setting('maintenance_work_mem')"))
    connection.execute(
        text("SELECT set_config('maintenance_work_mem', :memory, true)"), {"memory": memory}
    )
    for _name, definition in own:
        connection.execute(text(definition))
    for name, definition in keys:
        connection.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"))
    connection.execute(
        text("SELECT set_config('maintenance_work_mem', :memory, true)"), {"memory": kept}
    )
