"""The ministry inbox, the CDC pipeline and the scorecards that compare peers fairly."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from statistics import median

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import joinedload

from portal.alignment.models import GovernmentFigure, WorkflowTransition
from portal.alignment.workflow import (
    CONFIRMED,
    RETURNED,
    SUBMITTED,
    VALIDATED,
    WAITING_FOR_MINISTRY,
)
from portal.extensions import db
from portal.organizations.models import Organization
from portal.projects.models import Project


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def inbox(organization_id: int, standard_days: int, now: datetime | None = None) -> list[dict]:
    """Projects waiting for this institution, oldest first, with days waiting and due date."""
    now = now or datetime.now(UTC)
    projects = db.session.scalars(
        select(Project)
        .options(joinedload(Project.reporting_org))
        .where(
            Project.lead_national_partner_id == organization_id,
            Project.workflow_state.in_(WAITING_FOR_MINISTRY),
        )
        .order_by(Project.state_changed_at.asc().nulls_first(), Project.id)
    )
    rows = []
    for project in projects:
        since = _aware(project.state_changed_at) or now
        due = since + timedelta(days=standard_days)
        rows.append(
            {
                "project": project,
                "since": since,
                "days": (now - since).days,
                "due": due,
                "overdue": now > due,
            }
        )
    return rows


def state_counts(where=None) -> dict[str, int]:
    statement = select(Project.workflow_state, func.count()).group_by(Project.workflow_state)
    if where is not None:
        statement = statement.where(where)
    return dict(db.session.execute(statement).all())


def stuck_longest(limit: int = 10, now: datetime | None = None) -> list[dict]:
    """The projects waiting longest for the ministry."""
    now = now or datetime.now(UTC)
    projects = db.session.scalars(
        select(Project)
        .options(joinedload(Project.lead_national_partner), joinedload(Project.reporting_org))
        .where(Project.workflow_state.in_(WAITING_FOR_MINISTRY))
        .order_by(Project.state_changed_at.asc().nulls_first(), Project.id)
        .limit(limit)
    )
    return [
        {"project": p, "days": (now - (_aware(p.state_changed_at) or now)).days} for p in projects
    ]


def disputed_figures(limit: int = 20) -> list[tuple[GovernmentFigure, Project]]:
    return list(
        db.session.execute(
            select(GovernmentFigure, Project)
            .join(Project, Project.id == GovernmentFigure.project_id)
            .where(GovernmentFigure.status == "disputed")
            .order_by(GovernmentFigure.updated_at.desc())
            .limit(limit)
        ).all()
    )


def _confirmation_days() -> list[tuple[int, float]]:
    """(project id, days from its latest submission to its confirmation), per confirmation."""
    submitted = (
        select(func.max(WorkflowTransition.at))
        .where(
            WorkflowTransition.project_id == _confirm.c.project_id,
            WorkflowTransition.to_state.in_(WAITING_FOR_MINISTRY),
            WorkflowTransition.at <= _confirm.c.at,
        )
        .correlate(_confirm)
        .scalar_subquery()
    )
    rows = db.session.execute(select(_confirm.c.project_id, _confirm.c.at, submitted))
    result = []
    for project_id, confirmed_at, submitted_at in rows:
        if submitted_at is not None:
            delta = _aware(confirmed_at) - _aware(submitted_at)
            result.append((project_id, delta.total_seconds() / 86400))
    return result


_confirm = (
    select(WorkflowTransition.project_id, WorkflowTransition.at)
    .where(WorkflowTransition.to_state == CONFIRMED)
    .subquery("confirmations")
)


def scorecards(group_by: str) -> list[dict]:
    """Per institution ('lead') or per partner ('partner'): the measures of the scorecard.

    - median days to confirm: from a submission to the confirmation that follows it;
    - share confirmed: projects confirmed or validated now, of those ever submitted;
    - share returned: projects returned at least once, of those ever submitted;
    - open disputes: yearly figures marked disputed.
    """
    column = Project.lead_national_partner_id if group_by == "lead" else Project.reporting_org_id

    def per_group(state_filter):
        statement = (
            select(column, func.count(distinct(WorkflowTransition.project_id)))
            .join(Project, Project.id == WorkflowTransition.project_id)
            .where(state_filter)
            .group_by(column)
        )
        return dict(db.session.execute(statement).all())

    submitted = per_group(WorkflowTransition.to_state == SUBMITTED)
    returned = per_group(WorkflowTransition.to_state == RETURNED)
    confirmed_now = dict(
        db.session.execute(
            select(column, func.count())
            .where(Project.workflow_state.in_((CONFIRMED, VALIDATED)))
            .group_by(column)
        ).all()
    )
    disputes = dict(
        db.session.execute(
            select(column, func.count())
            .select_from(GovernmentFigure)
            .join(Project, and_(Project.id == GovernmentFigure.project_id))
            .where(GovernmentFigure.status == "disputed")
            .group_by(column)
        ).all()
    )
    owners = dict(db.session.execute(select(Project.id, column)).all()) if submitted else {}
    days = defaultdict(list)
    for project_id, value in _confirmation_days():
        days[owners.get(project_id)].append(value)
    names = {
        o.id: o
        for o in db.session.scalars(
            select(Organization).where(Organization.id.in_(list(submitted) + list(disputes)))
        )
    }
    rows = []
    for org_id in sorted(
        set(submitted) | set(disputes), key=lambda i: names[i].acronym if i in names else ""
    ):
        base = submitted.get(org_id, 0)
        rows.append(
            {
                "organization": names.get(org_id),
                "submitted": base,
                "median_days": round(median(days[org_id]), 1) if days.get(org_id) else None,
                "share_confirmed": round(100 * confirmed_now.get(org_id, 0) / base)
                if base
                else None,
                "share_returned": round(100 * returned.get(org_id, 0) / base) if base else None,
                "open_disputes": disputes.get(org_id, 0),
            }
        )
    return rows
