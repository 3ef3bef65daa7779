"""The figures of a joint review report, taken from the same services as the pages.

Money comes from the one aggregate service (so the report's totals are the dashboard's for
the same scope and year); alignment, reconciliation, commitments, pilots and data quality come
from their own models, limited to the report's scope where the scope applies to them.

Every project is read through `portal.security` as the report's reader: CDC for the internal
edition, a logged-out visitor for the public one (published projects only, as on the public
dashboard and map).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from sqlalchemy import CompoundSelect, and_, case, func, or_, select, type_coerce, union

from portal.accounts.models import Role
from portal.aggregates.services import Row, aggregate, totals
from portal.alignment import queries as alignment_queries
from portal.alignment.workflow import CONFIRMED, RETURNED, VALIDATED, WAITING_FOR_MINISTRY
from portal.db import Money
from portal.extensions import db
from portal.money.models import ExchangeRate
from portal.organizations.models import Organization
from portal.organizations.services import by_ids
from portal.projects.models import Project, ProjectFunding
from portal.projects.quality import STALE_AFTER
from portal.projects.queries import filtered
from portal.reports.params import ReportParams

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
    stale: list[Project] = field(default_factory=list)
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


STEPS = (
    "summary",
    "money",
    "alignment",
    "reconciliation",
    "commitments",
    "pilots",
    "quality",
    "predictability",
)


def _scoped_projects(params: ReportParams):
    """The ids of the projects in the report's scope (for sections outside the money)."""
    return filtered(reader_for(params), params.filters()).with_only_columns(Project.id)


def collect_money(data: ReportData) -> None:
    """Key figures, the groups of the period and the trend over all years."""
    params = data.params
    reader, filters = reader_for(params), params.filters()
    year, year_to = params.year, params.last_year
    by_partner = aggregate(reader, filters, "partner", year=year, year_to=year_to)
    total = totals(by_partner)
    budget = {
        r.key: r.disbursed
        for r in aggregate(
            reader,
            filters,
            "on_budget",
            year=year,
            year_to=year_to,
            measures=("disbursed",),
            counts=False,
        )
    }
    data.key = {
        "disbursed": total.disbursed,
        "planned": total.planned,
        "commitment": total.commitment,
        "partners": sum(1 for r in by_partner if r.disbursed or r.planned),
        "on_budget_share": (
            round(100 * budget.get(True, Decimal(0)) / total.disbursed) if total.disbursed else None
        ),
        "on_budget": budget.get(True, Decimal(0)),
    }
    data.rows["partner"] = by_partner
    for dimension in ("category", "province", "assistance", "modality"):
        data.rows[dimension] = aggregate(reader, filters, dimension, year=year, year_to=year_to)
    data.trend = sorted(
        (
            r
            for r in aggregate(reader, filters, "year", measures=("disbursed", "planned"))
            if r.key is not None and (r.disbursed or r.planned)
        ),
        key=lambda r: cast(int, r.key),  # the year
    )
    data.organizations.update(by_ids(r.key for r in by_partner))


def collect_alignment(data: ReportData) -> None:
    """Per lead ministry: how many projects are confirmed, returned, waiting (drafts left out)."""
    alignment_rows(data, alignment_queries.states_by_lead(_scoped_projects(data.params)))


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


def collect_reconciliation(data: ReportData) -> None:
    """Yearly figures of the period that are disputed, beside what the partner reported."""
    params = data.params
    figures = alignment_queries.disputed_in_years(
        params.year, params.last_year, _scoped_projects(params)
    )
    if not figures:
        return
    reported = {
        (project_id, year): amount
        for project_id, year, amount in db.session.execute(
            select(
                ProjectFunding.project_id,
                ProjectFunding.year,
                type_coerce(func.sum(ProjectFunding.amount_usd), Money),
            )
            .where(
                ProjectFunding.kind == "disbursement",
                or_(
                    *(
                        and_(ProjectFunding.project_id == p.id, ProjectFunding.year == f.year)
                        for f, p in figures
                    )
                ),
            )
            .group_by(ProjectFunding.project_id, ProjectFunding.year)
        )
    }
    # A figure's thread is between the partner, the ministry and CDC: never in a public edition.
    last_comment = (
        {} if params.is_public else alignment_queries.last_comments([f.id for f, _ in figures])
    )
    for figure, project in figures:
        partner_usd = reported.get((project.id, figure.year))
        data.disputes.append(
            {
                "project": project,
                "year": figure.year,
                "partner_usd": partner_usd,
                "government_usd": figure.recorded_usd,
                "difference": (
                    figure.recorded_usd - partner_usd
                    if figure.recorded_usd is not None and partner_usd is not None
                    else None
                ),
                "comment": last_comment.get(figure.id),
            }
        )


