"""Forms for the reference lists CDC edits."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import TextField


class TechnicalWorkingGroupForm(FlaskForm):
    name_en = TextField(_l("Name in English"), validators=[DataRequired(), Length(max=255)])
    name_km = TextField(_l("Name in Khmer"), validators=[Optional(), Length(max=255)])
    acronym = TextField(_l("Acronym"), validators=[Optional(), Length(max=40)])
    active = BooleanField(_l("Active"), default=True)


class SectorNameForm(FlaskForm):
    name_km = TextField(_l("Name in Khmer"), validators=[Optional(), Length(max=255)])
    name_km_confirmed = BooleanField(
        _l("CDC confirms this Khmer name"),
        description=_l(
            "The Khmer names that come with the portal are unofficial translations until CDC "
            "confirms them here. Loading the reference data again never replaces a name."
        ),
    )


class DisplayForm(FlaskForm):
    khmer_digits = BooleanField(
        _l("Show numbers and dates in Khmer digits in the Khmer interface"),
        description=_l(
            "For example ១២៣,៤៥៦.៧៨ instead of 123,456.78, on pages and in Khmer reports. "
            "The English interface keeps Western digits; forms accept both."
        ),
    )


class SectorLeadForm(FlaskForm):
    code = TextField(
        _l("DAC code"),
        validators=[DataRequired(), Length(min=3, max=5)],
        description=_l("A 3-digit category (for all its codes) or a 5-digit purpose code."),
    )
    organization_id = SelectField(
        _l("Usual lead institution"), coerce=int, validators=[DataRequired()]
    )
