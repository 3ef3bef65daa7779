"""Every state-changing request without a CSRF token is refused, whatever the route."""

import pytest

from tests import factories

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Routes that take no browser session (the JSON API authenticates by token, not by cookie).
EXEMPT_PREFIXES = ("/api/",)


def _state_changing_urls(app):
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & STATE_CHANGING
        if not methods or rule.rule.startswith(EXEMPT_PREFIXES):
            continue
        values = {name: ("12" if name == "code" else 1) for name in rule.arguments}
        if "fmt" in values:
            values["fmt"] = "csv"
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
        for method in sorted(methods):
            yield method, url


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("role", [None, "dp", "cdc"])
def test_a_request_without_a_token_is_refused(app, client, login_as, csrf_on, role):
    if role:
        # Logging in is itself protected: log in with the token the login page gives.
        user = factories.user(role=role)
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        from tests.conftest import TEST_PASSWORD

        response = client.post(
            "/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
    urls = list(_state_changing_urls(app))
    assert len(urls) > 30
    accepted = []
    for method, url in urls:
        response = client.open(url, method=method, data={"anything": "1"})
        if response.status_code != 400 or b"did not come from this portal" not in response.data:
            accepted.append(f"{method} {url} -> {response.status_code}")
    assert accepted == [], "\n".join(accepted)
