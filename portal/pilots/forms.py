"""Forms of pilots: the pilot, a stage change, a lesson, a dissemination."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
)
from wtforms.fields import DateField
from wtforms.validators import DataRequired, Length, Optional

from portal.commitments.forms import filled_rows
from portal.extensions import db
from portal.forms import LongTextField, TextField, as_id
from portal.organizations.services import organization_choices
from portal.pilots import services
from portal.pilots.models import EXTERNAL_ROLES, STAGES
from portal.strategy.models import NodeKind, StrategyFramework, StrategyNode


def _choices(codes: dict, blank: str | None = None) -> list[tuple[str, str]]:
    pairs = [(code, str(label)) for code, label in codes.items()]
    return [("", blank), *pairs] if blank is not None else pairs


class PartnerRow(Form):
    organization_id = SelectField(
        _l("Organization"), validators=[Optional()], validate_choice=False
    )


class PilotForm(FlaskForm):
    name_en = TextField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    name_km = TextField(_l("Name in Khmer"), validators=[Optional(), Length(max=300)])
    purpose = LongTextField(
        _l("Purpose"),
        validators=[Optional(), Length(max=10000)],
        description=_l("What the pilot tests, and what would make it worth scaling up."),
    )
    priority_ids = SelectMultipleField(
        _l("National priorities served"), coerce=int, validators=[Optional()]
    )
    lead_partner_id = SelectField(
        _l("Lead national partner"),
        validators=[Optional()],
        validate_choice=False,
        description=_l("Always a national organization: it owns the pilot."),
    )
    external_partner_id = SelectField(
        _l("External lead partner"), validators=[Optional()], validate_choice=False
    )
    external_role = SelectField(
        _l("Role of the external lead partner"),
        choices=lambda: _choices(EXTERNAL_ROLES, "—"),
        validators=[Optional()],
        validate_choice=False,
    )
    partners = FieldList(FormField(PartnerRow), min_entries=1)
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    projects = TextField(
        _l("Linked projects"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Portal project numbers or IATI identifiers, separated by commas."),
    )
    stage = SelectField(_l("Stage"), choices=lambda: _choices(STAGES), default="proposed")
    public = BooleanField(
        _l("Public"),
        description=_l(
            "The public sees its purpose, partners, stages and lessons; never the evidence of "
            "lessons, the reasons for stage changes or names of people."
        ),
    )


REPEATABLE = ("partners",)


def priority_choices() -> list[tuple[int, str]]:
    """The priorities of the current national framework (else of every framework)."""
    statement = (
        select(StrategyNode)
        .join(StrategyFramework)
        .where(StrategyNode.kind == NodeKind.PRIORITY)
        .order_by(StrategyFramework.start_year.desc(), StrategyNode.code)
    )
    if db.session.scalar(select(StrategyFramework.id).where(StrategyFramework.is_current)):
        statement = statement.where(StrategyFramework.is_current)
    return [(n.id, f"{n.code} {n.name_en}") for n in db.session.scalars(statement)]


def prepare(form: PilotForm, pilot=None) -> None:
    """Fill the selects of the form with their choices (keeping a pilot's older priorities)."""
    national = [("", "—")] + [(str(i), label) for i, label in organization_choices(True)]
    external = [("", "—")] + [(str(i), label) for i, label in organization_choices(False)]
    everyone = [("", "—")] + [(str(i), label) for i, label in organization_choices()]
    priorities = priority_choices()
    offered = {node_id for node_id, _label in priorities}
    if pilot is not None:
        priorities += [
            (p.node_id, f"{p.node.code} {p.node.name_en}")
            for p in pilot.priorities
            if p.node_id not in offered
        ]
    form.priority_ids.choices = priorities
    form.lead_partner_id.choices = national
    form.external_partner_id.choices = external
    for entry in form.partners:
        entry.form.organization_id.choices = everyone


def fill_from(form: PilotForm, pilot) -> None:
    """Put a pilot's current values in the form (GET of the edit page)."""
    form.priority_ids.data = [p.node_id for p in pilot.priorities]
    form.lead_partner_id.data = str(pilot.lead_partner_id)
    form.external_partner_id.data = str(pilot.external_partner_id)
    form.partners.entries = []
    for partner in pilot.partners or [None]:
        form.partners.append_entry(
            {"organization_id": str(partner.organization_id)} if partner else {}
        )
    form.projects.data = ", ".join(str(p.project_id) for p in pilot.projects)


def _int(value) -> int | None:
    return as_id(value)


def to_data(form: PilotForm) -> services.PilotData:
    """Turn a submitted form into PilotData; blank rows are left out."""
    return services.PilotData(
        name_en=form.name_en.data or "",
        name_km=form.name_km.data or None,
        purpose=form.purpose.data or "",
        priority_ids=list(form.priority_ids.data or []),
        lead_partner_id=_int(form.lead_partner_id.data),
        external_partner_id=_int(form.external_partner_id.data),
        external_role=form.external_role.data or "",
        partner_ids=[_int(row["organization_id"]) for _i, row in filled_rows(form.partners)],
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        projects=form.projects.data or "",
        stage=form.stage.data or "",
        public=bool(form.public.data),
    )


class StageForm(FlaskForm):
    stage = SelectField(_l("New stage"), choices=lambda: _choices(STAGES, "—"))
    reason = LongTextField(_l("Why"), validators=[Optional(), Length(max=4000)])


class LessonForm(FlaskForm):
    learned_on = DateField(_l("Date"), validators=[Optional()])
    text = LongTextField(_l("What was learned"), validators=[Optional(), Length(max=10000)])
    evidence = LongTextField(
        _l("Evidence"),
        validators=[Optional(), Length(max=10000)],
        description=_l("What shows it: an evaluation, monitoring data, a field visit report."),
    )
    audience = TextField(
        _l("Shared with (optional)"),
        validators=[Optional(), Length(max=255)],
        description=_l("For example the Health TWG, the provincial governors, the GDCC."),
    )
    shared_on = DateField(_l("Shared on"), validators=[Optional()])
    channel = TextField(_l("How it was shared"), validators=[Optional(), Length(max=255)])

    def to_data(self) -> services.LessonData:
        """The lesson as the service takes it."""
        return services.LessonData(
            learned_on=self.learned_on.data,
            text=self.text.data or "",
            evidence=self.evidence.data or "",
            audience=self.audience.data or "",
            shared_on=self.shared_on.data,
            channel=self.channel.data or "",
        )


class DisseminationForm(FlaskForm):
    audience = TextField(_l("Shared with"), validators=[Optional(), Length(max=255)])
    shared_on = DateField(_l("Shared on"), validators=[Optional()])
    channel = TextField(_l("How it was shared"), validators=[Optional(), Length(max=255)])
