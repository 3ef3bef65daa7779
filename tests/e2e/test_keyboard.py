"""Everything works by keyboard: logging in, reaching the menu, filtering a list, switching the
language, with a visible focus at each step."""

from __future__ import annotations

import pytest

from portal.demo.organizations import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.markup_only]


def _tab_to(page, predicate: str, limit: int = 60) -> None:
    """Press Tab until the focused element satisfies the JS `predicate` (given `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate}; }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def _focus_is_visible(page) -> bool:
    return page.evaluate(
        """(() => { const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' || s.boxShadow !== 'none'; })()"""
    )


def test_a_partner_works_by_keyboard_alone(page):
    page.goto("/login")
    _tab_to(page, "el.id === 'email'")
    page.keyboard.type("jica@demo.example")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")

    # The skip link comes first and takes the focus to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"

    # The menu: Tab to "Projects" and open it with Enter.
    _tab_to(page, "el.textContent.trim() === 'Projects' && el.closest('#main-menu') !== null")
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/projects/")

    # Filter the list: type in the search box, submit with Enter.
    _tab_to(page, "el.id === 'f-q'")
    page.keyboard.type("water")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=water**")
    assert "water" in page.locator("main table").inner_text().lower()

    # Switch the language with the keyboard, and back.
    _tab_to(page, "el.name === 'lang' && el.value === 'km'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "km"
    _tab_to(page, "el.name === 'lang' && el.value === 'en'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "en"
