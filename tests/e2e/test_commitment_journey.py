"""In a real browser: CDC records a commitment, the lead reports with evidence, a partner
disagrees then agrees, and the delivery dashboard changes."""

import re

import pytest

from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def _row(page, table: str, index: int, column: str):
    return page.locator(f'[name="{table}-{index}-{column}"]')


def _dashboard_numbers(page) -> tuple[int, int]:
    """The joint-rating count and the on-track count shown on the dashboard."""
    page.goto("/commitments/")
    joint = int(page.locator('[data-count="joint"]').inner_text())
    on_track = int(re.sub(r"\D", "", page.locator('[data-status="on_track"]').inner_text()))
    return joint, on_track


def _create_commitment(page, title: str) -> str:
    page.goto("/commitments/new")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Title in Khmer").fill("ចំណែកមណ្ឌលសុខភាពដែលរាយការណ៍ទាន់ពេល")
    page.get_by_label("Partnership principle").select_option("harmonized_management")
    page.get_by_label("Accountable lead institution").select_option(
        label="MOH — Ministry of Health"
    )
    _row(page, "parties", 0, "organization_id").select_option(
        label="JICA — Japan International Cooperation Agency"
    )
    _row(page, "parties", 0, "role").select_option("supporting")
    page.get_by_label("Indicator definition").fill(
        "Health centres whose monthly HMIS report arrives by the 5th, as a share of all."
    )
    page.get_by_label("Unit", exact=True).fill("%")
    page.get_by_label("Baseline value").fill("20")
    page.get_by_label("Baseline year").fill("2025")
    page.get_by_label("Target value").fill("50")
    page.get_by_label("Target date").fill("2027-06-30")
    page.get_by_label("Reporting periods").select_option("semester")
    # Three periods: the form opens with one row, the page's script adds the others in place.
    for index, (period, planned) in enumerate(
        [("2026-S1", "30"), ("2026-S2", "40"), ("2027-S1", "50")]
    ):
        if index:
            page.get_by_role("button", name="Add a period").click()
        _row(page, "trajectory", index, "period").fill(period)
        _row(page, "trajectory", index, "planned_value").fill(planned)
    page.get_by_role("button", name="Save commitment").click()
    page.wait_for_url(re.compile(r".*/commitments/\d+$"))
    assert "Not reported yet" in page.locator(".current-status").inner_text()
    return page.url


def _report(page, commitment_url: str) -> None:
    page.goto(commitment_url)
    page.get_by_role("link", name="Report progress").first.click()
    page.get_by_label("Period", exact=True).select_option("2026-S1")
    page.get_by_label("Actual value").fill("31.5")
    page.get_by_label("What happened in the period").fill(
        "Provincial health departments followed up every late centre by phone."
    )
    page.get_by_label("Your rating").select_option("on_track")
    # A program renamed as a PDF is refused by its content, beside the field, nothing saved.
    page.get_by_label("Evidence files").set_input_files(
        files=[{"name": "hmis-summary.pdf", "mimeType": "application/pdf", "buffer": EXE}]
    )
    page.get_by_role("button", name="Submit the report").click()
    error = page.locator("#evidence-error")
    assert "is not a type of file the portal accepts" in error.inner_text()
    assert page.get_by_label("Actual value").input_value() == "31.5"  # the input is kept
    page.get_by_label("Evidence files").set_input_files(
        files=[{"name": "hmis-summary.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Submit the report").click()
    page.wait_for_url(re.compile(r".*/commitments/\d+$"))
    report = page.locator("article.progress-report").first
    assert "Reported by Dara Kim, MOH" in report.inner_text()
    assert "hmis-summary.pdf" in report.inner_text()
    assert "On track" in page.locator(".current-status").inner_text()


def _give_view(page, commitment_url: str, agree: bool, comment: str) -> None:
    page.goto(commitment_url)
    report = page.locator("article.progress-report").first
    report.get_by_label("I agree" if agree else "I disagree").check()
    report.get_by_label("Comment").fill(comment)
    report.get_by_role("button", name="Record my view").click()
    page.wait_for_url(re.compile(r".*/commitments/\d+(#report-\d+)?$"))


def test_a_commitment_from_trajectory_to_joint_rating(browser, live_server, backend):
    title = f"Share of health centres reporting to HMIS on time ({backend})"
    contexts = [browser.new_context(base_url=live_server) for _ in range(3)]
    cdc, ministry, partner = (context.new_page() for context in contexts)
    for page in (cdc, ministry, partner):
        page.set_default_timeout(15000)
    try:
        log_in(cdc, "cdc@demo.example")
        joint_before, on_track_before = _dashboard_numbers(cdc)
        commitment_url = _create_commitment(cdc, title)

        log_in(ministry, "moh@demo.example")
        _report(ministry, commitment_url)
        evidence = ministry.get_by_role("link", name="hmis-summary.pdf")
        with ministry.expect_download() as download:
            evidence.click()
        assert download.value.suggested_filename == "hmis-summary.pdf"

        log_in(partner, "jica@demo.example")
        _give_view(partner, commitment_url, False, "Our field data shows 29% in Q2.")
        assert "Disputed by a party" in partner.locator(".current-agreement").inner_text()
        _give_view(partner, commitment_url, True, "Agreed after the joint data check.")
        assert "Joint" in partner.locator(".current-agreement").inner_text()
        partner.get_by_text("Every view recorded (2)").click()  # the disagreement stays
        assert partner.get_by_text("Our field data shows 29% in Q2.").is_visible()

        joint_after, on_track_after = _dashboard_numbers(cdc)
        assert joint_after == joint_before + 1
        assert on_track_after == on_track_before + 1
        row = cdc.locator("tr", has_text=title)
        assert "Joint" in row.locator(".agreement-cell").inner_text()
        assert "On track" in row.locator(".computed").inner_text()
        assert cdc.get_by_role("img", name=f"Trajectory of “{title}”").count() == 1
        screenshot(cdc, f"commitments-dashboard-{backend}")
        cdc.goto(commitment_url)
        screenshot(cdc, f"commitment-detail-{backend}")
    finally:
        for context in contexts:
            context.close()
