"""Forms of commitments: the commitment, a progress report, an assessment, a bottleneck."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import select
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
)
from wtforms.fields import DateField
from wtforms.validators import DataRequired, Length, Optional

from portal.commitments import codes, measures, services
from portal.commitments.reporting import BottleneckData, ReportData
from portal.extensions import db
from portal.forms import LongTextField, NumberField, TextField, as_id
from portal.organizations.services import organization_choices
from portal.reference.models import TechnicalWorkingGroup


class PartyRow(Form):
    organization_id = SelectField(
        _l("Organization"), validators=[Optional()], validate_choice=False
    )
    role = SelectField(
        _l("Role"), choices=lambda: codes.choices(codes.PARTY_ROLES), validators=[Optional()]
    )


class TrajectoryRow(Form):
    period = TextField(_l("Period"), validators=[Optional(), Length(max=10)])
    planned_value = NumberField(_l("Planned value"), validators=[Optional()])


class CommitmentForm(FlaskForm):
    title_en = TextField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    title_km = TextField(_l("Title in Khmer"), validators=[Optional(), Length(max=500)])
    principle = SelectField(
        _l("Partnership principle"),
        choices=lambda: codes.choices(codes.PRINCIPLES, "—"),
        validators=[Optional()],
    )
    lead_institution_id = SelectField(
        _l("Accountable lead institution"),
        validators=[Optional()],
        validate_choice=False,
        description=_l("Always a national institution; it reports progress each period."),
    )
    twg_id = SelectField(
        _l("Technical Working Group"), validators=[Optional()], validate_choice=False
    )
    parties = FieldList(FormField(PartyRow), min_entries=1)
    indicator_definition = LongTextField(
        _l("Indicator definition"),
        validators=[Optional(), Length(max=4000)],
        description=_l("What is counted or measured, from which source, and how."),
    )
    unit = TextField(_l("Unit"), validators=[Optional(), Length(max=60)])
    baseline_value = NumberField(_l("Baseline value"), validators=[Optional()])
    baseline_year = IntegerField(_l("Baseline year"), validators=[Optional()])
    target_value = NumberField(_l("Target value"), validators=[Optional()])
    target_date = DateField(_l("Target date"), validators=[Optional()])
    measure = SelectField(
        _l("Computed by the portal from its data"),
        choices=lambda: [("", _l("No: the lead reports the value"))] + measures.choices(),
        validators=[Optional()],
        validate_choice=False,
        description=_l(
            "The actual value of each period is then computed from the projects, unless CDC "
            "overrides it with a reason. The unit is %."
        ),
    )
    measure_organization_id = SelectField(
        _l("Only the projects of"),
        validators=[Optional()],
        validate_choice=False,
        description=_l("A partner's projects, or those a ministry leads; empty for all projects."),
    )
    measure_sector = TextField(
        _l("Only the projects in the sector"),
        validators=[Optional(), Length(max=5)],
        description=_l("A DAC sector code (5 digits) or category (3 digits); empty for all."),
    )
    period_kind = SelectField(
        _l("Reporting periods"),
        choices=lambda: codes.choices(codes.PERIOD_KINDS),
        default="semester",
    )
    trajectory = FieldList(FormField(TrajectoryRow), min_entries=1)
    public = BooleanField(
        _l("Public"),
        description=_l(
            "The public sees its indicator, trajectory, reported values, ratings, bottlenecks "
            "and the parties' views; never narratives, comments, evidence files or names of people."
        ),
    )


REPEATABLE = ("parties", "trajectory")


def prepare(form: CommitmentForm) -> None:
    """Fill the selects of the form (rows included) with their choices."""
    national = [("", "—")] + [(str(i), label) for i, label in organization_choices(True)]
    everyone = [("", "—")] + [(str(i), label) for i, label in organization_choices()]
    form.lead_institution_id.choices = national
    form.measure_organization_id.choices = everyone
    form.twg_id.choices = [("", "—")] + [
        (str(t.id), f"{t.acronym or ''} {t.name_en}".strip())
        for t in db.session.scalars(
            select(TechnicalWorkingGroup)
            .where(TechnicalWorkingGroup.active)
            .order_by(TechnicalWorkingGroup.name_en)
        )
    ]
    for entry in form.parties:
        entry.form.organization_id.choices = everyone


def fill_from(form: CommitmentForm, commitment) -> None:
    """Put a commitment's current values in the form (GET of the edit page)."""
    form.lead_institution_id.data = str(commitment.lead_institution_id)
    form.twg_id.data = str(commitment.twg_id) if commitment.twg_id else ""
    form.measure.data = commitment.measure or ""
    form.measure_organization_id.data = (
        str(commitment.measure_organization_id) if commitment.measure_organization_id else ""
    )
    form.parties.entries = []
    for party in commitment.parties or [None]:
        form.parties.append_entry(
            {"organization_id": str(party.organization_id), "role": party.role} if party else {}
        )
    form.trajectory.entries = []
    for point in commitment.points or [None]:
        form.trajectory.append_entry(
            {"period": point.period, "planned_value": point.planned_value} if point else {}
        )


