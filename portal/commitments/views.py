"""Commitment pages: dashboard, commitment form, detail, reports, assessments, bottlenecks."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from portal.commitments import (
    charts,
    codes,
    measures,
    periods,
    queries,
    reporting,
    services,
    status,
    uploads,
    values,
)
from portal.commitments.forms import (
    REPEATABLE,
    AssessmentForm,
    BottleneckForm,
    CommitmentForm,
    OverrideForm,
    ReportForm,
    ResolveForm,
    fill_from,
    place_errors,
    prepare,
    to_data,
)
from portal.commitments.models import Bottleneck, Commitment, EvidenceFile, ProgressReport
from portal.extensions import db
from portal.forms import as_id, field_errors
from portal.saving import RowFormPage, check, save
from portal.security import (
    can_assess_ratings,
    can_manage_bottlenecks,
    can_manage_commitments,
    can_report_on,
    can_view_commitment,
    can_view_evidence,
    cdc_required,
    commitment_visibility,
    sees_internal_commitment_fields,
)
from portal.templating import format_value, show_publicly_when

bp = Blueprint("commitments", __name__, url_prefix="/commitments")


def _any_public() -> bool:
    """Whether CDC has made a commitment public (the public's menu then offers the dashboard)."""
    return bool(db.session.scalar(select(exists().where(Commitment.public.is_(True)))))


show_publicly_when("commitments.dashboard", _any_public)


@bp.context_processor
def _helpers() -> dict:
    return {
        "value": format_value,
        "principles": codes.PRINCIPLES,
        "ratings": codes.RATINGS,
        "statuses": codes.STATUSES,
        "symbols": codes.STATUS_SYMBOLS,
        "party_roles": codes.PARTY_ROLES,
        "agreement_text": codes.AGREEMENT,
        "period_kinds": codes.PERIOD_KINDS,
        "measures": measures.MEASURES,
    }


@bp.get("/")
def dashboard():
    """The delivery dashboard: statuses, watch lists, trajectories and scorecards (all users;
    the public sees the public commitments)."""
    today = date.today()
    filters = queries.Filters.from_args(request.args)
    visible = commitment_visibility(current_user, Commitment)
    rows = queries.rows(queries.load(filters, visible), filters, today)
    summary = queries.summarise(rows)
    return render_template(
        "commitments/dashboard.html",
        rows=rows,
        summary=summary,
        filters=filters,
        institutions=queries.institutions_leading(visible),
        scorecards=queries.scorecards(rows, today),
        bars=charts.status_bars(summary.by_status),
        trajectories={r.commitment.id: charts.trajectory(r.commitment, r.actuals) for r in rows},
        can_manage=can_manage_commitments(current_user),
        internal=sees_internal_commitment_fields(current_user),
        threshold=int(status.SOME_RISK_PROGRESS * 100),
        grace_days=periods.REPORTING_GRACE_DAYS,
    )


def _render_form(form, commitment, sections=None, status_code=200):
    return render_template(
        "commitments/form.html",
        form=form,
        commitment=commitment,
        errors=field_errors(form),
        sections=sections or {},
    ), status_code


def _saved(saved: Commitment, _commitment: Commitment | None):
    flash(_("The commitment has been saved."), "success")
    return redirect(url_for("commitments.detail", commitment_id=saved.id))


_form_page = RowFormPage(  # the new and edit pages
    form=CommitmentForm,
    repeatable=REPEATABLE,
    fill=fill_from,
    prepare=lambda form, _commitment: prepare(form),
    read=to_data,
    validate=services.validate,
    save=lambda _form, data, commitment: services.save_commitment(
        data, actor=current_user, commitment=commitment
    ),
    invalid=services.CommitmentInvalid,
    place_errors=lambda form, invalid: place_errors(form, invalid.errors, REPEATABLE),
    render=_render_form,
    saved=_saved,
)


@bp.route("/new", methods=["GET", "POST"])
@cdc_required
def new():
    """Create a commitment (CDC)."""
    return _form_page(None)


@bp.route("/<int:commitment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(commitment_id: int):
    """Edit a commitment, its parties and trajectory (CDC; others 403)."""
    commitment = db.get_or_404(Commitment, commitment_id)
    if not can_manage_commitments(current_user):
        abort(403)
    return _form_page(commitment)


def _assessment_form(commitment: Commitment, report_id: int, form=None) -> AssessmentForm:
    """The form a party (or CDC, naming the party) uses to agree or disagree with a rating."""
    form = form or AssessmentForm(formdata=None, prefix=f"r{report_id}")
    if current_user.is_cdc:
        form.organization_id.choices = [
            (str(o.id), f"{o.acronym} — {o.name_en}") for o in commitment.assessing_organizations
        ]
    else:
        form.organization_id.choices = [(str(current_user.organization_id), "")]
    return form


def _bottleneck_form(commitment: Commitment, form: BottleneckForm | None = None):
    form = form or BottleneckForm(formdata=None)
    parties = [commitment.lead_institution, *(p.organization for p in commitment.parties)]
    form.owner_id.choices = [("", "—")] + [
        (str(o.id), f"{o.acronym} — {o.name_en}") for o in parties
    ]
    return form


def _override_forms(commitment: Commitment, row: queries.Row, given=None) -> dict:
    """CDC's override form of each computed period (the one given keeps its input)."""
    if values.measure_of(commitment) is None or not can_manage_commitments(current_user):
        return {}
    given = given or {}
    forms = {}
    for period, actual in row.actuals.items():
        if actual.figure is None:
            continue
        form = given.get(period) or OverrideForm(formdata=None, prefix=f"o-{period}")
        if period not in given and actual.override is not None:
            form.value.data = actual.override.value.normalize()  # 66.5, not 66.5000
            form.reason.data = actual.override.reason
        forms[period] = form
    return forms


def _render_detail(
    commitment: Commitment,
    *,
    assess_forms=None,
    bottleneck_form=None,
    resolutions=None,
    override_forms=None,
    code=200,
):
    """The detail page; the forms given (or typed resolutions, by bottleneck) keep their input."""
    today = date.today()
    assess_forms = assess_forms or {}
    reports = list(reversed(commitment.reports_in_order))
    row = queries.row_of(commitment, today)
    may_assess = can_assess_ratings(current_user, commitment)
    measured = row.actuals
    return render_template(
        "commitments/detail.html",
        commitment=commitment,
        row=row,
        measure=values.measure_of(commitment),
        scope_sector=values.sector_of(commitment),
        public_view=values.public_reader(),
        computed=[a for a in measured.values() if a.figure is not None],
        override_forms=_override_forms(commitment, row, override_forms),
        reports=reports,
        report_status={
            r.id: status.report_status(
                commitment, r, today, measured[r.period].value if r.period in measured else None
            )
            for r in reports
        },
        actual_of={r.id: measured.get(r.period) for r in reports},
        agreement={r.id: status.agreement(commitment, r) for r in reports},
        assess_forms={
            r.id: _assessment_form(commitment, r.id, assess_forms.get(r.id)) for r in reports
        }
        if may_assess
        else {},
        chart=charts.trajectory(commitment, measured),
        timeliness=queries.timeliness(commitment, today),
        upwards=status.higher_is_better(commitment.baseline_value, commitment.target_value),
        today=today,
        can_manage=can_manage_commitments(current_user),
        can_report=can_report_on(current_user, commitment),
        can_assess=may_assess,
        can_bottleneck=can_manage_bottlenecks(current_user, commitment),
        can_evidence=can_view_evidence(current_user, commitment),
        internal=sees_internal_commitment_fields(current_user),
        bottleneck_form=_bottleneck_form(commitment, bottleneck_form),
        resolutions=resolutions or {},
    ), code


@bp.get("/<int:commitment_id>")
def detail(commitment_id: int):
    """A commitment: indicator, trajectory, reports with their ratings, bottlenecks (all users;
    the public sees a public commitment without narratives, comments, evidence or people)."""
    commitment = db.get_or_404(Commitment, commitment_id)
    if not can_view_commitment(current_user, commitment):
        abort(404)
    return _render_detail(commitment)


@bp.post("/<int:commitment_id>/values/<period>")
@login_required
def override_value(commitment_id: int, period: str):
    """Override the computed value of a period with a reason, or go back to it (CDC; 403)."""
    commitment = db.get_or_404(Commitment, commitment_id)
    if not can_manage_commitments(current_user):
        abort(403)
    if values.measure_of(commitment) is None or commitment.planned_for(period) is None:
        abort(404)
    back = url_for("commitments.detail", commitment_id=commitment.id) + "#computed-values"
    form = OverrideForm(prefix=f"o-{period}")
    if request.form.get("clear"):
        if not form.validate_on_submit():
            abort(400)
        cleared = save(lambda: values.clear_override(commitment, period, actor=current_user))
        if cleared.saved:
            flash(_("The computed value of %(period)s is used again.", period=period), "success")
        return redirect(back)

    def override():
        return values.set_override(
            commitment, period, form.value.data, form.reason.data or "", actor=current_user
        )

    if not form.validate_on_submit():  # a mistyped number, or the form sent again too late
        refusal = check(
            lambda: values.check_override(
                commitment, period, form.value.data, form.reason.data or ""
            ),
            refusals=(services.CommitmentInvalid,),
        )
        if refusal is not None:
            place_errors(form, refusal.errors)
        return _render_detail(commitment, override_forms={period: form}, code=400)
    outcome = save(override, refusals=(services.CommitmentInvalid,))
    if not outcome.saved:
        if outcome.refusal is not None:
            place_errors(form, outcome.refusal.errors)
        return _render_detail(commitment, override_forms={period: form}, code=outcome.status)
    flash(_("The value of %(period)s is overridden.", period=period), "success")
    return redirect(back)


@bp.route("/<int:commitment_id>/report", methods=["GET", "POST"])
@login_required
def report(commitment_id: int):
    """Report progress for a period, with evidence (the lead's users; CDC on their behalf)."""
    commitment = db.get_or_404(Commitment, commitment_id)
    if not can_report_on(current_user, commitment):
        abort(403)
    form = ReportForm()
    form.period.choices = [("", "—")] + [(p, p) for p in queries.open_periods(commitment)]
    code = 200
    if request.method == "POST":
        form_ok = form.validate_on_submit()
        files = [uploads.read(f) for f in request.files.getlist(form.evidence.name) if f.filename]
        stored: list[str] = []

        def submit() -> None:
            saved = reporting.submit_report(commitment, form.to_data(), files, actor=current_user)
            stored.extend(e.stored_name for e in saved.evidence)

        refusal: Exception | None
        if form_ok:
            outcome = save(submit, refusals=(services.CommitmentInvalid, IntegrityError))
            if outcome.saved:
                flash(_("Your progress report has been recorded."), "success")
                return redirect(url_for("commitments.detail", commitment_id=commitment.id))
            uploads.discard(stored)  # the files of a report that was not saved
            code, refusal = outcome.status, outcome.refusal
        else:
            code = 400
            refusal = check(
                lambda: reporting.check_report(commitment, form.to_data(), files),
                refusals=(services.CommitmentInvalid,),
            )
        if isinstance(refusal, services.CommitmentInvalid):
            place_errors(form, refusal.errors)
        elif isinstance(refusal, IntegrityError):  # someone reported the same period meanwhile
            form.period.errors = [
                *form.period.errors,
                _("A report for %(period)s already exists.", period=form.period.data),
            ]
    return render_template(
        "commitments/report.html",
        commitment=commitment,
        measure=values.measure_of(commitment),
        form=form,
        errors=field_errors(form),
        allowed=uploads.ALLOWED_TEXT,
        extensions=", ".join(uploads.ALLOWED_EXTENSIONS),
    ), code


@bp.post("/reports/<int:report_id>/assess")
@login_required
def assess(report_id: int):
    """Agree or disagree with a self-rating (the other parties; CDC on behalf of one)."""
    progress = db.get_or_404(ProgressReport, report_id)
    commitment = progress.commitment
    if not can_assess_ratings(current_user, commitment):
        abort(403)
    form = _assessment_form(commitment, progress.id, AssessmentForm(prefix=f"r{progress.id}"))
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_cdc:  # CDC says which party it speaks for
        chosen = form.organization_id.data or ""
        organization_id = as_id(chosen)
    else:
        organization_id = current_user.organization_id
    outcome = save(
        lambda: reporting.assess(
            progress,
            organization_id=organization_id,
            agrees=form.agrees_value,
            comment=form.comment.data,
            actor=current_user,
        ),
        refusals=(services.CommitmentInvalid,),
    )
    if outcome.refusal is not None:
        place_errors(form, outcome.refusal.errors)
    if not outcome.saved:
        return _render_detail(commitment, assess_forms={progress.id: form}, code=outcome.status)
    flash(_("Your view of the rating has been recorded."), "success")
    return redirect(
        url_for("commitments.detail", commitment_id=commitment.id) + f"#report-{progress.id}"
    )


@bp.get("/evidence/<int:evidence_id>")
def evidence(evidence_id: int):
    """Download an evidence file (the commitment's parties and CDC; to others it is 404)."""
    item = db.get_or_404(EvidenceFile, evidence_id)
    if not can_view_evidence(current_user, item.report.commitment):
        abort(404)
    response = uploads.download(item)
    if response is None:
        abort(404)
    return response


@bp.post("/<int:commitment_id>/bottlenecks")
@login_required
def add_bottleneck(commitment_id: int):
    """Name a bottleneck with its owner, action and due date (the parties and CDC)."""
    commitment = db.get_or_404(Commitment, commitment_id)
    if not can_manage_bottlenecks(current_user, commitment):
        abort(403)
    form = _bottleneck_form(commitment, BottleneckForm())
    if not form.validate_on_submit():
        return _render_detail(commitment, bottleneck_form=form, code=400)
    outcome = save(
        lambda: reporting.add_bottleneck(commitment, form.to_data(), actor=current_user),
        refusals=(services.CommitmentInvalid,),
    )
    if outcome.refusal is not None:
        place_errors(form, outcome.refusal.errors)
    if not outcome.saved:
        return _render_detail(commitment, bottleneck_form=form, code=outcome.status)
    flash(_("The bottleneck has been recorded."), "success")
    return redirect(url_for("commitments.detail", commitment_id=commitment.id) + "#bottlenecks")


@bp.post("/bottlenecks/<int:bottleneck_id>/resolve")
@login_required
def resolve_bottleneck(bottleneck_id: int):
    """Close a bottleneck, saying how it was resolved (the parties and CDC)."""
    bottleneck = db.get_or_404(Bottleneck, bottleneck_id)
    commitment = bottleneck.commitment
    if not can_manage_bottlenecks(current_user, commitment):
        abort(403)
    back = url_for("commitments.detail", commitment_id=commitment.id) + "#bottlenecks"
    form = ResolveForm()
    if not form.validate_on_submit():
        flash(_("Please submit the form again."), "danger")
        return redirect(back)
    outcome = save(
        lambda: reporting.resolve_bottleneck(bottleneck, form.resolution.data, actor=current_user),
        refusals=(services.CommitmentInvalid,),
    )
    if outcome.failed_status:
        resolutions = {bottleneck.id: form.resolution.data or ""}
        return _render_detail(commitment, resolutions=resolutions, code=outcome.failed_status)
    if outcome.refusal is not None:
        flash(" ".join(outcome.refusal.errors.values()), "danger")
    else:
        flash(_("The bottleneck is resolved."), "success")
    return redirect(back)
