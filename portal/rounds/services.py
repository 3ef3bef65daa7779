"""The round's use cases: open, record updates and returns, reopen for a grace period, look up.

Services flush and never commit; the view or the command commits.
"""

from __future__ import annotations

from datetime import date

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update

from portal.accounts.models import Role
from portal.audit.services import record
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import Organization
from portal.projects import codes
from portal.projects.models import Project, ProjectChange, ProjectFunding
from portal.projects.services import project_saved
from portal.rounds import checks, freeze, reminders
from portal.rounds.models import (
    CLOSED,
    OPEN,
    ReportingRound,
    RoundEvent,
    RoundProjectUpdate,
    RoundReturn,
    RoundSnapshotProject,
)
from portal.rounds.scope import (  # noqa: F401  (the round's lookups, used through services)
    RoundError,
    active_partner_ids,
    all_rounds,
    by_year,
    closed_round,
    concerned,
    current_open,
    focal_points,
    log,
    partners_concerned,
    updated,
)
from portal.security import has_role
from portal.templating import counted


def open_round(
    year: int,
    deadline: date,
    *,
    actor,
    message_en: str | None = None,
    message_km: str | None = None,
    today: date | None = None,
) -> ReportingRound:
    """Open the round of `year` and tell every partner's focal points.

    Refuses (RoundError) a second round for the same year, a deadline before today, or a year
    that has not ended yet.
    """
    today = today or date.today()
    if by_year(year) is not None:
        raise RoundError(_l("A round for %(year)s already exists.", year=year), "year")
    if year >= today.year:
        raise RoundError(_l("The year %(year)s has not ended yet.", year=year), "year")
    if deadline < today:
        raise RoundError(_l("The deadline is in the past."), "deadline")
    round_ = ReportingRound(
        year=year,
        deadline=deadline,
        message_en=(message_en or "").strip() or None,
        message_km=(message_km or "").strip() or None,
        opened_by_id=getattr(actor, "id", None),
    )
    db.session.add(round_)
    db.session.flush()
    messages = reminders.announce(round_)
    log(round_, "opened", actor=actor, message_ids=messages)
    record("round.opened", user=actor, obj=round_, year=year, deadline=deadline.isoformat())
    return round_


def mark_updated(round_: ReportingRound, project: Project, *, actor, no_change: bool) -> None:
    """Record that the partner updated the project in the round (or confirmed it unchanged)."""
    existing = db.session.scalar(
        select(RoundProjectUpdate).where(
            RoundProjectUpdate.round_id == round_.id, RoundProjectUpdate.project_id == project.id
        )
    )
    if existing is None:
        existing = RoundProjectUpdate(round_id=round_.id, project_id=project.id)
        db.session.add(existing)
    existing.at = utcnow()
    existing.user_id = getattr(actor, "id", None)
    existing.no_change = no_change


def return_of(round_: ReportingRound, organization_id: int) -> RoundReturn | None:
    return db.session.scalar(
        select(RoundReturn).where(
            RoundReturn.round_id == round_.id, RoundReturn.organization_id == organization_id
        )
    )


def accepts_updates(
    round_: ReportingRound, organization_id: int, today: date | None = None
) -> bool:
    """Whether the partner may still change its figures in the round (open, or its grace)."""
    if round_.is_open:
        return True
    entry = return_of(round_, organization_id)
    return bool(entry and entry.grace_until and entry.grace_until >= (today or date.today()))


def submit_return(
    round_: ReportingRound, organization: Organization, *, actor, explanation: str | None = None
) -> RoundReturn:
    """Declare the partner's data for the round complete (who and when).

    The partner's projects must pass the round's checks (`checks.findings`), or the partner
    explains why those failing stand: the explanation is kept in the round's log.
    During a grace period after the close, the partner's part of the snapshot is taken again.
    Refuses (RoundError) when the round no longer accepts this partner's figures, or when
    checks fail and nothing explains them (on the field `explanation`).
    """
    if not accepts_updates(round_, organization.id):
        raise RoundError(_l("The round is closed."))
    explanation = (explanation or "").strip() or None
    failing = len(checks.findings(round_, organization.id))
    if failing and explanation is None:
        raise RoundError(
            LazyString(
                lambda: counted(
                    "%(num)s project still fails the round's checks: correct it, or explain "
                    "here why its figures stand.",
                    "%(num)s projects still fail the round's checks: correct them, or explain "
                    "here why their figures stand.",
                    failing,
                )
            ),
            "explanation",
        )
    entry = return_of(round_, organization.id)
    if entry is None:
        entry = RoundReturn(round_id=round_.id, organization_id=organization.id)
        db.session.add(entry)
    resubmission = entry.submitted_at is not None or not round_.is_open
    entry.submitted_at = utcnow()
    entry.submitted_by_id = getattr(actor, "id", None)
    db.session.flush()
    if not round_.is_open:
        frozen = freeze.refreeze_partner(round_, organization.id)
        entry.grace_until = None
        log(round_, "refrozen", actor=actor, organization_id=organization.id, reason=str(frozen))
    log(
        round_,
        "resubmitted" if resubmission else "submitted",
        actor=actor,
        organization_id=organization.id,
        reason=explanation if failing else None,
    )
    record("round.return", user=actor, obj=round_, organization=organization.acronym)
    db.session.flush()
    return entry


