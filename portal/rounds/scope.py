"""Which round, which projects and partners it concerns, and its event log: what the round's
use cases, its freeze and its reminders all read (services, freeze and reminders import this,
never each other's callers)."""

from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select

from portal import changes
from portal.accounts.models import Role, User
from portal.extensions import db
from portal.organizations.models import PARTNER_KINDS, Organization
from portal.projects import codes
from portal.projects.models import Project
from portal.rounds.models import (
    CLOSED,
    OPEN,
    ReportingRound,
    RoundEvent,
    RoundProjectUpdate,
    RoundSnapshotProject,
)


class RoundError(ValueError):
    """A round step that the rules refuse; the message says why, in the user's language."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.field = field


def by_year(year: int) -> ReportingRound | None:
    """The round of `year`, or None."""
    return db.session.scalar(select(ReportingRound).where(ReportingRound.year == year))


def all_rounds() -> list[ReportingRound]:
    """Every round, newest year first."""
    return list(db.session.scalars(select(ReportingRound).order_by(ReportingRound.year.desc())))


def current_open() -> ReportingRound | None:
    """The open round of the latest year, if any."""
    return db.session.scalar(
        select(ReportingRound)
        .where(ReportingRound.state == OPEN)
        .order_by(ReportingRound.year.desc())
        .limit(1)
    )


def closed_round(year: int) -> ReportingRound | None:
    """The closed round of `year`, or None."""
    found = by_year(year)
    return found if found is not None and found.state == CLOSED else None


def concerned(round_: ReportingRound):
    """SQL condition: a project the round asks about (active in its year or later).

    Cancelled projects are left out; so are projects that ended before the year, or that start
    after the last year of plans the round asks for.
    """
    return and_(
        Project.status != codes.CANCELLED,
        or_(Project.end_year.is_(None), Project.end_year >= round_.year),
        or_(Project.start_year.is_(None), Project.start_year <= round_.plan_years[-1]),
    )


def updated(round_: ReportingRound):
    """SQL condition: the project was updated (or confirmed unchanged) in the round."""
    return exists().where(
        RoundProjectUpdate.round_id == round_.id, RoundProjectUpdate.project_id == Project.id
    )


def partners_concerned(round_: ReportingRound) -> list[Organization]:
    """The active development partners with at least one project the round concerns."""
    with_projects = (
        select(Project.reporting_org_id).where(concerned(round_)).distinct().scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(Organization)
            .where(
                Organization.active,
                Organization.kind.in_(PARTNER_KINDS),
                Organization.id.in_(with_projects),
            )
            .order_by(Organization.acronym)
        )
    )


def active_partner_ids() -> list[int]:
    """The ids of the active development partners."""
    return list(
        db.session.scalars(
            select(Organization.id).where(Organization.active, Organization.kind.in_(PARTNER_KINDS))
        )
    )


def focal_points(organization_ids, role: Role = Role.DP) -> list[User]:
    """The active accounts of `role` in these organizations."""
    return list(
        db.session.scalars(
            select(User).where(
                User.active,
                User.role == role,
                User.organization_id.in_(list(organization_ids)),
            )
        )
    )


def log(round_: ReportingRound, kind: str, *, actor=None, organization_id=None, **fields):
    """Add one step to the round's log."""
    event = RoundEvent(
        round_id=round_.id,
        organization_id=organization_id,
        user_id=getattr(actor, "id", None),
        kind=kind,
        **fields,
    )
    db.session.add(event)
    return event


def snapshot_stamp(round_id: int) -> tuple:
    """A stamp of a closed round's snapshot that changes whenever its rows do (a grace period's
    re-submission deletes a partner's part and writes it anew): what is computed from a
    snapshot may be kept while its stamp stays the same.

    Reading it counts the snapshot's rows (a whole database's projects); a snapshot's rows
    change only in a transaction that raises the data's version, so it is worked out once per
    version."""
    return changes.per_version(
        db.session, f"snapshot-stamp:{round_id}", lambda: _work_out_stamp(round_id)
    )


def _work_out_stamp(round_id: int) -> tuple:
    table = RoundSnapshotProject
    return tuple(
        db.session.execute(
            select(
                func.count(table.id),
                func.max(table.id),
                func.sum(table.id),
                func.max(table.frozen_at),
                func.min(table.frozen_at),
            ).where(table.round_id == round_id)
        ).one()
    )
