"""Pages for a logged-in user and every page under /admin are never kept by a cache."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.mark.parametrize("role", ["dp", "ministry", "cdc"])
def test_every_page_a_logged_in_user_gets_is_no_store(client, login_as, role):
    login_as(role)
    for path in ("/", "/projects/", "/account/password", "/map/", "/no-such-page"):
        response = client.get(path)
        assert response.headers.get("Cache-Control") == "no-store", (path, response.status_code)


def test_admin_pages_are_no_store_even_before_logging_in(client, login_as):
    assert client.get("/admin/users/").headers.get("Cache-Control") == "no-store"
    login_as("cdc")
    response = client.get("/admin/users/")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") == "no-store"


def test_api_answers_to_a_token_holder_are_no_store(client):
    from portal.api.tokens import create_token

    secret = create_token(factories.user(role="dp"), "nightly").secret
    response = client.get("/api/v1/projects", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") == "no-store"


def test_public_pages_and_static_files_keep_their_caching(client, login_as):
    for path in ("/", "/projects/", "/login"):
        assert "no-store" not in client.get(path).headers.get("Cache-Control", ""), path
    login_as("dp")
    font = client.get("/fonts/noto-sans-khmer.woff2")
    assert "max-age" in font.headers.get("Cache-Control", "")
