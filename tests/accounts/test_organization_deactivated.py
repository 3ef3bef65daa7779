"""The users of a deactivated organization can neither log in nor keep a session or token."""

from __future__ import annotations

from unittest import mock

from portal.accounts import models
from portal.extensions import db
from tests import factories
from tests.conftest import TEST_PASSWORD

CLOSED = "Your organization is no longer active in the portal"


def _deactivate(organization) -> None:
    organization.active = False
    db.session.commit()


def test_a_deactivated_organizations_user_cannot_log_in(client):
    user = factories.user(role="dp")
    _deactivate(user.organization)
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert CLOSED in response.get_data(as_text=True)
    assert client.get("/account/password").status_code == 302


def test_a_wrong_password_does_not_say_the_organization_is_closed(client):
    user = factories.user(role="dp")
    _deactivate(user.organization)
    response = client.post("/login", data={"email": user.email, "password": "not-the-one-123"})
    assert CLOSED not in response.get_data(as_text=True)


def test_the_password_is_checked_as_for_anyone_else(client):
    """Same timing: the password is checked (one hash) before the organization is looked at."""
    user = factories.user(role="dp")
    _deactivate(user.organization)
    with mock.patch.object(models, "_hasher", wraps=models._hasher) as hasher:
        client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert hasher.verify.call_count == 1


def test_an_open_session_ends_when_the_organization_is_deactivated(client, login_as):
    user = login_as("ministry")
    assert client.get("/account/password").status_code == 200
    _deactivate(user.organization)
    response = client.get("/account/password")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_token_stops_working_when_the_organization_is_deactivated(client):
    from portal.api.tokens import create_token

    user = factories.user(role="dp")
    secret = create_token(user, "nightly").secret
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/projects", headers=headers).status_code == 200
    _deactivate(user.organization)
    assert client.get("/api/v1/projects", headers=headers).status_code == 401
