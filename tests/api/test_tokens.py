"""Personal API tokens: created on the account page and shown once, kept as a hash, revoked."""

from datetime import timedelta

from sqlalchemy import select

from portal.api.models import ApiToken
from portal.api.tokens import create_token, hash_token
from portal.db import utcnow
from portal.extensions import db
from tests.conftest import TEST_PASSWORD


def test_a_user_creates_a_token_sees_it_once_and_uses_it(client, login_as, registry):
    user = login_as("dp", organization=registry["jica"])
    page = client.get("/account/password")
    assert "API tokens" in page.text and "You have no API tokens." in page.text

    created = client.post(
        "/account/api-tokens/",
        data={"name": "nightly sync", "lifetime": "90", "password": TEST_PASSWORD},
    )
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    assert "only time it is shown" in created.text
    secret = created.text.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith("cdcp_")

    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored.token_hash == hash_token(secret) and secret not in stored.token_hash
    assert stored.expires_at is not None

    listed = client.get("/account/password").text
    assert "nightly sync" in listed and stored.prefix in listed and secret not in listed

    client.post("/logout")
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.get(f"/api/v1/projects/{registry['jica_draft'].id}", headers=headers)
    assert response.status_code == 200
    assert db.session.get(ApiToken, stored.id).last_used_at is not None


def test_revoking_a_token_shuts_it_out(client, login_as, registry):
    user = login_as("dp", organization=registry["jica"])
    new = create_token(user, "old script")
    headers = {"Authorization": f"Bearer {new.secret}"}
    assert client.get("/api/v1/projects", headers=headers).status_code == 200

    response = client.post(f"/account/api-tokens/{new.token.id}/revoke")
    assert response.status_code == 302
    assert "revoked" in client.get("/account/password").text

    refused = client.get("/api/v1/projects", headers=headers)
    assert refused.status_code == 401
    assert "revoked" in refused.get_json()["error"]["message"]
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_nobody_revokes_another_users_token(client, login_as, registry):
    other = create_token(registry["koica_user"], "theirs")
    login_as("dp", organization=registry["jica"])
    client.post(f"/account/api-tokens/{other.token.id}/revoke")
    assert db.session.get(ApiToken, other.token.id).revoked_at is None
    assert "no such token" in client.get("/account/password").text


def test_a_token_needs_a_name(client, login_as):
    login_as("dp")
    data = {"name": "  ", "lifetime": "90", "password": TEST_PASSWORD}
    response = client.post("/account/api-tokens/", data=data)
    assert response.status_code == 302
    assert db.session.scalar(select(ApiToken)) is None


def test_expired_unknown_and_malformed_tokens_answer_401_json(client, registry):
    expired = create_token(registry["jica_user"], "short-lived", "30")
    expired.token.expires_at = utcnow() - timedelta(days=1)
    db.session.flush()
    for header in (
        f"Bearer {expired.secret}",
        "Bearer cdcp_not-a-real-token",
        "Basic dXNlcjpwYXNz",
    ):
        response = client.get("/api/v1/projects", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["error"]["status"] == 401


def test_a_closed_account_closes_its_tokens(client, registry):
    new = create_token(registry["jica_user"], "script")
    registry["jica_user"].active = False
    db.session.flush()
    response = client.get("/api/v1/projects", headers={"Authorization": f"Bearer {new.secret}"})
    assert response.status_code == 401
