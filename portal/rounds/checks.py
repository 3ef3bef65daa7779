"""The round's data-quality checks: what a partner's figures for the round still lack or jar.

- missing actual: a project running in the round's year without an actual disbursement for it;
- missing plan: a project going on after the year without a plan for the next one;
- past its end: a project still in implementation after its end date;
- tenfold jump: the year's actual against the previous year's (or the next year's plan against
  the previous round's plan for it) moved more than tenfold, up or down, from the previous
  closed round's snapshot;
- loan without terms, and signed commitments above the total: the data-quality findings of the
  same names (portal/projects/quality.py), read from the score stored with the project, so the
  round and the Data quality page apply one rule;
- missing expenditure: a project running in the round's year that reports expenditure for an
  earlier year but none for this one;
- missing result: an indicator period ending in the round's year with a target and no actual
  (no value, no comment).

A partner's return asks these checks to be cleared, or the remaining ones explained
(`services.submit_return`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.extensions import db
from portal.projects import codes
from portal.projects.models import Project, ProjectFunding
from portal.projects.sources import FundingSource, SourceFunding
from portal.results.models import IndicatorPeriod, ProjectResult, ResultIndicator
from portal.rounds.models import ReportingRound, RoundSnapshotFunding, RoundSnapshotProject
from portal.rounds.scope import closed_round, concerned, current_open

CHECKS = {
    "missing_actual": _l("No actual disbursement for the round's year"),
    "missing_plan": _l("No plan for the next year"),
    "past_end": _l("Still in implementation after its end date"),
    "tenfold": _l("A figure moved more than tenfold from the previous round"),
    "loan_terms": _l("A loan without its terms (interest, maturity, grace period, repayment)"),
    "sources_signed": _l("Commitments signed by year add up to more than the total commitment"),
    "missing_expenditure": _l(
        "No expenditure for the round's year, though earlier years report some"
    ),
    "missing_result": _l("A result indicator has a target for the round's year but no actual"),
}
# The checks that are data-quality findings of the project (portal/projects/quality.py).
QUALITY_CHECKS = ("loan_terms", "sources_signed")
JUMP = Decimal(10)


def _jumped(before: Decimal | None, now: Decimal | None) -> bool:
    if not before or not now:
        return False
    return now > before * JUMP or before > now * JUMP


def findings(
    round_: ReportingRound, organization_id: int | None = None, today: date | None = None
) -> dict[int, list[str]]:
    """project id -> the checks it fails, for the projects the round concerns (of one partner)."""
    today = today or date.today()
    where = [concerned(round_)]
    if organization_id is not None:
        where.append(Project.reporting_org_id == organization_id)
    projects = db.session.execute(
        select(
            Project.id,
            Project.status,
            Project.start_year,
            Project.end_year,
            Project.actual_end,
            Project.planned_end,
            Project.quality_findings,
        ).where(*where)
    ).all()
    ids = select(Project.id).where(*where).scalar_subquery()
    money: dict[int, dict[tuple[str, int], Decimal]] = defaultdict(dict)
    for project_id, kind, year, usd in db.session.execute(
        select(
            ProjectFunding.project_id,
            ProjectFunding.kind,
            ProjectFunding.year,
            ProjectFunding.amount_usd,
        ).where(
            ProjectFunding.project_id.in_(ids),
            ProjectFunding.year.between(round_.year, round_.year + 1),
        )
    ):
        key = (kind, year)
        money[project_id][key] = money[project_id].get(key, Decimal(0)) + (usd or 0)
    previous = _previous(round_, organization_id)
    spent = _expenditure_years(round_, ids)
    results_due = _results_without_actual(round_, ids)
    result: dict[int, list[str]] = {}
    for row in projects:
        project_id, status, start_year, end_year, actual_end, planned_end, stored = row
        found = []
        figures = money.get(project_id, {})
        started = start_year is None or start_year <= round_.year
        running = started and status != codes.PIPELINE
        if running and ("disbursement", round_.year) not in figures:
            found.append("missing_actual")
        goes_on = end_year is None or end_year > round_.year
        if (
            goes_on
            and status in (codes.PIPELINE, codes.IMPLEMENTATION)
            and ("planned", round_.year + 1) not in figures
        ):
            found.append("missing_plan")
        end = actual_end or planned_end
        if status == codes.IMPLEMENTATION and end is not None and end < today:
            found.append("past_end")
        before = previous.get(project_id, {})
        if _jumped(
            before.get(("disbursement", round_.year - 1)),
            figures.get(("disbursement", round_.year)),
        ) or _jumped(
            before.get(("planned", round_.year + 1)), figures.get(("planned", round_.year + 1))
        ):
            found.append("tenfold")
        codes_found = {item["code"] for item in stored or []}
        found += [check for check in QUALITY_CHECKS if check in codes_found]
        years = spent.get(project_id, set())
        if running and years and min(years) < round_.year and round_.year not in years:
            found.append("missing_expenditure")
        if project_id in results_due:
            found.append("missing_result")
        if found:
            result[project_id] = found
    return result


def _expenditure_years(round_: ReportingRound, ids) -> dict[int, set[int]]:
    """The years up to the round's that have expenditure, by project (any of its sources)."""
    years: dict[int, set[int]] = defaultdict(set)
    for project_id, year in db.session.execute(
        select(FundingSource.project_id, SourceFunding.year)
        .join(SourceFunding, SourceFunding.source_id == FundingSource.id)
        .where(
            FundingSource.project_id.in_(ids),
            SourceFunding.kind == "expenditure",
            SourceFunding.year <= round_.year,
        )
        .distinct()
    ):
        years[project_id].add(year)
    return years


