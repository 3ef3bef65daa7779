"""In a browser: CDC builds a report, watches it being generated, issues and publishes it; the
public then finds and downloads the very same PDF."""

import hashlib
import re

import pytest

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e


def test_cdc_generates_issues_and_publishes_a_report_the_public_downloads(
    page, live_server, backend
):
    log_in(page, "cdc@demo.example")
    page.locator("#main-menu").get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Build a report").first.click()
    page.wait_for_url("**/reports/new")

    # A mistake first: a period that ends before it starts is refused beside the field.
    page.get_by_label("From the year").select_option("2024")
    page.get_by_label("To the year").select_option("2022")
    page.get_by_role("button", name="Generate the PDF").click()
    assert "The period cannot end before it starts." in page.locator("#year_to-error").inner_text()

    page.get_by_label("To the year").select_option("")
    page.get_by_label("Khmer", exact=True).check()
    page.get_by_role("button", name="Generate the PDF").click()
    page.wait_for_url(re.compile(r".*/reports/jobs/\d+$"))
    job_url = page.url

    # The page follows the generation by itself; a reload shows the same job.
    page.locator('#job-state[data-state="done"]').wait_for(timeout=90000)
    page.reload()
    assert "The PDF is ready" in page.locator("#job-state").inner_text()
    assert page.url == job_url
    screenshot(page, f"report-job-{backend}")

    draft = page.request.get(page.locator("#download-draft").get_attribute("href"))
    assert draft.headers["content-type"] == "application/pdf"
    assert draft.body().startswith(b"%PDF")

    page.get_by_role("button", name="Issue this report").click()
    page.wait_for_url(re.compile(r".*/reports/\d+$"))
    sha = page.locator("#sha256").inner_text().strip()
    assert sha == hashlib.sha256(draft.body()).hexdigest()
    page.get_by_role("button", name="Publish to the public").click()
    assert "The report is now public." in page.content()
    report_url = page.url

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/")
    page.locator("#main-menu").get_by_role("link", name="Reports", exact=True).click()
    listing = page.locator("#issued-reports")
    assert "ការពិនិត្យរួមលើកិច្ចសហប្រតិបត្តិការអភិវឌ្ឍន៍ 2024" in listing.inner_text()
    public = page.request.get(report_url + "/report.pdf")
    assert public.status == 200
    assert hashlib.sha256(public.body()).hexdigest() == sha
