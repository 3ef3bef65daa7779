"""In a real browser: CDC uploads an IATI file, reads the preview, confirms, sees the projects."""

import re

import pytest

from tests.e2e.conftest import log_in, screenshot
from tests.iati.generate import activities_xml

pytestmark = pytest.mark.e2e


def test_cdc_imports_an_iati_file(page, backend, tmp_path):
    source = tmp_path / "partners.xml"
    source.write_bytes(activities_xml(3, seed=21))
    log_in(page, "cdc@demo.example")

    page.goto("/projects/")
    page.get_by_role("link", name="Import from IATI").click()
    page.get_by_label("IATI activity files (XML)").set_input_files(str(source))
    page.get_by_role("button", name="Preview the import").click()
    page.wait_for_url("**/iati/*")

    counts = page.locator("#iati-counts")
    assert counts.locator('[data-count="new"]').inner_text() == "3"
    rows = page.locator("#iati-activities tbody tr")
    assert rows.count() == 3
    assert "XM-DAC-46004-BENCH-000000" in rows.first.inner_text()
    assert "Bench water programme 0" in rows.first.inner_text()
    screenshot(page, f"iati-preview-{backend}")

    page.get_by_role("button", name="Import 3 activities").click()
    page.wait_for_url("**/iati/*")
    assert "Import done" in page.locator("main").inner_text()
    assert "Imported: 3 new" in page.content()
    page.get_by_role("link", name="Bench water programme 0").click()
    page.wait_for_url("**/projects/*")
    main = page.locator("main").inner_text()
    assert "Bench water programme 0" in main and "From IATI" in main
    screenshot(page, f"iati-project-{backend}")

    page.goto("/projects/?q=Bench")
    listed = page.locator("table.project-list").inner_text()
    assert all(f"Bench {theme}" in listed for theme in ("water programme 0", "schools programme 1"))


@pytest.mark.runs_last
def test_cdc_imports_the_real_cambodian_file_reviewing_organizations_and_leads(
    page, backend, shared_data
):
    """The 96 real activities of the shared file (d-portal, June 2021), as CDC uploads them."""
    source = shared_data / "iati" / "kh-activities-2021.xml"
    log_in(page, "cdc@demo.example")
    page.goto("/iati/")
    page.get_by_label("IATI activity files (XML)").set_input_files(str(source))
    page.get_by_role("button", name="Preview the import").click()
    page.wait_for_url("**/iati/*")

    # The organizations the portal does not know, each with the kind its type and country give.
    organizations = page.locator("#iati-organizations")
    hattha = organizations.get_by_label("Add HATTHA BANK PLC. as")
    assert hattha.locator("option:checked").inner_text() == "National private sector"
    # Activities naming no Cambodian institution and with no usual lead for their sector
    # wait for a default lead; nothing is refused for what real publishers do.
    refused = page.locator("#iati-activities tr[data-action=refused]")
    reasons = [refused.nth(i).locator(".iati-errors").inner_text() for i in range(refused.count())]
    assert all("choose a default lead national partner" in reason for reason in reasons), reasons
    page.get_by_label("Default lead national partner").select_option(
        label="MOP — Ministry of Planning"
    )
    page.get_by_role("button", name="Update the preview").click()
    page.wait_for_url("**/iati/*")
    assert refused.count() == 0
    assert page.locator('[data-count="new"]').inner_text() == "96"
    assert "kept as published" in page.locator("#iati-activities").inner_text()
    screenshot(page, f"iati-real-preview-{backend}")

    # The leads the file does not give are proposed; the person changes one.
    leads = page.locator("select.lead-choice")
    assert leads.count() >= 1
    assert page.get_by_text("Lead national partner, proposed from its sector:").count() >= 1
    row = page.locator("#iati-activities tbody tr").filter(has=page.locator("select.lead-choice"))
    first = row.first
    identifier = first.get_attribute("data-identifier")
    first.locator("select.lead-choice").select_option(label="MOI — Ministry of Interior")
    page.get_by_role("button", name="Update the preview").click()
    page.wait_for_url("**/iati/*")
    changed = page.locator(f'#iati-activities tr[data-identifier="{identifier}"]')
    assert "as you chose" in changed.inner_text()
    assert changed.locator("select.lead-choice option:checked").inner_text() == (
        "MOI — Ministry of Interior"
    )
    # The leads left as they were stay proposals (from the sector, or the default).
    assert page.get_by_text("Lead national partner, proposed from its sector:").count() >= 1

    page.get_by_role("button", name=re.compile(r"^Import \d+ activities$")).click()
    page.wait_for_url("**/iati/*")
    assert "Import done" in page.locator("main").inner_text()
    page.goto(f"/projects/?q={identifier}")
    page.locator("table.project-list tbody a[href^='/projects/']").first.click()
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    assert identifier in page.locator("main").inner_text()
    lead = page.locator("dt", has_text="Lead national partner").locator(
        "xpath=following-sibling::dd[1]"
    )
    assert "Ministry of Interior" in lead.inner_text()
    screenshot(page, f"iati-real-project-{backend}")
