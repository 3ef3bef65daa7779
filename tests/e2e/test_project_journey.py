"""In a real browser: a partner registers a complete project, finds it, exports it, edits it."""

import io

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e


def _row(page, table: str, index: int, column: str):
    return page.locator(f'[name="{table}-{index}-{column}"]')


def test_partner_registers_finds_exports_and_edits_a_project(page, backend):
    log_in(page, "eu@demo.example")
    page.goto("/projects/new")
    title = f"Inclusive rural water services ({backend})"
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Title in Khmer").fill("សេវាទឹកស្អាតជនបទប្រកបដោយបរិយាប័ន្ន")
    page.get_by_label("Description", exact=True).fill(
        "Piped water and sanitation for rural households."
    )
    page.get_by_label("Lead national partner").select_option(
        label="MRD — Ministry of Rural Development"
    )
    page.get_by_label("Planned start").fill("2022-01-01")
    page.get_by_label("Planned end").fill("2027-12-31")
    page.get_by_label("Type of assistance").select_option("grant")

    # Two sectors: the second row is added in place by the page's script.
    _row(page, "sectors", 0, "sector_code").select_option("14030")
    _row(page, "sectors", 0, "percentage").fill("70")
    page.get_by_role("button", name="Add a sector").click()
    _row(page, "sectors", 1, "sector_code").select_option("12220")
    _row(page, "sectors", 1, "percentage").fill("30")

    # Three provinces.
    for index, (province, share) in enumerate([("17", "50"), ("02", "30"), ("12", "20")]):
        if index:
            page.get_by_role("button", name="Add a location").click()
        _row(page, "locations", index, "province_code").select_option(province)
        _row(page, "locations", index, "percentage").fill(share)

    page.get_by_label("Total commitment").fill("2,500,000")
    page.get_by_label("Currency of the commitment").select_option("EUR")
    page.get_by_label("Date of agreement").fill("2022-02-15")
    # Three years of funding in EUR (the form opens with three year rows).
    for index, (year, kind, amount) in enumerate(
        [
            ("2022", "disbursement", "600000"),
            ("2023", "disbursement", "800,000"),
            ("2027", "planned", "500000"),
        ]
    ):
        _row(page, "funding", index, "year").fill(year)
        _row(page, "funding", index, "kind").select_option(kind)
        _row(page, "funding", index, "amount").fill(amount)
        _row(page, "funding", index, "currency").select_option("EUR")
    screenshot(page, f"project-form-{backend}")

    # A first attempt with shares that do not add up: refused, nothing lost.
    _row(page, "sectors", 1, "percentage").fill("20")
    page.get_by_role("button", name="Save project").click()
    assert "Sector percentages must add up to 100" in page.locator("#error-summary").inner_text()
    assert page.get_by_label("Title in Khmer").input_value() == "សេវាទឹកស្អាតជនបទប្រកបដោយបរិយាប័ន្ន"
    _row(page, "sectors", 1, "percentage").fill("30")
    page.get_by_role("button", name="Save project").click()
    page.wait_for_url("**/projects/*")
    assert "The project has been registered." in page.locator("main").inner_text()
    detail = page.locator("main").inner_text()
    assert "2,500,000.00 EUR" in detail
    assert "Yearly funding in US dollars" in page.content()
    screenshot(page, f"project-detail-{backend}")
    project_url = page.url

    # Found by filter.
    page.goto("/projects/")
    page.get_by_label("Search").fill("rural water services")
    page.get_by_label("Province").select_option("17")
    page.get_by_role("button", name="Filter").click()
    assert title in page.locator("table.project-list").inner_text()
    screenshot(page, f"project-list-{backend}")

    # Exported: the download holds exactly the filtered project.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export to Excel").click()
    with open(download_info.value.path(), "rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][2] == title

    # Edited, and the change is in the history.
    page.goto(project_url + "/edit")
    page.get_by_label("Contact person").fill("Claire Dubois")
    page.get_by_role("button", name="Save project").click()
    page.wait_for_url(project_url)
    history = page.locator("#history-heading + div").inner_text()
    assert "Contact person" in history and "Claire Dubois" in history
