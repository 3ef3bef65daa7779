"""In a browser: CDC asks a question of the data, saves it, and the link opens in a new session
(the public's) with the public's answer, which it exports."""

import re

import pytest

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e


def test_cdc_builds_saves_and_shares_a_question(page, browser, live_server, backend):
    log_in(page, "cdc@demo.example")
    page.locator("#main-menu").get_by_role("link", name="Analysis", exact=True).click()
    page.wait_for_url("**/analysis/")

    # A mistake first: the same dimension for rows and columns is refused beside the field.
    page.locator("#a-rows").select_option("province")
    page.locator("#a-columns").select_option("province")
    page.get_by_role("button", name="Show the answer").click()
    assert "asked twice" in page.locator("#a-columns-error").inner_text()

    page.locator("#a-columns").select_option("year")
    page.locator("#a-measure").select_option("disbursed")
    page.get_by_role("button", name="Show the answer").click()
    page.wait_for_url(re.compile(r".*/analysis/\?.*rows=province.*"))
    cdc_total = page.locator("td[data-total='all']").inner_text()
    assert re.fullmatch(r"[\d,]+\.\d\d", cdc_total)
    assert page.locator("#pivot-chart li").count() > 0
    screenshot(page, f"analysis-cdc-{backend}")

    page.locator("#q-title").fill("Disbursements by province and year")
    page.get_by_role("button", name="Save and get a link").click()
    page.wait_for_url(re.compile(r".*/analysis/q/[\w-]+$"))
    link = page.locator("#share-link").input_value()
    assert link == page.url
    assert page.locator("td[data-total='all']").inner_text() == cdc_total

    # A new session (nobody logged in) opens the link: the public's answer, published data only.
    context = browser.new_context(base_url=live_server, locale="en-US", accept_downloads=True)
    public = context.new_page()
    public.goto(link)
    assert "Disbursements by province and year" in public.locator("h1").inner_text()
    public_total = public.locator("td[data-total='all']").inner_text()
    assert float(public_total.replace(",", "")) <= float(cdc_total.replace(",", ""))
    with public.expect_download() as download_info:
        public.get_by_role("link", name="Export to CSV").click()
    lines = download_info.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Province,")
    assert lines[-1].startswith("Total,") and lines[-1].endswith(public_total.replace(",", ""))
    with public.expect_download() as download_info:
        public.get_by_role("link", name="Export to Excel").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
    context.close()