def _scope_organization_id(params: ReportParams) -> int | None:
    return int(params.scope_value) if params.scope in ("partner", "ministry") else None


def collect_commitments(data: ReportData) -> None:
    """The commitments (of the scope's organization, when the scope is one), judged today."""
    from portal.commitments import charts, queries

    organization_id = _scope_organization_id(data.params)
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

    organization_id = _scope_organization_id(data.params)
    params = data.params
    first, last = date(params.year, 1, 1), date(params.last_year, 12, 31)
    for pilot in db.session.scalars(select(Pilot).order_by(Pilot.name_en)):
        if organization_id and organization_id not in pilot.partner_ids:
            continue
        lessons = [lesson for lesson in pilot.lessons if first <= lesson.learned_on <= last]
        data.pilots.append((pilot, lessons))


def collect_quality(data: ReportData) -> None:
    """Completeness by partner, and the projects nobody has touched for a year."""
    in_scope = _scoped_projects(data.params)
    stale_before = data.data_time - STALE_AFTER
    rows = db.session.execute(
        select(
            Project.reporting_org_id,
            func.count(),
            func.avg(Project.quality_score),
            func.sum(case((Project.updated_at < stale_before, 1), else_=0)),
        )
        .where(Project.id.in_(in_scope))
        .group_by(Project.reporting_org_id)
    ).all()
    organizations = by_ids(r[0] for r in rows)
    data.organizations.update(organizations)
    data.quality = sorted(
        (
            {
                "organization": organizations.get(org_id),
                "projects": n,
                "score": round(float(score or 0)),
                "stale": int(stale or 0),
            }
            for org_id, n, score, stale in rows
        ),
        key=lambda r: (r["score"], r["organization"].acronym if r["organization"] else ""),
    )
    data.stale = list(
        db.session.scalars(
            select(Project)
            .where(Project.id.in_(in_scope), Project.updated_at < stale_before)
            .order_by(Project.updated_at)
            .limit(30)
        )
    )
    data.organizations.update(by_ids(p.reporting_org_id for p in data.stale))


def collect_rates(data: ReportData) -> None:
    """The exchange rates of the period's years (the methodology lists them)."""
    params = data.params
    statement = (
        select(ExchangeRate)
        .where(ExchangeRate.year.between(params.year, params.last_year))
        .order_by(ExchangeRate.year, ExchangeRate.currency_code)
    )
    if params.is_public:
        # Only the currencies of the projects the public sees (their pages show the rates).
        in_scope = _scoped_projects(params)
        used: CompoundSelect[str | None] = union(
            select(ProjectFunding.currency).where(ProjectFunding.project_id.in_(in_scope)),
            select(Project.commitment_currency).where(Project.id.in_(in_scope)),
        )
        statement = statement.where(ExchangeRate.currency_code.in_(used))
    data.rates = list(db.session.scalars(statement))


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


def collect_summary(data: ReportData) -> None:
    """The key figures of the period against those of the period before."""
    from portal.reports import summary

    data.summary = summary.live(data.params)


COLLECTORS = {
    "summary": collect_summary,
    "money": collect_money,
    "alignment": collect_alignment,
    "reconciliation": collect_reconciliation,
    "commitments": collect_commitments,
    "pilots": collect_pilots,
    "quality": collect_quality,
    "predictability": collect_predictability,
}
# Which step each section needs.
NEEDS = {
    "summary": "summary",
    "key_figures": "money",
    "partners": "money",
    "sectors": "money",
    "provinces": "money",
    "assistance": "money",
    "trend": "money",
    "alignment": "alignment",
    "reconciliation": "reconciliation",
    "commitments": "commitments",
    "pilots": "pilots",
    "quality": "quality",
    "predictability": "predictability",
}


def collect(params: ReportParams, progress=None) -> ReportData:
    """Take the report's figures in one go; `progress(step, i, n)` is told each step."""
    if params.round_year is not None:
        from portal.reports.frozen import collect_frozen

        return collect_frozen(params, progress)
    data = ReportData(params=params, data_time=datetime.now(UTC))
    if params.scope in ("partner", "ministry"):
        data.scope_organization = db.session.get(Organization, int(params.scope_value))
    steps = [s for s in STEPS if any(NEEDS.get(section) == s for section in params.sections)]
    for index, step in enumerate(steps):
        if progress:
            progress(step, index, len(steps))
        COLLECTORS[step](data)
    collect_rates(data)
    return data
