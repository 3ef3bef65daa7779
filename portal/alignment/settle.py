"""A disputed year settles itself when the partner's figure comes to match the government's.

After each save of a project by its partner (the registry's `project_saved` signal), every year
the ministry marked disputed whose two figures are now equal to the cent becomes agreed. The
thread of that year says so (a line in the partner's name: the partner's correction settled
it), and the audit log records it, so that nobody has to come back to close the dispute by hand.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.alignment.models import FigureComment, GovernmentFigure
from portal.alignment.services import partner_figures
from portal.audit.services import record
from portal.extensions import db
from portal.projects.models import Project
from portal.projects.services import project_saved


def settle_matching(project: Project, *, actor) -> list[GovernmentFigure]:
    """Mark agreed each disputed year whose figures now match; return those years' figures."""
    disputed = list(
        db.session.scalars(
            select(GovernmentFigure).where(
                GovernmentFigure.project_id == project.id, GovernmentFigure.status == "disputed"
            )
        )
    )
    if not disputed:
        return []
    reported = partner_figures(project)
    settled = []
    for figure in disputed:
        if figure.recorded_usd is None or reported.get(figure.year) != figure.recorded_usd:
            continue
        figure.status = "agreed"
        # Stored once, like any message of the thread: in the language of who settled it.
        with force_locale(getattr(actor, "locale", None) or "en"):
            text = _(
                "The partner's figure for %(year)s now matches the government's "
                "(%(amount)s USD): the year is agreed.",
                year=figure.year,
                amount=f"{figure.recorded_usd:,.2f}",
            )
        db.session.add(
            FigureComment(figure_id=figure.id, user_id=getattr(actor, "id", None), text=text)
        )
        record("figure.settled", user=actor, obj=figure, project_id=project.id, year=figure.year)
        settled.append(figure)
    db.session.flush()
    return settled


@project_saved.connect
def _after_project_saved(sender, project: Project, actor, before: dict, **extra) -> None:
    settle_matching(project, actor=actor)
