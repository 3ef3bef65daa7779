"""The organization form."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from portal.forms import TextField
from portal.organizations.models import IATI_ORG_TYPES, ORG_KIND_LABELS

# IATI organisation identifiers: a registration agency prefix, a hyphen, then the number
# (e.g. XM-DAC-41114, XI-IATI-EC_INTPA, JP-8), or a legacy DAC donor code such as 44000.
IATI_ORG_REF = re.compile(r"^([A-Za-z0-9]{2}(-[A-Za-z0-9_.]+)+|[0-9]{3,6})$")


class OrganizationForm(FlaskForm):
    name_en = TextField(_l("Name in English"), validators=[DataRequired(), Length(max=255)])
    name_km = TextField(_l("Name in Khmer"), validators=[Optional(), Length(max=255)])
    acronym = TextField(_l("Acronym"), validators=[DataRequired(), Length(max=40)])
    kind = SelectField(
        _l("Kind"),
        choices=lambda: [(kind.value, str(label)) for kind, label in ORG_KIND_LABELS.items()],
        validators=[DataRequired()],
        description=_l(
            "Whether the organization is national follows from its kind: government "
            "bodies, sub-national administrations, national NGOs and the national "
            "private sector can lead a partnership."
        ),
    )
    iati_ref = TextField(
        _l("IATI organisation identifier"),
        validators=[
            Optional(),
            Length(max=100),
            Regexp(IATI_ORG_REF, message=_l("Use the IATI form AGENCY-NUMBER, e.g. XM-DAC-41114.")),
        ],
    )
    iati_type = SelectField(
        _l("IATI organisation type"),
        choices=lambda: (
            [("", "—")] + [(c, f"{c} — {label}") for c, label in IATI_ORG_TYPES.items()]
        ),
        validators=[Optional()],
    )
    active = BooleanField(_l("Active"), default=True)


def _organization_id(value) -> int | None:
    """A chosen organization's id; nothing chosen (or no number) is None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MergeForm(FlaskForm):
    """Merge an organization into the one that stays (the choices are set by the view)."""

    into = SelectField(
        _l("The organization that stays"),
        coerce=_organization_id,
        validate_choice=False,  # the merge's rules say what is wrong with a choice
        validators=[InputRequired(message=_l("Choose the organization that stays."))],
    )
    # The organization whose merge the page showed: a merge goes ahead only after its
    # consequences were shown for the organization chosen.
    shown = HiddenField()
