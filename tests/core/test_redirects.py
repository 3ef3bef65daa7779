"""Redirect targets (`next`) are paths on this portal, never another site."""

import pytest

from portal.security import is_safe_redirect

HOSTILE = [
    "http:evil.example",
    "https:evil.example",
    "http:///evil.example",
    "//evil.example",
    "///evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "https://evil.example",
    "HTTPS://evil.example/",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,hi",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "evil.example",
    "admin/users/",
    "",
    None,
]


@pytest.mark.parametrize("target", HOSTILE)
def test_targets_that_leave_the_portal_are_refused(app, target):
    with app.test_request_context("/"):
        assert not is_safe_redirect(target)


@pytest.mark.parametrize("target", ["/", "/admin/users/", "/projects/?q=a%2Fb#top", "/p/a:b"])
def test_paths_on_the_portal_are_kept(app, target):
    with app.test_request_context("/"):
        assert is_safe_redirect(target)


@pytest.mark.parametrize("target", ["http:evil.example", "/\\evil.example", "//evil.example"])
def test_login_and_language_switch_refuse_them(client, target):
    from tests import factories
    from tests.conftest import TEST_PASSWORD

    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.headers["Location"] == "/"
    user = factories.user(role="dp")
    response = client.post(
        f"/login?next={target}", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/"
