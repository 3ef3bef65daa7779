"""Failed logins are throttled so that a guesser is stopped without locking anyone out.

The pair (email, address) slows down then blocks; the account from anywhere only slows down;
an address trying many accounts is blocked. Counts are rows of the database, shared by every
process; CDC sees them and can clear one. An unknown email is answered like a known one.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import create_app
from portal.audit.models import AuditEvent
from portal.config import TestConfig
from portal.extensions import db
from portal.throttle import Throttle
from tests import factories
from tests.conftest import TEST_PASSWORD, drop_scratch_database, scratch_database_url

THROTTLED = "Too many failed attempts"
WRONG = "wrong password 123"


def _login(client, email, password, address="198.51.100.7"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _time_passes(seconds: float) -> None:
    """Move every count's clock back, as if `seconds` had passed since the last try."""
    for row in db.session.scalars(select(Throttle)):
        row.window_start -= timedelta(seconds=seconds)
        row.last_at -= timedelta(seconds=seconds)
    db.session.flush()


def _fail(client, email, times, address="198.51.100.7"):
    """Type a wrong password `times` times, waiting out each slow-down as a guesser would."""
    for _ in range(times):
        response = _login(client, email, WRONG, address)
        assert response.status_code == 200, response.status_code
        _time_passes(70)  # past any slow-down, well inside the 15-minute window


def test_a_guesser_is_slowed_then_blocked_even_with_the_right_password(client):
    user = factories.user(role="dp")
    for _ in range(3):
        assert _login(client, user.email, WRONG).status_code == 200
    # The fourth try at once must wait (a second), whatever the password.
    response = _login(client, user.email, TEST_PASSWORD)
    assert response.status_code == 429 and THROTTLED in response.get_data(as_text=True)
    assert "second" in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 2
    # Waiting out the slow-downs, the pair reaches its limit of 10 and is blocked.
    _time_passes(5)
    _fail(client, user.email, 7)
    response = _login(client, user.email, TEST_PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 60
    assert "minute" in response.get_data(as_text=True)
    # When the window has ended, the right password works again.
    _time_passes(15 * 60)
    assert _login(client, user.email, TEST_PASSWORD).status_code == 302


def test_the_owner_from_another_address_is_not_locked_out_by_a_guesser(client):
    user = factories.user(role="cdc")
    _fail(client, user.email, 10, address="203.0.113.66")
    assert _login(client, user.email, TEST_PASSWORD, address="203.0.113.66").status_code == 429
    # The CDC officer, at the office, logs in.
    assert _login(client, user.email, TEST_PASSWORD, address="192.0.2.10").status_code == 302


def test_guesses_from_many_addresses_only_slow_the_account_down(client):
    user = factories.user(role="ministry")
    for index in range(30):  # PORTAL_LOGIN_LIMIT_ACCOUNT: 30 per 15 minutes
        assert _login(client, user.email, WRONG, address=f"203.0.113.{index}").status_code == 200
    waits = []
    for index in range(10):  # the guessers go on, each as soon as the account may try
        response = _login(client, user.email, WRONG, address=f"203.0.114.{index}")
        waits.append(int(response.headers.get("Retry-After", 0)))
        _time_passes(waits[-1])
        assert _login(client, user.email, WRONG, address=f"203.0.114.{index}").status_code == 200
    assert waits[:3] == [1, 2, 4] and max(waits) == 60  # growing, never past a minute
    response = _login(client, user.email, TEST_PASSWORD, address="192.0.2.20")
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60  # slowed, never locked
    _time_passes(60)
    assert _login(client, user.email, TEST_PASSWORD, address="192.0.2.20").status_code == 302


def test_an_unknown_email_is_throttled_exactly_like_a_known_one(client):
    answers = []
    for email in (factories.user(role="dp").email, "nobody-here@example.org"):
        _fail(client, email, 10, address="198.51.100.8")
        response = _login(client, email, WRONG, address="198.51.100.8")
        answers.append((response.status_code, THROTTLED in response.get_data(as_text=True)))
    assert answers == [(429, True), (429, True)]


@pytest.fixture
def strict_address_limit(app):
    before = app.config["LOGIN_LIMIT_ADDRESS"]
    app.config["LOGIN_LIMIT_ADDRESS"] = "3 per 15 minutes"
    yield
    app.config["LOGIN_LIMIT_ADDRESS"] = before


def test_an_address_trying_many_accounts_is_blocked(client, strict_address_limit):
    for index in range(3):
        _login(client, f"guess{index}@example.org", WRONG, address="203.0.113.9")
    user = factories.user(role="cdc")
    assert _login(client, user.email, TEST_PASSWORD, address="203.0.113.9").status_code == 429
    assert _login(client, user.email, TEST_PASSWORD, address="203.0.113.10").status_code == 302


def test_throttled_logins_are_in_the_audit_log(client):
    user = factories.user(role="ministry")
    for _ in range(4):
        _login(client, user.email, WRONG, address="198.51.100.20")
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("login%"))
    ).all()
    assert "login.throttled" in actions and "login.failed" in actions


def test_cdc_sees_the_throttles_in_force_and_clears_one(client, login_as):
    user = factories.user(role="dp")
    _fail(client, user.email, 10, address="198.51.100.30")
    assert _login(client, user.email, TEST_PASSWORD, address="198.51.100.30").status_code == 429

    cdc = login_as("cdc")
    page = client.get("/admin/users/throttles").get_data(as_text=True)
    pair = f"{user.email.lower()} 198.51.100.30"
    assert f'<td class="text-break">{pair}</td>' in page
    assert "Login: account from one address" in page
    row = db.session.scalars(select(Throttle).where(Throttle.key == pair)).one()
    response = client.post(f"/admin/users/throttles/{row.id}/clear")
    assert response.status_code == 302
    page = client.get("/admin/users/throttles").get_data(as_text=True)
    assert f"The throttle on {pair} has been cleared." in page
    assert f'<td class="text-break">{pair}</td>' not in page
    cleared = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "throttle.cleared")
    ).one()
    assert cleared.user_id == cdc.id
    client.post("/logout")
    assert _login(client, user.email, TEST_PASSWORD, address="198.51.100.30").status_code == 302


def test_the_throttle_page_says_so_when_nobody_waits(client, login_as):
    login_as("cdc")
    page = client.get("/admin/users/throttles").get_data(as_text=True)
    assert "Nobody is slowed down or blocked." in page


def test_counts_are_shared_between_processes_without_redis(backend, tmp_root):
    """Two application instances (two workers) on one database count the same failures."""
    url = scratch_database_url(backend, "throttle_shared", tmp_root)
    first, second = create_app(TestConfig(url)), create_app(TestConfig(url))
    first.config["REDIS_URL"] = second.config["REDIS_URL"] = None  # counts never need it
    try:
        with first.app_context():
            db.create_all()
            user = factories.user(role="dp")
            email = user.email
            db.session.commit()
        one, two = first.test_client(), second.test_client()
        for worker in (one, two, one, two, one, two, one, two, one, two):
            with (first if worker is one else second).app_context():
                _time_passes(70)
                db.session.commit()
            assert _login(worker, email, WRONG).status_code == 200
        # Ten failures, five in each worker: both refuse the pair now.
        assert _login(one, email, TEST_PASSWORD).status_code == 429
        assert _login(two, email, TEST_PASSWORD).status_code == 429
    finally:
        for application in (first, second):
            with application.app_context():
                db.session.remove()
                db.engine.dispose()
        drop_scratch_database(url)
