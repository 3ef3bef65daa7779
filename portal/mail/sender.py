"""Deliver the outbox over SMTP (the conversation itself is in portal.mail.smtp).

A sender claims due messages before it talks to the mail server: on PostgreSQL with
`SELECT ... FOR UPDATE SKIP LOCKED`, elsewhere (SQLite) by an UPDATE that only succeeds while
the row is still queued. The claim is committed before the first byte is sent, so two senders
never deliver one message twice; a sender that died mid-batch leaves its rows 'sending', and
they become due again after `STALE_CLAIM`. One SMTP connection serves a whole run.

- sent: the server accepted the message;
- a temporary failure (a 4xx answer, a connection refused, timed out or dropped, a login that
  failed) puts the message back in the queue with an exponential back-off (1, 2, 4 ... minutes,
  at most an hour), until `GIVE_UP_AFTER` since it was queued;
- a permanent failure (a 5xx answer, an address the message cannot carry) fails it, with why.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from blinker import Namespace
from flask import Flask, current_app
from sqlalchemy import and_, or_, select, update

from portal.db import rowcount, utcnow
from portal.extensions import db
from portal.mail import smtp
from portal.mail.models import FAILED, QUEUED, SENDING, SENT, OutboxMessage

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(days=3)
MAX_BACKOFF = timedelta(hours=1)
BATCH = 100  # messages claimed at a time
INTERVAL = 60  # seconds between two runs of a continuous sender

# Sent once a run of a continuous sender, before the mail goes: other features queue the mail
# that is due by the clock (the reporting round's reminders), so it leaves in the same run.
tick = Namespace().signal("mail-sender-tick")


@dataclass
class Counts:
    """What a run of the sender did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def add(self, other: Counts) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed


@dataclass(frozen=True)
class ClaimedMessage:
    """A claimed message, read before its claim is committed (no session is held while sending)."""

    id: int
    to_email: str
    locale: str
    subject: str
    body: str
    body_html: str | None
    attempts: int
    created_at: datetime


def is_configured(app: Flask | None = None) -> bool:
    """Say whether a mail server is configured (MAIL_SERVER)."""
    return bool((app or current_app).config.get("MAIL_SERVER"))


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1, 2, 4 ... minutes, at most 1 h."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)


def _due(now: datetime):
    return or_(
        and_(OutboxMessage.state == QUEUED, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.state == SENDING, OutboxMessage.claimed_at < now - STALE_CLAIM),
    )


def claim(limit: int, now: datetime) -> list[ClaimedMessage]:
    """Mark up to `limit` due messages as being sent by this sender, commit, return them."""
    session = db.session
    postgresql = session.get_bind().dialect.name == "postgresql"
    candidates = (
        select(OutboxMessage.id)
        .where(_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if postgresql:
        # Rows another sender holds are skipped, not waited for: each gets its own.
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    mark = {"state": SENDING, "claimed_at": now}
    if postgresql:
        if ids:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**mark))
        claimed = ids
    else:
        # One row at a time, each only while still due: of two senders, one gets each row.
        claimed = [
            message_id
            for message_id in ids
            if rowcount(
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id, _due(now))
                    .values(**mark),
                    execution_options={"synchronize_session": False},
                )
            )
            == 1
        ]
    rows = (
        session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.to_email,
                OutboxMessage.locale,
                OutboxMessage.subject,
                OutboxMessage.body,
                OutboxMessage.body_html,
                OutboxMessage.attempts,
                OutboxMessage.created_at,
            )
            .where(OutboxMessage.id.in_(claimed))
            .order_by(OutboxMessage.id)
        ).all()
        if claimed
        else []
    )
    session.commit()
    return [ClaimedMessage(*row) for row in rows]


def _age(message: ClaimedMessage, now: datetime) -> timedelta:
    created = message.created_at
    if created.tzinfo is None:  # SQLite keeps UTC times without their zone
        created = created.replace(tzinfo=UTC)
    return now - created


