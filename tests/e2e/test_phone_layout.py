"""At 360 px wide (a phone), every page of the journeys fits: no sideways scrolling of the page
(wide tables scroll inside themselves), and the main journeys still work."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import (
    JOURNEY_PAGES,
    back_to_english,
    journey_id,
    log_in,
    open_journey_page,
    screenshot,
)

pytestmark = [pytest.mark.e2e, pytest.mark.markup_only]

PHONE = {"width": 360, "height": 740}


def _overflow(page) -> int:
    """How many pixels the page is wider than the phone's screen.

    (A mobile browser widens its layout viewport to fit a page that is too wide, so compare with
    the screen's width, not with window.innerWidth.)
    """
    return page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US"
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.mark.parametrize("language", ["en", "km"])
@pytest.mark.parametrize("who", list(JOURNEY_PAGES), ids=journey_id)
def test_every_page_fits_a_phone(phone, who, language):
    if who:
        log_in(phone, who)
    phone.goto("/")
    phone.locator(f"button[name='lang'][value='{language}']").click()
    too_wide = []
    for target in JOURNEY_PAGES[who]:
        open_journey_page(phone, target)
        extra = _overflow(phone)
        if extra > 0:
            too_wide.append(f"{phone.url} is {extra}px too wide")
    back_to_english(phone)
    assert too_wide == [], "\n".join(too_wide)


def test_a_partner_registers_a_project_on_a_phone(phone):
    log_in(phone, "jica@demo.example")
    phone.locator("button[name='lang'][value='en']").click()  # another test may have left Khmer
    # The menu folds behind a button on a phone.
    phone.get_by_role("button", name="Show menu").click()
    phone.get_by_role("link", name="Projects", exact=True).click()
    phone.wait_for_url("**/projects/")
    phone.get_by_role("link", name="Register a project").first.click()
    phone.wait_for_url("**/projects/new")
    screenshot(phone, "phone-project-form")
    phone.get_by_label("Title", exact=True).fill("Clean water for Kampong Speu (phone)")
    phone.get_by_label("Description", exact=True).fill(
        "Wells and water committees in five communes."
    )
    phone.get_by_label("Lead national partner").select_option(
        label="MRD — Ministry of Rural Development"
    )
    phone.get_by_label("Planned start").fill("2025-01-01")
    phone.get_by_label("Planned end").fill("2027-12-31")
    phone.locator('[name="sectors-0-sector_code"]').select_option("14030")
    phone.locator('[name="sectors-0-percentage"]').fill("100")
    phone.locator('[name="locations-0-province_code"]').select_option("05")
    phone.locator('[name="locations-0-percentage"]').fill("100")
    phone.get_by_label("Total commitment").fill("1500000")
    phone.get_by_label("Currency of the commitment").select_option("USD")
    phone.get_by_label("Date of agreement").fill("2025-01-10")
    assert _overflow(phone) <= 0
    phone.get_by_role("button", name="Save project").click()
    phone.wait_for_url(re.compile(r".*/projects/\d+$"))
    assert "Clean water for Kampong Speu (phone)" in phone.locator("h1").inner_text()
    assert _overflow(phone) <= 0


def test_the_map_works_on_a_phone(phone):
    phone.goto("/map/")
    shapes = phone.frame_locator("#map-frame").locator("path.province-shape")
    shapes.first.wait_for()
    assert shapes.count() == 25
    assert _overflow(phone) <= 0
    screenshot(phone, "phone-map")


@pytest.mark.parametrize("language", ["en", "km"])
def test_the_ministry_inbox_shows_its_review_button_on_a_phone(phone, language):
    log_in(phone, "moh@demo.example")
    phone.locator(f"button[name='lang'][value='{language}']").click()
    phone.goto("/alignment/inbox")
    # A compact header: the page's own content starts in the first fifth of the screen.
    header = phone.locator("header").bounding_box()
    assert header["height"] <= PHONE["height"] * 0.2, header
    # Each waiting project is a card: its due date on one line, its button on the screen.
    button = phone.locator("table.inbox a.btn").first
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    due = phone.locator("table.inbox td[data-label]").nth(3)
    line = phone.evaluate(
        "e => parseFloat(getComputedStyle(e).lineHeight) || 24", due.element_handle()
    )
    assert due.bounding_box()["height"] <= 2.2 * line, "the due date wraps letter by letter"
    screenshot(phone, f"phone-inbox-{language}")
    back_to_english(phone)