def _blank(column):
    return func.coalesce(func.trim(column), "") == ""


def _results_without_actual(round_: ReportingRound, ids) -> set[int]:
    """The projects with an indicator period ending in the round's year that has a target and
    no actual: neither a value nor a comment (a qualitative indicator's are comments; a number
    not yet known may be explained in the comment)."""
    return set(
        db.session.scalars(
            select(ProjectResult.project_id)
            .join(ResultIndicator, ResultIndicator.result_id == ProjectResult.id)
            .join(IndicatorPeriod, IndicatorPeriod.indicator_id == ResultIndicator.id)
            .where(
                ProjectResult.project_id.in_(ids),
                IndicatorPeriod.period_end.between(
                    date(round_.year, 1, 1), date(round_.year, 12, 31)
                ),
                ~(_blank(IndicatorPeriod.target_value) & _blank(IndicatorPeriod.target_comment)),
                _blank(IndicatorPeriod.actual_value),
                _blank(IndicatorPeriod.actual_comment),
            )
            .distinct()
        )
    )


def _previous(round_: ReportingRound, organization_id: int | None):
    """The previous closed round's frozen USD figures by project."""
    before = closed_round(round_.year - 1)
    if before is None:
        return {}
    statement = (
        select(
            RoundSnapshotProject.project_id,
            RoundSnapshotFunding.kind,
            RoundSnapshotFunding.year,
            RoundSnapshotFunding.amount_usd,
        )
        .join(RoundSnapshotFunding, RoundSnapshotFunding.snapshot_id == RoundSnapshotProject.id)
        .where(RoundSnapshotProject.round_id == before.id)
    )
    if organization_id is not None:
        statement = statement.where(RoundSnapshotProject.reporting_org_id == organization_id)
    figures: dict[int | None, dict] = defaultdict(dict)
    for project_id, kind, year, usd in db.session.execute(statement):
        key = (kind, year)
        figures[project_id][key] = figures[project_id].get(key, Decimal(0)) + (usd or 0)
    return figures


def counts(found: dict[int, list[str]]) -> Counter:
    """How many projects fail each check."""
    return Counter(check for checks in found.values() for check in checks)


def panel_for(user) -> dict | None:
    """The open round's checks as the Data quality page shows them to `user` (CDC: all
    partners; a partner: its own projects), or None when no round is open."""
    round_ = current_open()
    if round_ is None or user.role is Role.MINISTRY:
        return None
    own = user.organization_id if user.role is Role.DP else None
    return {"round": round_, "counts": counts(findings(round_, own)), "labels": CHECKS}
