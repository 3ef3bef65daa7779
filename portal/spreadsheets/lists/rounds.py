"""Downloads of a reporting round's page: the partners' progress, and its data-quality checks."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.projects.models import Project
from portal.rounds import checks, progress
from portal.rounds.services import by_year
from portal.spreadsheets.lists.registry import cdc, integer_arg, register


def _round(args):
    year = integer_arg(args, "year")
    found = by_year(year) if year is not None and year < 10_000 else None
    if found is None:
        abort(404)
    return found


@register("round_partners", _l("Reporting round"), cdc)
def round_partners(args, user):
    """Each partner's progress in the round (`year`), as the round's page shows it."""
    header = [
        _("Partner"),
        _("Projects"),
        _("Updated"),
        _("Money covered"),
        _("Return"),
        _("Days late"),
        _("Reminders"),
    ]
    if not args.get("year"):
        return header, []
    found = progress.measure(_round(args))
    rows = [
        [
            p.organization.acronym,
            p.projects,
            p.updated,
            p.share_money,
            p.submitted_at.date() if p.submitted_at else None,
            p.days_late,
            p.reminders,
        ]
        for p in found.partners
    ]
    return header, rows


@register("round_checks", _l("Data-quality checks of the round"), cdc)
def round_checks(args, user):
    """The projects that fail the round's checks (`year`, optionally one `check`)."""
    header = [_("ID"), _("Project"), _("Partner"), _("Checks failed")]
    if not args.get("year"):
        return header, []
    found = checks.findings(_round(args))
    wanted = args.get("check") or ""
    ids = [i for i, failed in found.items() if not wanted or wanted in failed]
    projects = db.session.scalars(select(Project).where(Project.id.in_(ids)).order_by(Project.id))
    rows = [
        [
            p.id,
            p.title_en,
            p.reporting_org.acronym,
            "; ".join(str(checks.CHECKS[c]) for c in found[p.id]),
        ]
        for p in projects
    ]
    return header, rows
