"""CDC keeps the list of organizations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.db import paginate
from portal.extensions import db
from portal.organizations import merging, services
from portal.organizations.duplicates import likely_duplicates
from portal.organizations.forms import MergeForm, OrganizationForm
from portal.organizations.models import DEFAULT_IATI_TYPE, Organization, OrgKind
from portal.saving import save
from portal.security import cdc_required

bp = Blueprint("organizations", __name__, url_prefix="/admin/organizations")

SORTS = {"acronym": Organization.acronym, "name": Organization.name_en, "kind": Organization.kind}


@bp.get("/")
@cdc_required
def index():
    """List organizations with search, group filter, sorting and pages (CDC only)."""
    q = request.args.get("q", "").strip()
    group = request.args.get("group", "")
    kind = request.args.get("kind", "")
    sort = request.args.get("sort", "acronym")
    column = SORTS.get(sort.lstrip("-"), Organization.acronym)
    statement = services.search_statement(q, group, kind).order_by(
        column.desc() if sort.startswith("-") else column, Organization.id
    )
    page = paginate(db.session, statement, request.args.get("page", 1, type=int), 25)
    return render_template(
        "organizations/index.html",
        page=page,
        q=q,
        group=group,
        kind=kind,
        sort=sort,
        kinds=list(OrgKind),
    )


def _data(form: OrganizationForm) -> services.OrganizationData:
    kind = OrgKind(form.kind.data)
    return services.OrganizationData(
        name_en=form.name_en.data,
        name_km=form.name_km.data,
        acronym=form.acronym.data,
        kind=kind,
        iati_ref=form.iati_ref.data,
        iati_type=form.iati_type.data or DEFAULT_IATI_TYPE[kind],
        active=form.active.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@cdc_required
def new():
    """Add an organization (CDC only)."""
    form = OrganizationForm()
    status = 200
    if form.validate_on_submit():
        outcome = save(
            lambda: services.create_organization(_data(form), actor=current_user),
            refusals=(services.OrganizationError,),
        )
        if (org := outcome.value) is not None:
            flash(_("%(acronym)s has been added.", acronym=org.acronym), "success")
            return redirect(url_for("organizations.index"))
        if outcome.refusal is not None:
            form[outcome.refusal.field].errors.append(str(outcome.refusal))
        status = outcome.failed_status or 200
    return render_template("organizations/form.html", form=form, org=None), status


@bp.route("/<int:org_id>", methods=["GET", "POST"])
@cdc_required
def edit(org_id: int):
    """Edit an organization (CDC only)."""
    org = db.get_or_404(Organization, org_id)
    form = OrganizationForm(obj=org)
    if request.method == "GET":
        form.kind.data = org.kind.value
    status = 200
    if form.validate_on_submit():
        outcome = save(
            lambda: services.update_organization(org, _data(form), actor=current_user),
            refusals=(services.OrganizationError,),
        )
        if outcome.saved:
            flash(_("%(acronym)s has been saved.", acronym=org.acronym), "success")
            return redirect(url_for("organizations.index"))
        if outcome.refusal is not None:
            form[outcome.refusal.field].errors.append(str(outcome.refusal))
        status = outcome.failed_status or 200
    return render_template("organizations/form.html", form=form, org=org), status


@bp.get("/duplicates")
@cdc_required
def duplicates():
    """Pairs of organizations that are likely one, with what refers to each (CDC only)."""
    return render_template(
        "organizations/duplicates.html",
        pairs=likely_duplicates(),
        labels={ref.key: ref.label for ref in merging.references()},
    )


def _merge_page(form: MergeForm, source: Organization, plan, status: int = 200):
    return (
        render_template(
            "organizations/merge.html",
            form=form,
            source=source,
            plan=plan,
            counts=merging.reference_counts([source.id]).get(source.id, {}),
            labels={ref.key: ref.label for ref in merging.references()},
        ),
        status,
    )


def _plan(source: Organization, form: MergeForm) -> merging.MergePlan | None:
    """What merging `source` into the chosen organization will do; None, with the reason
    beside the field, when the merge is refused."""
    target = db.session.get(Organization, form.into.data) if form.into.data else None
    try:
        plan = merging.plan_merge(source, merging.check_merge(source, target))
    except merging.MergeError as refusal:
        form.into.errors = [*form.into.errors, str(refusal)]
        return None
    form.shown.data = str(plan.target.id)
    return plan


@bp.route("/<int:org_id>/merge", methods=["GET", "POST"])
@cdc_required
def merge(org_id: int):
    """Merge an organization into another that stays: first what will move, then the merge."""
    source = db.get_or_404(Organization, org_id)
    form = MergeForm()
    others = db.session.scalars(
        select(Organization).where(Organization.id != source.id).order_by(Organization.acronym)
    )
    form.into.choices = [("", "—")] + [(o.id, f"{o.acronym} — {o.name_en}") for o in others]
    if request.method == "GET":
        into = request.args.get("into", type=int)
        if into is None:
            return _merge_page(form, source, None)
        form.into.data = into
        plan = _plan(source, form)
        return _merge_page(form, source, plan, 200 if plan is not None else 400)
    shown = form.shown.data
    if not form.validate_on_submit() or (plan := _plan(source, form)) is None:
        return _merge_page(form, source, None, 400)
    if request.form.get("action") != "merge" or shown != str(plan.target.id):
        return _merge_page(form, source, plan)  # what will move, for the organization chosen
    names = {"source": source.acronym, "target": plan.target.acronym}
    outcome = save(
        lambda: merging.merge(source, plan.target, actor=current_user),
        refusals=(merging.MergeError,),
    )
    if outcome.saved:
        flash(_("%(source)s has been merged into %(target)s.", **names), "success")
        return redirect(url_for("organizations.duplicates"))
    if outcome.refusal is not None:
        form.into.errors = [*form.into.errors, str(outcome.refusal)]
        return _merge_page(form, source, None, 400)
    return _merge_page(form, source, None, outcome.failed_status or 500)
