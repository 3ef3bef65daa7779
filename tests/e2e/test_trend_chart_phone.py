"""The trend by year stays readable on a phone, on the dashboard and on a province's page: its
years keep a legible size and stand side by side, and the page does not scroll sideways.

Both charts were scaled down from a fixed drawing: with the demo's 35 years, the dashboard's
years were under 3 px high at 360 px wide, and so were the province page's.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SCREENSHOTS, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.markup_only]

SCREENS = {
    "phone": {"width": 360, "height": 740},
    "desktop": {"width": 1280, "height": 800},
}

# The pages that draw the trend, and where: the dashboard's chart, and the one of a province
# where several of the demo's projects work (its section "By year").
PAGES = {
    "dashboard": ("/dashboard/", "main"),
    "province": ("/map/province/17", "section[aria-labelledby='trend-heading']"),
}

# Each label shown: its text, its font size as drawn on the screen (the computed size times the
# SVG's scale to screen pixels) and its box.
LABELS = """svg => [...svg.querySelectorAll('text')]
  .filter(t => getComputedStyle(t).display !== 'none')
  .map(t => {
    const box = t.getBoundingClientRect();
    return {text: t.textContent.trim(),
            size: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
            left: box.left, right: box.right};
  })"""


@pytest.mark.parametrize(
    "where, screen, language",
    [
        ("dashboard", "phone", "en"),
        ("dashboard", "phone", "km"),
        ("dashboard", "desktop", "en"),
        ("province", "phone", "en"),
        ("province", "phone", "km"),
        ("province", "desktop", "en"),
        ("province", "desktop", "km"),
    ],
)
def test_the_trend_chart_is_readable_on_a_phone(browser, live_server, where, screen, language):
    path, within = PAGES[where]
    viewport = SCREENS[screen]
    context = browser.new_context(
        base_url=live_server,
        viewport=viewport,
        is_mobile=screen == "phone",
        has_touch=screen == "phone",
        locale="en-US",
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(path)
        page.locator(f"button[name='lang'][value='{language}']").click()
        page.goto(path)
        chart = page.locator(f"{within} svg.trend")
        assert chart.is_visible()
        labels = page.evaluate(LABELS, chart.element_handle())
        # The chart as people see it (its figure: title, bars, legend).
        SCREENSHOTS.mkdir(exist_ok=True)
        page.locator(f"{within} figure:has(svg.trend)").screenshot(
            path=str(SCREENSHOTS / f"{where}-trend-{screen}-{language}.png")
        )
        screenshot(page, f"{where}-{screen}-{language}")

        assert len(labels) >= 3, labels  # the demo's years, some of them labelled
        small = [(label["text"], round(label["size"], 1)) for label in labels if label["size"] < 11]
        assert not small, f"years drawn under 11 px: {small}"
        # Side by side, none over the next, all on the screen.
        labels.sort(key=lambda label: label["left"])
        for before, after in zip(labels, labels[1:], strict=False):
            assert before["right"] <= after["left"], (before, after)
        assert labels[0]["left"] >= 0 and labels[-1]["right"] <= viewport["width"], labels
        # The bars keep their height (the chart is not flattened to a strip).
        assert chart.bounding_box()["height"] >= 150
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    finally:
        context.close()
