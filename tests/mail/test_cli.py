"""`flask --app app portal mail send`: what is due, once, with the counts."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.mail.services import queue_mail


def test_send_delivers_what_is_due_and_prints_the_counts(app, mail_on):
    queue_mail("one@example.org", subject="One", text="Body")
    queue_mail("two@example.org", subject="Two", text="Body")
    result = app.test_cli_runner().invoke(args=["portal", "mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 2, retried 0, failed 0." in result.output
    assert sorted(m["To"] for m in mail_on.messages()) == ["one@example.org", "two@example.org"]
    again = app.test_cli_runner().invoke(args=["portal", "mail", "send"])
    assert "Sent 0, retried 0, failed 0." in again.output


def test_send_counts_retries_and_failures(app, mail_on):
    queue_mail("one@example.org", subject="One", text="Body")
    mail_on.answer = "421 4.7.0 Too busy"
    result = app.test_cli_runner().invoke(args=["portal", "mail", "send"])
    assert "Sent 0, retried 1, failed 0." in result.output
    assert db.session.scalar(select(OutboxMessage.state)) == "queued"


def test_send_without_a_mail_server_says_so_and_sends_nothing(app):
    queue_mail("one@example.org", subject="One", text="Body")
    result = app.test_cli_runner().invoke(args=["portal", "mail", "send"])
    assert result.exit_code == 1
    assert "Mail is not configured (MAIL_SERVER is unset): 1 message(s) stay queued." in (
        result.output
    )
    assert db.session.scalar(select(OutboxMessage.state)) == "queued"


def test_serve_without_a_mail_server_refuses_to_start(app):
    result = app.test_cli_runner().invoke(args=["portal", "mail", "serve"])
    assert result.exit_code == 1
    assert "Mail is not configured" in result.output
