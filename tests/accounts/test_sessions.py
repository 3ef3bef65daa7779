"""Session cookies and the login throttle of the foundation."""

from tests import factories
from tests.conftest import TEST_PASSWORD


def _session_cookie(response) -> str:
    cookies = [v for v in response.headers.getlist("Set-Cookie") if v.startswith("portal_session=")]
    assert cookies, "no session cookie was set"
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite(client):
    user = factories.user(role="dp")
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in development


def test_session_cookie_is_secure_over_https(client):
    user = factories.user(role="dp")
    response = client.post(
        "/login",
        data={"email": user.email, "password": TEST_PASSWORD},
        base_url="https://portal.example",
    )
    assert "Secure" in _session_cookie(response)


def test_a_new_session_is_issued_at_login(client):
    client.get("/login")
    before = client.get_cookie("portal_session")
    user = factories.user(role="dp")
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    after = client.get_cookie("portal_session")
    assert after is not None
    assert before is None or before.value != after.value
