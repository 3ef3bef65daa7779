"""New accounts: CDC types no password; the person gets an invitation by email (read from a
real SMTP server) to choose one, in their language, once, within seven days."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from flask_babel import force_locale, gettext
from itsdangerous import TimestampSigner
from sqlalchemy import select

from portal.accounts import passwords
from portal.accounts.models import User
from portal.accounts.services import authenticate
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.mail import sender
from portal.organizations.models import OrgKind
from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.mail.conftest import text_and_html  # smtp and mail_on: tests/accounts/conftest.py

CHOSEN = "river lotus morning bridge"
SUBJECT = "Development Cooperation Portal: your new account"


def _new_account(client, login_as, **overrides) -> User:
    """CDC creates an account through its form; the invitation is queued, then sent."""
    login_as("cdc")
    partner = factories.organization(OrgKind.MULTILATERAL, acronym="ADBI")
    data = {
        "email": "sokha.chan@example.org",
        "name": "Sokha Chan",
        "name_km": "",
        "organization_id": partner.id,
        "role": "dp",
        "locale": "",
        "active": "y",
    }
    data.update(overrides)
    response = client.post("/admin/users/new", data=data, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if data.get("active"):
        assert "An invitation to choose a password has been queued" in page
        assert data["email"] in page
    client.post("/logout")
    sender.send_due()
    return db.session.scalar(select(User).where(User.email == data["email"]))


def _link(message, kind: str = "welcome") -> str:
    text, html = text_and_html(message)
    found = re.search(rf"https://portal\.cdc\.example(/password/{kind}/\S+)", text)
    assert found, text
    assert f'href="https://portal.cdc.example{found.group(1)}"' in html
    return found.group(1)


def _choose(client, link: str, password: str = CHOSEN):
    return client.post(link, data={"new_password": password, "confirm": password})


def _actions(user: User) -> list[str]:
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "User", AuditEvent.object_id == str(user.id))
        .order_by(AuditEvent.id)
    )
    return [event.action for event in events]


def test_the_invitation_sets_the_password_and_the_person_logs_in(client, login_as, mail_on):
    user = _new_account(client, login_as)
    [message] = mail_on.messages()
    assert message["To"] == user.email and message["Subject"] == SUBJECT
    text, _html = text_and_html(message)
    assert "within seven days" in text and user.email in text
    link = _link(message)

    page = client.get(link).get_data(as_text=True)
    assert "Welcome: choose your password" in page and user.email in page
    response = _choose(client, link)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert user.has_usable_password and user.check_password(CHOSEN)
    login = client.post("/login", data={"email": user.email, "password": CHOSEN})
    assert login.status_code == 302
    assert _actions(user)[:2] == ["user.created", "user.invited"]
    assert "user.invitation_accepted" in _actions(user)


def test_a_khmer_reader_gets_the_invitation_in_khmer(client, login_as, mail_on):
    user = _new_account(client, login_as, locale="km")
    [message] = mail_on.messages()
    with force_locale("km"):
        subject = gettext(SUBJECT)
    assert message["Subject"] == subject != SUBJECT
    text, _html = text_and_html(message)
    assert re.search("[\u1780-\u17ff]", text) and user.email in text
    _link(message)
    assert db.session.scalars(select(User).where(User.id == user.id)).one().locale == "km"


def test_before_accepting_no_password_logs_in(client, login_as, mail_on):
    user = _new_account(client, login_as)
    assert user.password_hash.startswith("!") and len(user.password_hash) > 20
    for guess in ["", "!", user.password_hash, TEST_PASSWORD, CHOSEN]:
        assert not user.check_password(guess)
        assert authenticate(user.email, guess) is None
        response = client.post("/login", data={"email": user.email, "password": guess or "x"})
        assert response.status_code != 302


def _median(check, runs=5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        check()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_a_login_before_accepting_takes_the_time_of_a_wrong_password(login_as):
    invited, known = factories.user(role="dp"), factories.user(role="dp")
    invited.set_unusable_password()
    known.check_password("warm up")
    unusable = _median(lambda: invited.check_password("any password"))
    wrong = _median(lambda: known.check_password("a wrong password"))
    assert 0.5 < unusable / wrong < 2, (unusable, wrong)


def test_the_link_works_once(client, login_as, mail_on):
    user = _new_account(client, login_as)
    link = _link(mail_on.messages()[0])
    assert _choose(client, link).status_code == 302
    again = _choose(client, link, "another " + CHOSEN)
    assert again.status_code == 400
    assert "This invitation has already been used" in again.get_data(as_text=True)
    assert user.check_password(CHOSEN)


def test_an_expired_or_tampered_link_changes_nothing(client, login_as, mail_on, monkeypatch):
    user = _new_account(client, login_as)
    link = _link(mail_on.messages()[0])
    tampered = _choose(client, link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
    assert tampered.status_code == 400
    assert "This link is not valid." in tampered.get_data(as_text=True)

    def signed_days_ago(days: int) -> str:
        past = int(time.time()) - days * 24 * 3600
        with monkeypatch.context() as clock:
            clock.setattr(TimestampSigner, "get_timestamp", lambda self: past)
            return passwords.make_token(user, passwords.INVITE)

    expired = _choose(client, f"/password/welcome/{signed_days_ago(8)}")
    assert expired.status_code == 400
    assert "This link has expired." in expired.get_data(as_text=True)
    assert not user.has_usable_password
    assert client.get(f"/password/welcome/{signed_days_ago(6)}").status_code == 200


def test_a_reset_token_is_no_invitation_and_the_reverse(client, login_as, mail_on):
    user = _new_account(client, login_as)
    link = _link(mail_on.messages()[0])
    assert client.get(link.replace("/welcome/", "/set/")).status_code == 400
    reset = passwords.make_token(user, passwords.RESET)
    assert client.get(f"/password/welcome/{reset}").status_code == 400


def test_sending_again_voids_the_earlier_link(client, login_as, mail_on):
    user = _new_account(client, login_as)
    first = _link(mail_on.messages()[0])
    login_as("cdc")
    edit = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Send the invitation again" in edit and 'type="password"' not in edit
    response = client.post(f"/admin/users/{user.id}/invitation", follow_redirects=True)
    assert "The invitation has been sent again to" in response.get_data(as_text=True)
    client.post("/logout")
    sender.send_due()
    second = _link(mail_on.messages()[1])
    assert second != first

    old = _choose(client, first)
    assert old.status_code == 400 and "a newer one was sent" in old.get_data(as_text=True)
    assert not user.has_usable_password
    assert _choose(client, second).status_code == 302
    assert "user.invitation_resent" in _actions(user)


def test_a_corrected_address_voids_the_link_sent_to_the_old_one(client, login_as, mail_on):
    user = _new_account(client, login_as, email="typo@exmaple.org")
    link = _link(mail_on.messages()[0])
    user.email = "sokha.chan@example.org"  # what CDC's edit form does
    db.session.flush()
    assert _choose(client, link).status_code == 400
    assert not user.has_usable_password


def test_an_account_with_a_password_gets_a_reset_link_not_an_invitation(client, login_as, mail_on):
    login_as("cdc")
    person = factories.user(role="ministry", locale="km")
    edit = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Send a password reset link" in edit and "Send the invitation again" not in edit
    refused = client.post(f"/admin/users/{person.id}/invitation", follow_redirects=True)
    assert "already has a password" in refused.get_data(as_text=True)

    response = client.post(f"/admin/users/{person.id}/password", follow_redirects=True)
    assert "A link to set a new password has been sent to" in response.get_data(as_text=True)
    client.post("/logout")
    sender.send_due()
    [message] = mail_on.messages()
    with force_locale("km"):
        assert message["Subject"] == gettext("Development Cooperation Portal: set a new password")
    assert person.check_password(TEST_PASSWORD)  # until the link is used
    link = _link(message, "set")
    assert "Choose your password" in client.get(link).get_data(as_text=True)
    assert _choose(client, link).status_code == 302
    assert person.check_password(CHOSEN) and not person.check_password(TEST_PASSWORD)
    assert "password.reset_sent" in _actions(person)


def test_an_inactive_account_gets_no_invitation_until_it_is_active(client, login_as, mail_on):
    user = _new_account(client, login_as, active="")
    assert user.active is False and mail_on.messages() == []
    login_as("cdc")
    refused = client.post(f"/admin/users/{user.id}/invitation", follow_redirects=True)
    assert "This account is deactivated" in refused.get_data(as_text=True)
    client.post("/logout")
    sender.send_due()
    assert mail_on.messages() == []


@pytest.mark.parametrize("path", ["invitation", "password"])
def test_links_for_others_are_cdc_s_to_send(client, login_as, path):
    person = factories.user(role="dp")
    login_as("dp")
    assert client.post(f"/admin/users/{person.id}/{path}").status_code == 403


def test_the_command_line_invites_without_a_password(app, mail_on):
    factories.organization(OrgKind.BILATERAL, acronym="JICAI")
    result = app.test_cli_runner().invoke(
        args=["portal", "create-user", "--email", "focal@jica.example", "--role", "dp"]
        + ["--org", "JICAI"]
    )
    assert result.exit_code == 0, result.output
    assert "An invitation to choose a password" in result.output
    assert "queued for focal@jica.example" in result.output
    user = db.session.scalar(select(User).where(User.email == "focal@jica.example"))
    assert not user.has_usable_password
    sender.send_due()
    [message] = mail_on.messages()
    assert message["To"] == "focal@jica.example" and message["Subject"] == SUBJECT
    _link(message)
