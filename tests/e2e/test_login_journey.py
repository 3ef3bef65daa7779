"""In a real browser: each role logs in, sees its home page, reads it in Khmer, logs out."""

import pytest

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e

ROLES = [
    ("dp", "jica@demo.example", "Development partner focal point for", "មន្ត្រីទំនាក់ទំនងដៃគូអភិវឌ្ឍន៍"),
    ("ministry", "moh@demo.example", "Ministry focal point for", "មន្ត្រីទំនាក់ទំនងក្រសួង"),
    ("cdc", "cdc@demo.example", "you see every organization", "CDC"),
]


@pytest.mark.parametrize(("role", "email", "english", "khmer"), ROLES)
def test_role_home_page_in_english_and_khmer(page, backend, role, email, english, khmer):
    log_in(page, email)
    assert english in page.locator("main").inner_text()
    screenshot(page, f"home-{role}-en-{backend}")

    page.get_by_role("button", name="ខ្មែរ").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "km"
    main = page.locator("main").inner_text()
    assert khmer in main
    assert "Welcome" not in main
    # The Khmer font is the portal's own, and it is actually used.
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Khmer\"', 'ខ្មែរ')")
    screenshot(page, f"home-{role}-km-{backend}")

    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/")
    assert "You have logged out." in page.locator("main").inner_text()


def test_wrong_password_says_so_without_saying_which(page):
    page.goto("/login")
    page.get_by_label("Email").fill("cdc@demo.example")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").last.click()
    message = page.get_by_role("status").inner_text()
    assert "The email or password is not correct" in message
    assert page.get_by_label("Email").input_value() == "cdc@demo.example"


def test_no_request_leaves_the_machine(page, live_server):
    foreign = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(live_server) or request.url.startswith("data:")
            else foreign.append(request.url)
        ),
    )
    log_in(page, "cdc@demo.example")
    page.goto("/admin/organizations/")
    assert foreign == []
