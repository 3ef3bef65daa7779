"""Who may see report jobs and issued reports: CDC always; others only what is published."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.reports import services
from portal.reports.models import IssuedReport, ReportJob
from portal.reports.params import ReportParams
from tests import factories


@pytest.fixture
def issued():
    """A finished job and its issued (not yet public) report, a public edition with a long list
    (so a workbook of complete lists beside its PDF)."""
    cdc = factories.user(role="cdc")
    job = services.start(
        ReportParams(year=2024, sections=("key_figures", "loans"), audience="public"), cdc
    )
    report = services.issue(db.session.get(ReportJob, job.id), cdc)
    return job, report


def _urls(job, report):
    return [
        ("GET", f"/reports/jobs/{job.id}"),
        ("GET", f"/reports/jobs/{job.id}/report.pdf"),
        ("GET", f"/reports/jobs/{job.id}/lists.xlsx"),
        ("POST", f"/reports/jobs/{job.id}/issue"),
        ("GET", f"/reports/jobs/{job.id}/commentary"),
        ("POST", f"/reports/jobs/{job.id}/commentary"),
        ("POST", f"/reports/{report.id}/publish"),
    ]


@pytest.mark.parametrize("role", [None, "dp", "ministry"])
def test_only_cdc_reaches_jobs_and_publishing(client, login_as, issued, role):
    job, report = issued
    if role:
        login_as(role)
    for method, url in _urls(job, report):
        response = client.open(url, method=method, data={"published": "1"})
        if role is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == 403, (role, url)
    assert db.session.get(IssuedReport, report.id).published_at is None
    assert db.session.get(ReportJob, job.id).commentary is None


@pytest.mark.parametrize("role", [None, "dp", "ministry"])
def test_an_unpublished_report_stays_unseen_until_published(client, login_as, issued, role):
    job, report = issued
    if role:
        login_as(role)
    assert client.get(f"/reports/{report.id}").status_code == 404
    assert client.get(f"/reports/{report.id}/report.pdf").status_code == 404
    assert client.get(f"/reports/{report.id}/lists.xlsx").status_code == 404
    # Guessing other ids gives the same answer as a report that does not exist.
    assert client.get(f"/reports/{report.id + 1000}").status_code == 404
    report.published_at = db.func.now()
    db.session.flush()
    assert client.get(f"/reports/{report.id}").status_code == 200
    assert client.get(f"/reports/{report.id}/report.pdf").data == report.pdf
    assert report.workbook is not None
    assert client.get(f"/reports/{report.id}/lists.xlsx").data == report.workbook


def test_cdc_reaches_everything(client, login_as, issued):
    job, report = issued
    login_as("cdc")
    for method, url in _urls(job, report):
        # An issued report's commentary is shown, never changed (409, not 403).
        expected = (409,) if method == "POST" and url.endswith("/commentary") else (200, 302)
        response = client.open(url, method=method, data={"published": "1"})
        assert response.status_code in expected, url
    assert client.get(f"/reports/{report.id}").status_code == 200
    assert client.get(f"/reports/{report.id}/lists.xlsx").data == report.workbook
    assert db.session.scalar(select(IssuedReport.published_at)) is not None
