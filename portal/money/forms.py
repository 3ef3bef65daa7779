"""The exchange-rate form."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import NumberField, TextField


class ExchangeRateForm(FlaskForm):
    currency_code = SelectField(_l("Currency"), validators=[DataRequired()])
    year = IntegerField(
        _l("Year"),
        validators=[
            InputRequired(message=_l("Enter a year, e.g. 2024.")),
            NumberRange(min=1950, max=2100),
        ],
    )
    units_per_usd = NumberField(
        _l("Units per US dollar"),
        message=_l("Enter the rate as a number, e.g. 4100 or 0.92."),
        validators=[
            InputRequired(message=_l("Enter the rate as a number, e.g. 4100 or 0.92.")),
            NumberRange(min=Decimal("0.00000001"), message=_l("A rate must be greater than zero.")),
        ],
        description=_l("The yearly average: how many units of the currency one US dollar bought."),
    )
    source = TextField(_l("Source"), validators=[Optional(), Length(max=255)])


class RateTableForm(FlaskForm):
    file = FileField(
        _l("Rate table (CSV)"),
        validators=[FileRequired(message=_l("Choose a CSV file of rates."))],
        description=_l(
            "A header row with the columns currency, year and units_per_usd (and optionally "
            "source), then one rate a row, e.g. XDR,2023,0.7521. One wrong row changes nothing."
        ),
    )
    table_source = TextField(
        _l("Source"),
        validators=[Optional(), Length(max=255)],
        description=_l("For example: OECD, DAC annual exchange rates, 2024 edition."),
    )
