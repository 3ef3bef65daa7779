"""The report pages: build, preview, generate in the background, issue, publish, download."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.projects import services as projects
from portal.reports import services
from portal.reports.models import IssuedReport, IssuedReportChanged, ReportJob
from portal.reports.params import ReportParams
from tests import factories

SMALL = {"year": "2024", "scope": "country", "language": "en", "sections": ["key_figures"]}


def _generate(client, **fields) -> ReportJob:
    response = client.post("/reports/new", data={**SMALL, **fields, "action": "generate"})
    assert response.status_code == 302, response.get_data(as_text=True)
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    return db.session.get(ReportJob, job_id)


def test_cdc_generates_issues_and_publishes_a_report(client, login_as):
    cdc = login_as("cdc")
    project = factories.project(
        funding=[projects.YearAmount(2024, "disbursement", Decimal("1234567.89"), "USD")]
    )
    projects.set_published(project, True, actor=cdc)  # the builder's default is the public edition
    job = _generate(client)
    assert job.state == "done" and job.progress == 100
    page = client.get(f"/reports/jobs/{job.id}").get_data(as_text=True)
    assert "The PDF is ready" in page and job.sha256 in page

    draft = client.get(f"/reports/jobs/{job.id}/report.pdf")
    assert draft.mimetype == "application/pdf" and draft.data.startswith(b"%PDF")

    response = client.post(f"/reports/jobs/{job.id}/issue")
    report = db.session.scalar(select(IssuedReport).where(IssuedReport.job_id == job.id))
    assert response.headers["Location"].endswith(f"/reports/{report.id}")
    assert report.issued_by_id == cdc.id
    assert report.sha256 == hashlib.sha256(draft.data).hexdigest()
    assert "1,234,567.89" in _pdf_text(report.pdf)

    # Not public yet: the public neither lists nor downloads it.
    client.post("/logout")
    assert client.get(f"/reports/{report.id}/report.pdf").status_code == 404
    assert report.title not in client.get("/reports/").get_data(as_text=True)

    login_as("cdc")
    client.post(f"/reports/{report.id}/publish", data={"published": "1"})
    client.post("/logout")
    listing = client.get("/reports/").get_data(as_text=True)
    assert report.title in listing
    public = client.get(f"/reports/{report.id}/report.pdf")
    assert public.status_code == 200 and public.data == draft.data


def test_an_issued_report_never_changes_even_when_the_data_does(client, login_as):
    login_as("cdc")
    project = factories.project(
        funding=[projects.YearAmount(2024, "disbursement", Decimal("500000"), "USD")]
    )
    job = _generate(client, audience="internal")
    client.post(f"/reports/jobs/{job.id}/issue")
    report = db.session.scalar(select(IssuedReport).where(IssuedReport.job_id == job.id))
    first = client.get(f"/reports/{report.id}/report.pdf").data
    assert "500,000.00" in _pdf_text(first)

    # The data changes: a new project with more money in 2024.
    factories.project(
        reporting=project.reporting_org,
        funding=[projects.YearAmount(2024, "disbursement", Decimal("700000"), "USD")],
    )
    again = client.get(f"/reports/{report.id}/report.pdf")
    assert again.data == first
    assert hashlib.sha256(again.data).hexdigest() == report.sha256
    # ...while a new generation shows the new figure.
    fresh = _generate(client, audience="internal")
    db.session.refresh(fresh)
    assert "1,200,000.00" in _pdf_text(fresh.pdf)

    # The stored record refuses any change but its publication.
    report.pdf = b"%PDF-forged"
    with pytest.raises(IssuedReportChanged):
        db.session.flush()
    db.session.rollback()


def test_issuing_twice_keeps_one_record(client, login_as):
    cdc = login_as("cdc")
    job = _generate(client)
    first = services.issue(job, cdc)
    second = services.issue(job, cdc)
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(IssuedReport)) == 1


def test_a_failed_generation_says_so_and_issues_nothing(client, login_as, monkeypatch):
    login_as("cdc")

    def broken(params, progress=None, commentary=None):
        raise RuntimeError("the weather")

    monkeypatch.setattr(services, "build", broken)
    job = _generate(client)
    assert job.state == "failed" and "the weather" in job.error
    page = client.get(f"/reports/jobs/{job.id}").get_data(as_text=True)
    assert "could not be generated" in page
    client.post(f"/reports/jobs/{job.id}/issue")
    assert db.session.scalar(select(func.count()).select_from(IssuedReport)) == 0


def test_a_job_left_running_by_a_dead_process_shows_as_interrupted(client, login_as):
    cdc = login_as("cdc")
    job = ReportJob(params=ReportParams(year=2024).as_json(), created_by_id=cdc.id)
    job.state = "running"
    db.session.add(job)
    db.session.flush()
    page = client.get(f"/reports/jobs/{job.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page  # still running: the page follows it
    from datetime import UTC, datetime, timedelta

    job.started_at = datetime.now(UTC) - timedelta(hours=2)
    db.session.flush()
    page = client.get(f"/reports/jobs/{job.id}").get_data(as_text=True)
    assert "Interrupted" in page and 'http-equiv="refresh"' not in page


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"year_to": "2020"}, "year_to", "The period cannot end before it starts."),
        ({"scope": "partner"}, "partner", "Choose one for this scope."),
        ({"scope": "province"}, "province", "Choose one for this scope."),
        ({"sections": []}, "sections", "Choose at least one section."),
    ],
)
def test_the_builder_says_what_is_wrong_beside_the_field(
    client, login_as, fields, field_id, message
):
    login_as("cdc")
    response = client.post("/reports/new", data={**SMALL, **fields, "action": "generate"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field_id}-error"' in page and message in page
    assert db.session.scalar(select(func.count()).select_from(ReportJob)) == 0


def test_the_builder_in_khmer_explains_errors_in_khmer(client, login_as):
    login_as("cdc", locale="km")
    response = client.post("/reports/new", data={**SMALL, "year_to": "2020", "action": "generate"})
    assert "រយៈពេលមិនអាចបញ្ចប់មុនពេលចាប់ផ្តើមបានទេ។" in response.get_data(as_text=True)


def test_preview_shows_the_report_as_a_web_page(client, login_as):
    login_as("cdc")
    partner = factories.organization(acronym="PREV")
    factories.project(
        reporting=partner,
        funding=[projects.YearAmount(2024, "disbursement", Decimal("42000"), "USD")],
    )
    response = client.post(
        "/reports/new",
        data={
            **SMALL,
            "audience": "internal",
            "scope": "partner",
            "partner": str(partner.id),
            "action": "preview",
            "sections": ["key_figures", "partners"],
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Funding by development partner" in page and "42,000.00" in page
    assert partner.name_en in page  # the scope, on the cover
    assert "css/report.css" in page
    # A way back to the builder, with the same choices.
    import html
    import re

    back = html.unescape(re.search(r'<a href="([^"]+)">Back to the report builder</a>', page)[1])
    assert back.startswith("/reports/new?") and f"partner={partner.id}" in back
    assert client.get(back).status_code == 200


def test_the_command_line_builds_and_issues_a_report(app, tmp_path):
    cdc = factories.user(role="cdc")
    factories.project(funding=[projects.YearAmount(2023, "disbursement", Decimal("10"), "USD")])
    out = tmp_path / "report.pdf"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "portal",
            "report",
            "build",
            "--year",
            "2023",
            "--lang",
            "km",
            "--section",
            "key_figures",
            "--out",
            str(out),
            "--issue-as",
            cdc.email,
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    report = db.session.scalar(select(IssuedReport))
    assert report.pdf == out.read_bytes() and report.language == "km"
    assert report.params["audience"] == "internal"  # the default: never publishable

    public_out = tmp_path / "public.pdf"
    result = runner.invoke(
        args=["portal", "report", "build", "--year", "2023", "--audience", "public"]
        + ["--section", "key_figures", "--section", "quality", "--out", str(public_out)]
    )
    assert result.exit_code == 0, result.output
    from tests.reports import pdf

    text = pdf.text(public_out.read_bytes())
    assert "Public edition" in text and "Annex: data quality" not in text

    refused = runner.invoke(
        args=[
            "portal",
            "report",
            "build",
            "--year",
            "2023",
            "--partner",
            "NOPE",
            "--out",
            str(tmp_path / "x.pdf"),
        ]
    )
    assert refused.exit_code == 1 and "NOPE" in refused.output


def _pdf_text(data: bytes) -> str:
    from tests.reports import pdf

    return pdf.text(data)
