"""Forms of results: a result's own fields, and an indicator with its periods as rows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.fields import DateField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.commitments.forms import filled_rows
from portal.forms import LongTextField, TextField
from portal.pilots.forms import priority_choices
from portal.results.models import (
    MEASURES,
    RESULT_TYPES,
    IndicatorPeriod,
    ProjectResult,
    ResultIndicator,
)
from portal.results.rules import IndicatorData, PeriodData
from portal.results.services import ResultData

YES_NO = [("", "—"), ("1", _l("Yes")), ("0", _l("No"))]


def _boolean(text: str | None) -> bool | None:
    return {"1": True, "0": False}.get(text or "")


def _code(value: bool | None) -> str:
    return "" if value is None else ("1" if value else "0")


class ResultForm(FlaskForm):
    version = HiddenField()
    result_type = SelectField(
        _l("Kind of result"),
        choices=lambda: [(code, str(label)) for code, label in RESULT_TYPES.items()],
        default="1",
    )
    title = TextField(_l("Title"), validators=[DataRequired(), Length(max=2000)])
    description = LongTextField(_l("Description"), validators=[Optional(), Length(max=10000)])
    aggregation_status = SelectField(
        _l("Can be added up with other projects' results"),
        choices=YES_NO,
        validators=[Optional()],
        description=_l("IATI's aggregation status: whether the figures are suitable to add up."),
    )


def fill_result(form: ResultForm, result: ProjectResult) -> None:
    """Put a result's stored values in the form (GET of the edit page)."""
    form.version.data = str(result.version)
    form.aggregation_status.data = _code(result.aggregation_status)


def result_data(form: ResultForm) -> ResultData:
    """The submitted result as the service takes it."""
    return ResultData(
        result_type=form.result_type.data or "",
        title=form.title.data or "",
        description=form.description.data or None,
        aggregation_status=_boolean(form.aggregation_status.data),
    )


class PeriodRow(Form):
    period_start = DateField(_l("Start"), validators=[Optional()])
    period_end = DateField(_l("End"), validators=[Optional()])
    target_value = TextField(_l("Target"), validators=[Optional(), Length(max=200)])
    target_comment = TextField(_l("Target comment"), validators=[Optional(), Length(max=4000)])
    actual_value = TextField(_l("Actual"), validators=[Optional(), Length(max=200)])
    actual_comment = TextField(_l("Actual comment"), validators=[Optional(), Length(max=4000)])


class IndicatorForm(FlaskForm):
    version = HiddenField()
    title = TextField(_l("Indicator"), validators=[DataRequired(), Length(max=2000)])
    description = LongTextField(_l("Description"), validators=[Optional(), Length(max=10000)])
    measure = SelectField(
        _l("Measured as"),
        choices=lambda: [(code, str(label)) for code, label in MEASURES.items()],
        default="1",
        description=_l(
            "Unit, percentage and ordinal indicators take numbers; nominal ones a category; "
            "qualitative ones only comments."
        ),
    )
    ascending = SelectField(
        _l("Higher is better"),
        choices=YES_NO,
        default="1",
        validators=[Optional()],
    )
    aggregation_status = SelectField(
        _l("Can be added up with other projects' results"),
        choices=YES_NO,
        validators=[Optional()],
    )
    priority_ids = SelectMultipleField(
        _l("National priorities it measures"), coerce=int, validators=[Optional()]
    )
    baseline_year = IntegerField(
        _l("Baseline year"), validators=[Optional(), NumberRange(min=1950, max=2100)]
    )
    baseline_value = TextField(_l("Baseline value"), validators=[Optional(), Length(max=200)])
    baseline_comment = LongTextField(
        _l("Baseline comment"), validators=[Optional(), Length(max=4000)]
    )
    periods = FieldList(FormField(PeriodRow), min_entries=1)


REPEATABLE = ("periods",)


def prepare_indicator(form: IndicatorForm, indicator: ResultIndicator | None = None) -> None:
    """Offer the national priorities (keeping an indicator's older ones)."""
    priorities = priority_choices()
    offered = {node_id for node_id, _label in priorities}
    if indicator is not None:
        priorities += [
            (p.node_id, f"{p.node.code} {p.node.name_en}")
            for p in indicator.priorities
            if p.node_id not in offered
        ]
    form.priority_ids.choices = priorities


def fill_indicator(form: IndicatorForm, indicator: ResultIndicator) -> None:
    """Put an indicator's stored values in the form (GET of the edit page)."""
    form.version.data = str(indicator.version)
    form.ascending.data = _code(indicator.ascending)
    form.aggregation_status.data = _code(indicator.aggregation_status)
    form.priority_ids.data = [p.node_id for p in indicator.priorities]
    form.periods.entries = []
    periods: list[IndicatorPeriod | None] = list(indicator.periods) or [None]
    for period in periods:
        form.periods.append_entry(
            {
                "period_start": period.period_start,
                "period_end": period.period_end,
                "target_value": period.target_value,
                "target_comment": period.target_comment,
                "actual_value": period.actual_value,
                "actual_comment": period.actual_comment,
            }
            if period
            else {}
        )


def indicator_data(form: IndicatorForm) -> IndicatorData:
    """The submitted indicator as the service takes it; blank period rows are left out."""
    return IndicatorData(
        title=form.title.data or "",
        measure=form.measure.data or "",
        ascending=_boolean(form.ascending.data),
        aggregation_status=_boolean(form.aggregation_status.data),
        description=form.description.data or None,
        baseline_year=form.baseline_year.data,
        baseline_value=form.baseline_value.data or None,
        baseline_comment=form.baseline_comment.data or None,
        priority_ids=list(form.priority_ids.data or []),
        periods=[
            PeriodData(
                period_start=row["period_start"],
                period_end=row["period_end"],
                target_value=row["target_value"] or None,
                target_comment=row["target_comment"] or None,
                actual_value=row["actual_value"] or None,
                actual_comment=row["actual_comment"] or None,
            )
            for _i, row in filled_rows(form.periods)
        ],
    )


def expected_version(form) -> int | None:
    """The version the editor started from."""
    text = form.version.data or ""
    return int(text) if text.isdigit() else None
