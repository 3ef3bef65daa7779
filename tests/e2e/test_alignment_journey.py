"""In a real browser, three people: submit, return, fix, resubmit, confirm, validate, publish."""

import re

import pytest

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e


def _log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/")


def _register(page, title):
    page.goto("/projects/new")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Lead national partner").select_option(label="MOH — Ministry of Health")
    page.get_by_label("Planned start").fill("2023-01-01")
    page.get_by_label("Planned end").fill("2026-12-31")
    page.locator('[name="sectors-0-sector_code"]').select_option("12220")
    page.locator('[name="sectors-0-percentage"]').fill("100")
    page.get_by_label("Nationwide").check()
    page.locator('[name="funding-0-year"]').fill("2023")
    page.locator('[name="funding-0-amount"]').fill("250000")
    page.get_by_role("button", name="Save project").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 0, page.locator("#error-summary").inner_text()
    page.wait_for_url(re.compile(r".*/projects/\d+$"))
    return page.url


def test_three_people_take_a_project_to_publication(browser, live_server, backend):
    title = f"District hospital maternal care ({backend})"
    contexts = [browser.new_context(base_url=live_server) for _ in range(3)]
    partner, ministry, cdc = (context.new_page() for context in contexts)
    try:
        log_in(partner, "undp@demo.example")
        project_url = _register(partner, title)
        partner.get_by_role("button", name="Submit to the ministry").click()
        assert (
            "Submitted, waiting for the ministry" in partner.locator(".workflow-state").inner_text()
        )

        log_in(ministry, "moh@demo.example")
        ministry.goto("/alignment/inbox")
        ministry.get_by_role("row", name=title).get_by_role("link", name="Review").click()
        ministry.get_by_label("Reasons for returning").fill("Name the provinces of the hospitals.")
        ministry.get_by_role("button", name="Return with these reasons").click()
        ministry.wait_for_url("**/alignment/inbox")

        partner.goto("/")
        assert "Name the provinces of the hospitals." in partner.locator("main").inner_text()
        screenshot(partner, f"returned-home-{backend}")
        partner.goto(project_url)
        partner.get_by_role("button", name="Submit to the ministry").click()

        ministry.goto("/alignment/inbox")
        ministry.get_by_role("row", name=title).get_by_role("link", name="Review").click()
        ministry.get_by_label("Primary priority").select_option(index=3)
        ministry.get_by_label("Rationale").fill("Improves healthcare services in districts.")
        ministry.get_by_label("My institution accepts being the lead national partner").check()
        ministry.locator('[name="figures-0-amount"]').fill("200000")
        ministry.locator('[name="figures-0-status"]').select_option("disputed")
        ministry.locator('[name="figures-0-comment"]').fill("Treasury shows 200,000 for 2023.")
        screenshot(ministry, f"ministry-review-{backend}")
        ministry.get_by_role("button", name="Confirm the project").click()
        ministry.wait_for_url("**/alignment/inbox")

        log_in(cdc, "cdc@demo.example")
        cdc.goto("/alignment/pipeline")
        assert title in cdc.locator("main").inner_text()  # its disputed figure is listed
        screenshot(cdc, f"pipeline-{backend}")
        cdc.goto(project_url)
        cdc.get_by_role("button", name="Validate and publish").click()
        assert "Validated by CDC" in cdc.locator(".workflow-state").inner_text()

        _log_out(cdc)
        cdc.goto("/projects/")
        assert title in cdc.locator("main").inner_text()
    finally:
        for context in contexts:
            context.close()
