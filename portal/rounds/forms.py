"""Forms of the reporting round."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import LongTextField, NumberField
from portal.projects import codes


def _not_negative(form, field) -> None:
    if field.data is not None and field.data < 0:
        from wtforms.validators import ValidationError

        raise ValidationError(_l("An amount cannot be negative."))


class OpenRoundForm(FlaskForm):
    year = IntegerField(
        _l("Year of the figures"),
        validators=[InputRequired(), NumberRange(min=1990, max=2100)],
        description=_l(
            "Partners report the actual disbursements of this year and three years of plans."
        ),
    )
    deadline = DateField(_l("Deadline"), validators=[InputRequired()])
    message_en = LongTextField(
        _l("Message to the partners (English)"), validators=[Optional(), Length(max=4000)]
    )
    message_km = LongTextField(
        _l("Message to the partners (Khmer)"), validators=[Optional(), Length(max=4000)]
    )


class GraceForm(FlaskForm):
    organization_id = SelectField(
        _l("Development partner"), coerce=int, validators=[DataRequired()]
    )
    until = DateField(_l("Grace period until"), validators=[InputRequired()])
    reason = LongTextField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class ChecklistRow(Form):
    """One project of the checklist: the round's money in the main currency, status, end date."""

    project_id = HiddenField()
    version = HiddenField()
    actual = NumberField(_l("Actual disbursement"), validators=[Optional(), _not_negative])
    plan_1 = NumberField(_l("Plan, first year"), validators=[Optional(), _not_negative])
    plan_2 = NumberField(_l("Plan, second year"), validators=[Optional(), _not_negative])
    plan_3 = NumberField(_l("Plan, third year"), validators=[Optional(), _not_negative])
    status = SelectField(
        _l("Status"), choices=lambda: [(k, str(v)) for k, v in codes.ACTIVITY_STATUS.items()]
    )
    end_date = DateField(_l("End date"), validators=[Optional()])

    AMOUNT_FIELDS = ("actual", "plan_1", "plan_2", "plan_3")


class ChecklistForm(FlaskForm):
    rows = FieldList(FormField(ChecklistRow))
