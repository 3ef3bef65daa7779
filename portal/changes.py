"""The data's version: a counter raised by every committed change of the data people read.

Whatever is computed from the whole database and kept (the public downloads' files, see
`portal.downloads`) is kept per version: a new version makes it stale. The counter is one row,
raised just before a transaction commits when that transaction changed any table outside
`UNTRACKED` (the bookkeeping no page of data reads), whether through the ORM's unit of work or
a bulk statement. Raising it as the last statement keeps its row lock for an instant only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, event, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from portal.db import Base, utcnow

# Tables whose changes no data page, export or document reads.
UNTRACKED = frozenset(
    {
        "api_token",
        "audit_event",
        "data_version",
        "iati_import_batch",
        "login_session",
        "notification",
        "outbox_message",
        "report_job",
        "throttle",
        "user_account",
    }
)
FLAG = "portal_data_changed"
# Set on a session whose transaction raised the version, until it commits (portal.cache then
# tells the other processes) or rolls back.
RAISED = "portal_data_version_raised"


class DataVersion(Base):
    """The one row holding the data's version and when it last changed."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def current(session: Session | scoped_session[Any]) -> tuple[int, datetime]:
    """The data's version and the time of its last change (0 and now before any change)."""
    # On the session's connection, without the ORM: public pages from the cache read only
    # this, once per request (a third of a millisecond less than through the ORM).
    table = DataVersion.__table__
    row = session.connection().execute(select(table.c.version, table.c.changed_at)).first()
    if row is None:
        return 0, utcnow()
    changed = row.changed_at
    return row.version, changed if changed.tzinfo else changed.replace(tzinfo=utcnow().tzinfo)


def stamp(session: Session | scoped_session[Any]) -> tuple[str, datetime]:
    """The data's version as a string for names and keys, and the time of its last change.

    The time is part of it: a database restored from a backup counts from an earlier
    version again, with other data.
    """
    number, changed_at = current(session)
    return f"{number}.{int(changed_at.timestamp() * 1_000_000)}", changed_at


def pending(session: Session | scoped_session[Any]) -> bool:
    """Whether `session` holds changes of tracked tables not yet committed."""
    if session.info.get(FLAG):
        return True
    return _tracked(session.new) or _tracked(session.dirty) or _tracked(session.deleted)


def _tracked(objects) -> bool:
    return any(getattr(obj, "__tablename__", None) not in UNTRACKED for obj in objects)


def _note_pending(session: Session) -> None:
    if _tracked(session.new) or _tracked(session.dirty) or _tracked(session.deleted):
        session.info[FLAG] = True


@event.listens_for(Session, "before_flush")
def _before_flush(session, _flush_context, _instances) -> None:
    _note_pending(session)


def written_table(state):
    """The Table a bulk INSERT, UPDATE or DELETE run through the session writes (`state` is
    the do_orm_execute event's); None for any other statement."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    target = getattr(state.statement, "table", None)  # a Table, or a mapped class
    return getattr(target, "__table__", target)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state) -> None:
    table = written_table(state)
    if table is not None and getattr(table, "name", None) not in UNTRACKED:
        state.session.info[FLAG] = True


@event.listens_for(Session, "before_commit")
def _raise_version(session) -> None:
    # Changes not yet flushed count too (the commit flushes them after this event; the flag
    # that flush sets again is dropped after the commit).
    _note_pending(session)
    if not session.info.pop(FLAG, False):
        return
    now = utcnow()
    raised = session.execute(
        update(DataVersion).values(version=DataVersion.version + 1, changed_at=now)
    )
    if raised.rowcount == 0:
        session.execute(insert(DataVersion).values(id=1, version=1, changed_at=now))
    session.info[RAISED] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session, *_previous_transaction) -> None:
    session.info.pop(FLAG, None)


@event.listens_for(Session, "after_soft_rollback")
def _not_raised(session, _previous_transaction) -> None:
    session.info.pop(RAISED, None)


def raised(session: Session) -> bool:
    """Whether the transaction `session` just committed raised the version (asked once)."""
    return bool(session.info.pop(RAISED, False))


# What `per_version` worked out, by database, name and data version.
_WORKED_OUT: dict[tuple[str, str, str], Any] = {}


def per_version(session: Session | scoped_session[Any], name: str, compute):
    """`compute()`, worked out once per data version in this process and kept under `name`
    (which must hold whatever else changes the answer): for small figures read from the whole
    database that every request reads alike. Within a transaction that changed data it is
    worked out afresh, and not kept."""
    if pending(session):
        return compute()
    url = session.connection().engine.url
    key = (url.render_as_string(hide_password=True), name, stamp(session)[0])
    if key not in _WORKED_OUT:
        if len(_WORKED_OUT) > 256:
            _WORKED_OUT.clear()
        _WORKED_OUT[key] = compute()
    return _WORKED_OUT[key]


def forget_worked_out() -> None:
    """Drop what `per_version` kept (a rolled-back test's data come back with its version)."""
    _WORKED_OUT.clear()
