"""CDC edits the national strategy framework."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.errors import SaveFailed, keeping_input
from portal.extensions import db
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
        try:
            with keeping_input():  # the database or the disk failing: SaveFailed, input kept
                framework = services.create_framework(
                    code=form.code.data.strip(),
                    name_en=form.name_en.data.strip(),
                    name_km=form.name_km.data.strip(),
                    start_year=form.start_year.data,
                    end_year=form.end_year.data,
                    is_current=form.is_current.data,
                    actor=current_user,
                )
                db.session.commit()
        except services.StrategyError as error:
            form[error.field].errors.append(str(error))
        except SaveFailed as failed:
            failed_status = failed.status
        else:
            flash(_("The framework has been added. Now add its pillars and priorities."), "success")
            return redirect(url_for("strategy.framework", framework_id=framework.id))
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


@bp.route("/<int:framework_id>", methods=["GET", "POST"])
@cdc_required
def framework(framework_id: int):
    """Show a framework's tree and add a pillar or priority (CDC only)."""
    framework = db.get_or_404(StrategyFramework, framework_id)
    form = _node_form(framework)
    failed_status = None
    if form.validate_on_submit():
        parent = db.session.get(StrategyNode, form.parent_id.data) if form.parent_id.data else None
        try:
            with keeping_input():  # the database or the disk failing: SaveFailed, input kept
                services.add_node(
                    framework,
                    parent=parent,
                    code=form.code.data.strip(),
                    name_en=form.name_en.data.strip(),
                    name_km=form.name_km.data.strip(),
                    description=form.description.data,
                    actor=current_user,
                )
                db.session.commit()
        except services.StrategyError as error:
            form[error.field].errors.append(str(error))
        except SaveFailed as failed:
            failed_status = failed.status
        else:
            flash(_("The entry has been added."), "success")
            return redirect(url_for("strategy.framework", framework_id=framework.id))
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
        try:
            with keeping_input():  # the database or the disk failing: SaveFailed, input kept
                services.update_node(
                    node,
                    code=form.code.data.strip(),
                    name_en=form.name_en.data.strip(),
                    name_km=form.name_km.data.strip(),
                    description=form.description.data,
                    actor=current_user,
                )
                db.session.commit()
        except services.StrategyError as error:
            form[error.field].errors.append(str(error))
        except SaveFailed as failed:
            status = failed.status
        else:
            flash(_("The entry has been saved."), "success")
            return redirect(url_for("strategy.framework", framework_id=node.framework_id))
    return render_template("strategy/node_form.html", node=node, form=form), status
