"""Forgotten passwords: a signed link by email (read from a real SMTP server), once, for an hour."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext

from portal.accounts import passwords
from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.mail.conftest import text_and_html

NEW_PASSWORD = "river lotus morning bridge"
SAME_ANSWER = "If an account has this address, a link to set a new password is on its way."


def _ask(client, email: str):
    from portal.mail import sender

    response = client.post("/password/forgot", data={"email": email}, follow_redirects=True)
    assert response.status_code == 200
    sender.send_due()
    return response.get_data(as_text=True)


def _link(message) -> str:
    text, _html = text_and_html(message)
    found = re.search(r"https://portal\.cdc\.example(/password/set/\S+)", text)
    assert found, text
    return found.group(1)


def test_the_login_page_offers_a_link(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Forgot your password?" in page


def test_the_same_answer_whether_or_not_the_address_has_an_account(client, mail_on):
    user = factories.user(role="dp")
    known = _ask(client, user.email)
    unknown = _ask(client, "nobody@nowhere.example")
    assert SAME_ANSWER in known and SAME_ANSWER in unknown
    assert [m["To"] for m in mail_on.messages()] == [user.email]


def test_a_link_sets_a_new_password_once_and_ends_other_sessions(app, client, mail_on):
    user = factories.user(role="dp")
    other_device = app.test_client()
    assert (
        other_device.post(
            "/login", data={"email": user.email, "password": TEST_PASSWORD}
        ).status_code
        == 302
    )
    assert other_device.get("/account/password").status_code == 200

    _ask(client, user.email)
    link = _link(mail_on.messages()[0])
    page = client.get(link)
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)
    response = client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"

    assert user.check_password(NEW_PASSWORD) and not user.check_password(TEST_PASSWORD)
    assert "/login" in other_device.get("/account/password").headers["Location"]  # ended

    again = client.post(
        link, data={"new_password": "x" + NEW_PASSWORD, "confirm": "x" + NEW_PASSWORD}
    )
    assert again.status_code == 400
    assert "This link has already been used." in again.get_data(as_text=True)
    assert user.check_password(NEW_PASSWORD)


def test_an_expired_or_tampered_link_changes_nothing(client, mail_on, monkeypatch):
    user = factories.user(role="dp")
    _ask(client, user.email)
    link = _link(mail_on.messages()[0])
    form = {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}

    tampered = client.post(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"), data=form)
    assert tampered.status_code == 400
    assert "This link is not valid." in tampered.get_data(as_text=True)

    monkeypatch.setitem(passwords.MAX_AGE, passwords.RESET, -1)  # an hour has passed
    expired = client.post(link, data=form)
    assert expired.status_code == 400
    assert "This link has expired." in expired.get_data(as_text=True)
    assert user.check_password(TEST_PASSWORD)


def test_a_weak_password_is_refused_and_the_link_still_works(client, mail_on):
    user = factories.user(role="dp")
    _ask(client, user.email)
    link = _link(mail_on.messages()[0])
    weak = client.post(link, data={"new_password": "short", "confirm": "short"})
    assert weak.status_code == 400
    assert (
        client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )


def test_asking_too_often_sends_no_more_links_and_says_the_same(client, mail_on):
    user = factories.user(role="dp")
    answers = [_ask(client, user.email) for _ in range(5)]
    assert all(SAME_ANSWER in a for a in answers)
    assert len(mail_on.messages()) == 3  # PORTAL_RESET_LIMIT_ACCOUNT: 3 per hour


def test_a_khmer_reader_gets_the_link_in_khmer(client, mail_on):
    user = factories.user(role="ministry", locale="km")
    _ask(client, user.email)
    message = mail_on.messages()[0]
    with force_locale("km"):
        subject = gettext("Development Cooperation Portal: set a new password")
    assert message["Subject"] == subject != "Development Cooperation Portal: set a new password"
    _link(message)


@pytest.mark.parametrize("email", ["", "not an address"])
def test_a_bad_address_is_refused_with_the_form(client, email):
    response = client.post("/password/forgot", data={"email": email})
    assert response.status_code == 400
