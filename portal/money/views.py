"""CDC keeps the yearly exchange-rate table."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.money import services
from portal.money.forms import ExchangeRateForm
from portal.money.models import Currency, ExchangeRate
from portal.saving import save
from portal.security import cdc_required

bp = Blueprint("money", __name__, url_prefix="/admin/exchange-rates")


def _currency_choices() -> list[tuple[str, str]]:
    currencies = db.session.scalars(
        select(Currency)
        .where(Currency.active, Currency.code != services.USD)
        .order_by(Currency.code)
    )
    return [(c.code, f"{c.code} — {c.name_en}") for c in currencies]


@bp.route("/", methods=["GET", "POST"])
@cdc_required
def rates():
    """Show the rates of a year and add or change one (CDC only)."""
    years = services.rate_years()
    year = request.args.get("year", type=int) or (years[0] if years else None)
    form = ExchangeRateForm()
    form.currency_code.choices = _currency_choices()
    if request.method == "GET" and year:
        form.year.data = year
    failed_status = None
    if form.validate_on_submit():
        outcome = save(
            lambda: services.set_rate(
                form.currency_code.data,
                form.year.data,
                _required(form.units_per_usd.data),
                source=form.source.data,
                actor=current_user,
            ),
            refusals=(services.RateError,),
        )
        if outcome.saved:
            flash(
                _(
                    "The rate of %(code)s for %(year)s has been saved.",
                    code=form.currency_code.data,
                    year=form.year.data,
                ),
                "success",
            )
            return redirect(url_for("money.rates", year=form.year.data))
        if outcome.refusal is not None:
            form[outcome.refusal.field].errors.append(str(outcome.refusal))
        failed_status = outcome.failed_status
    rows = []
    if year:
        rows = list(
            db.session.scalars(
                select(ExchangeRate)
                .where(ExchangeRate.year == year)
                .order_by(ExchangeRate.currency_code)
            )
        )
    missing = []
    if year:
        have = {r.currency_code for r in rows}
        missing = [code for code, _label in form.currency_code.choices if code not in have]
    status = failed_status or (400 if form.errors else 200)
    return render_template(
        "money/rates.html", form=form, years=years, year=year, rows=rows, missing=missing
    ), status


def _required(value: Decimal | None) -> Decimal:
    """A value the form's InputRequired has already made sure of."""
    if value is None:
        raise ValueError("the form lets no empty rate through")
    return value
