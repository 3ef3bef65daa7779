"""Failed logins are throttled per account and per address, with a clear message, and the
answer for an unknown email is the same as for a known one."""

import pytest

from tests import factories
from tests.conftest import TEST_PASSWORD

THROTTLED = "Too many failed attempts"


def _login(client, email, password, address="198.51.100.7"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_an_account_waits_after_ten_failures_even_with_the_right_password(client):
    user = factories.user(role="dp")
    for _ in range(10):
        response = _login(client, user.email, "wrong password 123")
        assert response.status_code == 200 and THROTTLED not in response.get_data(as_text=True)
    response = _login(client, user.email, TEST_PASSWORD)
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    # Another account, from the same address, is not held up.
    other = factories.user(role="dp")
    assert _login(client, other.email, TEST_PASSWORD).status_code == 302


def test_an_unknown_email_is_throttled_exactly_like_a_known_one(client):
    answers = []
    for email in (factories.user(role="dp").email, "nobody-here@example.org"):
        for _ in range(10):
            _login(client, email, "wrong password 123", address="198.51.100.8")
        response = _login(client, email, "wrong password 123", address="198.51.100.8")
        answers.append((response.status_code, THROTTLED in response.get_data(as_text=True)))
    assert answers == [(429, True), (429, True)]


@pytest.fixture
def strict_address_limit(app):
    before = app.config["LOGIN_LIMIT_ADDRESS"]
    app.config["LOGIN_LIMIT_ADDRESS"] = "3 per 15 minutes"
    yield
    app.config["LOGIN_LIMIT_ADDRESS"] = before


def test_an_address_trying_many_accounts_waits(client, strict_address_limit):
    for index in range(3):
        _login(client, f"guess{index}@example.org", "wrong password 123", address="203.0.113.9")
    user = factories.user(role="cdc")
    assert _login(client, user.email, TEST_PASSWORD, address="203.0.113.9").status_code == 429
    assert _login(client, user.email, TEST_PASSWORD, address="203.0.113.10").status_code == 302


def test_throttled_logins_are_in_the_audit_log(client):
    from sqlalchemy import select

    from portal.audit.models import AuditEvent
    from portal.extensions import db

    user = factories.user(role="ministry")
    for _ in range(11):
        _login(client, user.email, "wrong password 123", address="198.51.100.20")
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("login%"))
    ).all()
    assert "login.throttled" in actions and "login.failed" in actions
