"""The rules of an indicator's values and periods, in one place.

The form refuses what breaks them (each message beside its field); an indicator imported from
IATI is kept as published and the same messages are shown as flags for a person to judge.
Messages are keyed by the form's field names (`periods-<i>-<field>` for the i-th period).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.forms import parse_number
from portal.results.models import MEASURES, NUMERIC_MEASURES, PERCENTAGE, QUALITATIVE


@dataclass
class PeriodData:
    period_start: date | None
    period_end: date | None
    target_value: str | None = None
    target_comment: str | None = None
    actual_value: str | None = None
    actual_comment: str | None = None


@dataclass
class IndicatorData:
    """An indicator as the form, the spreadsheet or IATI gives it."""

    title: str
    measure: str
    ascending: bool | None = True
    aggregation_status: bool | None = None
    description: str | None = None
    baseline_year: int | None = None
    baseline_value: str | None = None
    baseline_comment: str | None = None
    periods: list[PeriodData] = field(default_factory=list)
    priority_ids: list[int] = field(default_factory=list)
    references: list | None = None


def number(text: str | None) -> Decimal | None:
    """The value as a number, or None when it is blank or not a number."""
    if text is None or not str(text).strip():
        return None
    try:
        return parse_number(str(text).strip())
    except ValueError:
        return None


def _value_problem(measure: str, text: str | None):
    """What is wrong with one value of an indicator of this measure (None when nothing)."""
    if text is None or not str(text).strip():
        return None
    if measure == QUALITATIVE:
        return _l("A qualitative indicator takes no value: write it in the comment.")
    if measure not in NUMERIC_MEASURES:
        return None
    value = number(text)
    if value is None:
        return _l("This indicator is measured in numbers: give a number (words go in the comment).")
    if measure == PERCENTAGE and not Decimal(0) <= value <= Decimal(100):
        return _l("A percentage is between 0 and 100.")
    return None


def problems(data: IndicatorData) -> dict[str, str]:
    """Every rule the indicator breaks, as {field name: message}; empty when none."""
    errors: dict[str, str] = {}

    def err(name: str, message) -> None:
        errors.setdefault(name, str(message))

    if not (data.title or "").strip():
        err("title", _l("Give the indicator a title."))
    if data.measure not in MEASURES:
        err("measure", _l("Choose how the indicator is measured."))
        return errors
    if data.baseline_year is not None and not 1950 <= data.baseline_year <= 2100:
        err("baseline_year", _l("Give the baseline's year, such as 2020."))
    if (problem := _value_problem(data.measure, data.baseline_value)) is not None:
        err("baseline_value", problem)
    spans: list[tuple[date, date, int]] = []
    for i, period in enumerate(data.periods):
        prefix = f"periods-{i}-"
        if period.period_start is None:
            err(prefix + "period_start", _l("Give the first day of the period."))
        if period.period_end is None:
            err(prefix + "period_end", _l("Give the last day of the period."))
        if period.period_start and period.period_end:
            if period.period_end < period.period_start:
                err(prefix + "period_end", _l("The period ends before it starts."))
            else:
                spans.append((period.period_start, period.period_end, i))
        for name in ("target_value", "actual_value"):
            problem = _value_problem(data.measure, getattr(period, name))
            if problem is not None:
                err(prefix + name, problem)
    spans.sort()
    for (_start, end, _i), (start, _end, j) in zip(spans, spans[1:], strict=False):
        if start <= end:
            err(
                f"periods-{j}-period_start",
                _l("This period overlaps another period of the indicator."),
            )
    return errors


def of_indicator(indicator) -> IndicatorData:
    """A stored indicator as IndicatorData (to check it, to export it)."""
    return IndicatorData(
        title=indicator.title,
        measure=indicator.measure,
        ascending=indicator.ascending,
        aggregation_status=indicator.aggregation_status,
        description=indicator.description,
        baseline_year=indicator.baseline_year,
        baseline_value=indicator.baseline_value,
        baseline_comment=indicator.baseline_comment,
        periods=[
            PeriodData(
                p.period_start,
                p.period_end,
                p.target_value,
                p.target_comment,
                p.actual_value,
                p.actual_comment,
            )
            for p in indicator.periods
        ],
        priority_ids=[p.node_id for p in indicator.priorities],
        references=indicator.references,
    )


def flags(indicator) -> list[str]:
    """What a person should look at in a stored indicator (imported as published)."""
    found = problems(of_indicator(indicator))
    messages = []
    for key, message in found.items():
        _name, _sep, rest = key.partition("-")
        index, _sep, _field = rest.partition("-")
        if index.isdigit():
            period = indicator.periods[int(index)]
            when = f"{period.period_start or '?'} – {period.period_end or '?'}"
            messages.append(f"{when}: {message}")
        else:
            messages.append(message)
    return messages
