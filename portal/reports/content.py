"""The figures of a joint review report, taken from the same services as the pages.

Money comes from the one aggregate service (so the report's totals are the dashboard's for
the same scope and year); alignment, reconciliation, commitments, pilots and data quality come
from their own models, limited to the report's scope where the scope applies to them.

Every project is read through `portal.security` as the report's reader: CDC for the internal
edition, a logged-out visitor for the public one (published projects only, as on the public
dashboard and map).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import CompoundSelect, case, func, select, type_coerce, union

from portal.aggregates.services import aggregate, totals
from portal.alignment import queries as alignment_queries
from portal.db import Money
from portal.extensions import db
from portal.money.models import ExchangeRate
from portal.organizations.models import Organization
from portal.organizations.services import by_ids
from portal.projects.models import Project, ProjectFunding
from portal.projects.quality import STALE_AFTER
from portal.projects.queries import filtered
from portal.reports import frozen, lists, sources, summary
from portal.reports import loans as loan_section
from portal.reports.common import (  # noqa: F401  (the report's data and readers, as before)
    PublicReader,
    ReportData,
    ReportReader,
    alignment_rows,
    collect_commitments,
    collect_pilots,
    collect_predictability,
    reader_for,
    scope_organization_id,
)
from portal.reports.params import ReportParams

STEPS = (
    "summary",
    "money",
    "sources",
    "loans",
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
                # The disputed figures' projects and years (one OR clause a figure made the
                # statement grow with the database).
                ProjectFunding.project_id.in_(sorted({p.id for _f, p in figures})),
                ProjectFunding.year.between(params.year, params.last_year),
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
    data.disputes = lists.disputes_by_money(data.disputes)


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
    # Every stale project, oldest first: the PDF shows the first, the workbook all of them
    # (plain columns: at national scale they are thousands).
    data.stale = [
        lists.NamedProject(*row)
        for row in db.session.execute(
            select(
                Project.id,
                Project.title_en,
                Project.title_km,
                Project.reporting_org_id,
                Project.updated_at,
            )
            .where(Project.id.in_(in_scope), Project.updated_at < stale_before)
            .order_by(Project.updated_at, Project.id)
        )
    ]
    data.organizations.update(by_ids({p.reporting_org_id for p in data.stale}))


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


def collect_summary(data: ReportData) -> None:
    """The key figures of the period against those of the period before."""
    data.summary = summary.live(data.params)


COLLECTORS = {
    "summary": collect_summary,
    "money": collect_money,
    "sources": sources.collect,
    "loans": loan_section.collect_live,
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
    "sources": "sources",
    "loans": "loans",
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
        return frozen.collect_frozen(params, progress)
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
