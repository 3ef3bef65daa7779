"""The measures the portal computes from its own data, to which an indicator can be linked.

Each measure is a percentage computed for one reporting period over a set of projects (all of
them, those of one organization or of one sector; the public's over published projects only).
Money-based measures use the period's calendar year, since funding is recorded by year; the
others say which day they are taken on. A measure gives no value (None) when there is nothing
to divide by, e.g. no disbursement recorded for the year, or a round not closed yet.

Values are computed when they are read, never stored: a change to a project shows in the next
page drawn, and nothing has to remember to recompute (see values.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, exists, func, or_, select

from portal.budget.queries import on_budget_clause
from portal.commitments.periods import Period
from portal.commitments.rounds_figures import plans_disbursed, updated_on_time
from portal.commitments.scope import Figure, Scope, share  # noqa: F401  (measures.Scope for callers)
from portal.extensions import db
from portal.projects import codes as project_codes
from portal.projects.models import Project, ProjectChange, ProjectFunding

ZERO = Decimal(0)
# The states in which the lead ministry has confirmed a project's alignment (CDC's validation
# comes after a confirmation). Written here, as the alignment workflow names them, to read no
# view-layer module from commitments.
CONFIRMED_STATES = ("confirmed", "validated")


def _active_in(year: int) -> list:
    """A project running in `year` (cancelled ones aside)."""
    return [
        Project.status != project_codes.CANCELLED,
        or_(Project.start_year.is_(None), Project.start_year <= year),
        or_(Project.end_year.is_(None), Project.end_year >= year),
    ]


def _on_budget(scope: Scope, period: Period, today: date) -> Figure:
    total = func.sum(ProjectFunding.amount_usd)
    on = func.sum(case((on_budget_clause(Project), ProjectFunding.amount_usd), else_=ZERO))
    row = db.session.execute(
        select(on, total, func.count(func.distinct(Project.id)))
        .join(Project, Project.id == ProjectFunding.project_id)
        .where(
            ProjectFunding.kind == "disbursement",
            ProjectFunding.year == period.year,
            ProjectFunding.amount_usd.is_not(None),
            *scope.conditions(),
        )
    ).one()
    return Figure(share(row[0] or ZERO, row[1] or ZERO), row[2] or 0)


def _counted(scope: Scope, conditions: list, counted) -> Figure:
    """Projects meeting `conditions`, and the share of them meeting `counted`."""
    row = db.session.execute(
        select(func.count(Project.id), func.sum(case((counted, 1), else_=0))).where(
            *conditions, *scope.conditions()
        )
    ).one()
    whole = row[0] or 0
    return Figure(share(row[1] or 0, whole), whole)


def _alignment_confirmed(scope: Scope, period: Period, today: date) -> Figure:
    return _counted(scope, _active_in(period.year), Project.workflow_state.in_(CONFIRMED_STATES))


def day_of(period: Period, today: date) -> date:
    """The day a dated measure is taken on: the period's last day, or today if sooner."""
    return min(period.end, today)


def _updated(scope: Scope, period: Period, today: date) -> Figure:
    day = day_of(period, today)
    until = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    since = until - timedelta(days=365)
    # The project's history records its creation and every change, each at its time, so a
    # period's figure does not move when a project is edited again later.
    recent = exists().where(
        ProjectChange.project_id == Project.id,
        ProjectChange.at >= since,
        ProjectChange.at < until,
    )
    return _counted(scope, [*_active_in(day.year), Project.created_at < until], recent)


def _predictability(scope: Scope, period: Period, today: date) -> Figure:
    return plans_disbursed(scope, period.year)


def _updated_on_time(scope: Scope, period: Period, today: date) -> Figure:
    return updated_on_time(scope, period.year)


@dataclass(frozen=True)
class Measure:
    """One measure of the registry."""

    key: str
    name: object  # a lazy string, in the reader's language
    how: object
    compute: Callable[[Scope, Period, date], Figure]
    unit: str = "%"


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure(
            "disbursed_on_budget",
            _l("Share of disbursements on budget"),
            _l(
                "Disbursements (USD) of the period's year by projects recorded on budget, as a "
                "share of all disbursements of that year."
            ),
            _on_budget,
        ),
        Measure(
            "alignment_confirmed",
            _l("Share of projects with a confirmed alignment"),
            _l(
                "Projects running in the period's year whose alignment the lead ministry has "
                "confirmed (or CDC has validated), as a share of all projects running that year; "
                "their state today."
            ),
            _alignment_confirmed,
        ),
        Measure(
            "updated_12_months",
            _l("Share of projects updated in the last 12 months"),
            _l(
                "Projects running on the period's last day (or today, for a period not over) "
                "that were created or changed in the 12 months before that day, as a share of "
                "those projects."
            ),
            _updated,
        ),
        Measure(
            "predictability",
            _l("Predictability: share of planned disbursements disbursed"),
            _l(
                "For the period's year Y: the part of what partners planned for Y in round Y−1 "
                "that they disbursed in Y (round Y), as a share of the plans; both rounds must "
                "be closed."
            ),
            _predictability,
        ),
        Measure(
            "round_on_time",
            _l("Share of projects updated on time in the year's reporting round"),
            _l(
                "Projects the reporting round of the period's year asks about that were updated "
                "(or confirmed unchanged) in the round by its deadline, as a share of them."
            ),
            _updated_on_time,
        ),
    )
}


def choices() -> list[tuple[str, object]]:
    """(key, name) of every measure, for a select."""
    return [(m.key, m.name) for m in MEASURES.values()]


def in_scope(scope: Scope) -> Select:
    """The ids of the scope's projects."""
    return select(Project.id).where(and_(True, *scope.conditions()))
