"""The interface speaks English or Khmer: the browser decides until the user picks."""

from tests import factories
from tests.conftest import TEST_PASSWORD


def test_browser_language_decides_at_first(client):
    khmer = client.get("/login", headers={"Accept-Language": "km-KH,km;q=0.9,en;q=0.5"})
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="km">' in khmer.get_data(as_text=True)
    assert "ចូលប្រើ" in khmer.get_data(as_text=True)
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Log in" in english.get_data(as_text=True)


def test_switching_language_sticks_over_the_browser(client):
    response = client.post(
        "/language", data={"lang": "km", "next": "/login"}, headers={"Accept-Language": "en"}
    )
    assert response.headers["Location"] == "/login"
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="km">' in page


def test_a_logged_in_user_keeps_the_chosen_language(client):
    user = factories.user(role="dp")
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    client.post("/language", data={"lang": "km", "next": "/"})
    assert user.locale == "km"
    client.post("/logout")
    # A new browser session of the same user comes back in Khmer.
    fresh = client.application.test_client()  # the same cache-clearing client class
    fresh.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert '<html lang="km">' in fresh.get("/").get_data(as_text=True)


def test_unknown_language_and_hostile_next_are_ignored(client):
    response = client.post("/language", data={"lang": "fr", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_khmer_font_is_served_locally(client):
    response = client.get("/fonts/noto-sans-khmer.woff2")
    assert response.status_code == 200
    assert response.mimetype == "font/woff2"
    assert response.data[:4] == b"wOF2"
    assert len(response.data) < 80_000  # the regular-to-bold instance, not the whole family


def test_pages_load_no_asset_from_another_host(client, login_as):
    login_as("cdc")
    page = client.get("/").get_data(as_text=True)
    assert "https://" not in page.split("<body")[0]
    assert "cdn." not in page
