"""Throttles: failed logins, wrong passwords typed again, links asked for, public downloads.

Counts live in the database (table `throttle`), so every worker process of every machine
shares them with or without Redis, and they survive a restart. Each count is a fixed window
per (kind, key), raised by one atomic upsert.

Failed logins are counted three ways, so that a guesser is stopped without locking anyone out:

- per **pair** (email typed, client address): after a few failures each try waits longer
  (1, 2, 4 … seconds); past `PORTAL_LOGIN_LIMIT_PAIR` the pair is blocked until its window ends.
  The owner of the account, from another address, is not held up by someone else's guesses.
- per **account** (email typed, from any address): past `PORTAL_LOGIN_LIMIT_ACCOUNT` each try
  waits a little (at most a minute) after the last failure. It only ever slows down.
- per **address** (any email): past `PORTAL_LOGIN_LIMIT_ADDRESS` the address is blocked until
  its window ends (one machine trying many accounts).

Emails are counted whether or not an account has them, so the answer never tells which exist.
CDC sees the throttles in force and can clear one (Administration → Login throttles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from limits import parse
from sqlalchemy import DateTime, Integer, String, UniqueConstraint, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, utcnow
from portal.extensions import db

KIND_LABELS = {
    "login-pair": _l("Login: account from one address"),
    "login-account": _l("Login: account from any address"),
    "login-address": _l("Login: one address, any account"),
    "reset-account": _l("New-password links: account"),
    "reset-address": _l("New-password links: address"),
    "download-address": _l("Public downloads: address"),
}


class Throttle(Base):
    """One count of failures (or requests) in a fixed window, per kind and key."""

    __tablename__ = "throttle"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # An email (lower case), an address, or "email address" for a pair.
    key: Mapped[str] = mapped_column(String(400))
    count: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


# Failures of one pair before its tries start to wait.
PAIR_FREE_TRIES = 3
# The longest wait of a slowed-down account, whatever its count.
ACCOUNT_MAX_DELAY = 60
# Rows older than this are gone: every window is shorter.
KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Rule:
    kind: str
    limit: str  # a setting's name, its value like "10 per 15 minutes"
    blocks: bool  # past the limit: blocked until the window ends, or only slowed down

    def amount_and_window(self) -> tuple[int, timedelta]:
        item = parse(current_app.config[self.limit])
        return item.amount, timedelta(seconds=item.get_expiry())


PAIR = Rule("login-pair", "LOGIN_LIMIT_PAIR", blocks=True)
ACCOUNT = Rule("login-account", "LOGIN_LIMIT_ACCOUNT", blocks=False)
ADDRESS = Rule("login-address", "LOGIN_LIMIT_ADDRESS", blocks=True)
RESET_ACCOUNT = Rule("reset-account", "RESET_LIMIT_ACCOUNT", blocks=True)
RESET_ADDRESS = Rule("reset-address", "RESET_LIMIT_ADDRESS", blocks=True)
DOWNLOAD = Rule("download-address", "DOWNLOAD_LIMIT", blocks=True)
RULES = {
    rule.kind: rule for rule in (PAIR, ACCOUNT, ADDRESS, RESET_ACCOUNT, RESET_ADDRESS, DOWNLOAD)
}


def _login_keys(email: str, address: str | None) -> list[tuple[Rule, str]]:
    email = email.strip().lower()[:254]
    address = (address or "unknown")[:100]
    return [(PAIR, f"{email} {address}"), (ACCOUNT, email), (ADDRESS, address)]


def _as_utc(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; every time stored here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _wait(row: Throttle, rule: Rule, now: datetime) -> float:
    """Seconds this row still makes a try wait (0: it may try now)."""
    amount, window = rule.amount_and_window()
    start, last = _as_utc(row.window_start), _as_utc(row.last_at)
    if now >= start + window:
        return 0
    if rule.blocks and row.count >= amount:
        return (start + window - now).total_seconds()
    if rule is PAIR and row.count >= PAIR_FREE_TRIES:
        delay = 2 ** min(row.count - PAIR_FREE_TRIES, 10)
    elif rule is ACCOUNT and row.count >= amount:
        delay = min(2 ** min(row.count - amount, 10), ACCOUNT_MAX_DELAY)
    else:
        return 0
    return max(0.0, (last + timedelta(seconds=delay) - now).total_seconds())


def _rows(keys: list[tuple[Rule, str]]) -> dict[tuple[str, str], Throttle]:
    wanted = {(rule.kind, key) for rule, key in keys}
    rows = db.session.scalars(
        select(Throttle).where(
            Throttle.kind.in_({kind for kind, _ in wanted}),
            Throttle.key.in_({key for _, key in wanted}),
        )
    )
    return {(row.kind, row.key): row for row in rows if (row.kind, row.key) in wanted}


def _wait_for(keys: list[tuple[Rule, str]]) -> int:
    now = utcnow()
    rows = _rows(keys)
    wait = 0.0
    for rule, key in keys:
        row = rows.get((rule.kind, key))
        if row is not None:
            wait = max(wait, _wait(row, rule, now))
    return math.ceil(wait)


def _hit(rule: Rule, key: str) -> int:
    """Count one more in (rule, key)'s window, starting a new window if the last one ended.

    One statement (an upsert), so two workers counting at once both count. Returns the count.
    """
    now = utcnow()
    _amount, window = rule.amount_and_window()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Throttle.__table__
    ended = table.c.window_start <= now - window
    upsert = insert(table).values(kind=rule.kind, key=key, count=1, window_start=now, last_at=now)
    statement = upsert.on_conflict_do_update(
        index_elements=[table.c.kind, table.c.key],
        set_={
            "count": case((ended, 1), else_=table.c.count + 1),
            "window_start": case((ended, now), else_=table.c.window_start),
            "last_at": now,
        },
    ).returning(table.c.count)
    return db.session.execute(statement).scalar_one()


def wait_seconds(email: str, address: str | None) -> int:
    """How long a login for `email` from `address` must wait (0 when it may try now)."""
    return _wait_for(_login_keys(email, address))


def count_failure(email: str, address: str | None) -> None:
    """Count a failed login (or a wrong password typed again); the caller commits."""
    db.session.execute(delete(Throttle).where(Throttle.last_at < utcnow() - KEEP))
    for rule, key in _login_keys(email, address):
        _hit(rule, key)


def may_send_link(email: str, address: str | None) -> bool:
    """Count a new-password link asked for; False beyond the limits (the caller commits)."""
    checks = ((RESET_ACCOUNT, email.strip().lower()[:254]), (RESET_ADDRESS, address or "unknown"))
    allowed = True
    for rule, key in checks:
        amount, _window = rule.amount_and_window()
        allowed = _hit(rule, key) <= amount and allowed
    return allowed


def count_download(address: str | None) -> int:
    """Count a public download from `address`; the seconds to wait when past the budget, else 0.

    The caller commits.
    """
    key = (address or "unknown")[:100]
    amount, _window = DOWNLOAD.amount_and_window()
    if _hit(DOWNLOAD, key) <= amount:
        return 0
    return max(1, _wait_for([(DOWNLOAD, key)]))


def wait_message(wait: int) -> str:
    """'Please wait …' in seconds below a minute, else in minutes."""
    if wait < 60:
        return ngettext(
            "Too many failed attempts. Please wait %(num)s second and try again.",
            "Too many failed attempts. Please wait %(num)s seconds and try again.",
            max(1, wait),
        )
    return ngettext(
        "Too many failed attempts. Please wait %(num)s minute and try again.",
        "Too many failed attempts. Please wait %(num)s minutes and try again.",
        math.ceil(wait / 60),
    )


def in_force() -> list[tuple[Throttle, int]]:
    """Every throttle now making someone wait (or counting towards it), with its wait."""
    now = utcnow()
    result = []
    for row in db.session.scalars(select(Throttle).order_by(Throttle.last_at.desc())):
        rule = RULES.get(row.kind)
        if rule is None:
            continue
        amount, window = rule.amount_and_window()
        if now >= _as_utc(row.window_start) + window:
            continue
        wait = math.ceil(_wait(row, rule, now))
        threshold = PAIR_FREE_TRIES if rule is PAIR else amount
        if wait or row.count >= threshold:
            result.append((row, wait))
    return result


def clear(throttle_id: int) -> Throttle | None:
    """Forget one throttle's count (CDC, for someone who must not wait); the caller commits."""
    row = db.session.get(Throttle, throttle_id)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
    return row
