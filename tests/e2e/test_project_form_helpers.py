"""The project form's helpers, in a real browser: long lists narrow as one types, a location's
districts are those of its province, shares show their running total, and every row's fields
are named with their own row number."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in, screenshot

pytestmark = [pytest.mark.e2e]


def test_the_project_form_helps_with_long_lists_districts_and_shares(page):
    log_in(page, "jica@demo.example")
    page.locator("button[name='lang'][value='en']").click()
    page.goto("/projects/new")

    # Typing narrows the 300-odd sectors to those containing the words.
    sector = page.locator('[name="sectors-0-sector_code"]')
    box = page.locator("td:has([name='sectors-0-sector_code']) input.select-filter")
    box.fill("basic drinking water")
    visible = sector.locator("option:not([hidden])").all_inner_texts()
    assert any("Basic drinking water" in text for text in visible)
    assert len(visible) < 6, visible
    box.press("Enter")
    assert sector.input_value() != ""

    # The district list holds the chosen province's districts only.
    page.locator('[name="locations-0-province_code"]').select_option("12")
    districts = page.locator('[name="locations-0-district_code"] option:not([hidden])')
    values = [v for v in districts.evaluate_all("os => os.map(o => o.value)") if v]
    assert values and all(v.startswith("12") for v in values)

    # Shares: the running total, and each row's fields named with their own row.
    page.locator('[name="sectors-0-percentage"]').fill("60")
    page.get_by_role("button", name="Add a sector").click()
    page.locator('[name="sectors-1-percentage"]').fill("30")
    total = page.locator('[data-total-of="sectors"]')
    assert total.inner_text() == "90"
    assert "text-danger" in (total.get_attribute("class") or "")
    assert (
        page.locator('[name="sectors-1-percentage"]').get_attribute("aria-label").endswith("row 2")
    )
    page.locator('[name="sectors-1-percentage"]').fill("40")
    assert total.inner_text() == "100"
    screenshot(page, "project-form-helpers")
