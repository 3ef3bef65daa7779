"""The computed-status rule, the reporting periods and the joint rating, case by case."""

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from portal.commitments import codes, periods, status

TARGET_DATE = date(2027, 12, 31)
BEFORE = date(2026, 6, 30)
AFTER = date(2028, 1, 1)


def judge(baseline, target, planned, actual, on=BEFORE):
    return status.compute(
        baseline=D(baseline),
        target=D(target),
        target_date=TARGET_DATE,
        planned=D(planned),
        actual=D(actual),
        on=on,
    )


# Higher is better: baseline 40, target 60, planned 50 for the period (progress planned: 10).
@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("60", codes.ACHIEVED),  # the target itself
        ("61", codes.ACHIEVED),  # beyond the target
        ("55", codes.ON_TRACK),  # beyond the plan
        ("50", codes.ON_TRACK),  # exactly the plan
        ("49.9", codes.SOME_RISK),  # 99% of the planned progress
        ("49", codes.SOME_RISK),  # 90% exactly: still some risk
        ("48.99", codes.OFF_TRACK),  # 89.9%
        ("45", codes.OFF_TRACK),  # half the progress
        ("38", codes.OFF_TRACK),  # went backwards
    ],
)
def test_higher_is_better(actual, expected):
    assert judge("40", "60", "50", actual) == expected


# Lower is better: baseline 34 units, target 18, planned 26 (progress planned: -8).
@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("18", codes.ACHIEVED),
        ("15", codes.ACHIEVED),
        ("26", codes.ON_TRACK),
        ("20", codes.ON_TRACK),
        ("26.8", codes.SOME_RISK),  # 7.2 of 8: 90%
        ("27", codes.OFF_TRACK),  # 7 of 8: 87.5%
        ("34", codes.OFF_TRACK),
        ("40", codes.OFF_TRACK),  # worse than the baseline
    ],
)
def test_lower_is_better(actual, expected):
    assert judge("34", "18", "26", actual) == expected


def test_past_the_target_date_without_achievement_is_overdue():
    assert judge("40", "60", "60", "59", on=AFTER) == codes.OVERDUE
    assert judge("40", "60", "50", "55", on=AFTER) == codes.OVERDUE  # was on track, now late
    assert judge("34", "18", "18", "19", on=AFTER) == codes.OVERDUE


def test_achievement_wins_over_the_date():
    assert judge("40", "60", "60", "60", on=AFTER) == codes.ACHIEVED
    assert judge("34", "18", "18", "17", on=AFTER) == codes.ACHIEVED


def test_on_the_target_date_itself_is_not_yet_overdue():
    assert judge("40", "60", "60", "55", on=TARGET_DATE) == codes.OFF_TRACK
    assert judge("40", "60", "60", "59", on=TARGET_DATE) == codes.SOME_RISK


def test_no_planned_progress_and_a_shortfall_is_off_track():
    # Planned equal to the baseline: the share of progress is undefined.
    assert status.progress(D("40"), D("40"), D("39")) is None
    assert judge("40", "60", "40", "39.9") == codes.OFF_TRACK
    assert judge("40", "60", "40", "40") == codes.ON_TRACK


def test_progress_is_the_share_of_the_planned_change():
    assert status.progress(D("40"), D("50"), D("49")) == D("0.9")
    assert status.progress(D("34"), D("26"), D("30")) == D("0.5")


def test_differs_when_the_self_rating_is_not_the_computed_status():
    assert status.differs("on_track", codes.SOME_RISK)
    assert status.differs("some_risk", codes.OVERDUE)
    assert not status.differs("off_track", codes.OFF_TRACK)
    assert not status.differs(None, codes.NOT_REPORTED)


def _commitment(reports=(), target_date=TARGET_DATE, parties=()):
    trajectory = [
        SimpleNamespace(period="2026-S1", planned_value=D("45")),
        SimpleNamespace(period="2026-S2", planned_value=D("50")),
        SimpleNamespace(period="2027-S1", planned_value=D("55")),
        SimpleNamespace(period="2027-S2", planned_value=D("60")),
    ]
    commitment = SimpleNamespace(
        baseline_value=D("40"),
        target_value=D("60"),
        target_date=target_date,
        trajectory=trajectory,
        reports=list(reports),
        assessing_organizations=[SimpleNamespace(id=i) for i in parties],
    )
    commitment.planned_for = lambda p: next(
        (t.planned_value for t in trajectory if t.period == p), None
    )
    ordered = sorted(commitment.reports, key=lambda r: periods.sort_key(r.period))
    commitment.latest_report = ordered[-1] if ordered else None
    return commitment


