"""Forms for the strategy framework."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import LongTextField, TextField


class FrameworkForm(FlaskForm):
    code = TextField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_en = TextField(_l("Name in English"), validators=[DataRequired(), Length(max=255)])
    name_km = TextField(_l("Name in Khmer"), validators=[Optional(), Length(max=255)])
    start_year = IntegerField(
        _l("First year"), validators=[InputRequired(), NumberRange(min=1990, max=2100)]
    )
    end_year = IntegerField(
        _l("Last year"), validators=[InputRequired(), NumberRange(min=1990, max=2100)]
    )
    is_current = BooleanField(
        _l("Current framework"), description=_l("New alignments are made against the current one.")
    )


class NodeForm(FlaskForm):
    parent_id = SelectField(_l("Under"), coerce=int, validators=[Optional()])
    code = TextField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    name_en = TextField(_l("Name in English"), validators=[DataRequired(), Length(max=255)])
    name_km = TextField(_l("Name in Khmer"), validators=[Optional(), Length(max=255)])
    description = LongTextField(_l("Description"), validators=[Optional(), Length(max=4000)])
