"""Building, issuing and publishing joint review reports."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import jobs
from portal.audit.services import record
from portal.db import utcnow
from portal.extensions import db
from portal.reports import commentary, content, render, workbook
from portal.reports.models import IssuedReport, ReportJob
from portal.reports.params import PUBLIC, ReportParams, audience_of

log = logging.getLogger(__name__)

# Where a job's progress bar stands after each step (collecting is the first 60 %).
LAYOUT_AT = 65
STALLED_AFTER = timedelta(minutes=30)


@dataclass
class Built:
    """A finished report: the PDF, its page count, the time the data was taken and the
    workbook of its complete lists (None when it has no long list), attached to the PDF."""

    pdf: bytes
    pages: int
    data_time: datetime
    timings: dict
    workbook: bytes | None = None


def build(params: ReportParams, progress=None, commentary: dict | None = None) -> Built:
    """Take the data, lay the report out and render its PDF (in the report's language), with
    CDC's introduction and commentary (portal.reports.commentary) where it has some."""
    started = time.perf_counter()

    def collecting(step: str, index: int, count: int) -> None:
        if progress:
            progress(step, 5 + 55 * index // max(count, 1))

    data = content.collect(params, collecting)
    collected = time.perf_counter()
    html = render.render_html(params, data, for_pdf=True, commentary=commentary)
    lists = workbook.build(params, data)
    rendered = time.perf_counter()
    if progress:
        progress("layout", LAYOUT_AT)
    attachment = None
    if lists is not None:
        with force_locale("km" if params.language == "km" else "en"):
            description = (render.both if params.language == "both" else _)(
                "The complete lists of the report"
            )
        attachment = (workbook.filename(params), lists, description)
    pdf, pages = render.write_pdf(html, params, data, attachment)
    finished = time.perf_counter()
    return Built(
        pdf,
        pages,
        data.data_time,
        {
            "collect": collected - started,
            "template and workbook": rendered - collected,
            "weasyprint": finished - rendered,
        },
        lists,
    )


def carried_commentary(report_id: str | None, params: ReportParams) -> dict | None:
    """The introduction and commentary of issued report `report_id` that a new draft with
    `params` keeps: the texts of its sections (and introduction) only."""
    if not (report_id or "").isdigit():
        return None
    report = db.session.get(IssuedReport, int(report_id or 0))
    if report is None or not report.commentary:
        return None
    keys = commentary.keys_for(params.sections)
    return commentary.cleaned({k: v for k, v in report.commentary.items() if k in keys}) or None


def start(params: ReportParams, user, texts: dict | None = None) -> ReportJob:
    """Record a generation job for `params` and hand it to the background worker.

    Unlike other services this one commits: the worker is another process (or thread) and must
    find the job in the database when it picks it up.
    """
    job = ReportJob(
        params=params.as_json(), created_by_id=user.id if user else None, commentary=texts
    )
    db.session.add(job)
    db.session.commit()
    jobs.submit("portal.reports.services.run_job", job.id)
    return job


def run_job(job_id: int) -> None:
    """Generate the PDF of job `job_id`, keeping its progress up to date (the worker's side)."""
    job = db.session.get(ReportJob, job_id)
    if job is None or job.state != "queued":
        return
    job.state, job.started_at, job.progress = "running", utcnow(), 1
    db.session.commit()

    def progress(step: str, percent: int) -> None:
        job.step, job.progress = step, percent
        db.session.commit()

    try:
        built = build(ReportParams.from_json(job.params), progress, commentary=job.commentary)
        job.pdf, job.page_count, job.data_time = built.pdf, built.pages, built.data_time
        job.sha256 = hashlib.sha256(built.pdf).hexdigest()
        job.workbook = built.workbook
        job.workbook_sha256 = hashlib.sha256(built.workbook).hexdigest() if built.workbook else None
        job.state, job.progress, job.step, job.finished_at = "done", 100, None, utcnow()
        db.session.commit()  # storing the PDF can fail too (a full disk): the job says so
    except Exception as error:
        db.session.rollback()
        log.exception("report job %s failed", job_id)
        failed = db.session.get(ReportJob, job_id)
        if failed is None:  # deleted meanwhile: nothing to mark as failed
            raise
        failed.state, failed.finished_at = "failed", utcnow()
        failed.error = f"{type(error).__name__}: {error}"[:2000]
        db.session.commit()


def is_stalled(job: ReportJob, now: datetime | None = None) -> bool:
    """A job still 'running' long after it started died with its process."""
    if job.state not in ("queued", "running"):
        return False
    since = job.started_at or job.created_at
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - since > STALLED_AFTER


class NotReady(ValueError):
    """The job has no finished PDF to issue."""


def issue(job: ReportJob, user) -> IssuedReport:
    """Issue a finished job's PDF as an immutable report (once: issuing again returns it)."""
    existing = db.session.scalar(select(IssuedReport).where(IssuedReport.job_id == job.id))
    if existing is not None:
        return existing
    if job.state != "done" or job.pdf is None:
        raise NotReady(job.id)
    params = ReportParams.from_json(job.params)
    with force_locale("km" if params.language == "km" else "en"):
        title = render.title(params)
    report = IssuedReport(
        job_id=job.id,
        title=title[:300],
        params=job.params,
        language=params.language,
        issued_by_id=user.id if user else None,
        data_time=job.data_time,
        pdf=job.pdf,
        size=len(job.pdf),
        page_count=job.page_count,
        sha256=hashlib.sha256(job.pdf).hexdigest(),
        commentary=job.commentary,
        # The complete lists, as attached inside the PDF: kept with it, never changed.
        workbook=job.workbook,
        workbook_sha256=hashlib.sha256(job.workbook).hexdigest() if job.workbook else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:  # issued at the same moment by someone else: theirs stands
        return db.session.scalars(select(IssuedReport).where(IssuedReport.job_id == job.id)).one()
    record("report_issued", user=user, obj=report, sha256=report.sha256)
    db.session.commit()
    return report


class AlreadyIssued(ValueError):
    """The draft is issued: its PDF, and the words in it, never change."""


class StillGenerating(ValueError):
    """The draft's PDF is being generated: its texts change once it is done."""


def issued_from(job: ReportJob) -> IssuedReport | None:
    """The report issued from `job`, if any."""
    return db.session.scalar(select(IssuedReport).where(IssuedReport.job_id == job.id))


def write_commentary(job: ReportJob, texts: dict, user) -> None:
    """Keep the draft's introduction and commentary, and generate its PDF again with them.

    Refuses an issued draft (`AlreadyIssued`) and one still being generated
    (`StillGenerating`). Commits, as `start` does: the worker must find the job.
    """
    if issued_from(job) is not None:
        raise AlreadyIssued(job.id)
    if job.state in ("queued", "running") and not is_stalled(job):
        raise StillGenerating(job.id)
    job.commentary = commentary.cleaned(texts) or None
    job.state, job.progress, job.step, job.error = "queued", 0, None, None
    job.pdf = job.sha256 = job.page_count = job.workbook = job.workbook_sha256 = None
    job.started_at = job.finished_at = job.data_time = None
    job.created_at = utcnow()  # a stalled generation is judged from here again
    record("report_commentary_written", user=user, obj=job, texts=len(job.commentary or {}))
    db.session.commit()
    jobs.submit("portal.reports.services.run_job", job.id)


class NotPublishable(ValueError):
    """The report is an internal edition: only a public edition may be published."""


def can_publish(report: IssuedReport) -> bool:
    """Only a public edition may be published (its PDF holds what the public sees anyway)."""
    return audience_of(report.params) == PUBLIC


def set_published(report: IssuedReport, published: bool, user) -> None:
    """Make an issued report public, or withdraw it; the PDF itself never changes.

    Refuses (`NotPublishable`) to publish an internal edition; withdrawing is always allowed.
    """
    if published and not can_publish(report):
        raise NotPublishable(report.id)
    report.published_at = utcnow() if published else None
    record("report_published" if published else "report_withdrawn", user=user, obj=report)
    db.session.commit()
