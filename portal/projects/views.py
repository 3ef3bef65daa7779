"""The project registry: list, export, register, edit, read, publish."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.alignment.panel import project_panel
from portal.alignment.workflow import STATE_LABELS
from portal.cache import public_page
from portal.downloads import public_download
from portal.extensions import db
from portal.forms import field_errors
from portal.i18n import current_locale
from portal.organizations.models import Organization
from portal.organizations.services import organization_choices
from portal.projects import (
    codes,
    exports,
    funding,
    history,
    listing,
    quality,
    queries,
    services,
    similar,
)
from portal.projects.forms import (
    REPEATABLE,
    ProjectForm,
    fill_from_project,
    place_errors,
    prepare,
    to_data,
)
from portal.projects.models import Project
from portal.projects.queries import load_project_or_404
from portal.projects.source_filters import source_filter_errors
from portal.rounds.checks import panel_for as round_checks_for
from portal.saving import RowFormPage
from portal.security import (
    can_create_project,
    can_edit_project,
    can_publish_project,
    can_see_internal_fields,
)

bp = Blueprint("projects", __name__, url_prefix="/projects")
# Every page may name a status or a code of the registry's lists.
bp.add_app_template_global(codes.status_label, "status_label")
bp.add_app_template_global(codes.code_label, "code_label")
bp.add_app_template_global(funding.by_source, "funding_by_source")
bp.add_app_template_global(funding.yearly_rows, "funding_source_rows")
bp.add_app_template_global(funding.money_kind_label, "money_kind_label")

EXPORT_LIMIT = 50_000


@bp.get("/")
@public_page
def index():
    """List the projects the visitor may read, with filters, sorting, totals and pages."""
    filters = queries.list_filters(request.args, current_user)
    sort = queries.allowed_sort(current_user, request.args.get("sort", queries.DEFAULT_SORT))
    statement = queries.filtered(current_user, filters)
    totals = listing.totals(current_user, filters, statement)
    page = listing.page(
        queries.with_list_relations(queries.sorted_statement(statement, sort, current_user)),
        sort,
        totals.count,
        request.args,
    )
    return render_template(
        "projects/index.html",
        page=page,
        filters=filters,
        sort=sort,
        totals=totals,
        options=queries.filter_options(),
        filter_errors=source_filter_errors(request.args),
        can_create=can_create_project(current_user),
        internal=current_user.is_authenticated,
        states=STATE_LABELS if current_user.is_authenticated else None,
    )


@bp.get("/export.<any(csv, xlsx):fmt>")
@public_download
def export(fmt: str):
    """Download exactly the filtered list as CSV or XLSX."""
    filters = queries.list_filters(request.args, current_user)
    statement = queries.sorted_statement(
        queries.filtered(current_user, filters),
        request.args.get("sort", queries.DEFAULT_SORT),
        current_user,
    )
    statement = queries.with_list_relations(statement).limit(EXPORT_LIMIT)
    header, rows = exports.project_rows(db.session.scalars(statement), reader=current_user)
    rows = list(rows)  # read everything while the session is open; the download streams after
    name = f"projects-{date.today().isoformat()}"
    if fmt == "csv":
        return exports.csv_response(f"{name}.csv", header, rows)
    return exports.xlsx_response(f"{name}.xlsx", _("Projects"), header, rows)


def _reporting_choices() -> list[tuple[int, str]]:
    if current_user.is_cdc:
        return organization_choices(False)
    org = current_user.organization
    return [(org.id, f"{org.acronym} — {org.name_en}")]


def _render_form(form, project, section_errors=None, status=200, conflict=None, duplicates=None):
    return render_template(
        "projects/form.html",
        errors=field_errors(form),
        form=form,
        project=project,
        section_errors=dict(section_errors or ()),
        conflict=conflict,
        duplicates=duplicates,
        confirm_field=similar.CONFIRM_FIELD,
        field_label=history.label,
        field_value=history.display_value,
    ), status


def _expected_version(form: ProjectForm, project: Project | None) -> int | None:
    """The version the editor started from (None for a new project)."""
    return int(form.version.data) if project and (form.version.data or "").isdigit() else None


def _conflict(form: ProjectForm, project: Project | None, refusal: Exception):
    """Someone else saved the project meanwhile: the form again, with their changes (409).

    Or the new project looks like projects already registered: the form again, with them and a
    button to register it all the same. That page answers 200, not 409: nothing the person sent
    is wrong or out of date, the portal asks a question before saving (as the page answers 200
    when a row is added without saving), and on this page 409 keeps its one meaning, someone
    else's newer save. A save is still told only by the redirect to the project.
    """
    if isinstance(refusal, similar.PossibleDuplicates):
        return _render_form(form, project, duplicates=refusal.similar, status=200)
    if isinstance(refusal, services.EditConflict):
        changes = refusal.changes
    else:  # StaleDataError: someone committed between our version check and our save
        assert project is not None  # a new project has nobody else's save to meet
        changes = history.changes(project.id, since_version=_expected_version(form, project) or 0)
    return _render_form(form, project, conflict=changes, status=409)


def _blank(form: ProjectForm) -> None:
    form.reporting_org_id.data = current_user.organization_id
    for _extra in range(2):
        form.funding.append_entry()


def _saved(saved: Project, project: Project | None):
    flash(
        _("The project has been saved.") if project else _("The project has been registered."),
        "success",
    )
    return redirect(url_for("projects.detail", project_id=saved.id))


def _save(form: ProjectForm, data: services.ProjectData, project: Project | None) -> Project:
    """Save the form's project; a new one that looks like projects already registered is not
    saved until the person says it is a different project (PossibleDuplicates)."""
    if project is None and request.form.get(similar.CONFIRM_FIELD) != "1":
        found = similar.similar_projects(data, current_user)
        if found:
            services.validate(data, None)  # the rules' refusals first: correct, then decide
            raise similar.PossibleDuplicates(found)
    return services.save_project(
        data,
        actor=current_user,
        project=project,
        expected_version=_expected_version(form, project),
    )


_form_page = RowFormPage(  # the register and edit pages
    form=ProjectForm,
    repeatable=REPEATABLE,
    fill=fill_from_project,
    blank=_blank,
    prepare=lambda form, _project: prepare(form, reporting_choices=_reporting_choices()),
    read=to_data,
    validate=services.validate,
    save=_save,
    invalid=services.ProjectInvalid,
    place_errors=lambda form, invalid: place_errors(form, invalid.errors),
    render=_render_form,
    conflicts=(services.EditConflict, StaleDataError, similar.PossibleDuplicates),
    on_conflict=_conflict,
    saved=_saved,
)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Register a project (development partners for their organization; CDC for any)."""
    if not can_create_project(current_user):
        abort(403)
    return _form_page(None)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    """Edit a project; a save on top of someone else's newer save is refused with the changes."""
    project = load_project_or_404(project_id, current_user, for_edit=True)
    return _form_page(project)


