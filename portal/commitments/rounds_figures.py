"""The measures read from the reporting rounds, over a scope of projects.

portal.rounds.predictability measures the country, each partner and each ministry; a computed
indicator needs the same rule over any scope (a sector, the published projects), so the rule is
applied here to the rounds' frozen data, read through their models and services.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import exists, func, select

from portal.commitments.scope import Figure, Scope, share
from portal.extensions import db
from portal.projects.models import Project
from portal.rounds.models import RoundProjectUpdate, RoundSnapshotFunding, RoundSnapshotProject
from portal.rounds.services import by_year, closed_round, concerned

ZERO = Decimal(0)


def _frozen(round_id: int, kind: str, year: int, scope: Scope) -> dict[object, Decimal]:
    """project -> USD of `kind` in `year` as round `round_id` froze it, over the scope."""
    statement = (
        select(
            RoundSnapshotProject.id,
            RoundSnapshotProject.project_id,
            func.coalesce(func.sum(RoundSnapshotFunding.amount_usd), ZERO),
        )
        .join(RoundSnapshotFunding, RoundSnapshotFunding.snapshot_id == RoundSnapshotProject.id)
        .where(
            RoundSnapshotProject.round_id == round_id,
            RoundSnapshotFunding.kind == kind,
            RoundSnapshotFunding.year == year,
        )
        .group_by(RoundSnapshotProject.id, RoundSnapshotProject.project_id)
    )
    conditions = scope.conditions()
    if conditions:
        statement = statement.where(
            RoundSnapshotProject.project_id.in_(select(Project.id).where(*conditions))
        )
    figures: dict[object, Decimal] = {}
    for snapshot_id, project_id, amount in db.session.execute(statement):
        key = project_id if project_id is not None else ("snapshot", snapshot_id)
        figures[key] = figures.get(key, ZERO) + Decimal(amount or 0)
    return figures


def plans_disbursed(scope: Scope, year: int) -> Figure:
    """Of what was planned for `year` in round year−1, the share disbursed in `year` (round
    year): sum of min(plan, actual) / sum of plans, as portal.rounds.predictability defines it."""
    current, previous = closed_round(year), closed_round(year - 1)
    if current is None or previous is None:
        return Figure(None, 0)
    plans = _frozen(previous.id, "planned", year, scope)
    actuals = _frozen(current.id, "disbursement", year, scope)
    planned = matched = ZERO
    counted = 0
    for key in plans.keys() | actuals.keys():
        plan, actual = plans.get(key, ZERO), actuals.get(key, ZERO)
        if not plan and not actual:
            continue
        counted += 1
        planned += plan
        matched += min(plan, actual)
    return Figure(share(matched, planned), counted)


def updated_on_time(scope: Scope, year: int) -> Figure:
    """Of the projects the round of `year` asks about, the share updated in it by its deadline."""
    round_ = by_year(year)
    if round_ is None:
        return Figure(None, 0)
    until = datetime.combine(round_.deadline + timedelta(days=1), time.min, tzinfo=UTC)
    on_time = exists().where(
        RoundProjectUpdate.round_id == round_.id,
        RoundProjectUpdate.project_id == Project.id,
        RoundProjectUpdate.at < until,
    )
    row = db.session.execute(
        select(func.count(Project.id), func.count(Project.id).filter(on_time)).where(
            concerned(round_), *scope.conditions()
        )
    ).one()
    return Figure(share(row[1] or 0, row[0] or 0), row[0] or 0)
