"""A project's loan terms page, and CDC's settings of the grant element."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from portal.forms import field_errors
from portal.loans import services
from portal.loans.forms import LoanSettingsForm, LoanTermsForm, fill, prepare, to_data
from portal.loans.rules import (
    RATE_TYPES,
    REPAYMENT_PLANS,
    REPAYMENT_TYPES,
    LoanTermsInvalid,
    problems,
)
from portal.projects.queries import load_project_or_404
from portal.saving import save
from portal.security import can_edit_reference_data

bp = Blueprint("loans", __name__)
LISTS = {
    "RATE_TYPES": RATE_TYPES,
    "REPAYMENT_TYPES": REPAYMENT_TYPES,
    "REPAYMENT_PLANS": REPAYMENT_PLANS,
}


@bp.app_template_global()
def loan_code(list_name: str, code: str | None) -> str:
    """The label of a loan code (rate type, repayment type or frequency), or ''."""
    return str(LISTS[list_name].get(code or "", code or ""))


@bp.app_template_global()
def current_terms(project):
    """The project's loan terms as stored now."""
    return services.terms_of(project)


@bp.app_template_global()
def grant_element_settings() -> services.Concessionality:
    """CDC's discount rate and concessionality threshold (the reference data index shows them)."""
    return services.concessionality(None)


@bp.app_template_global()
def loan_summary(project):
    """What the project page shows of a loan: its terms and grant element; None for a project
    that neither lends nor has terms."""
    terms = services.terms_of(project)
    if terms is None and not services.is_loan(project):
        return None
    return SimpleNamespace(
        terms=terms, concessionality=services.concessionality(terms), method=services.METHOD
    )


def _render(form, project, status=200, conflict=False):
    loan = services.terms_of(project)
    return render_template(
        "loans/form.html",
        form=form,
        project=project,
        errors=field_errors(form),
        is_loan=services.is_loan(project),
        conflict=conflict,
        method=services.METHOD,
        preview=services.concessionality(to_data(form) if form.is_submitted() else loan),
    ), status


def _expected_version(form: LoanTermsForm) -> int | None:
    text = (form.version.data or "").strip()
    return int(text) if text.isdigit() else None


@bp.route("/projects/<int:project_id>/loan", methods=["GET", "POST"])
@login_required
def edit(project_id: int):
    """Record a loan's terms (the project's partner and CDC); 403/404 for anyone else.

    A save on top of a colleague's newer save is refused (409) and keeps what was typed.
    """
    project = load_project_or_404(project_id, current_user, for_edit=True)
    form = LoanTermsForm()
    prepare(form)
    if not form.is_submitted():
        fill(form, services.terms_of(project), project.commitment_currency)
        return _render(form, project)
    if not services.is_loan(project):
        flash(_("This project is not a loan: set its type of assistance to Loan first."), "danger")
        return _render(form, project, 400)
    if not form.validate_on_submit():
        _place(form, problems(to_data(form)))
        return _render(form, project, 400)
    data = to_data(form)
    outcome = save(
        lambda: services.save_terms(
            project, data, actor=current_user, expected_version=_expected_version(form)
        ),
        refusals=(LoanTermsInvalid, services.EditConflict, StaleDataError),
    )
    if outcome.failed_status:
        return _render(form, project, outcome.failed_status)
    if isinstance(outcome.refusal, LoanTermsInvalid):
        _place(form, outcome.refusal.errors)
        return _render(form, project, 400)
    if outcome.refusal is not None:
        return _render(form, project, 409, conflict=True)
    flash(_("The loan terms have been saved."), "success")
    return redirect(url_for("projects.detail", project_id=project.id, _anchor="loan-heading"))


def _place(form: LoanTermsForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        field = getattr(form, name)
        if message not in field.errors:
            field.errors = [*field.errors, message]


@bp.route("/loans/settings", methods=["GET", "POST"])
@login_required
def settings():
    """CDC's discount rate and concessionality threshold for the grant element (CDC only)."""
    if not can_edit_reference_data(current_user):
        abort(403)
    form = LoanSettingsForm()
    if not form.is_submitted():
        form.discount_rate.data = services.discount_rate()
        form.threshold.data = services.concessional_threshold()
    elif form.validate_on_submit():
        # InputRequired: both are numbers here.
        discount = form.discount_rate.data or Decimal(0)
        threshold = form.threshold.data or Decimal(0)
        if not Decimal(0) < discount <= Decimal(30):
            form.discount_rate.errors = [
                _("A discount rate is more than 0 and at most %(high)s %%.", high=30)
            ]
        if not Decimal(0) < threshold < Decimal(100):
            form.threshold.errors = [
                _("A threshold is between %(low)s and %(high)s %%.", low=0, high=100)
            ]
        if not form.discount_rate.errors and not form.threshold.errors:
            outcome = save(lambda: services.save_settings(discount, threshold, actor=current_user))
            if outcome.saved:
                flash(_("The grant element settings have been saved."), "success")
                return redirect(url_for("loans.settings"))
    status = 400 if form.errors else 200
    return render_template("loans/settings.html", form=form, errors=field_errors(form)), status
