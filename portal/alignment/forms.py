"""Forms of the alignment workflow."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import LongTextField, NumberField

FIGURE_STATUS = {
    "pending": _l("Pending"),
    "agreed": _l("Agreed"),
    "disputed": _l("Disputed"),
}


class FigureRow(Form):
    year = HiddenField()
    amount = NumberField(_l("Recorded by government"), validators=[Optional()])
    # Choices are the project's currencies, set by the view; the rules check the value.
    currency = SelectField(_l("Currency"), default="USD", validate_choice=False)
    status = SelectField(
        _l("Status"), choices=lambda: [(k, str(v)) for k, v in FIGURE_STATUS.items()]
    )
    comment = LongTextField(_l("Comment"), validators=[Optional(), Length(max=4000)])


class ReviewForm(FlaskForm):
    primary_priority_id = SelectField(_l("Primary priority"), coerce=int, validators=[Optional()])
    other_priority_ids = SelectMultipleField(
        _l("Other priorities (optional)"), coerce=int, validators=[Optional()]
    )
    rationale = LongTextField(
        _l("Rationale"),
        validators=[Optional(), Length(max=4000)],
        description=_l("How the project serves the priority, in a sentence or two."),
    )
    on_plan = BooleanField(_l("In the ministry's plan"))
    on_budget = BooleanField(_l("In the national budget"))
    lead_role_accepted = BooleanField(
        _l("My institution accepts being the lead national partner of this project")
    )
    figures = FieldList(FormField(FigureRow))
    return_reason = LongTextField(
        _l("Reasons for returning"), validators=[Optional(), Length(max=4000)]
    )


class HandOverForm(FlaskForm):
    assignee_id = SelectField(
        _l("Colleague"), coerce=int, validators=[InputRequired()], validate_choice=False
    )
    note = LongTextField(
        _l("Note for your colleague (optional)"), validators=[Optional(), Length(max=1000)]
    )


class StepForm(FlaskForm):
    comment = LongTextField(_l("Comment"), validators=[Optional(), Length(max=4000)])


class CommentForm(FlaskForm):
    text = LongTextField(_l("Message"), validators=[DataRequired(), Length(max=4000)])


class SettingsForm(FlaskForm):
    service_standard_days = IntegerField(
        _l("Service standard (days)"),
        validators=[InputRequired(), NumberRange(min=1, max=365)],
        description=_l("How many days a lead ministry has to confirm or return a project."),
    )
