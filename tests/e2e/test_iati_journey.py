"""In a real browser: CDC uploads an IATI file, reads the preview, confirms, sees the projects."""

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
