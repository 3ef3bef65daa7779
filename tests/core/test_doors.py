"""The usual doors: redirects stay on the portal, and an upload too large gets a friendly page."""

import io

import pytest

from tests.conftest import TEST_PASSWORD


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_login_never_redirects_off_the_portal(client, target):
    from tests import factories

    user = factories.user(role="dp")
    response = client.post(
        f"/login?next={target}", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/" or location.startswith("/") and not location.startswith("//")


def test_a_local_next_page_is_followed(client):
    from tests import factories

    user = factories.user(role="dp")
    response = client.post(
        "/login?next=/projects/", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/projects/"


def test_an_upload_too_large_gets_a_friendly_page(app, client, login_as):
    login_as("cdc")
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/map/population",
        data={"file": (io.BytesIO(b"x" * (limit + 1)), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file is too large." in page and "<html" in page


def test_a_nul_byte_gets_a_clear_refusal_not_a_crash(client, login_as):
    for response in (
        client.get("/projects/", query_string={"q": "\x00"}),
        client.get("/api/v1/projects", query_string={"q": "a\x00b"}),
    ):
        assert response.status_code == 400
    login_as("cdc")
    response = client.post("/admin/organizations/new", data={"name_en": "Bad\x00name"})
    assert response.status_code == 400
    assert "not allowed" in response.get_data(as_text=True)
