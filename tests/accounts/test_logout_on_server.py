"""Logging out ends the session on the server: a copy of its cookie opens nothing afterwards."""

from __future__ import annotations

from tests import factories
from tests.conftest import TEST_PASSWORD


def _log_in(client, user) -> str:
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client.get_cookie("portal_session").value


def test_a_copied_cookie_stops_working_at_logout(app, client):
    user = factories.user(role="cdc")
    cookie = _log_in(client, user)
    thief = app.test_client()
    thief.set_cookie("portal_session", cookie)
    assert thief.get("/admin/users/").status_code == 200

    client.post("/logout")
    response = thief.get("/admin/users/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logging_out_on_one_device_leaves_the_others(app, client):
    user = factories.user(role="dp")
    _log_in(client, user)
    laptop = app.test_client()
    _log_in(laptop, user)
    client.post("/logout")
    assert laptop.get("/account/password").status_code == 200


def test_a_password_change_keeps_the_session_it_was_made_in(client):
    user = factories.user(role="dp")
    _log_in(client, user)
    new = "river lotus morning bridge"
    data = {"current_password": TEST_PASSWORD, "new_password": new, "confirm": new}
    assert client.post("/account/password", data=data).status_code == 302
    assert client.get("/account/password").status_code == 200
