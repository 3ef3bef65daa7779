"""The status the portal computes from a commitment's trajectory, beside the lead's own rating.

The rule (also stated on the dashboard page):

1. The direction comes from the indicator: when the target is at or above the baseline, higher
   is better; when it is below, lower is better.
2. *Achieved* when the actual value has reached the target (in that direction).
3. *Overdue* when the target date has passed and the target is not reached.
4. *On track* when the actual value is at or beyond the value planned for the period.
5. *Some risk* when progress = (actual − baseline) / (planned − baseline) is at least 0.9,
   i.e. at least 90% of the progress planned since the baseline has been made.
6. *Off track* otherwise (also when no progress was planned, planned = baseline, and the
   actual value fell short of it).

A report is judged as at the end of its period (or today, for a period not over yet); the
commitment's current status is its latest value judged today (the latest report's; for an
indicator the portal computes, the latest period's computed or overridden value), so that a
missed target date shows as overdue. With no value, a commitment is *not reported yet* (or
overdue, past its date).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.commitments import codes, periods

SOME_RISK_PROGRESS = Decimal("0.9")


def higher_is_better(baseline: Decimal, target: Decimal) -> bool:
    """Say whether the indicator improves upwards (target at or above baseline)."""
    return target >= baseline


def reached(value: Decimal, goal: Decimal, upwards: bool) -> bool:
    """Say whether `value` is at or beyond `goal` in the indicator's direction."""
    return value >= goal if upwards else value <= goal


def progress(baseline: Decimal, planned: Decimal, actual: Decimal) -> Decimal | None:
    """The share of the planned progress made: (actual − baseline) / (planned − baseline)."""
    if planned == baseline:
        return None
    return (actual - baseline) / (planned - baseline)


def compute(
    *,
    baseline: Decimal,
    target: Decimal,
    target_date: date,
    planned: Decimal,
    actual: Decimal,
    on: date,
) -> str:
    """Apply the rule above to one actual value, judged on the day `on`."""
    upwards = higher_is_better(baseline, target)
    if reached(actual, target, upwards):
        return codes.ACHIEVED
    if on > target_date:
        return codes.OVERDUE
    if reached(actual, planned, upwards):
        return codes.ON_TRACK
    share = progress(baseline, planned, actual)
    if share is not None and share >= SOME_RISK_PROGRESS:
        return codes.SOME_RISK
    return codes.OFF_TRACK


def report_status(commitment, report, today: date | None = None, actual=None) -> str:
    """The computed status of one report, as at the end of its period (or today if sooner);
    `actual` is the period's value when it is not the report's own (a computed indicator)."""
    today = today or date.today()
    planned = commitment.planned_for(report.period)
    if planned is None:  # the trajectory changed after the report; judge against the target
        planned = commitment.target_value
    period_end = periods.parse(report.period).end
    return compute(
        baseline=commitment.baseline_value,
        target=commitment.target_value,
        target_date=commitment.target_date,
        planned=planned,
        actual=report.actual_value if actual is None else actual,
        on=min(period_end, today),
    )


def current_status(commitment, today: date | None = None, latest=None) -> str:
    """The commitment's status today: its latest value judged today, or none yet.

    `latest` is the latest period's value (values.latest: computed, overridden or reported);
    without it, the latest report's.
    """
    today = today or date.today()
    if latest is not None:
        period, actual = latest.period, latest.value
    elif commitment.latest_report is not None:
        period, actual = commitment.latest_report.period, commitment.latest_report.actual_value
    else:
        return codes.OVERDUE if today > commitment.target_date else codes.NOT_REPORTED
    planned = commitment.planned_for(period)
    return compute(
        baseline=commitment.baseline_value,
        target=commitment.target_value,
        target_date=commitment.target_date,
        planned=commitment.target_value if planned is None else planned,
        actual=actual,
        on=today,
    )


def differs(self_rating: str | None, computed: str) -> bool:
    """Say whether the lead's own rating is not the status the portal computed."""
    return bool(self_rating) and self_rating != computed


def agreement(commitment, report) -> str:
    """Joint when every other party's latest word is 'agree'; disputed when one disagrees."""
    assessors = [o.id for o in commitment.assessing_organizations]
    if not assessors:
        return codes.SELF_ONLY
    latest = report.latest_assessments()
    if any(org_id in latest and not latest[org_id].agrees for org_id in assessors):
        return codes.DISPUTED
    if all(org_id in latest for org_id in assessors):
        return codes.JOINT
    return codes.AWAITING
