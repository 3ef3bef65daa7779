"""The delivery dashboard: each commitment's status, counts, watch lists and scorecards."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.commitments import codes, periods, status, values
from portal.commitments.models import Commitment, ProgressReport
from portal.extensions import db
from portal.forms import as_id
from portal.organizations.models import Organization

# The order statuses are counted and shown in, best first.
STATUS_ORDER = [
    codes.ACHIEVED,
    codes.ON_TRACK,
    codes.SOME_RISK,
    codes.OFF_TRACK,
    codes.OVERDUE,
    codes.NOT_REPORTED,
]


@dataclass
class Filters:
    """The dashboard's filters, as read from the query string."""

    principle: str = ""
    institution: int | None = None
    status: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read the filters from the query string, ignoring values that are not known."""
        principle = args.get("principle", "")
        institution = args.get("institution", "").strip()
        state = args.get("status", "")
        return cls(
            principle=principle if principle in codes.PRINCIPLES else "",
            institution=as_id(institution),
            status=state if state in codes.STATUSES else "",
        )

    def as_args(self) -> dict:
        """The filters that are set, as query-string arguments."""
        return {
            k: v
            for k, v in {
                "principle": self.principle,
                "institution": self.institution,
                "status": self.status,
            }.items()
            if v
        }


@dataclass
class Row:
    """One commitment as the dashboard shows it."""

    commitment: Commitment
    status: str
    latest: ProgressReport | None
    agreement: str | None
    differs: bool
    open_bottlenecks: int = 0
    late_bottlenecks: int = 0
    # Every period's value (reported, or computed / overridden for a linked indicator).
    actuals: dict[str, values.Actual] = field(default_factory=dict)
    latest_value: values.Actual | None = None


def load(filters: Filters | None = None, visible=None) -> list[Commitment]:
    """The commitments that pass the principle and institution filters (and the clause
    `visible`, when given), with what they need."""
    filters = filters or Filters()
    statement = (
        select(Commitment)
        .options(
            selectinload(Commitment.bottlenecks),
            selectinload(Commitment.reports).selectinload(ProgressReport.assessments),
            selectinload(Commitment.overrides),
        )
        .order_by(Commitment.principle, Commitment.title_en)
    )
    if filters.principle:
        statement = statement.where(Commitment.principle == filters.principle)
    if filters.institution:
        statement = statement.where(Commitment.lead_institution_id == filters.institution)
    if visible is not None:
        statement = statement.where(visible)
    return list(db.session.scalars(statement))


def row_of(commitment: Commitment, today: date, published_only: bool | None = None) -> Row:
    """Judge one commitment today: computed status, latest report and value, agreement,
    bottlenecks (a computed indicator over the published projects for the public)."""
    latest = commitment.latest_report
    found = values.actuals(commitment, published_only=published_only, today=today)
    latest_value = values.latest(found)
    computed = status.current_status(commitment, today, latest_value)
    return Row(
        commitment=commitment,
        status=computed,
        latest=latest,
        agreement=status.agreement(commitment, latest) if latest else None,
        differs=latest is not None and status.differs(latest.self_rating, computed),
        open_bottlenecks=sum(1 for b in commitment.bottlenecks if b.is_open),
        late_bottlenecks=sum(1 for b in commitment.bottlenecks if b.is_late(today)),
        actuals=found,
        latest_value=latest_value,
    )


def rows(commitments: list[Commitment], filters: Filters, today: date) -> list[Row]:
    """The dashboard rows, after the status filter."""
    result = [row_of(c, today) for c in commitments]
    if filters.status:
        result = [r for r in result if r.status == filters.status]
    return result


@dataclass
class Summary:
    by_status: dict[str, int]
    by_principle: dict[str, Counter]
    by_institution: list[tuple[Organization, Counter]]
    joint: int
    differing: int
    overdue: list[Row] = field(default_factory=list)
    off_track: list[Row] = field(default_factory=list)


def summarise(dashboard_rows: list[Row]) -> Summary:
    """Counts by status, principle and lead institution; the overdue and off-track lists."""
    by_status = Counter(r.status for r in dashboard_rows)
    by_principle: dict[str, Counter] = {p: Counter() for p in codes.PRINCIPLES}
    institutions: dict[int, Organization] = {}
    by_institution: dict[int, Counter] = defaultdict(Counter)
    for r in dashboard_rows:
        by_principle[r.commitment.principle][r.status] += 1
        lead = r.commitment.lead_institution
        institutions[lead.id] = lead
        by_institution[lead.id][r.status] += 1
    return Summary(
        by_status={s: by_status.get(s, 0) for s in STATUS_ORDER},
        by_principle=by_principle,
        by_institution=sorted(
            ((institutions[i], c) for i, c in by_institution.items()),
            key=lambda pair: pair[0].acronym,
        ),
        joint=sum(1 for r in dashboard_rows if r.agreement == codes.JOINT),
        differing=sum(1 for r in dashboard_rows if r.differs),
        overdue=[r for r in dashboard_rows if r.status == codes.OVERDUE],
        off_track=[r for r in dashboard_rows if r.status == codes.OFF_TRACK],
    )


@dataclass
class Timeliness:
    """Reports due so far for one commitment: on time, late, missing."""

    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0


def timeliness(commitment: Commitment, today: date) -> Timeliness:
    """Count the periods whose report was due by today (period end + grace days)."""
    result = Timeliness()
    for point in commitment.points:
        period = periods.parse(point.period)
        if period.due > today:
            continue
        result.due += 1
        report = commitment.report_for(point.period)
        if report is None:
            result.missing += 1
        elif report.reported_at.date() <= period.due:
            result.on_time += 1
        else:
            result.late += 1
    return result


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def scorecards(dashboard_rows: list[Row], today: date) -> list[dict]:
    """Per lead institution: commitments led, share on track, share of reports on time.

    - share on track: commitments whose computed status is on track or achieved, of those led;
    - reports on time: reports received by their due date (period end + 30 days), of the
      reports due so far.
    """
    groups: dict[int, list[Row]] = defaultdict(list)
    for r in dashboard_rows:
        groups[r.commitment.lead_institution_id].append(r)
    cards = []
    for group in groups.values():
        lead = group[0].commitment.lead_institution
        on_track = sum(1 for r in group if r.status in (codes.ON_TRACK, codes.ACHIEVED))
        totals = Timeliness()
        for r in group:
            t = timeliness(r.commitment, today)
            totals.due += t.due
            totals.on_time += t.on_time
            totals.late += t.late
            totals.missing += t.missing
        cards.append(
            {
                "organization": lead,
                "led": len(group),
                "on_track": on_track,
                "share_on_track": _share(on_track, len(group)),
                "reports_due": totals.due,
                "reports_on_time": totals.on_time,
                "reports_late": totals.late,
                "reports_missing": totals.missing,
                "share_on_time": _share(totals.on_time, totals.due),
                "open_bottlenecks": sum(r.open_bottlenecks for r in group),
            }
        )
    return sorted(cards, key=lambda c: c["organization"].acronym)


def institutions_leading(visible=None) -> list[Organization]:
    """The institutions that lead at least one commitment `visible` lets through (the filter)."""
    leads = select(Commitment.lead_institution_id)
    if visible is not None:
        leads = leads.where(visible)
    return list(
        db.session.scalars(
            select(Organization).where(Organization.id.in_(leads)).order_by(Organization.acronym)
        )
    )


def open_periods(commitment: Commitment, today: date | None = None) -> list[str]:
    """The trajectory's periods that have started and have no report yet."""
    today = today or date.today()
    return [
        p.period
        for p in commitment.points
        if commitment.report_for(p.period) is None and periods.parse(p.period).start <= today
    ]