@bp.get("/<int:project_id>")
def detail(project_id: int):
    """Show a project: everything to its own people and CDC, public fields to others."""
    project = load_project_or_404(project_id, current_user)
    internal = can_see_internal_fields(current_user, project)
    findings = quality.stored_findings(project) if internal else []
    return render_template(
        "projects/detail.html",
        project=project,
        internal=internal,
        can_edit=can_edit_project(current_user, project),
        can_publish=can_publish_project(current_user, project),
        changes=history.changes(project.id, limit=50) if internal else [],
        findings=findings,
        breakdown=quality.breakdown(findings) if internal else [],
        score=quality.current_score(project),
        field_label=history.label,
        field_value=history.display_value,
        yearly=exports.yearly_table(project),
        locale=current_locale(),
        panel=project_panel(project, current_user) if current_user.is_authenticated else None,
    )


@bp.get("/<int:project_id>/history")
@login_required
def project_history(project_id: int):
    """The whole change history of a project (its own people and CDC)."""
    project = load_project_or_404(project_id, current_user)
    if not can_see_internal_fields(current_user, project):
        abort(404)
    return render_template(
        "projects/history.html",
        project=project,
        changes=history.changes(project.id),
        field_label=history.label,
        field_value=history.display_value,
    )


@bp.post("/<int:project_id>/publish")
@login_required
def publish(project_id: int):
    """Publish a project to the public pages, or withdraw it (CDC only)."""
    project = load_project_or_404(project_id, current_user)
    if not can_publish_project(current_user, project):
        abort(403)
    publish_it = request.form.get("publish", "1") == "1"
    services.set_published(project, publish_it, actor=current_user)
    db.session.commit()
    flash(
        _("The project is now public.") if publish_it else _("The project is no longer public."),
        "success",
    )
    return redirect(url_for("projects.detail", project_id=project.id))


@bp.get("/quality")
@login_required
def quality_summary():
    """Data quality by partner: one's own organization, or every partner ranked for CDC."""
    rows = exports.quality_by_partner(current_user)
    partners = {
        o.id: o
        for o in db.session.scalars(
            select(Organization).where(Organization.id.in_([r["partner_id"] for r in rows]))
        )
    }
    return render_template(
        "projects/quality.html",
        rows=rows,
        partners=partners,
        checks=quality.CHECKS,
        rule_text=quality.rule_text,
        round_checks=round_checks_for(current_user),
    )