def _int(value) -> int | None:
    return as_id(value)


def blank(row: dict, preset: tuple[str, ...] = ("role",)) -> bool:
    """Say whether a repeatable row was left empty (select fields with a preset aside)."""
    return all(value in (None, "", []) for key, value in row.items() if key not in preset)


def filled_rows(field_list) -> list[tuple[int, dict]]:
    """The (position, data) of the rows someone filled in."""
    return [(i, entry.data) for i, entry in enumerate(field_list) if not blank(entry.data)]


def to_data(form: CommitmentForm) -> services.CommitmentData:
    """Turn a submitted form into CommitmentData; blank rows are left out."""
    return services.CommitmentData(
        title_en=form.title_en.data or "",
        title_km=form.title_km.data or None,
        principle=form.principle.data or "",
        lead_institution_id=_int(form.lead_institution_id.data),
        twg_id=_int(form.twg_id.data),
        indicator_definition=form.indicator_definition.data or "",
        unit=form.unit.data or "",
        baseline_value=form.baseline_value.data,
        baseline_year=form.baseline_year.data,
        target_value=form.target_value.data,
        target_date=form.target_date.data,
        period_kind=form.period_kind.data,
        parties=[
            services.PartyData(_int(row["organization_id"]), row["role"])
            for _i, row in filled_rows(form.parties)
        ],
        trajectory=[
            services.PlannedValue(row["period"], row["planned_value"])
            for _i, row in filled_rows(form.trajectory)
        ],
        public=bool(form.public.data),
        measure=form.measure.data or None,
        measure_organization_id=_int(form.measure_organization_id.data),
        measure_sector=(form.measure_sector.data or "").strip() or None,
    )


def place_errors(form, errors: dict[str, str], repeatable: tuple[str, ...] = ()) -> dict:
    """Attach service errors to their fields; return {name: message} for whole sections."""
    sections = {}
    positions = {name: [i for i, _row in filled_rows(getattr(form, name))] for name in repeatable}
    for key, message in errors.items():
        name, _sep, rest = key.partition("-")
        if name in repeatable and rest:
            index, _sep, field_name = rest.partition("-")
            target = getattr(form, name).entries[positions[name][int(index)]].form[field_name]
            if not target.errors:  # the form's own message (a wrong type) says it first
                target.errors = [message]
        elif key in form._fields and key not in repeatable:
            if not form[key].errors:
                form[key].errors = [message]
        else:
            sections[key] = message
    return sections


class ReportForm(FlaskForm):
    period = SelectField(_l("Period"), validate_choice=False)
    actual_value = NumberField(_l("Actual value"), validators=[Optional()])
    narrative = LongTextField(
        _l("What happened in the period"), validators=[Optional(), Length(max=10000)]
    )
    self_rating = SelectField(
        _l("Your rating"), choices=lambda: codes.choices(codes.RATINGS, "—"), validate_choice=False
    )
    evidence = MultipleFileField(_l("Evidence files"), validators=[Optional()])

    def to_data(self) -> ReportData:
        """The report as the service takes it."""
        return ReportData(
            period=self.period.data or "",
            actual_value=self.actual_value.data,
            narrative=self.narrative.data or "",
            self_rating=self.self_rating.data or "",
        )


class AssessmentForm(FlaskForm):
    organization_id = SelectField(_l("On behalf of"), validate_choice=False)
    agrees = RadioField(
        _l("Your view of the rating"),
        choices=[("yes", _l("I agree")), ("no", _l("I disagree"))],
        validate_choice=False,
    )
    comment = LongTextField(_l("Comment"), validators=[Optional(), Length(max=4000)])

    @property
    def agrees_value(self) -> bool | None:
        """True for agree, False for disagree, None when neither was chosen."""
        return {"yes": True, "no": False}.get(self.agrees.data or "")


class BottleneckForm(FlaskForm):
    title = TextField(_l("Bottleneck"), validators=[Optional(), Length(max=255)])
    owner_id = SelectField(_l("Owner"), validate_choice=False)
    action = LongTextField(_l("Action"), validators=[Optional(), Length(max=4000)])
    due_date = DateField(_l("Due date"), validators=[Optional()])

    def to_data(self) -> BottleneckData:
        """The bottleneck as the service takes it."""
        return BottleneckData(
            title=self.title.data or "",
            owner_id=_int(self.owner_id.data),
            action=self.action.data or "",
            due_date=self.due_date.data,
        )


class ResolveForm(FlaskForm):
    resolution = LongTextField(_l("How it was resolved"), validators=[Optional(), Length(max=4000)])


class OverrideForm(FlaskForm):
    """CDC's value for one period of a computed indicator, with the reason."""

    value = NumberField(_l("Value"), validators=[Optional()])
    reason = LongTextField(
        _l("Why the computed value is overridden"), validators=[Optional(), Length(max=4000)]
    )
