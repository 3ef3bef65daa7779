"""Two senders at once, each with its own database session, never deliver one message twice;
the embedded default's thread sends on its own."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.mail import sender
from portal.mail.models import OutboxMessage
from portal.mail.services import queue_mail
from tests.core.conftest import at_once
from tests.mail.conftest import point_at

pytestmark = pytest.mark.own_database

MESSAGES = 120


def _queue(count: int) -> None:
    for number in range(count):
        queue_mail(f"person{number}@example.org", subject=f"Message {number}", text="Hello.")
    db.session.commit()


def test_two_senders_at_once_deliver_each_message_once(own_app, smtp, monkeypatch):
    point_at(own_app, monkeypatch, smtp.port)
    monkeypatch.setattr(sender, "BATCH", 7)  # many small claims, so that the two interleave
    _queue(MESSAGES)

    first, second = at_once(lambda: sender.send_due(own_app), lambda: sender.send_due(own_app))

    assert first.sent + second.sent == MESSAGES
    assert first.retried == second.retried == first.failed == second.failed == 0
    delivered = Counter(m["Subject"] for m in smtp.messages())
    assert len(delivered) == MESSAGES and set(delivered.values()) == {1}
    states = dict(
        db.session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        ).all()
    )
    assert states == {"sent": MESSAGES}


def test_the_background_thread_sends_what_is_queued(own_app, smtp, monkeypatch):
    point_at(own_app, monkeypatch, smtp.port)
    _queue(3)
    db.session.remove()
    thread = sender.start_thread(own_app, interval=0.2)
    try:
        deadline = time.monotonic() + 20
        while len(smtp.messages()) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(smtp.messages()) == 3
        _queue(1)  # and keeps sending what comes later
        db.session.remove()
        deadline = time.monotonic() + 20
        while len(smtp.messages()) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(smtp.messages()) == 4
    finally:
        thread.stop.set()
        thread.join(10)
    assert not thread.is_alive()
