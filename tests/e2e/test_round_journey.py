"""In a browser: CDC opens a reporting round, a partner updates two projects and submits its
return, a ministry records the government's view, CDC closes the round and builds the joint
review from it; a later edit of a project leaves that report's figures as they were."""

import re
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e

YEAR = "2022"


def log_out(page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/")


def key_figures(page) -> str:
    """The key figures and partners of the round's report, as its preview shows them."""
    page.goto(
        f"/reports/preview?round_year={YEAR}&year={YEAR}&scope=country&language=en"
        "&sections=key_figures&sections=partners&sections=coverage"
    )
    return page.locator("#s-key_figures").inner_text() + page.locator("#s-partners").inner_text()


def test_a_year_of_reporting_from_data_call_to_frozen_report(page, backend):
    # CDC opens the round of 2022 (the demo's round is 2025).
    log_in(page, "cdc@demo.example")
    page.locator("#main-menu").get_by_role("link", name="Reporting round", exact=True).click()
    page.wait_for_url("**/rounds/")
    page.get_by_label("Year of the figures").fill(YEAR)
    page.get_by_label("Deadline").fill((date.today() + timedelta(days=45)).isoformat())
    page.get_by_label("Message to the partners (English)").fill("Please report by the deadline.")
    page.get_by_role("button", name="Open the round and tell the partners").click()
    page.wait_for_url(f"**/rounds/{YEAR}/")
    assert "Round 2022 is open; the partners have been told." in page.content()
    assert "ADB" in page.locator(".round-partners").inner_text()
    log_out(page)

    # The partner corrects two projects' figures on its checklist, then submits its return.
    log_in(page, "adb@demo.example")
    page.goto(f"/rounds/{YEAR}/checklist")
    progress = page.locator(".round-progress").inner_text()
    updated, total = map(int, re.match(r"(\d+) of (\d+) projects updated", progress).groups())
    assert total >= 2
    rows = page.locator("fieldset.checklist-row")
    for index, amount in ((0, "123,456"), (1, "654,321")):
        rows.nth(index).get_by_label("Actual 2022").fill(amount)
    screenshot(page, f"round-checklist-{backend}")
    page.get_by_role("button", name="Save the changes").click()
    assert "2 projects saved." in page.content()
    assert (
        f"{updated + 2} of {total} projects updated" in page.locator(".round-progress").inner_text()
    )
    # Projects still failing the round's checks are explained with the return.
    explanation = page.locator("#explanation")
    if explanation.count():
        explanation.fill("The remaining figures come with the mid-year review.")
    page.get_by_role("button", name=re.compile("Submit our return")).click()
    assert "Your return for round 2022 is submitted." in page.content()
    log_out(page)

    # The ministry records the government's view of a project's 2022 disbursement.
    log_in(page, "moh@demo.example")
    page.goto(f"/rounds/{YEAR}/ministry")
    page.get_by_role("link", name="Record the figures").first.click()
    page.wait_for_url("**/review")
    page.get_by_label("Status 2022").select_option("agreed")
    page.get_by_role("button", name="Save the figures only").click()
    assert "Your figures have been saved." in page.content()
    log_out(page)

    # CDC sees the return, closes the round and builds the joint review from it.
    log_in(page, "cdc@demo.example")
    page.goto(f"/rounds/{YEAR}/")
    adb = page.locator(".round-partners tr", has_text="ADB")
    assert "✓" in adb.inner_text()
    page.get_by_role("button", name="Close the round and freeze its data").click()
    assert re.search(r"Round 2022 is closed: \d+ projects frozen\.", page.content())
    screenshot(page, f"round-cockpit-{backend}")
    page.get_by_role("link", name="Build the joint review from this round").click()
    assert page.get_by_label("Figures from").input_value() == YEAR
    page.get_by_role("button", name="Generate the PDF").click()
    page.wait_for_url(re.compile(r".*/reports/jobs/\d+$"))
    page.locator('#job-state[data-state="done"]').wait_for(timeout=90000)
    frozen_pdf = page.request.get(page.locator("#download-draft").get_attribute("href"))
    assert frozen_pdf.body().startswith(b"%PDF")
    before = key_figures(page)
    assert "123,456" not in before  # money is summed, in USD, not listed per project
    log_out(page)

    # Later, the partner changes one of those figures: the round's report does not move.
    log_in(page, "adb@demo.example")
    page.goto(f"/rounds/{YEAR}/checklist")
    assert "The round is closed" in page.content()
    project_link = page.locator("fieldset.is-updated legend a").first.get_attribute("href")
    page.goto(project_link + "/edit")
    funding_year = page.locator("input[name$='-year'][value='2022']").first
    row_name = funding_year.get_attribute("name").rsplit("-", 1)[0]
    page.locator(f"input[name='{row_name}-amount']").fill("999999999")
    page.get_by_role("button", name=re.compile("^Save")).first.click()
    assert "The project has been saved." in page.content()
    # The history says the change came after a freeze (the latest round holding the project).
    assert re.search(r"after the freeze of round 20\d\d", page.content())
    log_out(page)

    log_in(page, "cdc@demo.example")
    assert key_figures(page) == before
