"""What a live report and a report from a closed round's snapshot share: who the report is
read as, the data it holds, and the sections both collect the same way (alignment's table,
commitments, pilots, predictability). content.py (live) and frozen.py (snapshot) read this.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from portal.aggregates.services import Row
from portal.alignment.workflow import CONFIRMED, RETURNED, VALIDATED, WAITING_FOR_MINISTRY
from portal.extensions import db
from portal.money.models import ExchangeRate
from portal.organizations.models import Organization
from portal.organizations.services import by_ids
from portal.reports.params import ReportParams
from portal.roles import Role

if TYPE_CHECKING:
    from portal.rounds.models import ReportingRound
    from portal.rounds.report import FrozenRate


class ReportReader:
    """Who an internal report is read as: CDC, which sees every project."""

    is_authenticated = True
    is_active = True
    role = Role.CDC
    organization_id = None


class PublicReader:
    """Who a public report is read as: a visitor who is not logged in."""

    is_authenticated = False
    is_active = False
    is_anonymous = True
    role = None
    organization_id = None


def reader_for(params: ReportParams):
    """The reader whose view of the projects the report gives (by its audience)."""
    return PublicReader() if params.is_public else ReportReader()


@dataclass
class ReportData:
    """Everything a report shows, independent of its language."""

    params: ReportParams
    data_time: datetime
    key: dict = field(default_factory=dict)
    rows: dict[str, list[Row]] = field(default_factory=dict)
    trend: list[Row] = field(default_factory=list)
    alignment: list[dict] = field(default_factory=list)
    alignment_total: dict = field(default_factory=dict)
    disputes: list[dict] = field(default_factory=list)
    commitments: list = field(default_factory=list)
    pilots: list = field(default_factory=list)
    quality: list[dict] = field(default_factory=list)
    # Every project not updated for a year, oldest first (portal.reports.lists.NamedProject).
    stale: list = field(default_factory=list)
    rates: Sequence[ExchangeRate | FrozenRate] = field(default_factory=list)
    organizations: dict[int, Organization] = field(default_factory=dict)
    scope_organization: Organization | None = None
    # A report from a closed round: the round, its coverage and the map's figures as frozen.
    round: ReportingRound | None = None
    coverage: object = None
    predictability: object = None
    map_figures: object = None
    # The executive summary: the key figures against the period before (portal.reports.summary).
    summary: object = None
    # Loans and their concessionality by lending partner (portal.reports.loans.LoanSection).
    loans: object = None
    # Money by kind of funding source, year by year (portal.reports.sources.SourceSection).
    sources: object = None


def alignment_rows(data: ReportData, counts: dict[int | None, Counter]) -> None:
    """The alignment table from counts of projects by lead ministry and workflow state."""
    organizations = by_ids(counts)
    data.organizations.update(organizations)

    def row(counter: Counter, organization) -> dict:
        whole = sum(counter.values())
        confirmed = counter[CONFIRMED] + counter[VALIDATED]
        pending = sum(counter[s] for s in WAITING_FOR_MINISTRY)
        return {
            "organization": organization,
            "projects": whole,
            "confirmed": confirmed,
            "returned": counter[RETURNED],
            "pending": pending,
            "share_confirmed": round(100 * confirmed / whole) if whole else None,
            "share_returned": round(100 * counter[RETURNED] / whole) if whole else None,
            "share_pending": round(100 * pending / whole) if whole else None,
        }

    data.alignment = sorted(
        (row(c, organizations.get(m) if m is not None else None) for m, c in counts.items()),
        key=lambda r: (-r["projects"], r["organization"].acronym if r["organization"] else ""),
    )
    data.alignment_total = row(sum(counts.values(), Counter()), None)


def scope_organization_id(params: ReportParams) -> int | None:
    return int(params.scope_value) if params.scope in ("partner", "ministry") else None


def collect_commitments(data: ReportData) -> None:
    """The commitments (of the scope's organization, when the scope is one), judged today."""
    from portal.commitments import charts, queries

    organization_id = scope_organization_id(data.params)
    today = data.data_time.date()
    for commitment in queries.load():
        parties = {p.organization_id for p in commitment.parties}
        parties.add(commitment.lead_institution_id)
        if organization_id and organization_id not in parties:
            continue
        data.commitments.append((queries.row_of(commitment, today), charts.trajectory(commitment)))


def collect_pilots(data: ReportData) -> None:
    """The pilots (of the scope's organization), with the lessons learned in the period."""
    from portal.pilots.models import Pilot

    organization_id = scope_organization_id(data.params)
    params = data.params
    first, last = date(params.year, 1, 1), date(params.last_year, 12, 31)
    for pilot in db.session.scalars(select(Pilot).order_by(Pilot.name_en)):
        if organization_id and organization_id not in pilot.partner_ids:
            continue
        lessons = [lesson for lesson in pilot.lessons if first <= lesson.learned_on <= last]
        data.pilots.append((pilot, lessons))


def collect_predictability(data: ReportData) -> None:
    """Planned against actual disbursements of the report's year (two closed rounds needed)."""
    from portal.rounds import predictability

    data.predictability = predictability.measure(data.params.year)
    if data.predictability:
        data.organizations.update(
            by_ids(
                [g.key for g in data.predictability.by_partner]
                + [g.key for g in data.predictability.by_ministry]
            )
        )
