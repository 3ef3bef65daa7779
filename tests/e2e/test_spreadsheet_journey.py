"""In a real browser: a partner edits its projects in Excel and uploads them; makes an API token."""

import io

import pytest
from openpyxl import load_workbook

from portal.demo.organizations import DEMO_PASSWORD
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e


def test_partner_edits_projects_in_a_spreadsheet(page, backend, tmp_path):
    log_in(page, "eu@demo.example")
    page.goto("/projects/")
    page.get_by_role("link", name="Edit in a spreadsheet").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book["Projects"]
    headers = [cell.value for cell in sheet[1]]
    project_id = sheet.cell(row=2, column=headers.index("Portal ID") + 1).value
    title = f"Edited offline in a spreadsheet ({backend})"
    sheet.cell(row=2, column=headers.index("Title") + 1).value = title
    edited = tmp_path / "projects.xlsx"
    book.save(edited)

    page.get_by_label("Workbook (.xlsx)").set_input_files(str(edited))
    page.get_by_role("button", name="Preview the changes").click()
    changes = page.locator("#changes").inner_text()
    assert title in changes and "Changed" in changes
    screenshot(page, f"spreadsheet-preview-{backend}")
    page.get_by_role("button", name="Save these changes").click()
    assert "1 project was saved." in page.locator("main").inner_text()
    page.get_by_role("link", name=title).click()
    page.wait_for_url(f"**/projects/{project_id}")
    assert title in page.locator("h1").inner_text()


def test_an_invalid_cell_is_shown_and_nothing_is_saved(page, backend, tmp_path):
    log_in(page, "eu@demo.example")
    page.goto("/spreadsheets/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book["Projects"]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=headers.index("Planned start") + 1).value = "soon"
    buffer = io.BytesIO()
    book.save(buffer)
    (tmp_path / "bad.xlsx").write_bytes(buffer.getvalue())
    page.get_by_label("Workbook (.xlsx)").set_input_files(str(tmp_path / "bad.xlsx"))
    page.get_by_role("button", name="Preview the changes").click()
    problems = page.locator("#problems").inner_text()
    assert "Give a date as YYYY-MM-DD" in problems and "Planned start" in problems
    assert page.get_by_role("button", name="Save these changes").count() == 0


def test_partner_creates_an_api_token_and_reads_its_drafts(page, live_server):
    log_in(page, "eu@demo.example")
    page.goto("/account/password")
    page.get_by_label("Token name").fill("Nightly sync")
    page.get_by_label("Your password").fill(DEMO_PASSWORD)  # a token is made with the password
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").input_value()
    assert token.startswith("cdcp_")
    anonymous = page.request.get(f"{live_server}/api/v1/projects?per_page=100").json()
    mine = page.request.get(
        f"{live_server}/api/v1/projects?per_page=100",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert mine["meta"]["total"] >= anonymous["meta"]["total"]
    page.get_by_role("link", name="Back to your account").click()
    assert token not in page.content() and token[:12] in page.content()
    screenshot(page, "api-tokens-on-the-account-page")
    page.get_by_role("button", name="Revoke").first.click()
    refused = page.request.get(
        f"{live_server}/api/v1/projects", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status == 401
