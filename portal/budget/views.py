"""The budget tree's admin pages (CDC) and a project's budget codes (CDC and lead ministry)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from portal.budget import csv_import, queries, services
from portal.budget.forms import NodeForm, ProjectBudgetForm, TreeImportForm
from portal.budget.models import BudgetNode, ProjectBudgetLine
from portal.exports import csv_response
from portal.extensions import db
from portal.forms import handle_row_buttons
from portal.i18n import current_locale
from portal.organizations.services import organization_choices
from portal.projects.queries import load_project_or_404
from portal.saving import save
from portal.security import can_edit_budget_codes, cdc_required

bp = Blueprint("budget", __name__)
MAX_CSV_BYTES = 2 * 1024 * 1024


# --- the tree (CDC) -------------------------------------------------------------------------


@bp.get("/admin/reference/budget/")
@cdc_required
def tree():
    """Show the budget tree with each node's projects (CDC only)."""
    nodes = queries.all_nodes()
    used = dict(
        db.session.execute(
            select(ProjectBudgetLine.node_id, func.count()).group_by(ProjectBudgetLine.node_id)
        ).all()
    )
    children: dict[int | None, list[BudgetNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    return render_template(
        "budget/tree.html",
        children=children,
        used=used,
        starter=any(node.starter for node in nodes),
        locale=current_locale(),
    )


def _node_form(node: BudgetNode | None) -> NodeForm:
    form = NodeForm(obj=node)
    if node is not None and request.method == "GET":
        form.parent_code.data = node.parent.code if node.parent else ""
    form.parent_code.choices = [("", _("— none: a ministry (budget chapter) —"))] + [
        (n.code, f"{n.code} — {n.name_en}")
        for n in queries.all_nodes()
        if n.level != "subprogramme" and (node is None or n.id != node.id)
    ]
    form.organization_id.choices = [(0, "—")] + organization_choices(national=True)
    return form


@bp.route("/admin/reference/budget/new", methods=["GET", "POST"])
@bp.route("/admin/reference/budget/<int:budget_node_id>", methods=["GET", "POST"])
@cdc_required
def edit_node(budget_node_id: int | None = None):
    """Add a node, or rename (English and Khmer), move, retire or reinstate one (CDC only)."""
    node = db.get_or_404(BudgetNode, budget_node_id) if budget_node_id else None
    form = _node_form(node)
    if node is None and request.method == "GET" and request.args.get("parent"):
        form.parent_code.data = request.args["parent"]
    status = 200
    if form.validate_on_submit():
        data = services.NodeData(
            code=form.code.data or "",
            name_en=form.name_en.data or "",
            name_km=form.name_km.data,
            parent_code=form.parent_code.data or None,
            organization_id=form.organization_id.data or None,
            retired=form.retired.data,
        )
        outcome = save(
            lambda: services.save_node(data, node, actor=current_user),
            refusals=(services.BudgetInvalid,),
        )
        if outcome.saved:
            flash(_("The budget code has been saved."), "success")
            return redirect(url_for("budget.tree"))
        if outcome.refusal is not None:
            for name, message in outcome.refusal.errors.items():
                getattr(form, name).errors = [message]
        status = outcome.status
    elif form.errors:
        status = 400
    in_use = node is not None and services.node_in_use(node)
    return render_template("budget/node_form.html", form=form, node=node, in_use=in_use), status


@bp.post("/admin/reference/budget/<int:budget_node_id>/delete")
@cdc_required
def delete_node(budget_node_id: int):
    """Delete a node no project uses (CDC only); a used one is to be retired instead."""
    node = db.get_or_404(BudgetNode, budget_node_id)
    outcome = save(
        lambda: services.delete_node(node, actor=current_user),
        refusals=(services.BudgetInvalid,),
    )
    if outcome.saved:
        flash(_("The budget code has been deleted."), "success")
    elif outcome.refusal is not None:
        flash(outcome.refusal.errors["node"], "danger")
    return redirect(url_for("budget.tree"))


@bp.route("/admin/reference/budget/import", methods=["GET", "POST"])
@cdc_required
def import_tree():
    """Load the whole tree from a CSV file, all or nothing, each bad row named (CDC only)."""
    form = TreeImportForm()
    errors: list[str] = []
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read(MAX_CSV_BYTES + 1)
        if len(data) > MAX_CSV_BYTES:
            errors = [_("The file is larger than 2 MB.")]
        else:
            outcome = save(
                lambda: csv_import.import_tree(data, actor=current_user),
                refusals=(csv_import.BudgetCsvError,),
            )
            if outcome.saved and outcome.value is not None:
                result = outcome.value
                flash(
                    _(
                        "The tree has been loaded: %(created)s new, %(changed)s changed, "
                        "%(unchanged)s unchanged.",
                        created=result.created,
                        changed=result.changed,
                        unchanged=result.unchanged,
                    ),
                    "success",
                )
                return redirect(url_for("budget.tree"))
            errors = outcome.refusal.errors if outcome.refusal is not None else []
        status = 400 if errors else status
    elif form.errors:
        status = 400
    return render_template("budget/import.html", form=form, errors=errors), status


@bp.get("/admin/reference/budget/export.csv")
@cdc_required
def export_tree():
    """Download the whole tree in the columns the import reads (CDC only)."""
    header, rows = csv_import.tree_rows()
    return csv_response("budget-tree.csv", header, rows)


# --- a project's codes ------------------------------------------------------------------------


@dataclass
class BudgetSection:
    """What the project page shows of a project's budget codes."""

    lines: list[ProjectBudgetLine] = field(default_factory=list)
    on_budget: bool = False
    from_codes: bool = False
    can_edit: bool = False


@bp.app_template_global("budget_section")
def budget_section(project) -> BudgetSection:
    """The project page's budget section: codes, the derived on-budget value, who may edit."""
    mapping = queries.mapping_of(project.id)
    lines = list(mapping.lines) if mapping else []
    return BudgetSection(
        lines=lines,
        on_budget=bool(lines) or bool(project.on_budget),
        from_codes=bool(lines),
        can_edit=can_edit_budget_codes(current_user, project),
    )


@bp.app_template_global("budget_filter_choices")
def budget_filter_choices() -> list[tuple[str, str]]:
    """The project list's budget filter: programmes and sub-programmes in the reader's language."""
    return queries.filter_choices(current_locale())


@bp.route("/projects/<int:project_id>/budget", methods=["GET", "POST"])
@login_required
def project_codes(project_id: int):
    """Map a project to budget codes with shares (CDC and the lead ministry; others 403/404)."""
    project = load_project_or_404(project_id, current_user)
    if not can_edit_budget_codes(current_user, project):
        abort(403)
    locale = current_locale()
    mapping = queries.mapping_of(project.id)
    form = ProjectBudgetForm()
    if request.method == "GET":
        form = ProjectBudgetForm(
            data={
                "version": services.mapping_version(project.id),
                "lines": [
                    {"code": line.node.code, "percentage": line.percentage}
                    for line in (mapping.lines if mapping else [])
                ]
                or [{}],
            }
        )
    choices = [("", "—")] + queries.mapping_choices_for(project, locale)
    for entry in form.lines:
        entry.form.code.choices = choices
    status, conflict = 200, None
    if request.method == "POST" and handle_row_buttons(form, ("lines",)):
        for entry in form.lines:
            entry.form.code.choices = choices
    elif form.validate_on_submit():
        shares = [
            services.BudgetShare(entry.form.code.data or "", entry.form.percentage.data)
            for entry in form.lines
            if entry.form.code.data or entry.form.percentage.data is not None
        ]
        expected = int(form.version.data) if (form.version.data or "").isdigit() else None
        outcome = save(
            lambda: services.set_budget_codes(
                project, shares, actor=current_user, expected_version=expected
            ),
            refusals=(services.BudgetInvalid, services.MappingConflict, StaleDataError),
        )
        if outcome.saved:
            flash(_("The budget codes have been saved."), "success")
            return redirect(url_for("projects.detail", project_id=project.id) + "#budget-heading")
        refusal = outcome.refusal
        if isinstance(refusal, services.BudgetInvalid):
            _place_errors(form, shares, refusal.errors)
        elif refusal is not None:
            conflict = queries.mapping_of(project.id)
        status = 409 if conflict is not None else outcome.status
    elif form.errors:
        status = 400
    return render_template(
        "budget/project_codes.html",
        form=form,
        project=project,
        conflict=conflict,
        locale=locale,
        section_error=getattr(form, "section_error", None),
    ), status


def _place_errors(form: ProjectBudgetForm, shares, errors: dict[str, str]) -> None:
    """Put each refusal beside its row (the rows sent, blanks dropped, keep their order)."""
    filled = [
        entry
        for entry in form.lines
        if entry.form.code.data or entry.form.percentage.data is not None
    ]
    for key, message in errors.items():
        if key == "lines":
            form.section_error = message
            continue
        _prefix, index, name = key.split("-")
        getattr(filled[int(index)].form, name).errors = [message]
