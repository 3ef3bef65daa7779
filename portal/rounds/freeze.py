"""Closing a round: the snapshot of every concerned project's figures, in one transaction.

The snapshot is written with one INSERT per table (10,000 projects close in seconds), and is
read by the joint review and the predictability measure; later changes to the live projects,
or to the exchange rates, never reach it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select

from portal.alignment.queries import figures_of_year
from portal.audit.services import record
from portal.budget.queries import on_budget_clause
from portal.db import utcnow
from portal.extensions import db
from portal.projects.models import Project, ProjectFunding, ProjectLocation, ProjectSector
from portal.rounds.models import (
    CLOSED,
    ReportingRound,
    RoundProjectUpdate,
    RoundSnapshotFunding,
    RoundSnapshotProject,
)
from portal.rounds.scope import RoundError, concerned, log

PROJECT_COLUMNS = (
    "iati_identifier",
    "title_en",
    "title_km",
    "reporting_org_id",
    "lead_national_partner_id",
    "status",
    "type_of_assistance",
    "modality",
    "on_budget",
    "nationwide",
    "workflow_state",
    "quality_score",
    "commitment_amount",
    "commitment_currency",
    "commitment_rate",
    "commitment_usd",
)


def _by_project(statement) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in db.session.execute(statement):
        grouped[row[0]].append(row[1:])
    return grouped


def _take(round_: ReportingRound, where, now: datetime | None = None) -> int:
    """Copy the figures of the projects matching `where` into the round's snapshot, frozen at
    `now` (the present unless given)."""
    projects = db.session.execute(
        select(
            Project.id,
            Project.actual_end,
            Project.planned_end,
            func.coalesce(Project.commitment_date, Project.actual_start, Project.planned_start),
            *(
                # The on-budget value as the budget codes derive it (portal.budget.queries).
                on_budget_clause(Project) if name == "on_budget" else getattr(Project, name)
                for name in PROJECT_COLUMNS
            ),
        ).where(where)
    ).all()
    if not projects:
        return 0
    ids = select(Project.id).where(where).scalar_subquery()
    sectors = _by_project(
        select(
            ProjectSector.project_id,
            ProjectSector.sector_code,
            ProjectSector.percentage,
            ProjectSector.share_from,
            ProjectSector.share_to,
        )
        .where(ProjectSector.project_id.in_(ids))
        .order_by(ProjectSector.project_id, ProjectSector.share_from)
    )
    locations = _by_project(
        select(
            ProjectLocation.project_id,
            ProjectLocation.province_code,
            ProjectLocation.district_code,
            ProjectLocation.percentage,
            ProjectLocation.share_from,
            ProjectLocation.share_to,
        )
        .where(ProjectLocation.project_id.in_(ids))
        .order_by(ProjectLocation.project_id, ProjectLocation.share_from)
    )
    funding = _by_project(
        select(
            ProjectFunding.project_id,
            ProjectFunding.year,
            ProjectFunding.kind,
            ProjectFunding.amount,
            ProjectFunding.currency,
            ProjectFunding.rate,
            ProjectFunding.amount_usd,
        ).where(
            ProjectFunding.project_id.in_(ids),
            (
                (ProjectFunding.kind == "disbursement") & (ProjectFunding.year == round_.year)
                | (ProjectFunding.kind == "planned")
                & ProjectFunding.year.between(round_.year, round_.plan_years[-1])
            ),
        )
    )
    figures = figures_of_year(round_.year)
    government = {
        project_id: (status, recorded)
        for project_id, status, recorded in db.session.execute(
            select(figures.c.project_id, figures.c.status, figures.c.recorded_usd).where(
                figures.c.project_id.in_(ids)
            )
        )
    }
    updated = set(
        db.session.scalars(
            select(RoundProjectUpdate.project_id).where(RoundProjectUpdate.round_id == round_.id)
        )
    )
    now = now or utcnow()
    rows = []
    for project in projects:
        project_id, actual_end, planned_end, agreed, *values = project
        status, recorded = government.get(project_id, (None, None))
        rows.append(
            {
                "round_id": round_.id,
                "project_id": project_id,
                "frozen_at": now,
                "end_date": actual_end or planned_end,
                "agreed_year": agreed.year if agreed else None,
                **dict(zip(PROJECT_COLUMNS, values, strict=True)),
                "sectors": [
                    [code, str(pct), low, high] for code, pct, low, high in sectors[project_id]
                ],
                "locations": [
                    [province, district, str(pct), low, high]
                    for province, district, pct, low, high in locations[project_id]
                ],
                "government_status": status,
                "government_usd": recorded,
                "updated_in_round": project_id in updated,
            }
        )
    # Written as one executemany, NULLs as NULLs (`render_nulls`: every column with a default
    # is given a value here), and the new rows' ids read back after. The ORM's bulk INSERT
    # otherwise leaves a None out of its row and sends rows leaving out different columns in
    # separate batches; with RETURNING, it spliced the rows returned together again after each
    # batch, and the driver parsed each batch's statement of thousands of rows anew: at
    # 100,000 projects, minutes spent in Python.
    db.session.execute(insert(RoundSnapshotProject), rows, execution_options={"render_nulls": True})
    returned = db.session.execute(
        select(RoundSnapshotProject.id, RoundSnapshotProject.project_id)
        .where(RoundSnapshotProject.round_id == round_.id, RoundSnapshotProject.project_id.in_(ids))
        .order_by(RoundSnapshotProject.id)
    ).all()
    funding_rows = [
        {
            "snapshot_id": snapshot_id,
            "year": year,
            "kind": kind,
            "amount": amount,
            "currency": currency,
            "rate": rate,
            "amount_usd": usd,
        }
        for snapshot_id, project_id in returned
        if project_id is not None  # always: each was copied from a project just now
        for year, kind, amount, currency, rate, usd in funding.get(project_id, ())
    ]
    if funding_rows:
        db.session.execute(
            insert(RoundSnapshotFunding), funding_rows, execution_options={"render_nulls": True}
        )
    return len(returned)


def close(round_: ReportingRound, *, actor, at: datetime | None = None) -> int:
    """Freeze the round: snapshot every concerned project; return how many were frozen.

    Closed now, or `at` (the demo's rounds, closed in past years). Refuses (RoundError) a round
    already closed. The caller commits once, so a failure leaves the round open and no part of
    a snapshot.
    """
    if not round_.is_open:
        raise RoundError(_l("The round of %(year)s is already closed.", year=round_.year))
    closed_at = at or utcnow()
    frozen = _take(round_, concerned(round_), closed_at)
    round_.state = CLOSED
    round_.closed_at = closed_at
    round_.closed_by_id = getattr(actor, "id", None)
    log(round_, "closed", actor=actor, reason=str(frozen), at=closed_at)
    record("round.closed", user=actor, obj=round_, projects=frozen)
    db.session.flush()
    return frozen


def refreeze_partner(round_: ReportingRound, organization_id: int) -> int:
    """Take one partner's part of the snapshot again (its re-submission in a grace period)."""
    db.session.execute(
        delete(RoundSnapshotProject).where(
            RoundSnapshotProject.round_id == round_.id,
            RoundSnapshotProject.reporting_org_id == organization_id,
        )
    )
    return _take(round_, concerned(round_) & (Project.reporting_org_id == organization_id))