def reopen_partner(
    round_: ReportingRound, organization: Organization, *, until: date, reason: str, actor
) -> RoundReturn:
    """Give one partner a grace period after the close, with a logged reason (CDC).

    Refuses (RoundError) an open round, a past day or an empty reason.
    """
    if round_.is_open:
        raise RoundError(_l("The round is still open."))
    if until < date.today():
        raise RoundError(_l("The grace period must end today or later."), "until")
    reason = (reason or "").strip()
    if not reason:
        raise RoundError(_l("Say why the partner is given more time."), "reason")
    entry = return_of(round_, organization.id)
    if entry is None:
        entry = RoundReturn(round_id=round_.id, organization_id=organization.id)
        db.session.add(entry)
    entry.grace_until = until
    entry.grace_reason = reason
    log(round_, "reopened", actor=actor, organization_id=organization.id, reason=reason)
    record("round.reopened", user=actor, obj=round_, organization=organization.acronym)
    db.session.flush()
    return entry


def events(round_: ReportingRound, limit: int = 200) -> list[RoundEvent]:
    """The round's log, newest first."""
    return list(
        db.session.scalars(
            select(RoundEvent)
            .where(RoundEvent.round_id == round_.id)
            .order_by(RoundEvent.at.desc(), RoundEvent.id.desc())
            .limit(limit)
        )
    )


def actual_of_year(year: int):
    """Subquery (project_id, usd): each project's actual disbursement of `year`, in USD."""
    return (
        select(ProjectFunding.project_id, func.sum(ProjectFunding.amount_usd).label("usd"))
        .where(ProjectFunding.kind == "disbursement", ProjectFunding.year == year)
        .group_by(ProjectFunding.project_id)
        .subquery()
    )


def ministry_rows(round_: ReportingRound, organization_id: int, page: int, per_page: int):
    """The round's projects the ministry leads: (project, actual USD of the year, figure)."""
    from portal.alignment.queries import figures_by_id, figures_of_year

    where = [concerned(round_), Project.lead_national_partner_id == organization_id]
    total = db.session.scalar(select(func.count()).select_from(Project).where(*where)) or 0
    actual = actual_of_year(round_.year)
    figures = figures_of_year(round_.year)
    figure = figures.c
    rows = db.session.execute(
        select(Project, actual.c.usd, figure.id)
        .outerjoin(actual, actual.c.project_id == Project.id)
        .outerjoin(figures, figure.project_id == Project.id)
        .where(*where)
        .order_by(case((figure.status == "agreed", 1), else_=0), Project.title_en)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    loaded = figures_by_id([figure_id for *_, figure_id in rows if figure_id is not None])
    return [(project, usd, loaded.get(figure_id)) for project, usd, figure_id in rows], total


def _is_concerned(round_: ReportingRound, project: Project) -> bool:
    return (
        project.status != codes.CANCELLED
        and (project.end_year is None or project.end_year >= round_.year)
        and (project.start_year is None or project.start_year <= round_.plan_years[-1])
    )


def last_freeze_of(project_id: int) -> int | None:
    """The year of the latest closed round whose snapshot holds the project, if any."""
    return db.session.scalar(
        select(ReportingRound.year)
        .join(RoundSnapshotProject, RoundSnapshotProject.round_id == ReportingRound.id)
        .where(RoundSnapshotProject.project_id == project_id, ReportingRound.state == CLOSED)
        .order_by(ReportingRound.year.desc())
        .limit(1)
    )


@project_saved.connect
def _after_project_saved(sender, project: Project, actor, before: dict, **extra) -> None:
    """Mark changes made after a freeze in the history; count a partner's save in its round."""
    frozen_year = last_freeze_of(project.id)
    if frozen_year is not None and before:
        db.session.execute(
            update(ProjectChange)
            .where(
                ProjectChange.project_id == project.id,
                ProjectChange.version == project.version,
                ProjectChange.after_freeze_of.is_(None),
            )
            .values(after_freeze_of=frozen_year)
        )
    if not (has_role(actor, Role.DP) and actor.organization_id == project.reporting_org_id):
        return
    for round_ in db.session.scalars(select(ReportingRound).where(ReportingRound.state == OPEN)):
        if _is_concerned(round_, project):
            mark_updated(round_, project, actor=actor, no_change=False)
