"""Results pages: a project's results with their charts, and the result and indicator forms.

Everyone who may read the project reads its results (the public, those of published
projects); its reporting partner and CDC change them (`can_edit_project`), others get 403.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from portal.commitments.forms import place_errors
from portal.extensions import db
from portal.forms import field_errors
from portal.projects.models import Project
from portal.projects.queries import load_project_or_404
from portal.results import charts, forms, services
from portal.results.models import MEASURES, RESULT_TYPES, ProjectResult, ResultIndicator
from portal.results.rules import flags
from portal.saving import RowFormPage, save
from portal.security import can_edit_project, can_see_internal_fields, can_view_project

bp = Blueprint("results", __name__, url_prefix="/projects")


@bp.app_template_global()
def project_results(project: Project | None) -> list[ProjectResult]:
    """The results of a project the reader may see (for the project page)."""
    if project is None or not can_view_project(current_user, project):
        return []
    return services.results_of(project)


@bp.app_template_global()
def result_chart(indicator: ResultIndicator):
    """The trajectory chart of a numeric indicator (None when there is nothing to draw)."""
    return charts.trajectory(indicator)


@bp.app_template_global()
def result_flags(indicator: ResultIndicator) -> list[str]:
    """What a person should check in an indicator (imported values breaking the rules)."""
    return flags(indicator)


@bp.app_template_global()
def period_label(period) -> str:
    return charts.period_label(period)


@bp.context_processor
def _helpers() -> dict:
    return {"result_types": RESULT_TYPES, "measures": MEASURES}


def _result_of(project: Project, result_id: int) -> ProjectResult:
    result = db.get_or_404(ProjectResult, result_id)
    if result.project_id != project.id:
        abort(404)
    return result


def _indicator_of(result: ProjectResult, indicator_id: int) -> ResultIndicator:
    indicator = db.get_or_404(ResultIndicator, indicator_id)
    if indicator.result_id != result.id:
        abort(404)
    return indicator


def _editable(project_id: int) -> Project:
    """The project, when the reader may change its results (404 unseen, 403 read-only)."""
    return load_project_or_404(project_id, current_user, for_edit=True)


@bp.get("/<int:project_id>/results")
def index(project_id: int):
    """A project's results: indicators, baselines, targets and actuals with their charts
    (whoever may read the project; changes to its reporting partner and CDC)."""
    project = load_project_or_404(project_id, current_user)
    return render_template(
        "results/index.html",
        project=project,
        results=services.results_of(project),
        can_edit=can_edit_project(current_user, project),
        internal=can_see_internal_fields(current_user, project),
    )


# -- a result's own fields ---------------------------------------------------------------


def _result_page(project: Project) -> RowFormPage:
    def render(form, result, sections, status):
        return render_template(
            "results/result_form.html",
            form=form,
            project=project,
            result=result,
            errors=field_errors(form),
            sections=sections or {},
            conflict=None,
        ), status

    def conflict(form, result, refusal):
        return render_template(
            "results/result_form.html",
            form=form,
            project=project,
            result=result,
            errors=[],
            sections={},
            conflict=True,
        ), 409

    def saved(new: ProjectResult, old: ProjectResult | None):
        flash(_("The result has been saved."), "success")
        if old is None:  # a new result goes on to its first indicator
            return redirect(
                url_for("results.new_indicator", project_id=project.id, result_id=new.id)
            )
        return redirect(url_for("results.index", project_id=project.id))

    return RowFormPage(
        form=forms.ResultForm,
        repeatable=(),
        fill=forms.fill_result,
        prepare=lambda _form, _result: None,
        read=forms.result_data,
        validate=services.validate_result,
        save=lambda form, data, result: services.save_result(
            project,
            data,
            actor=current_user,
            result=result,
            expected_version=forms.expected_version(form),
        ),
        invalid=services.ResultInvalid,
        place_errors=lambda form, invalid: place_errors(form, invalid.errors),
        render=render,
        saved=saved,
        conflicts=(services.EditConflict, StaleDataError),
        on_conflict=conflict,
    )


@bp.route("/<int:project_id>/results/new", methods=["GET", "POST"])
@login_required
def new_result(project_id: int):
    """Add a result to a project (its reporting partner and CDC; others 403 or 404)."""
    project = _editable(project_id)
    return _result_page(project)(None)


@bp.route("/<int:project_id>/results/<int:result_id>/edit", methods=["GET", "POST"])
@login_required
def edit_result(project_id: int, result_id: int):
    """Change a result's kind, title and description (its reporting partner and CDC)."""
    project = _editable(project_id)
    return _result_page(project)(_result_of(project, result_id))


