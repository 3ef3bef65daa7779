"""IATI pages: upload activity files, preview them, confirm; download projects as IATI XML."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from portal.db import commit_retrying
from portal.downloads import public_download
from portal.extensions import db
from portal.iati import codes, export, extras, services
from portal.iati import sources as iati_sources
from portal.iati.forms import (
    LEAD_PREFIX,
    LINK_PREFIX,
    NEW_PROJECT,
    ORG_PREFIX,
    SKIP_ORGANIZATION,
    DecisionForm,
    SourceForm,
    UploadForm,
    decisions_from,
    lead_choices,
)
from portal.iati.models import IatiRecord, IatiSource, ImportBatch
from portal.iati.parser import FileRefused
from portal.iati.preview import Decisions, may_create_organizations
from portal.iati.queries import own_records
from portal.jobs import submit
from portal.organizations.models import ORG_KIND_LABELS, Organization
from portal.organizations.services import by_ids
from portal.projects import queries
from portal.projects.models import Project
from portal.saving import save
from portal.security import (
    can_import_iati,
    can_see_iati_batch,
    can_see_internal_fields,
    cdc_required,
)

bp = Blueprint("iati", __name__, url_prefix="/iati")

RECENT_BATCHES = 10


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """Upload IATI activity files (development partners and CDC); refuse others with 403."""
    if not can_import_iati(current_user):
        abort(403)
    form = UploadForm()
    errors, status = [], 200
    if form.validate_on_submit():
        files = [(f.filename or "upload.xml", f.read()) for f in form.files.data if f]
        try:
            batch = services.create_batch(files, user=current_user)
        except FileRefused as refused:
            db.session.rollback()
            errors, status = [refused.message], 400
        else:
            db.session.commit()
            return redirect(url_for("iati.preview", token=batch.token))
    elif request.method == "POST":
        status = 400
    recent = db.session.scalars(
        select(ImportBatch)
        .where(ImportBatch.user_id == current_user.id)
        .order_by(ImportBatch.created_at.desc())
        .limit(RECENT_BATCHES)
    )
    return render_template("iati/index.html", form=form, errors=errors, recent=list(recent)), status


def _load_batch(token: str) -> ImportBatch:
    """The batch of `token` if the current user uploaded it; anything else is 404."""
    batch = services.batch_by_token(token)
    if batch is None or not can_see_iati_batch(current_user, batch):
        abort(404)
    return batch


@bp.route("/<token>", methods=["GET", "POST"])
@login_required
def preview(token: str):
    """Show what a batch would do; on confirmation write it, all or nothing (404: not yours)."""
    batch = _load_batch(token)
    if batch.status != "preview":
        return render_template("iati/result.html", batch=batch)
    may_create = may_create_organizations(current_user)
    form = DecisionForm()
    form.prepare()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        decisions = decisions_from(form, request.form, may_create=may_create)
        if form.confirm.data:
            return _confirm(batch, decisions)
        batch.decisions = decisions.as_json()
        db.session.commit()
        return redirect(url_for("iati.preview", token=token))
    decisions = Decisions.from_json(batch.decisions)
    form.default_lead_id.data = decisions.default_lead_id
    plan = services.preview(batch.activities, user=current_user, decisions=decisions)
    return render_template(
        "iati/preview.html",
        batch=batch,
        plan=plan,
        form=form,
        decisions=decisions,
        kind_labels=ORG_KIND_LABELS,
        link_prefix=LINK_PREFIX,
        org_prefix=ORG_PREFIX,
        lead_prefix=LEAD_PREFIX,
        lead_choices=_lead_choices(plan),
        new_project=NEW_PROJECT,
        skip_organization=SKIP_ORGANIZATION,
    )


def _lead_choices(plan) -> list[tuple[int, str]]:
    """The usual leads, and any other institution a line proposes (a national NGO, say)."""
    choices = lead_choices()
    listed = {org_id for org_id, _label in choices}
    proposed = {
        line.mapped.data.lead_national_partner_id
        for line in plan.lines
        if line.mapped.data is not None
    } - listed
    extra = [(org.id, f"{org.acronym} — {org.name_en}") for org in by_ids(proposed).values()]
    return sorted(choices + extra, key=lambda choice: choice[1].lower())


def _confirm(batch: ImportBatch, decisions: Decisions):
    batch_id, token = batch.id, batch.token
    try:
        # Another import writing the same activities at that moment: done again, it finds them.
        plan = commit_retrying(
            db.session,
            lambda: services.confirm(batch, user=current_user, decisions=decisions),
        )
    except Exception as error:  # noqa: BLE001  (whatever broke, nothing of the batch stays)
        db.session.rollback()
        services.mark_failed(batch_id, str(error))
        db.session.commit()
        flash(_("The import failed and nothing was written: %(reason)s", reason=error), "danger")
        return redirect(url_for("iati.preview", token=token))
    counts = plan.counts
    flash(
        _(
            "Imported: %(new)s new and %(update)s updated projects; %(refused)s activities "
            "refused; %(skipped)s not for Cambodia.",
            new=counts["new"],
            update=counts["update"],
            refused=counts["refused"],
            skipped=counts["skipped"],
        ),
        "success",
    )
    return redirect(url_for("iati.preview", token=token))


@bp.get("/export.xml")
@public_download
def export_xml():
    """Download the projects the visitor may read (list filters apply) as IATI 2.03 XML.

    Contacts go only to the readers the project page shows them to.
    """
    filters = queries.ProjectFilters.from_args(request.args)
    statement = queries.filtered(current_user, filters)
    partner = request.args.get("partner_ref", "").strip()
    if partner:
        statement = statement.join(Organization, Organization.id == Project.reporting_org_id).where(
            (Organization.iati_ref == partner) | (Organization.acronym == partner)
        )
    body = export.iter_xml(
        export.iter_projects(statement),
        shows_contacts=lambda project: can_see_internal_fields(current_user, project),
    )
    name = f"iati-activities-{date.today().isoformat()}.xml"
    return Response(
        stream_with_context(body),
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.app_template_global()
def iati_record(project):
    """Where a project's values came from, for its page: the IATI import, if any."""
    if project is None or not can_see_internal_fields(current_user, project):
        return None
    return db.session.scalar(select(IatiRecord).where(IatiRecord.project_id == project.id))


