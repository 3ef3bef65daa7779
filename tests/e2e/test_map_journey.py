"""In a browser, offline: the public opens the map, reads a province, filters, clicks through."""

import re

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def _amounts(page) -> dict[str, str]:
    rows = page.locator("table.map-table tbody tr")
    return {
        rows.nth(i).get_attribute("data-code"): rows.nth(i)
        .locator("td[data-amount]")
        .get_attribute("data-amount")
        for i in range(rows.count())
    }


def _tooltip(map_frame, code: str) -> str:
    shape = map_frame.locator(f"path.province-{code}")
    shape.dispatch_event("mouseover")
    tooltip = map_frame.locator(".leaflet-tooltip")
    tooltip.wait_for()
    text = tooltip.inner_text()
    shape.dispatch_event("mouseout")
    return text


def test_the_public_reads_the_map_offline_filters_it_and_opens_a_province(
    page, live_server, backend, shared_data
):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto("/")
    page.get_by_role("link", name="Map", exact=True).click()
    page.wait_for_url("**/map/")
    map_frame = page.frame_locator("#map-frame")
    shapes = map_frame.locator("path.province-shape")
    shapes.first.wait_for()
    assert shapes.count() == 25
    assert map_frame.locator("path.province-circle").count() == 0
    assert "Commitments" in map_frame.locator(".map-legend").inner_text()

    # Phnom Penh's tooltip: names in English and Khmer, the amount, the number of projects.
    text = _tooltip(map_frame, "12")
    assert "Phnom Penh" in text and "ភ្នំពេញ" in text
    assert re.search(r"Commitments\s+[\d,]+\.\d\d USD", text), text
    assert re.search(r"Projects\s+\d+", text), text
    before = _amounts(page)
    assert len(before) == 25
    largest = page.locator("table.map-table tbody tr").first.get_attribute("data-code")
    assert before["12"] in text.replace(",", "") or before["12"] == "0.00"
    screenshot(page, f"map-{backend}")

    # Another measure: the figures change, and so does the tooltip.
    page.get_by_label("Measure").select_option("disbursed")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r".*measure=disbursed.*"))
    map_frame.locator("path.province-shape").first.wait_for()
    after = _amounts(page)
    assert after != before
    assert "Disbursements" in _tooltip(map_frame, "12")
    assert page.locator("table.map-table thead").inner_text().count("Disbursements") >= 1

    # Sorting by province keeps the same figures in another order.
    page.get_by_role("link", name="Province", exact=True).click()
    page.wait_for_url(re.compile(r".*sort=province.*"))
    assert _amounts(page) == after
    names = page.locator("table.map-table tbody th").all_inner_texts()
    assert names == sorted(names, key=str.lower)

    # A click on a province opens its page (the map's document navigates the whole window).
    map_frame.locator("path.province-shape").first.wait_for()
    map_frame.locator(f"path.province-{largest}").dispatch_event("click")
    page.wait_for_url(re.compile(rf".*/map/province/{largest}\?.*measure=disbursed.*"))
    page.get_by_role("heading", name="Money in this province").wait_for()
    page.get_by_role("heading", name="Districts").wait_for()
    page.get_by_role("heading", name="Partners").wait_for()
    # The tile reads in millions; its exact amount (the title) is the map table's.
    tile = page.locator("[data-figure=disbursed] .figure")
    assert tile.get_attribute("title").replace(",", "") == after[largest]
    assert tile.inner_text().endswith(" M") == (float(after[largest]) >= 1_000_000)
    screenshot(page, f"map-province-{backend}")

    # Nothing was asked of any server but the portal.
    assert requests, "the page made no requests"
    outside = [url for url in requests if not url.startswith(live_server)]
    assert outside == [], outside
    assert any("/static/vendor/leaflet-1.9.4/leaflet.js" in url for url in requests)