def _report(period, actual, assessments=()):
    report = SimpleNamespace(period=period, actual_value=D(actual), assessments=list(assessments))
    report.latest_assessments = lambda: {a.organization_id: a for a in report.assessments}
    return report


def test_a_report_is_judged_at_the_end_of_its_period_and_the_commitment_today():
    old = _report("2026-S1", "44.5")  # 90% of the planned 5
    latest = _report("2027-S2", "58")
    commitment = _commitment([old, latest])
    assert status.report_status(commitment, old, today=date(2028, 3, 1)) == codes.SOME_RISK
    # The latest report, judged at its period's end (the target date): not yet overdue.
    assert status.report_status(commitment, latest, today=date(2028, 3, 1)) == codes.SOME_RISK
    # The commitment today, past the target date: overdue.
    assert status.current_status(commitment, today=date(2028, 3, 1)) == codes.OVERDUE
    assert status.current_status(commitment, today=date(2027, 12, 1)) == codes.SOME_RISK


def test_a_report_for_a_period_not_over_is_judged_today():
    report = _report("2027-S2", "59")
    commitment = _commitment([report])
    assert status.report_status(commitment, report, today=date(2027, 9, 1)) == codes.SOME_RISK


def test_without_reports_a_commitment_is_not_reported_then_overdue():
    commitment = _commitment()
    assert status.current_status(commitment, today=date(2026, 1, 1)) == codes.NOT_REPORTED
    assert status.current_status(commitment, today=date(2028, 1, 1)) == codes.OVERDUE


def _view(org, agrees):
    return SimpleNamespace(organization_id=org, agrees=agrees)


def test_a_rating_is_joint_when_every_other_party_agrees_in_its_latest_view():
    commitment = _commitment(parties=[1, 2])
    assert status.agreement(commitment, _report("2026-S1", "45")) == codes.AWAITING
    one = _report("2026-S1", "45", [_view(1, True)])
    assert status.agreement(commitment, one) == codes.AWAITING
    disputed = _report("2026-S1", "45", [_view(1, True), _view(2, False)])
    assert status.agreement(commitment, disputed) == codes.DISPUTED
    settled = _report("2026-S1", "45", [_view(1, True), _view(2, False), _view(2, True)])
    assert status.agreement(commitment, settled) == codes.JOINT
    changed_mind = _report("2026-S1", "45", [_view(1, True), _view(2, True), _view(1, False)])
    assert status.agreement(commitment, changed_mind) == codes.DISPUTED
    # A view from an organization that is no longer a party does not count.
    stranger = _report("2026-S1", "45", [_view(1, True), _view(2, True), _view(9, False)])
    assert status.agreement(commitment, stranger) == codes.JOINT


def test_without_other_parties_a_rating_stays_a_self_assessment():
    assert status.agreement(_commitment(), _report("2026-S1", "45")) == codes.SELF_ONLY


@pytest.mark.parametrize(
    ("text", "kind", "code", "start", "end"),
    [
        ("2025-Q1", "quarter", "2025-Q1", date(2025, 1, 1), date(2025, 3, 31)),
        ("2024-q4", "quarter", "2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("2025 S2", "semester", "2025-S2", date(2025, 7, 1), date(2025, 12, 31)),
        ("2024S1", "semester", "2024-S1", date(2024, 1, 1), date(2024, 6, 30)),
    ],
)
def test_periods_are_read_as_people_write_them(text, kind, code, start, end):
    period = periods.parse(text, kind)
    assert (period.code, period.start, period.end) == (code, start, end)
    assert period.due == date.fromordinal(end.toordinal() + periods.REPORTING_GRACE_DAYS)


@pytest.mark.parametrize(
    ("text", "kind"),
    [("2025-Q5", None), ("2025-S3", None), ("2025-Q1", "semester"), ("Q1 2025", None), ("", None)],
)
def test_periods_that_do_not_exist_are_refused(text, kind):
    with pytest.raises(ValueError):
        periods.parse(text, kind)


def test_periods_sort_in_time():
    codes_ = ["2026-S1", "2025-S2", "2025-S1"]
    assert sorted(codes_, key=periods.sort_key) == ["2025-S1", "2025-S2", "2026-S1"]
    assert periods.containing(date(2025, 8, 15), "quarter").code == "2025-Q3"
