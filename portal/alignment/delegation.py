"""A lead ministry's focal point hands a waiting review to a colleague of the same institution."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.alignment import notify
from portal.alignment.models import ReviewAssignment
from portal.alignment.workflow import WAITING_FOR_MINISTRY
from portal.audit.services import record
from portal.db import utcnow
from portal.extensions import db


class HandOverRefused(ValueError):
    """The hand-over cannot be made; the message says why (shown beside the colleague field)."""


def colleagues(project) -> list[User]:
    """The active users of the project's lead ministry, by name."""
    if project.lead_national_partner_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active,
                User.role == Role.MINISTRY,
                User.organization_id == project.lead_national_partner_id,
            )
            .order_by(User.name, User.id)
        )
    )


def assignment_of(project_id: int) -> ReviewAssignment | None:
    return db.session.get(ReviewAssignment, project_id)


def assignees(project_ids: list[int]) -> dict[int, User]:
    """Who reviews each of these projects, where a review was handed over."""
    if not project_ids:
        return {}
    rows = db.session.scalars(
        select(ReviewAssignment).where(ReviewAssignment.project_id.in_(project_ids))
    )
    return {row.project_id: row.assignee for row in rows}


def hand_over(project, assignee_id: int | None, note: str, *, actor) -> ReviewAssignment:
    """Give the project's review to a colleague: logged, and the colleague is told."""
    if project.workflow_state not in WAITING_FOR_MINISTRY:
        raise HandOverRefused(str(_l("Only a review that is waiting can be handed over.")))
    assignee = next((u for u in colleagues(project) if u.id == assignee_id), None)
    if assignee is None:
        raise HandOverRefused(str(_l("Choose a colleague of your institution.")))
    assignment = db.session.get(ReviewAssignment, project.id)
    if assignment is None:
        assignment = ReviewAssignment(project_id=project.id, assignee_id=assignee.id)
        db.session.add(assignment)
    elif assignment.assignee_id == assignee.id:
        raise HandOverRefused(str(_l("This colleague already has the review.")))
    assignment.assignee_id = assignee.id
    assignment.assignee = assignee
    assignment.assigned_by_id = getattr(actor, "id", None)
    assignment.at = utcnow()
    assignment.note = note.strip() or None
    db.session.flush()
    record(
        "alignment.handed_over",
        user=actor,
        obj=project,
        assignee=assignee.id,
        assignee_email=assignee.email,
        note=assignment.note,
    )
    notify.send(
        [assignee],
        kind="handed_over",
        project=project,
        actor=actor,
        comment=assignment.note,
        by=getattr(actor, "name", None) or getattr(actor, "email", ""),
    )
    return assignment
