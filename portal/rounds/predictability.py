"""Predictability of aid: what partners planned for a year against what they disbursed in it.

For year Y, a project's plan is its planned disbursement for Y frozen in round Y-1, and its
actual is the disbursement of Y frozen in round Y (both in USD as frozen). Per project the part
that was both planned and disbursed is the smaller of the two; summed over a group:

- share of plans disbursed = sum of min(plan, actual) / sum of plans
  (the Global Partnership's in-year predictability: aid disbursed as scheduled);
- share of actuals planned = sum of min(plan, actual) / sum of actuals
  (how much of what arrived the government could have budgeted for).

A project planned in Y-1 but missing from round Y counts with an actual of 0, and one new in
round Y with a plan of 0. Only closed rounds count: their figures no longer change.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.rounds.models import RoundSnapshotFunding, RoundSnapshotProject
from portal.rounds.scope import closed_round, snapshot_stamp

ZERO = Decimal(0)


@dataclass
class Predictability:
    """The planned and actual disbursement of one group (a partner, a ministry, the country)."""

    key: object
    planned: Decimal = ZERO
    actual: Decimal = ZERO
    matched: Decimal = ZERO
    projects: int = 0

    @property
    def share_of_plans_disbursed(self) -> float | None:
        return float(self.matched / self.planned * 100) if self.planned else None

    @property
    def share_of_actuals_planned(self) -> float | None:
        return float(self.matched / self.actual * 100) if self.actual else None

    @property
    def gap(self) -> Decimal:
        return self.actual - self.planned

    def add(self, planned: Decimal, actual: Decimal) -> None:
        self.planned += planned
        self.actual += actual
        self.matched += min(planned, actual)
        self.projects += 1


@dataclass
class Result:
    year: int
    national: Predictability
    by_partner: list[Predictability] = field(default_factory=list)
    by_ministry: list[Predictability] = field(default_factory=list)


def _frozen(round_id: int, kind: str, year: int) -> dict[int, tuple[int, int | None, Decimal]]:
    """project id -> (partner, lead ministry, USD of `kind` in `year`) of a closed round."""
    figures: dict[int, tuple[int, int | None, Decimal]] = {}
    money = (
        select(RoundSnapshotFunding.snapshot_id, RoundSnapshotFunding.amount_usd)
        .where(RoundSnapshotFunding.kind == kind, RoundSnapshotFunding.year == year)
        .subquery()
    )
    for project_id, partner, ministry, amount in db.session.execute(
        select(
            RoundSnapshotProject.project_id,
            RoundSnapshotProject.reporting_org_id,
            RoundSnapshotProject.lead_national_partner_id,
            money.c.amount_usd,
        )
        .outerjoin(money, money.c.snapshot_id == RoundSnapshotProject.id)
        .where(RoundSnapshotProject.round_id == round_id)
    ):
        key = project_id if project_id is not None else -len(figures) - 1
        _, _, before = figures.get(key, (partner, ministry, ZERO))
        figures[key] = (partner, ministry, before + (amount or ZERO))
    return figures


# Results by database and year, with the stamps of the two snapshots they were computed from:
# closed rounds change only when a grace period's re-submission rewrites a partner's part.
_MEASURED: dict[tuple[str, int], tuple[tuple, Result]] = {}


def forget_measured() -> None:
    """Drop what is kept (a test's rolled-back rounds may come back with the same stamps)."""
    _MEASURED.clear()


def measure(year: int) -> Result | None:
    """Predictability of `year`, or None unless the rounds of `year` and `year - 1` are closed.

    Computed once while both snapshots stay the same; callers get a copy of their own."""
    current, previous = closed_round(year), closed_round(year - 1)
    if current is None or previous is None:
        return None
    where = (db.engine.url.render_as_string(hide_password=True), year)
    stamp = (current.id, previous.id, snapshot_stamp(current.id), snapshot_stamp(previous.id))
    cached = _MEASURED.get(where)
    if cached is None or cached[0] != stamp:
        if len(_MEASURED) > 16:
            _MEASURED.clear()
        cached = _MEASURED[where] = (stamp, _measure(year, current, previous))
    return copy.deepcopy(cached[1])


def _measure(year: int, current, previous) -> Result:
    plans = _frozen(previous.id, "planned", year)
    actuals = _frozen(current.id, "disbursement", year)
    national = Predictability("national")
    partners: dict[int, Predictability] = {}
    ministries: dict[int | None, Predictability] = {}
    for project_id in plans.keys() | actuals.keys():
        planned = plans[project_id][2] if project_id in plans else ZERO
        if project_id in actuals:
            partner, ministry, actual = actuals[project_id]
        else:
            partner, ministry, _planned = plans[project_id]
            actual = ZERO
        if not planned and not actual:
            continue
        national.add(planned, actual)
        partners.setdefault(partner, Predictability(partner)).add(planned, actual)
        ministries.setdefault(ministry, Predictability(ministry)).add(planned, actual)

    def ordered(groups: dict) -> list[Predictability]:
        return sorted(groups.values(), key=lambda g: (-(g.planned + g.actual), str(g.key)))

    return Result(year, national, ordered(partners), ordered(ministries))


def years_measurable() -> list[int]:
    """The years whose predictability can be measured (two consecutive closed rounds)."""
    from portal.rounds.services import all_rounds

    closed = {r.year for r in all_rounds() if not r.is_open}
    return sorted((y for y in closed if y - 1 in closed), reverse=True)


def for_reader(user, year: int) -> dict | None:
    """The predictability of `year` a dashboard shows its reader: the country for CDC, a
    partner's or a ministry's own line for their focal points, nothing for the public."""
    from portal.accounts.models import Role

    if not getattr(user, "is_authenticated", False):
        return None
    result = measure(year)
    if result is None:
        return None
    if user.role is Role.CDC:
        return {"year": year, "group": result.national, "scope": "national"}
    groups = result.by_partner if user.role is Role.DP else result.by_ministry
    own = next((g for g in groups if g.key == user.organization_id), None)
    return {"year": year, "group": own, "scope": "own"} if own else None
