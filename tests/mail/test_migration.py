"""The migration that adds delivery to the outbox keeps the messages already there."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db
from tests.conftest import drop_scratch_database, scratch_database_url

pytestmark = pytest.mark.own_database

BEFORE = "9c4e2a7b1d63"


def test_messages_never_sent_become_queued_and_sent_ones_sent(backend, tmp_root):
    url = scratch_database_url(backend, "mail_migration", tmp_root)
    app = create_app(TestConfig(url))
    try:
        with app.app_context():
            upgrade(revision=BEFORE)
            db.session.execute(
                text(
                    "INSERT INTO outbox_message (created_at, to_email, subject, body, sent_at) "
                    "VALUES (:at, 'a@example.org', 'Waiting', 'Body', NULL), "
                    "(:at, 'b@example.org', 'Done', 'Body', :at)"
                ),
                {"at": "2026-11-30 08:00:00"},
            )
            db.session.commit()
            upgrade()
            rows = db.session.execute(
                text(
                    "SELECT to_email, state, attempts, locale, next_attempt_at IS NOT NULL "
                    "FROM outbox_message ORDER BY to_email"
                )
            ).all()
            assert [tuple(r) for r in rows] == [
                ("a@example.org", "queued", 0, "en", True),
                ("b@example.org", "sent", 1, "en", True),
            ]
            db.session.remove()
            downgrade(revision=BEFORE)
            assert db.session.execute(text("SELECT count(*) FROM outbox_message")).scalar() == 2
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_scratch_database(url)
