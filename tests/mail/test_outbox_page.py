"""CDC's outbox page: who may open it, what it shows, retrying failed messages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.mail.services import queue_mail

NOT_CONFIGURED = "Mail is not configured: messages stay queued until MAIL_SERVER is set."


@pytest.mark.parametrize(("role", "status"), [("cdc", 200), ("dp", 403), ("ministry", 403)])
def test_only_cdc_opens_the_outbox(client, login_as, role, status):
    login_as(role)
    assert client.get("/admin/mail/").status_code == status
    assert client.post("/admin/mail/retry", data={"all": "1"}).status_code in (
        {302} if role == "cdc" else {403}
    )


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for response in (client.get("/admin/mail/"), client.post("/admin/mail/retry")):
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_cdc_finds_the_outbox_in_its_menu(client, login_as):
    login_as("cdc")
    assert 'href="/admin/mail/"' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login_as("dp")
    assert 'href="/admin/mail/"' not in client.get("/").get_data(as_text=True)


def test_the_page_says_mail_is_not_configured(app, client, login_as, monkeypatch):
    login_as("cdc")
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    assert NOT_CONFIGURED in client.get("/admin/mail/").get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    assert NOT_CONFIGURED not in client.get("/admin/mail/").get_data(as_text=True)


def _failed(email: str, reason: str) -> OutboxMessage:
    message = queue_mail(email, subject=f"To {email}", text="Body")
    message.state, message.attempts, message.last_error = "failed", 1, reason
    db.session.flush()
    return message


def test_messages_are_listed_newest_first_and_filtered_by_state(client, login_as):
    login_as("cdc")
    queue_mail("first@example.org", subject="First <b>subject</b>", text="Body")
    _failed("second@example.org", "550 No such user")
    page = client.get("/admin/mail/").get_data(as_text=True)
    assert page.index("second@example.org") < page.index("first@example.org")
    assert "First &lt;b&gt;subject&lt;/b&gt;" in page
    failed = client.get("/admin/mail/?state=failed").get_data(as_text=True)
    assert "second@example.org" in failed and "first@example.org" not in failed
    assert "550 No such user" in failed


def test_the_outbox_has_pages(client, login_as):
    login_as("cdc")
    for number in range(30):
        queue_mail(f"p{number:02d}@example.org", subject="S", text="T")
    first = client.get("/admin/mail/").get_data(as_text=True)
    second = client.get("/admin/mail/?page=2").get_data(as_text=True)
    assert "p29@example.org" in first and "p00@example.org" not in first
    assert "p00@example.org" in second and "p29@example.org" not in second


def test_cdc_retries_one_failed_message_or_all(client, login_as):
    login_as("cdc")
    one, two, three = (_failed(f"f{n}@example.org", "550 Refused") for n in range(3))
    response = client.post("/admin/mail/retry", data={"id": one.id}, follow_redirects=True)
    assert "1 message queued again." in response.get_data(as_text=True)
    states = dict(db.session.execute(select(OutboxMessage.id, OutboxMessage.state)).all())
    assert (states[one.id], states[two.id], states[three.id]) == ("queued", "failed", "failed")
    response = client.post("/admin/mail/retry", data={"all": "1"}, follow_redirects=True)
    assert "2 messages queued again." in response.get_data(as_text=True)
    assert {s for (s,) in db.session.execute(select(OutboxMessage.state))} == {"queued"}
    response = client.post("/admin/mail/retry", data={"id": one.id}, follow_redirects=True)
    assert "No failed message to retry." in response.get_data(as_text=True)


def test_retrying_needs_the_forms_token(app, client, login_as, monkeypatch):
    login_as("cdc")
    message = _failed("f@example.org", "550 Refused")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/admin/mail/retry", data={"id": message.id}).status_code == 400
    db.session.refresh(message)
    assert message.state == "failed"
