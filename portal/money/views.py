"""CDC keeps the yearly exchange-rate table."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.money import services, table
from portal.money.forms import ExchangeRateForm, RateTableForm
from portal.money.models import Currency, ExchangeRate
from portal.projects.queries import waiting_for_rates
from portal.saving import save
from portal.security import cdc_required
from portal.templating import counted

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
    status = failed_status or (400 if form.errors else 200)
    return _page(form, RateTableForm(formdata=None), status, year=year, years=years)


def _page(form, table_form, status: int, *, year, years, problems=()):
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
        missing = [code for code, _label in _currency_choices() if code not in have]
    return render_template(
        "money/rates.html",
        form=form,
        table_form=table_form,
        problems=problems,
        years=years,
        year=year,
        rows=rows,
        missing=missing,
        waiting=waiting_for_rates(),
    ), status


@bp.post("/table")
@cdc_required
def load_table():
    """Load a yearly rate table from a CSV file, all or nothing (CDC only)."""
    form = RateTableForm()
    rate_form = ExchangeRateForm(formdata=None)
    rate_form.currency_code.choices = _currency_choices()
    years = services.rate_years()
    problems: list[tuple[int, str]] = []
    status = 400
    if form.validate_on_submit():
        data = form.file.data.read()
        outcome = save(
            lambda: table.load_table(
                data, source=form.table_source.data or None, actor=current_user
            ),
            refusals=(table.TableInvalid,),
        )
        if outcome.saved:
            flash(
                counted(
                    "%(num)s rate has been loaded.",
                    "%(num)s rates have been loaded.",
                    outcome.value or 0,
                ),
                "success",
            )
            return redirect(url_for("money.rates"))
        if outcome.refusal is not None:
            problems = outcome.refusal.problems
            form.file.errors = [
                *form.file.errors,
                _("Nothing was loaded: correct the rows below and load the file again."),
            ]
        status = outcome.status
    return _page(
        rate_form, form, status, year=years[0] if years else None, years=years, problems=problems
    )


def _required(value: Decimal | None) -> Decimal:
    """A value the form's InputRequired has already made sure of."""
    if value is None:
        raise ValueError("the form lets no empty rate through")
    return value
