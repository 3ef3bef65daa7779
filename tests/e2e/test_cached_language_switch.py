"""A page served from the public cache still lets each visitor switch the language (their own
CSRF token, not the first visitor's)."""

from __future__ import annotations


def test_each_visitor_switches_the_language_on_a_cached_page(browser, live_server):
    first = browser.new_context(base_url=live_server, locale="en-US")
    second = browser.new_context(base_url=live_server, locale="en-US")
    try:
        one, two = first.new_page(), second.new_page()
        assert one.goto("/dashboard/?year=2024").headers.get("x-cache") in ("miss", "hit")
        assert two.goto("/dashboard/?year=2024").headers.get("x-cache") == "hit"
        # Waiting for the navigation the click starts (a load state alone may be the old
        # page's, already loaded).
        with two.expect_navigation():
            two.get_by_role("button", name="ខ្មែរ").click()
        assert two.locator("html").get_attribute("lang") == "km"
        assert "/dashboard/" in two.url
        # The first visitor is untouched, and can switch too.
        one.reload()
        assert one.locator("html").get_attribute("lang") == "en"
        with one.expect_navigation():
            one.get_by_role("button", name="ខ្មែរ").click()
        assert one.locator("html").get_attribute("lang") == "km"
    finally:
        first.close()
        second.close()
