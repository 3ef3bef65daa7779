"""Forms of the IATI pages: the upload, and the choices made on the preview."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired, MultipleFileField
from wtforms import BooleanField, IntegerField, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from portal.forms import TextField
from portal.iati.preview import Decisions
from portal.organizations.models import OrgKind
from portal.organizations.services import organization_choices


class UploadForm(FlaskForm):
    files = MultipleFileField(
        _l("IATI activity files (XML)"),
        validators=[FileRequired(message=_l("Choose at least one IATI activity file."))],
        description=_l("One or more files of IATI activities, versions 2.01 to 2.03."),
    )


class DecisionForm(FlaskForm):
    """The fixed part of the preview's choices; links and new organizations come as rows."""

    default_lead_id = SelectField(
        _l("Default lead national partner"),
        coerce=lambda value: int(value) if value not in (None, "", "None") else None,
        description=_l(
            "For activities that name no national organization the portal knows and whose "
            "sector has no usual lead. Every project has a lead national partner: check the "
            "proposed ones below, activity by activity."
        ),
    )
    update = SubmitField(_l("Update the preview"))
    confirm = SubmitField(_l("Import"))

    def prepare(self) -> None:
        self.default_lead_id.choices = [(None, _l("— none: refuse such activities —"))] + list(
            organization_choices(national=True)
        )


LINK_PREFIX = "link:"
ORG_PREFIX = "org:"
LEAD_PREFIX = "lead:"
PROPOSED_LEAD_PREFIX = "lead-proposed:"
CHOSEN_LEAD_PREFIX = "lead-chosen:"
NEW_PROJECT = "new"
SKIP_ORGANIZATION = "skip"
SAME_AS = "same:"


def decisions_from(form: DecisionForm, values, *, may_create: bool) -> Decisions:
    """The choices of a submitted preview page (links to projects, new organizations)."""
    decisions = Decisions(default_lead_id=form.default_lead_id.data)
    for name, value in values.items():
        if name.startswith(LINK_PREFIX) and value.isdigit():
            decisions.links[name[len(LINK_PREFIX) :]] = int(value)
        elif name.startswith(LEAD_PREFIX) and value.isdigit():
            # A lead counts as chosen when the person changed it, or had chosen it before;
            # one left as proposed stays a proposal (it follows the sector or the default).
            identifier = name[len(LEAD_PREFIX) :]
            proposed = values.get(PROPOSED_LEAD_PREFIX + identifier)
            if value != proposed or values.get(CHOSEN_LEAD_PREFIX + identifier) == "1":
                decisions.leads[identifier] = int(value)
        elif name.startswith(ORG_PREFIX) and may_create:
            key = name[len(ORG_PREFIX) :]
            if value == SKIP_ORGANIZATION:
                decisions.skipped_organizations.add(key)
            elif value.startswith(SAME_AS) and value[len(SAME_AS) :].isdigit():
                decisions.same_as[key] = int(value[len(SAME_AS) :])
            elif value in {kind.value for kind in OrgKind}:
                decisions.kinds[key] = value
    return decisions


def lead_choices() -> list[tuple[int, str]]:
    """The institutions a proposed lead can be changed to on the preview: the government's
    ministries, agencies and sub-national administrations (the usual leads)."""
    return organization_choices(kinds=(OrgKind.GOVERNMENT, OrgKind.SUBNATIONAL))


class SourceForm(FlaskForm):
    name = TextField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    location = TextField(
        _l("Address of the file"),
        validators=[DataRequired(), Length(max=1000)],
        description=_l(
            "The web address of the publisher's IATI activity file (as the IATI Registry "
            "lists it), or the name of a file in the portal's folder of IATI files."
        ),
    )
    every_days = IntegerField(
        _l("Read it every (days)"),
        default=7,
        validators=[InputRequired(), NumberRange(min=0, max=366)],
        description=_l("0: only when someone asks, with the button on this page."),
    )
    auto_apply = BooleanField(
        _l("Apply a reading by itself when it needs no decision"),
        description=_l(
            "When nothing is refused and no organization needs adding, the changes are written "
            "at once; otherwise the reading waits for CDC on the preview page."
        ),
    )
    default_lead_id = SelectField(
        _l("Default lead national partner"),
        coerce=lambda value: int(value) if value not in (None, "", "None") else None,
    )

    def prepare(self) -> None:
        self.default_lead_id.choices = [(None, _l("— none —"))] + list(
            organization_choices(national=True)
        )
