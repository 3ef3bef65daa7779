"""The first-login tour of a role's home page: a few steps pointing at what is where.

Shown on the home page at a user's first login (one 'login' in the audit log) until closed, and
again whenever the user asks for it (`?tour=1`). It needs no script: each step links to the part
of the page it talks about.
"""

from __future__ import annotations

from flask import session
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.extensions import db

# (anchor on the home page or a page's URL endpoint, title, text) for each role.
STEPS = {
    Role.DP: [
        (
            "#tasks-heading",
            _l("What you do here"),
            _l("The three things a development partner focal point keeps up to date."),
        ),
        (
            "#projects-heading",
            _l("Your organization's projects"),
            _l(
                "Register a project here; each one goes to its lead ministry for confirmation once "
                "you submit it."
            ),
        ),
        (
            "#projects-heading",
            _l("Returned projects"),
            _l(
                "When a ministry returns a project, it appears at the top with the reasons: fix it "
                "and submit it again."
            ),
        ),
        (
            "#main-menu",
            _l("The menu"),
            _l(
                "Projects, the map, commitments and reports are one click away; Khmer and English "
                "at the top right."
            ),
        ),
    ],
    Role.MINISTRY: [
        (
            "#tasks-heading",
            _l("What you do here"),
            _l("Your institution confirms the projects it leads, or returns them with reasons."),
        ),
        (
            "#main-menu",
            _l("Waiting for you"),
            _l(
                "Projects to confirm, oldest first, with their due date; overdue ones stand out. "
                "When some wait, the home page says so at the top."
            ),
        ),
        (
            "#projects-heading",
            _l("Projects your institution leads"),
            _l("Open a project to record the government's view of its figures, year by year."),
        ),
        (
            "#main-menu",
            _l("The menu"),
            _l(
                "Commitments your institution is party to, the map and the reports are in the menu."
            ),
        ),
    ],
    Role.CDC: [
        (
            "#dashboard-heading",
            _l("Where the money goes"),
            _l("Key figures, trend and top groups for the year, each chart with its table."),
        ),
        (
            "#main-menu",
            _l("Pipeline"),
            _l(
                "The Pipeline page shows every project's confirmation and the ministries' "
                "scorecards."
            ),
        ),
        (
            "#main-menu",
            _l("Reports"),
            _l("Build the joint review report, check it, issue it and publish it."),
        ),
        (
            "#rates-heading",
            _l("Exchange rates and strategy"),
            _l("Keep the yearly exchange rates and the national strategy framework current."),
        ),
    ],
}


def tour_steps(user, asked: bool) -> list[tuple[str, str, str]]:
    """The steps to show `user` now: at the first login until closed, or when asked."""
    if not (user and user.is_authenticated) or user.role not in STEPS:
        return []
    if not asked:
        if session.get("tour_closed"):
            return []
        logins = db.session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.user_id == user.id, AuditEvent.action == "login")
        ).scalar_one()
        if logins > 1:
            return []
    return STEPS[user.role]


def close_tour() -> None:
    session["tour_closed"] = True
