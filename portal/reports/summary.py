"""The executive summary: the key figures of the report's period against the period before.

The figures are the report's own (the aggregate service for live data, the rounds' snapshots
for a report from a closed round), read as the report's reader, for the same scope:
commitments, disbursements, active projects (with money disbursed or planned in the period),
the share of disbursements on budget and, in the internal edition, the share of those projects
whose alignment the lead ministry confirmed (or CDC validated).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from portal.aggregates.services import aggregate, totals
from portal.alignment import queries as alignment_queries
from portal.alignment.workflow import CONFIRMED, DRAFT, VALIDATED
from portal.extensions import db
from portal.projects.models import Project, ProjectFunding
from portal.projects.queries import filtered
from portal.reports.common import reader_for
from portal.reports.params import ReportParams

SHARE = Decimal("0.1")
# In the order of the summary's table; shares are in percent, their change in points.
FIGURES = ("commitment", "disbursed", "projects", "on_budget_share", "confirmed_share")
MONEY = frozenset({"commitment", "disbursed"})
SHARES = frozenset({"on_budget_share", "confirmed_share"})


@dataclass
class Change:
    """One figure of the summary: this period's, the previous one's, and how it moved."""

    name: str
    current: Decimal | int | None
    previous: Decimal | int | None

    @property
    def difference(self) -> Decimal | int | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def percent(self) -> Decimal | None:
        """The change in percent of the previous value (None for shares, or from zero)."""
        if self.name in SHARES or self.difference is None or not self.previous:
            return None
        return (Decimal(100) * self.difference / Decimal(self.previous)).quantize(SHARE)


@dataclass
class Summary:
    """The two periods' labels and figures."""

    current_label: str
    previous_label: str
    rows: list[Change]
    # A report from a closed round compares with the round before; None when it is not closed.
    previous_missing: bool = False

    def row(self, name: str) -> Change:
        return next(r for r in self.rows if r.name == name)


def _share(part, whole) -> Decimal | None:
    return (Decimal(100) * Decimal(part) / Decimal(whole)).quantize(SHARE) if whole else None


def previous_period(params: ReportParams) -> tuple[int, int]:
    """The period as long as the report's that ends the year before it starts."""
    length = params.last_year - params.year + 1
    return params.year - length, params.year - 1


def label(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def live_figures(params: ReportParams, first: int, last: int) -> dict:
    """The key figures of the years `first` to `last`, from the live data."""
    reader, filters = reader_for(params), params.filters()
    rows = aggregate(reader, filters, "on_budget", year=first, year_to=last, counts=False)
    total = totals(rows)
    on_budget = sum((r.disbursed for r in rows if r.key is True), Decimal(0))
    in_scope = filtered(reader, filters).with_only_columns(Project.id)
    active = (
        select(ProjectFunding.project_id)
        .where(
            ProjectFunding.project_id.in_(in_scope),
            ProjectFunding.year.between(first, last),
            ProjectFunding.kind.in_(("disbursement", "planned")),
            ProjectFunding.amount_usd != 0,
        )
        .distinct()
    )
    figures = {
        "commitment": total.commitment,
        "disbursed": total.disbursed,
        "projects": db.session.scalar(select(func.count()).select_from(active.subquery())) or 0,
        "on_budget_share": _share(on_budget, total.disbursed),
        "confirmed_share": None,
    }
    if not params.is_public:
        states = sum(alignment_queries.states_by_lead(active).values(), Counter())
        figures["confirmed_share"] = _share(
            states[CONFIRMED] + states[VALIDATED], sum(states.values())
        )
    return figures


def frozen_figures(params: ReportParams, snapshots, year: int) -> dict:
    """The key figures of `year` from a round's snapshot rows (already limited to the reader)."""
    from portal.rounds import report as rounds

    cents: Counter = Counter()
    on_budget, active = 0, 0
    states: Counter = Counter()
    for snapshot in snapshots:
        money = rounds.measures(snapshot, year)
        cents.update(money)
        if snapshot.on_budget:
            on_budget += money["disbursed"]
        if money["disbursed"] or money["planned"]:
            active += 1
            if snapshot.workflow_state != DRAFT:
                states[snapshot.workflow_state] += 1
    return {
        "commitment": rounds.to_money(cents["commitment"]),
        "disbursed": rounds.to_money(cents["disbursed"]),
        "projects": active,
        "on_budget_share": _share(on_budget, cents["disbursed"]),
        "confirmed_share": None
        if params.is_public
        else _share(states[CONFIRMED] + states[VALIDATED], sum(states.values())),
    }


def compare(params: ReportParams, current: dict, previous: dict | None, previous_label: str):
    """The summary of two periods' figures (the alignment share only in the internal edition)."""
    names = [n for n in FIGURES if not (n == "confirmed_share" and params.is_public)]
    return Summary(
        current_label=label(params.year, params.last_year),
        previous_label=previous_label,
        rows=[Change(n, current[n], previous[n] if previous else None) for n in names],
        previous_missing=previous is None,
    )


def live(params: ReportParams) -> Summary:
    """The summary of a report from live data."""
    first, last = previous_period(params)
    return compare(
        params,
        live_figures(params, params.year, params.last_year),
        live_figures(params, first, last),
        label(first, last),
    )


def frozen(params: ReportParams, snapshots, visible) -> Summary:
    """The summary of a report from a closed round, against the round of the year before.

    `visible` limits a snapshot to what the report's reader sees.
    """
    from portal.rounds import report as rounds
    from portal.rounds.services import closed_round

    year = params.year
    before = closed_round(year - 1)
    previous = (
        frozen_figures(params, visible(rounds.snapshot_of(before, params)), year - 1)
        if before is not None
        else None
    )
    return compare(params, frozen_figures(params, snapshots, year), previous, str(year - 1))