@bp.app_template_global()
def iati_extras_shown(record: IatiRecord, project: Project) -> dict:
    """What the "From IATI" section shows of a record's extras: not the results, loan terms or
    budget items the project's own sections show (extras.shown)."""
    return extras.shown(record.extras, own_records(project.id))


@bp.app_template_global()
def iati_amount_label(kind: str) -> str:
    return str(codes.AMOUNT_KINDS.get(kind, kind))


@bp.app_template_global()
def iati_label(kind: str, code: str | None) -> str:
    """The label of a policy marker, its significance or a related activity's type."""
    table = {
        "marker": codes.POLICY_MARKERS,
        "significance": codes.POLICY_SIGNIFICANCE,
        "related": codes.RELATED_ACTIVITY_TYPES,
    }[kind]
    return str(table.get(code or "", code or "—"))


# --- Sources read again on a schedule or on demand (CDC) -----------------------------------


@bp.route("/sources", methods=["GET", "POST"])
@cdc_required
def sources():
    """CDC's registered IATI sources, and the form to add one."""
    return _sources_page(None)


@bp.route("/sources/<int:source_id>", methods=["GET", "POST"])
@cdc_required
def edit_source(source_id: int):
    """CDC's registered IATI sources, and the form to change one."""
    return _sources_page(db.get_or_404(IatiSource, source_id))


def _sources_page(source: IatiSource | None):
    form = SourceForm(obj=source)
    form.prepare()
    status = 200
    if form.validate_on_submit():
        outcome = save(
            lambda: iati_sources.save_source(
                source,
                name=form.name.data,
                location=form.location.data,
                every_days=form.every_days.data,
                auto_apply=form.auto_apply.data,
                default_lead_id=form.default_lead_id.data,
                actor=current_user,
            ),
            refusals=(iati_sources.SourceRefused,),
        )
        if outcome.saved:
            flash(_("The source has been saved."), "success")
            return redirect(url_for("iati.sources"))
        if outcome.refusal is not None:
            form[outcome.refusal.field].errors.append(str(outcome.refusal))
        status = outcome.status
    elif request.method == "POST":
        status = 400
    registered = list(db.session.scalars(select(IatiSource).order_by(IatiSource.name)))
    return render_template(
        "iati/sources.html",
        form=form,
        source=source,
        registered=registered,
        latest={s.id: iati_sources.latest_batch(s) for s in registered},
    ), status


@bp.post("/sources/<int:source_id>/read")
@cdc_required
def read_source(source_id: int):
    """Read a source now, outside the request; its page shows the outcome."""
    db.get_or_404(IatiSource, source_id)
    if not FlaskForm().validate_on_submit():  # the CSRF token alone
        abort(400)
    submit("portal.iati.sources.read_one", source_id, current_user.id)
    flash(_("The source is being read; this page shows the outcome when it is done."), "info")
    return redirect(url_for("iati.sources"))
