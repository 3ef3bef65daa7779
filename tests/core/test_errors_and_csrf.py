"""Error pages speak HTML or JSON; state changes need a CSRF token."""

from portal import create_app
from portal.config import TestConfig
from tests import factories
from tests.conftest import TEST_PASSWORD


def test_404_page_is_html_for_browsers(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.get_data(as_text=True)


def test_404_is_json_for_json_clients(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json == {
        "error": {"status": 404, "message": "There is nothing at this address."}
    }


def test_403_page_for_a_forbidden_page(client, login_as):
    login_as("dp")
    response = client.get("/admin/organizations/")
    assert response.status_code == 403
    assert "You do not have permission to see this page." in response.get_data(as_text=True)


def test_posts_without_csrf_token_are_refused(app):
    strict = create_app(TestConfig(app.config["SQLALCHEMY_DATABASE_URI"]))
    strict.config["WTF_CSRF_ENABLED"] = True
    client = strict.test_client()
    user = factories.user(role="dp")
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert client.post("/language", data={"lang": "km"}).status_code == 400
    assert client.post("/logout").status_code == 400
