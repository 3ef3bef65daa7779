"""Joint review reports: the builder and preview, generation jobs, issued and published reports."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import undefer

from portal.accounts.models import Role
from portal.db import paginate
from portal.extensions import db
from portal.projects.queries import filter_options
from portal.reports import commentary, content, render, services, workbook
from portal.reports.forms import ReportForm, commentary_form, commentary_texts
from portal.reports.models import IssuedReport, ReportJob
from portal.reports.params import (
    AUDIENCES,
    INTERNAL_SECTIONS,
    LANGUAGES,
    SCOPES,
    SECTIONS,
    ReportParams,
    audience_of,
)
from portal.saving import save
from portal.security import (
    can_see_unpublished_reports,
    can_view_issued_report,
    cdc_required,
    has_role,
)

bp = Blueprint("reports", __name__, url_prefix="/reports")


STEP_LABELS = {
    "summary": _l("Comparing with the year before…"),
    "money": _l("Adding up the money…"),
    "sources": _l("Adding up the money of each funding source…"),
    "loans": _l("Measuring the loans' grant element…"),
    "alignment": _l("Counting confirmations by ministry…"),
    "reconciliation": _l("Listing disputed figures…"),
    "commitments": _l("Judging the commitments…"),
    "pilots": _l("Gathering pilots and lessons…"),
    "quality": _l("Checking the quality of the data…"),
    "layout": _l("Laying out the pages…"),
}


@bp.context_processor
def _helpers() -> dict:
    return {
        "scope_label": lambda params: render.scope_label(params, None),
        "step_label": lambda step: STEP_LABELS.get(step, _l("Starting…")),
        "audiences": AUDIENCES,
        "internal_sections": INTERNAL_SECTIONS,
        "audience_of": audience_of,
    }


@bp.app_template_filter("section_title")
def section_title(key: str) -> str:
    return str(SECTIONS.get(key, key))


def _form(data=None, *, csrf: bool = True) -> ReportForm:
    """The builder form; read from the query string (no CSRF: choosing changes nothing)."""
    meta = {} if csrf else {"csrf": False}
    form = ReportForm(data, meta=meta) if data is not None else ReportForm()
    from portal.rounds.services import all_rounds

    options = filter_options()
    options["rounds"] = [r for r in all_rounds() if not r.is_open]
    form.prepare(options)
    return form


def _query(params: ReportParams, **extra) -> str:
    """The builder's query string for `params` (to preview them, or build them again);
    `extra` adds arguments (a draft's `job`, or `commentary_from` an issued report)."""
    args: dict = {
        "audience": params.audience,
        "year": params.year,
        "scope": params.scope,
        "language": params.language,
    }
    if params.year_to:
        args["year_to"] = params.year_to
    if params.round_year:
        args["round_year"] = params.round_year
    if params.scope != "country":
        args[params.scope] = params.scope_value
    args.update((k, v) for k, v in extra.items() if v)
    pairs = list(args.items()) + [("sections", s) for s in params.sections]
    return urlencode(pairs)


def _visible_issued(report_id: int) -> IssuedReport:
    """An issued report CDC may see, or anyone once published; 404 otherwise."""
    report = db.session.get(IssuedReport, report_id)
    if report is None or not can_view_issued_report(current_user, report):
        abort(404)
    return report


@bp.get("/")
def index():
    """Issued reports: all of them for CDC, the published ones for everyone else."""
    statement = select(IssuedReport).order_by(IssuedReport.issued_at.desc(), IssuedReport.id)
    is_cdc = has_role(current_user, Role.CDC)
    if not can_see_unpublished_reports(current_user):
        statement = statement.where(IssuedReport.published_at.is_not(None))
    page = paginate(db.session, statement, request.args.get("page", 1, type=int), 25)
    recent = []
    if is_cdc:
        recent = list(
            db.session.scalars(
                select(ReportJob)
                .order_by(ReportJob.created_at.desc(), ReportJob.id.desc())
                .limit(8)
            )
        )
    return render_template(
        "reports/index.html",
        page=page,
        recent=recent,
        is_cdc=is_cdc,
        report_languages=LANGUAGES,
        scopes=SCOPES,
        stalled=services.is_stalled,
    )


@bp.route("/new", methods=["GET", "POST"])
@cdc_required
def new():
    """Choose the period, scope, language and sections; preview, or generate the PDF."""
    if request.method == "GET":
        frozen = request.args.get("round", type=int)
        if frozen is not None:  # "build the joint review from this round", from its page
            form = _form(None, csrf=False)
            form.round_year.data = form.year.data = frozen
            return render_template("reports/new.html", form=form)
        form = _form(request.args if request.args else None, csrf=False)
        if request.args:
            form.validate()
        return render_template("reports/new.html", form=form)
    form = _form(request.form)
    if not form.validate():
        return render_template("reports/new.html", form=form), 422
    params = form.params()
    if request.form.get("action") == "preview":
        carried = form.commentary_from.data
        return redirect(url_for("reports.preview") + "?" + _query(params, commentary_from=carried))
    # The service commits the job itself (the worker must find it): save's commit finds
    # nothing left to write.
    texts = services.carried_commentary(form.commentary_from.data, params)
    outcome = save(lambda: services.start(params, current_user, texts=texts).id)
    if outcome.value is None:
        return render_template("reports/new.html", form=form), outcome.status
    return redirect(url_for("reports.job", job_id=outcome.value))


def _preview_commentary(params: ReportParams) -> dict | None:
    """The introduction and commentary the previewed PDF has: those of the draft `job` (its
    page's preview), or those carried from the issued report `commentary_from` (the builder's)."""
    job_id = request.args.get("job", type=int)
    if job_id is not None:
        report_job = db.session.get(ReportJob, job_id)
        if report_job is None or not report_job.commentary:
            return None
        keys = commentary.keys_for(params.sections)
        return {k: v for k, v in report_job.commentary.items() if k in keys} or None
    return services.carried_commentary(request.args.get("commentary_from"), params)


@bp.get("/preview")
@cdc_required
def preview():
    """The report as HTML, exactly as the PDF will lay it out (without the page breaks), with
    the introduction and commentary of the draft (`job`) or issued report (`commentary_from`)
    it is the preview of."""
    form = _form(request.args, csrf=False)
    if not form.validate():
        return render_template("reports/new.html", form=form), 422
    params = form.params()
    back = (
        url_for("reports.new")
        + "?"
        + _query(params, commentary_from=request.args.get("commentary_from"))
    )
    return render.render_html(
        params, content.collect(params), back_url=back, commentary=_preview_commentary(params)
    )


@bp.get("/jobs/<int:job_id>")
@cdc_required
def job(job_id: int):
    """A generation's progress; the page refreshes itself until the PDF is ready."""
    report_job = db.session.get(ReportJob, job_id) or abort(404)
    issued = db.session.scalar(select(IssuedReport).where(IssuedReport.job_id == job_id))
    params = ReportParams.from_json(report_job.params)
    return render_template(
        "reports/job.html",
        job=report_job,
        params=params,
        query=_query(params),
        preview_query=_query(params, job=report_job.id),
        issued=issued,
        stalled=services.is_stalled(report_job),
        commentary_count=sum(len(t) for t in (report_job.commentary or {}).values()),
        sections=SECTIONS,
        report_languages=LANGUAGES,
        scopes=SCOPES,
    )


def _commentary_page(report_job: ReportJob, params: ReportParams, form, issued, status=200):
    return (
        render_template(
            "reports/commentary.html",
            job=report_job,
            params=params,
            form=form,
            issued=issued,
            keys=commentary.keys_for(params.sections),
            introduction=commentary.INTRODUCTION,
            report_languages=LANGUAGES,
            scopes=SCOPES,
        ),
        status,
    )


@bp.route("/jobs/<int:job_id>/commentary", methods=["GET", "POST"])
@cdc_required
def write_commentary(job_id: int):
    """Write the draft's introduction and commentary (English and Khmer), then generate it again.

    Refuses (409) a draft already issued, whose words never change, and one being generated.
    """
    report_job = db.session.get(ReportJob, job_id) or abort(404)
    params = ReportParams.from_json(report_job.params)
    issued = services.issued_from(report_job)
    posted = request.method == "POST"
    form = commentary_form(
        params.sections, report_job.commentary, request.form if posted and not issued else None
    )
    if issued is not None:
        if posted:
            flash(
                _("This report is issued: its introduction and commentary never change."), "danger"
            )
        return _commentary_page(report_job, params, form, issued, 409 if posted else 200)
    if not posted:
        return _commentary_page(report_job, params, form, issued)
    if not form.validate():
        return _commentary_page(report_job, params, form, issued, 422)
    try:
        services.write_commentary(report_job, commentary_texts(form, params.sections), current_user)
    except services.StillGenerating:
        flash(
            _("This report is being generated: wait until it is ready, then write again."),
            "warning",
        )
        return _commentary_page(report_job, params, form, issued, 409)
    flash(
        _("The introduction and commentary are kept; the PDF is generated again with them."),
        "success",
    )
    return redirect(url_for("reports.job", job_id=job_id))


def _pdf_response(pdf: bytes, filename: str, sha256: str | None) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    if sha256:  # a finished job has its digest; an ETag without one would be wrong
        response.set_etag(sha256)
    return response


@bp.get("/jobs/<int:job_id>/report.pdf")
@cdc_required
def job_pdf(job_id: int):
    """Download a generated, not yet issued, PDF (a draft)."""
    report_job = db.session.scalar(
        select(ReportJob).options(undefer(ReportJob.pdf)).where(ReportJob.id == job_id)
    )
    if report_job is None or report_job.pdf is None:
        abort(404)
    return _pdf_response(report_job.pdf, f"report-draft-{job_id}.pdf", report_job.sha256)


def _workbook_response(content: bytes, filename: str, sha256: str | None) -> Response:
    response = Response(content, mimetype=workbook.MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    if sha256:
        response.set_etag(sha256)
    return response


@bp.get("/jobs/<int:job_id>/lists.xlsx")
@cdc_required
def job_workbook(job_id: int):
    """Download the complete lists of a generated, not yet issued, report (as attached to its
    PDF); 404 while it is being generated, or when the report has no long list."""
    report_job = db.session.scalar(
        select(ReportJob).options(undefer(ReportJob.workbook)).where(ReportJob.id == job_id)
    )
    if report_job is None or report_job.workbook is None:
        abort(404)
    return _workbook_response(
        report_job.workbook, f"report-draft-{job_id}-lists.xlsx", report_job.workbook_sha256
    )


@bp.post("/jobs/<int:job_id>/issue")
@cdc_required
def issue(job_id: int):
    """Issue the job's PDF: from now on it never changes."""
    report_job = db.session.scalar(
        select(ReportJob).options(undefer(ReportJob.pdf)).where(ReportJob.id == job_id)
    )
    if report_job is None:
        abort(404)
    try:
        report = services.issue(report_job, current_user)
    except services.NotReady:
        flash(_("This report is not ready yet: wait until its PDF is generated."), "warning")
        return redirect(url_for("reports.job", job_id=job_id))
    flash(_("The report is issued. Its PDF will never change."), "success")
    return redirect(url_for("reports.detail", report_id=report.id))


def _detail_page(report: IssuedReport):
    params = ReportParams.from_json(report.params)
    public_edition = ReportParams.from_json({**report.params, "audience": "public"})
    return render_template(
        "reports/detail.html",
        report=report,
        params=params,
        query=_query(params),
        public_query=_query(public_edition),
        can_publish=services.can_publish(report),
        sections=SECTIONS,
        report_languages=LANGUAGES,
        scopes=SCOPES,
        is_cdc=has_role(current_user, Role.CDC),
    )


@bp.get("/<int:report_id>")
def detail(report_id: int):
    """An issued report: what it covers, who issued it, when its data was taken, its SHA-256."""
    return _detail_page(_visible_issued(report_id))


@bp.get("/<int:report_id>/report.pdf")
def issued_pdf(report_id: int):
    """The issued PDF, byte for byte as issued."""
    report = _visible_issued(report_id)
    return _pdf_response(report.pdf, f"joint-review-{report.id}.pdf", report.sha256)


@bp.get("/<int:report_id>/lists.xlsx")
def issued_workbook(report_id: int):
    """The issued report's complete lists, byte for byte as attached to its PDF; for the
    PDF's readers only (404 otherwise, and for a report without long lists)."""
    report = _visible_issued(report_id)
    if report.workbook is None:
        abort(404)
    return _workbook_response(
        report.workbook, f"joint-review-{report.id}-lists.xlsx", report.workbook_sha256
    )


@bp.post("/<int:report_id>/publish")
@cdc_required
def publish(report_id: int):
    """Make an issued report public, or withdraw it; an internal edition is refused (409)."""
    report = db.session.get(IssuedReport, report_id) or abort(404)
    published = request.form.get("published") == "1"
    try:
        services.set_published(report, published, current_user)
    except services.NotPublishable:
        flash(
            _(
                "This report is an internal edition: it counts unpublished projects and shows "
                "internal sections, so it cannot be published. Build and issue the public "
                "edition of the same report, then publish that one."
            ),
            "danger",
        )
        return _detail_page(report), 409
    flash(
        _("The report is now public.") if published else _("The report is no longer public."),
        "success",
    )
    return redirect(url_for("reports.detail", report_id=report_id))
