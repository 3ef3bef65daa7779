"""CDC edits the national strategy framework."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.saving import save
from portal.security import cdc_required
from portal.strategy import services
from portal.strategy.forms import FrameworkForm, NodeForm
from portal.strategy.models import StrategyFramework, StrategyNode

bp = Blueprint("strategy", __name__, url_prefix="/admin/strategy")


@bp.route("/", methods=["GET", "POST"])
@cdc_required
def frameworks():
    """List frameworks and add a new one (CDC only)."""
    form = FrameworkForm()
    failed_status = None
    if form.validate_on_submit():
        outcome = save(
            lambda: services.create_framework(
                code=form.code.data.strip(),
                name_en=form.name_en.data.strip(),
                name_km=form.name_km.data.strip(),
                start_year=form.start_year.data,
                end_year=form.end_year.data,
                is_current=form.is_current.data,
                actor=current_user,
            ),
            refusals=(services.StrategyError,),
        )
        if (created := outcome.value) is not None:
            flash(_("The framework has been added. Now add its pillars and priorities."), "success")
            return redirect(url_for("strategy.framework", framework_id=created.id))
        if outcome.refusal is not None:
            form[outcome.refusal.field].errors.append(str(outcome.refusal))
        failed_status = outcome.failed_status
    items = list(
        db.session.scalars(select(StrategyFramework).order_by(StrategyFramework.start_year.desc()))
    )
    return render_template("strategy/frameworks.html", frameworks=items, form=form), (
        failed_status or (400 if form.errors else 200)
    )


def _node_form(framework: StrategyFramework, node: StrategyNode | None = None) -> NodeForm:
    form = NodeForm(obj=node)
    form.parent_id.choices = [(0, _("— a pillar (top level) —"))] + [
        (p.id, f"{p.code} {p.name_en}") for p in framework.pillars
    ]
    if request.method == "GET" and node is not None:
        form.parent_id.data = node.parent_id or 0
    return form


def _node_fields(form: NodeForm) -> dict[str, Any]:
    """What the form says of a pillar or priority, as the services take it."""
    return {
        "code": form.code.data.strip(),
        "name_en": form.name_en.data.strip(),
        "name_km": form.name_km.data.strip(),
        "description": form.description.data,
    }


@bp.route("/<int:framework_id>", methods=["GET", "POST"])
@cdc_required
def framework(framework_id: int):
    """Show a framework's tree and add a pillar or priority (CDC only)."""
    framework = db.get_or_404(StrategyFramework, framework_id)
    form = _node_form(framework)
    failed_status = None
    if form.validate_on_submit():
        parent = db.session.get(StrategyNode, form.parent_id.data) if form.parent_id.data else None
        outcome = save(
            lambda: services.add_node(
                framework, parent=parent, actor=current_user, **_node_fields(form)
            ),
            refusals=(services.StrategyError,),
        )
        if outcome.saved:
            flash(_("The entry has been added."), "success")
            return redirect(url_for("strategy.framework", framework_id=framework.id))
        if outcome.refusal is not None:
            form[outcome.refusal.field].errors.append(str(outcome.refusal))
        failed_status = outcome.failed_status
    return render_template("strategy/framework.html", framework=framework, form=form), (
        failed_status or (400 if form.errors else 200)
    )


@bp.post("/<int:framework_id>/current")
@cdc_required
def make_current(framework_id: int):
    """Make a framework the current one (CDC only)."""
    framework = db.get_or_404(StrategyFramework, framework_id)
    services.make_current(framework, actor=current_user)
    db.session.commit()
    flash(_("%(name)s is now the current framework.", name=framework.name_en), "success")
    return redirect(url_for("strategy.framework", framework_id=framework.id))


@bp.route("/nodes/<int:node_id>", methods=["GET", "POST"])
@cdc_required
def edit_node(node_id: int):
    """Rename a pillar or priority (CDC only)."""
    node = db.get_or_404(StrategyNode, node_id)
    form = _node_form(node.framework, node)
    del form.parent_id
    status = 200
    if form.validate_on_submit():
        outcome = save(
            lambda: services.update_node(node, actor=current_user, **_node_fields(form)),
            refusals=(services.StrategyError,),
        )
        if outcome.saved:
            flash(_("The entry has been saved."), "success")
            return redirect(url_for("strategy.framework", framework_id=node.framework_id))
        if outcome.refusal is not None:
            form[outcome.refusal.field].errors.append(str(outcome.refusal))
        status = outcome.failed_status or 200
    return render_template("strategy/node_form.html", node=node, form=form), status
