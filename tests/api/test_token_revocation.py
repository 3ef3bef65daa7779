"""A password change, a reset link or a deactivation revokes every API token of the account;
making a token asks for the password again."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts import passwords
from portal.accounts.services import AccountData, update_user
from portal.api.models import ApiToken
from portal.api.tokens import create_token
from portal.extensions import db
from tests import factories
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "river lotus morning bridge"


def _token(user) -> dict:
    secret = create_token(user, "nightly").secret
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _revoked(client, user, headers) -> bool:
    refused = client.get("/api/v1/projects", headers=headers).status_code == 401
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))
    return refused and all(token.revoked_at is not None for token in tokens)


def test_changing_the_password_revokes_the_tokens(client, login_as):
    user = login_as("dp")
    headers = _token(user)
    assert client.get("/api/v1/projects", headers=headers).status_code == 200
    data = {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD}
    response = client.post("/account/password", data={**data, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert _revoked(client, user, headers)
    assert "You have no API tokens." in client.get("/account/password").text


def test_a_reset_link_revokes_the_tokens(client):
    user = factories.user(role="dp")
    headers = _token(user)
    link = f"/password/set/{passwords.make_token(user, passwords.RESET)}"
    response = client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert _revoked(client, user, headers)


def test_deactivating_the_account_revokes_the_tokens(client):
    cdc = factories.user(role="cdc")
    user = factories.user(role="ministry")
    headers = _token(user)
    account = AccountData(
        email=user.email,
        name=user.name,
        organization=user.organization,
        role=user.role,
        active=False,
    )
    update_user(user, account, actor=cdc)
    db.session.commit()
    assert _revoked(client, user, headers)
    update_user(user, AccountData(**{**account.__dict__, "active": True}), actor=cdc)
    db.session.commit()
    assert client.get("/api/v1/projects", headers=headers).status_code == 401  # stays revoked


def test_making_a_token_asks_for_the_password_again(client, login_as):
    login_as("dp")
    page = client.get("/account/password").text
    assert 'name="password"' in page
    data = {"name": "nightly sync", "lifetime": "90"}
    for wrong in ({}, {"password": "not the password"}):
        response = client.post("/account/api-tokens/", data={**data, **wrong})
        assert response.status_code == 302
        assert db.session.scalar(select(ApiToken)) is None
    assert "The current password is not correct." in client.get("/account/password").text
    created = client.post("/account/api-tokens/", data={**data, "password": TEST_PASSWORD})
    assert created.status_code == 200 and "only time it is shown" in created.text


def test_wrong_passwords_at_the_token_form_count_with_the_logins(client, login_as, app):
    login_as("dp")
    data = {"name": "guess", "lifetime": "90", "password": "not the password"}
    for _attempt in range(12):
        client.post("/account/api-tokens/", data=data)
    data["password"] = TEST_PASSWORD
    client.post("/account/api-tokens/", data=data)
    assert db.session.scalar(select(ApiToken)) is None
    assert "Too many failed attempts." in client.get("/account/password").text
