"""Tell the people a workflow step concerns: an in-app notice, and a message in the outbox."""

from __future__ import annotations

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal.accounts.models import Role, User
from portal.alignment.models import Notification
from portal.db import utcnow
from portal.extensions import db
from portal.mail.services import path_for, queue_mail

NOTICE_TEXT = {
    "submitted": _l("“%(title)s” was submitted for your confirmation."),
    "reconfirm": _l("“%(title)s” changed after confirmation and needs your confirmation again."),
    "returned": _l("“%(title)s” was returned: %(comment)s"),
    "confirmed": _l("“%(title)s” was confirmed by the lead ministry."),
    "validated": _l("“%(title)s” was validated by CDC and published."),
    "figure_comment": _l("New message on the figures of “%(title)s”: %(comment)s"),
    "handed_over": _l("%(by)s handed you the review of “%(title)s”. %(comment)s"),
}


def notice_text(kind: str, params: dict | None) -> str:
    """The notice in the interface language."""
    params = params or {}
    template = NOTICE_TEXT.get(kind)
    if template is None:
        return params.get("title", kind)
    values = {"title": "", "comment": "", "by": "", **params}
    return str(template % values).strip()


def _users(organization_id: int | None, role: Role) -> list[User]:
    statement = select(User).where(User.active, User.role == role)
    if organization_id is not None:
        statement = statement.where(User.organization_id == organization_id)
    return list(db.session.scalars(statement))


def recipients(project, target: str) -> list[User]:
    """Who a move to `target` concerns."""
    partner = _users(project.reporting_org_id, Role.DP)
    ministry = (
        _users(project.lead_national_partner_id, Role.MINISTRY)
        if project.lead_national_partner_id
        else []
    )
    if target in ("submitted", "reconfirm"):
        return ministry
    if target == "returned":
        return partner
    if target == "confirmed":
        return partner + _users(None, Role.CDC)
    if target == "validated":
        return partner + ministry
    return []


def notice(user_id: int, *, kind: str, params: dict, project_id: int | None = None) -> None:
    """Add one in-app notice (the bell) for a user; other features tell people through it."""
    db.session.add(Notification(user_id=user_id, project_id=project_id, kind=kind, params=params))


def send(users: list[User], *, kind: str, project, actor, **params) -> int:
    """Add a notice for each user (not the actor) and queue an email to each; return how many."""
    params = {"title": project.title_en, **{k: str(v) for k, v in params.items() if v}}
    sent = 0
    for user in {u.id: u for u in users}.values():
        if actor is not None and user.id == getattr(actor, "id", None):
            continue
        db.session.add(
            Notification(user_id=user.id, project_id=project.id, kind=kind, params=params)
        )
        with force_locale(user.locale or "en"):
            body = notice_text(kind, params)
            subject = gettext(
                "Development Cooperation Portal: %(title)s", title=project.title_en[:150]
            )
        queue_mail(user, subject=subject, text=body, link_path=_link_path(user, project))
        sent += 1
    return sent


def _link_path(user: User, project) -> str:
    """The page a notice leads to: the review page for the lead ministry, else the project."""
    if user.role is Role.MINISTRY:
        return path_for("alignment.review", project_id=project.id)
    return path_for("projects.detail", project_id=project.id)


def transition(project, source: str, target: str, *, actor, comment: str | None) -> int:
    """Notify the people a workflow move concerns."""
    return send(
        recipients(project, target), kind=target, project=project, actor=actor, comment=comment
    )


def unread_count(user) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def latest(user, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user, notification_id: int | None = None) -> None:
    """Mark one (or every) notice of the user as read."""
    statement = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    db.session.execute(
        statement.values(read_at=utcnow()), execution_options={"synchronize_session": False}
    )
