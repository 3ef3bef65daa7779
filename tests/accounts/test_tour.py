"""The first-login tour of the home page: shown once, closed for good, taken again on request."""

import pytest

from tests.conftest import TEST_PASSWORD


@pytest.mark.parametrize(
    ("role", "step"),
    [
        ("dp", "Your organization's projects"),
        ("ministry", "Waiting for you"),
        ("cdc", "Where the money goes"),
    ],
)
def test_the_tour_greets_a_first_login_and_goes_when_closed(client, login_as, role, step):
    user = login_as(role)
    page = client.get("/").get_data(as_text=True)
    assert "A first look at your home page" in page and step in page

    client.post("/tour/closed")
    assert "A first look at your home page" not in client.get("/").get_data(as_text=True)
    # ...and comes back when asked for.
    assert "A first look at your home page" in client.get("/?tour=1").get_data(as_text=True)

    # A later login does not show it again.
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert "A first look at your home page" not in client.get("/").get_data(as_text=True)


def test_the_tour_speaks_khmer(client, login_as):
    login_as("dp", locale="km")
    assert "ការមើលដំបូងលើទំព័រដើមរបស់អ្នក" in client.get("/").get_data(as_text=True)
