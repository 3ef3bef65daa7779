"""Logging in and out, as a focal point would."""

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from tests import factories
from tests.conftest import TEST_PASSWORD

WRONG = "The email or password is not correct, or the account is not active."


def test_login_shows_the_role_home_page(client):
    user = factories.user(role="ministry")
    response = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ministry focal point for" in page
    assert user.name in page


def test_email_is_matched_without_regard_to_case(client):
    user = factories.user(role="dp")
    response = client.post("/login", data={"email": user.email.upper(), "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_message(client):
    user = factories.user(role="dp")
    wrong_password = client.post("/login", data={"email": user.email, "password": "nope-nope-nope"})
    unknown_email = client.post(
        "/login", data={"email": "nobody@example.org", "password": TEST_PASSWORD}
    )
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert WRONG in wrong_password.get_data(as_text=True)
    assert WRONG in unknown_email.get_data(as_text=True)
    # Only the home page link of a logged-in user shows the user's name.
    assert user.name not in wrong_password.get_data(as_text=True)


def test_failed_logins_are_audited(client):
    user = factories.user(role="dp")
    client.post("/login", data={"email": user.email, "password": "nope-nope-nope"})
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "login.failed", AuditEvent.object_id == str(user.id)
        )
    ).all()
    assert len(events) == 1


def test_login_form_keeps_the_email_and_marks_missing_fields(client):
    response = client.post("/login", data={"email": "someone@example.org", "password": ""})
    page = response.get_data(as_text=True)
    assert 'value="someone@example.org"' in page
    assert "This field is required." in page


def test_deactivated_user_cannot_log_in(client):
    user = factories.user(role="dp", active=False)
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)


def test_deactivation_ends_an_open_session(client, login_as):
    cdc = factories.user(role="cdc")
    user = login_as("dp")
    assert client.get("/").get_data(as_text=True).count(user.name) >= 1
    from portal.accounts.services import AccountData, update_user

    update_user(
        user,
        AccountData(
            email=user.email,
            name=user.name,
            organization=user.organization,
            role=user.role,
            active=False,
        ),
        actor=cdc,
    )
    db.session.commit()
    response = client.get("/account/password")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_ends_the_session(client, login_as):
    login_as("cdc")
    assert client.get("/admin/users/").status_code == 200
    response = client.post("/logout", follow_redirects=True)
    assert "You have logged out." in response.get_data(as_text=True)
    assert client.get("/admin/users/").status_code == 302


def test_logout_is_refused_on_get(client, login_as):
    login_as("dp")
    assert client.get("/logout").status_code == 405


def test_next_redirects_only_to_local_pages(client):
    user = factories.user(role="cdc")
    data = {"email": user.email, "password": TEST_PASSWORD}
    local = client.post("/login?next=/admin/users/", data=data)
    assert local.headers["Location"] == "/admin/users/"
    client.post("/logout")
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(f"/login?next={hostile}", data=data)
        assert response.headers["Location"] == "/", hostile
        client.post("/logout")


def test_pages_that_need_a_login_redirect_to_it(client):
    response = client.get("/admin/users/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_change_password_checks_the_current_one_and_strength(client, login_as):
    user = login_as("dp")
    wrong = client.post(
        "/account/password",
        data={
            "current_password": "not-my-password",
            "new_password": "a much longer secret",
            "confirm": "a much longer secret",
        },
    )
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    weak = client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": "short", "confirm": "short"},
    )
    assert "Use at least 10 characters." in weak.get_data(as_text=True)
    good = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "a much longer secret",
            "confirm": "a much longer secret",
        },
    )
    assert good.status_code == 302
    assert user.check_password("a much longer secret")
    # The session that changed the password stays logged in.
    assert client.get("/account/password").status_code == 200