def _record(
    message: ClaimedMessage,
    outcome: str,
    error: str | None,
    now: datetime,
    *,
    may_give_up: bool = True,
) -> str:
    """Write what happened to one message and commit; return the state it ends in.

    A message the server keeps answering "try later" fails after GIVE_UP_AFTER; one that waits
    for an unreachable server (`may_give_up` False) waits as long as it takes.
    """
    attempts = message.attempts + 1
    values: dict = {"attempts": attempts, "claimed_at": None}
    if outcome == SENT:
        values.update(state=SENT, sent_at=now, last_error=None)
    elif outcome == FAILED:
        values.update(state=FAILED, last_error=error)
    elif may_give_up and _age(message, now) >= GIVE_UP_AFTER:
        outcome = FAILED
        values.update(state=FAILED, last_error=f"Gave up after {attempts} attempts: {error}")
    else:
        values.update(state=QUEUED, last_error=error, next_attempt_at=now + backoff(attempts))
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.state == SENDING)
        .values(**values),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return outcome


def _deliver(batch: list[ClaimedMessage], connection: smtp.Connection, now: datetime) -> Counts:
    counts = Counts()
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    unreachable: str | None = None
    for message in batch:
        if unreachable is not None:
            outcome, error = QUEUED, unreachable
        else:
            try:
                connection.send(smtp.build_message(message, sender))
                outcome, error = SENT, None
            except smtp.Unreachable as problem:
                outcome, error = QUEUED, str(problem)
                unreachable = error
            except smtp.Temporary as problem:
                outcome, error = QUEUED, str(problem)
            except (smtp.Permanent, ValueError) as problem:
                outcome, error = FAILED, str(problem)
        ended = _record(message, outcome, error, now, may_give_up=unreachable is None)
        if ended == SENT:
            counts.sent += 1
        elif ended == FAILED:
            counts.failed += 1
            log.warning("mail %s to %s failed: %s", message.id, message.to_email, error)
        else:
            counts.retried += 1
    if unreachable:
        log.warning("mail server unreachable, messages wait: %s", unreachable)
    return counts


def send_due(
    app: Flask | None = None, *, limit: int | None = None, now: datetime | None = None
) -> Counts:
    """Deliver every due message (at most `limit`) over one SMTP connection; return the counts.

    Runs in `app`'s own application context when given, else in the current one. Without
    MAIL_SERVER nothing is claimed and mail stays queued.
    """
    if app is not None:
        with app.app_context():
            try:
                return send_due(limit=limit, now=now)
            finally:
                db.session.remove()
    if not is_configured():
        return Counts()
    counts = Counts()
    connection = smtp.Connection(current_app.config)
    try:
        while limit is None or counts.sent + counts.retried + counts.failed < limit:
            size = BATCH if limit is None else min(BATCH, limit - sum(vars(counts).values()))
            moment = now or utcnow()
            batch = claim(size, moment)
            if not batch:
                break
            done = _deliver(batch, connection, moment)
            counts.add(done)
            if done.retried and not done.sent and not done.failed:
                break  # the server is not taking mail now: leave the rest for the next run
    finally:
        connection.close()
    return counts


def serve(
    app: Flask,
    *,
    interval: float = INTERVAL,
    stop: threading.Event | None = None,
    report: Callable[[Counts], None] | None = None,
) -> None:
    """Send what is due every `interval` seconds until `stop` is set (or forever).

    `report` is told the counts of every run that did something.
    """
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            run_tick(app)
            counts = send_due(app)
            if counts.sent or counts.retried or counts.failed:
                log.info(
                    "mail: %s sent, %s retried, %s failed",
                    counts.sent,
                    counts.retried,
                    counts.failed,
                )
                if report:
                    report(counts)
        except Exception:  # a database that is down must not end the sender: try again later
            log.exception("mail sender run failed")
        stop.wait(interval)


def run_tick(app: Flask) -> None:
    """Let the features that queue mail by the clock do so now, in one transaction."""
    with app.app_context():
        try:
            tick.send(app)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


_thread_lock = threading.Lock()


def start_thread(app: Flask, *, interval: float = INTERVAL) -> threading.Thread:
    """Start a daemon thread that sends due mail every `interval` seconds (the embedded default)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=serve,
        args=(app,),
        kwargs={"interval": interval, "stop": stop},
        name="portal-mail-sender",
        daemon=True,
    )
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread


def init_sender(app: Flask) -> None:
    """In the embedded default (MAIL_SENDER_THREAD), start the sending thread on the first request.

    Not at import or in commands: `flask db upgrade` and the other commands send nothing, and
    the development server's reloader parent, which serves no request, starts no thread.
    """
    if not app.config.get("MAIL_SENDER_THREAD"):
        return
    started: list[threading.Thread] = []

    @app.before_request
    def _start_mail_sender() -> None:
        if started:
            return
        with _thread_lock:
            if not started:
                started.append(start_thread(app))