@bp.post("/<int:project_id>/results/<int:result_id>/delete")
@login_required
def delete_result(project_id: int, result_id: int):
    """Remove a result and its indicators (its reporting partner and CDC)."""
    project = _editable(project_id)
    result = _result_of(project, result_id)
    outcome = save(lambda: services.delete_result(result, actor=current_user))
    if outcome.saved:
        flash(_("The result has been removed."), "success")
    return redirect(url_for("results.index", project_id=project.id))


# -- an indicator and its periods -----------------------------------------------------------


def _indicator_page(project: Project, result: ProjectResult) -> RowFormPage:
    def page(form, indicator, sections, status, conflict=None):
        return render_template(
            "results/indicator_form.html",
            form=form,
            project=project,
            result=result,
            indicator=indicator,
            errors=field_errors(form),
            sections=sections or {},
            conflict=conflict,
        ), status

    def conflict(form, indicator, refusal):
        db.session.expire_all()
        current = db.session.get(ResultIndicator, indicator.id) if indicator else None
        return page(form, indicator, None, 409, conflict=current or True)

    def saved(_new: ResultIndicator, _old: ResultIndicator | None):
        flash(_("The indicator has been saved."), "success")
        return redirect(url_for("results.index", project_id=project.id))

    return RowFormPage(
        form=forms.IndicatorForm,
        repeatable=forms.REPEATABLE,
        fill=forms.fill_indicator,
        prepare=forms.prepare_indicator,
        read=forms.indicator_data,
        validate=services.validate_indicator,
        save=lambda form, data, indicator: services.save_indicator(
            result,
            data,
            actor=current_user,
            indicator=indicator,
            expected_version=forms.expected_version(form),
        ),
        invalid=services.ResultInvalid,
        place_errors=lambda form, invalid: place_errors(form, invalid.errors, forms.REPEATABLE),
        render=page,
        saved=saved,
        conflicts=(services.EditConflict, StaleDataError),
        on_conflict=conflict,
    )


@bp.route("/<int:project_id>/results/<int:result_id>/indicators/new", methods=["GET", "POST"])
@login_required
def new_indicator(project_id: int, result_id: int):
    """Add an indicator, its baseline and periods to a result (reporting partner and CDC)."""
    project = _editable(project_id)
    result = _result_of(project, result_id)
    return _indicator_page(project, result)(None)


@bp.route(
    "/<int:project_id>/results/<int:result_id>/indicators/<int:indicator_id>/edit",
    methods=["GET", "POST"],
)
@login_required
def edit_indicator(project_id: int, result_id: int, indicator_id: int):
    """Change an indicator, its baseline and periods (reporting partner and CDC)."""
    project = _editable(project_id)
    result = _result_of(project, result_id)
    return _indicator_page(project, result)(_indicator_of(result, indicator_id))


@bp.post("/<int:project_id>/results/<int:result_id>/indicators/<int:indicator_id>/delete")
@login_required
def delete_indicator(project_id: int, result_id: int, indicator_id: int):
    """Remove an indicator and its periods (reporting partner and CDC)."""
    project = _editable(project_id)
    indicator = _indicator_of(_result_of(project, result_id), indicator_id)
    outcome = save(lambda: services.delete_indicator(indicator, actor=current_user))
    if outcome.saved:
        flash(_("The indicator has been removed."), "success")
    return redirect(url_for("results.index", project_id=project.id))
