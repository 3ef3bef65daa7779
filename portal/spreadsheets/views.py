"""The spreadsheet round trip: download a partner's projects as XLSX, upload, preview, confirm."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.organizations.models import Organization
from portal.organizations.services import organization_choices
from portal.projects.models import Project
from portal.projects.sources import FundingSource
from portal.security import can_create_project
from portal.spreadsheets import storage
from portal.spreadsheets.forms import ConfirmForm, UploadForm
from portal.spreadsheets.plan import REFUSALS, apply_plan, build_plan
from portal.spreadsheets.reading import MAX_FILE_BYTES, UnreadableFile, read_workbook
from portal.spreadsheets.template import template_bytes

bp = Blueprint("spreadsheets", __name__, url_prefix="/spreadsheets")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@login_required
def _authors_only():
    """Development partners and CDC keep projects by spreadsheet; others are refused (403)."""
    if not can_create_project(current_user):
        abort(403)


def _render_index(form: UploadForm, status: int = 200):
    partners = organization_choices(False) if current_user.is_cdc else []
    return render_template("spreadsheets/index.html", form=form, partners=partners), status


@bp.get("/")
def index():
    """Explain the round trip; offer the template and the upload."""
    return _render_index(UploadForm())


def _partner_for_template() -> Organization | None:
    """A partner's own organization; for CDC, the partner chosen on the page."""
    if not current_user.is_cdc:
        return current_user.organization
    partner_id = request.args.get("partner", type=int)
    partner = db.session.get(Organization, partner_id) if partner_id else None
    return partner if partner is not None and not partner.is_national else None


@bp.get("/template.xlsx")
def template():
    """Download the workbook of the partner's projects, with drop-downs of the allowed codes."""
    partner = _partner_for_template()
    if partner is None:
        flash(_("Choose the development partner whose projects you want."), "danger")
        return redirect(url_for("spreadsheets.index"))
    projects = list(
        db.session.scalars(
            select(Project)
            .where(Project.reporting_org_id == partner.id)
            .order_by(Project.id)
            .options(
                selectinload(Project.reporting_org),
                selectinload(Project.lead_national_partner),
                selectinload(Project.external_lead_partner),
                selectinload(Project.sectors),
                selectinload(Project.locations),
                selectinload(Project.funding),
                selectinload(Project.funding_sources).selectinload(FundingSource.amounts),
            )
        )
    )
    today = date.today().isoformat()
    title = _("Projects of %(partner)s, as of %(date)s", partner=partner.acronym, date=today)
    return Response(
        template_bytes(projects, title),
        mimetype=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="projects-{partner.id}-{today}.xlsx"',
            "Cache-Control": "no-store",
        },
    )


def _uploaded_bytes(form: UploadForm) -> bytes | None:
    """The file's bytes, or None when it is over the limit (read no further than that)."""
    content = form.file.data.stream.read(MAX_FILE_BYTES + 1)
    return None if len(content) > MAX_FILE_BYTES else content


def _render_preview(plan, token: str | None, status: int):
    return render_template(
        "spreadsheets/preview.html", plan=plan, form=ConfirmForm(token=token), token=token
    ), status


@bp.post("/upload")
def upload():
    """Read the workbook and show what it would change, and every problem; write nothing."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_index(form, 400)
    content = _uploaded_bytes(form)
    if content is None:
        form.file.errors.append(_("The file is larger than %(mb)s MB.", mb=MAX_FILE_BYTES >> 20))
        return _render_index(form, 413)
    try:
        workbook = read_workbook(content)
    except UnreadableFile as error:
        form.file.errors.append(str(error))
        return _render_index(form, 400)
    plan = build_plan(current_user, workbook)
    token = storage.keep(current_user, content) if plan.ok and plan.to_write else None
    return _render_preview(plan, token, 200 if plan.ok else 400)


@bp.post("/confirm")
def confirm():
    """Write every change of the previewed workbook in one transaction, or none of them."""
    form = ConfirmForm()
    content = storage.load(current_user, form.token.data) if form.validate_on_submit() else None
    if content is None:
        flash(_("This upload has expired or was already saved. Upload the file again."), "danger")
        return redirect(url_for("spreadsheets.index"))
    plan = build_plan(current_user, read_workbook(content))
    if not plan.ok:
        return _render_preview(plan, None, 409)
    created = {p.row for p in plan.to_write if p.project is None}
    try:
        saved = apply_plan(plan, current_user)
        db.session.commit()
    except REFUSALS:
        db.session.rollback()
        flash(
            _(
                "Someone changed one of these projects while you were confirming. Nothing was "
                "saved: upload the file again to see the changes."
            ),
            "danger",
        )
        return redirect(url_for("spreadsheets.index"))
    storage.discard(current_user, form.token.data)
    rows = [p.row for p in plan.to_write]
    results = [(project, row in created) for project, row in zip(saved, rows, strict=True)]
    return render_template("spreadsheets/result.html", results=results)
