"""Forms for the reference lists CDC edits."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import TextField


class TechnicalWorkingGroupForm(FlaskForm):
    name_en = TextField(_l("Name in English"), validators=[DataRequired(), Length(max=255)])
    name_km = TextField(_l("Name in Khmer"), validators=[Optional(), Length(max=255)])
    acronym = TextField(_l("Acronym"), validators=[Optional(), Length(max=40)])
    active = BooleanField(_l("Active"), default=True)


class SectorNameForm(FlaskForm):
    name_km = TextField(_l("Name in Khmer"), validators=[Optional(), Length(max=255)])
