"""The loan terms form and CDC's grant element settings."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.fields import DateField
from wtforms.validators import InputRequired, Optional

from portal.forms import NumberField, TextField
from portal.loans.models import LoanTerms
from portal.loans.rules import (
    FIELDS,
    RATE_TYPES,
    REPAYMENT_PLANS,
    REPAYMENT_TYPES,
    LoanData,
)
from portal.money.services import active_currency_codes


class LoanTermsForm(FlaskForm):
    commitment_date = DateField(_l("Commitment (signature) date"), validators=[Optional()])
    currency = SelectField(_l("Currency of the loan"), validators=[Optional()])
    rate_type = SelectField(_l("Interest rate type"), validators=[Optional()])
    interest_rate = NumberField(
        _l("Interest rate (percent a year)"),
        validators=[Optional()],
        description=_l(
            "For a variable rate, the reference's value at signature plus the margin: the "
            "grant element uses it. From -1 to 30."
        ),
    )
    reference_rate = TextField(
        _l("Reference of a variable rate"),
        validators=[Optional()],
        description=_l("Such as 6-month SOFR + 0.5"),
    )
    maturity_years = NumberField(
        _l("Maturity (years)"),
        validators=[Optional()],
        description=_l("From signature to the last repayment; at most 100."),
    )
    grace_years = NumberField(
        _l("Grace period (years)"),
        validators=[Optional()],
        description=_l(
            "From signature to the first repayment of principal (the OECD DAC's definition)."
        ),
    )
    repayment_type = SelectField(_l("Repayment type"), validators=[Optional()])
    repayment_plan = SelectField(_l("Repayment frequency"), validators=[Optional()])
    first_repayment = DateField(_l("First repayment date"), validators=[Optional()])
    final_repayment = DateField(_l("Last repayment date"), validators=[Optional()])
    commitment_fee = NumberField(
        _l("Commitment fee (percent a year on the undrawn balance)"), validators=[Optional()]
    )
    service_fee = NumberField(
        _l("Front-end or service fee (percent, once)"), validators=[Optional()]
    )
    version = HiddenField()


def prepare(form: LoanTermsForm) -> None:
    """Fill the choices of the form's lists."""
    form.currency.choices = [("", "—"), *((code, code) for code in active_currency_codes())]
    form.rate_type.choices = [(code, str(label)) for code, label in RATE_TYPES.items()]
    form.repayment_type.choices = [
        ("", "—"),
        *((code, str(label)) for code, label in REPAYMENT_TYPES.items()),
    ]
    form.repayment_plan.choices = [
        ("", "—"),
        *((code, str(label)) for code, label in REPAYMENT_PLANS.items()),
    ]


def fill(form: LoanTermsForm, loan: LoanTerms | None, default_currency: str | None) -> None:
    """Put the stored terms into the form (GET)."""
    if loan is None:
        form.currency.data = default_currency or ""
        form.rate_type.data = "fixed"
        form.version.data = ""
        return
    for name in FIELDS:
        value = getattr(loan, name)
        if isinstance(value, Decimal):
            value = value.normalize()  # 0.75, not 0.7500
        getattr(form, name).data = "" if value is None and name in _CHOICES else value
    form.version.data = str(loan.version)


_CHOICES = ("currency", "rate_type", "repayment_type", "repayment_plan")


def to_data(form: LoanTermsForm) -> LoanData:
    """The form's input as LoanData (blank lists and texts as None)."""
    values = {}
    for name in FIELDS:
        value = getattr(form, name).data
        values[name] = None if value == "" else value
    return LoanData(**values)


class LoanSettingsForm(FlaskForm):
    discount_rate = NumberField(
        _l("Discount rate (%)"),
        validators=[InputRequired()],
        description=_l(
            "10 is the OECD DAC's traditional rate; the IMF's concessionality test uses 5."
        ),
    )
    threshold = NumberField(
        _l("Concessional from a grant element of (%)"),
        validators=[InputRequired()],
        description=_l(
            "35 is the IMF and World Bank threshold; 25 the DAC's traditional ODA test."
        ),
    )
