"""The funding dashboard: key figures, trend and top groups, for everyone."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.accounts.models import Role
from portal.alignment import queries
from portal.alignment import services as alignment_services
from portal.alignment.workflow import STATE_LABELS
from portal.cache import public_page
from portal.dashboard.services import dashboard_context, dashboard_html
from portal.extensions import db
from portal.organizations.models import Organization
from portal.projects.models import Project
from portal.security import roles_required

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@public_page
def index():
    """Show the dashboard (public figures to the public, more to those logged in)."""
    return render_template(
        "dashboard/index.html", figures=dashboard_html(request.args, current_user)
    )


@bp.get("/portfolio")
@roles_required(Role.MINISTRY, Role.CDC)
def portfolio():
    """A ministry's own portfolio: the projects it leads, where they stand, what is overdue, and
    the dashboard's figures for them. CDC opens any ministry's with ?ministry=<id>."""
    if current_user.role is Role.MINISTRY:
        ministry = current_user.organization
    else:
        ministry = db.get_or_404(Organization, request.args.get("ministry", 0, type=int))
        if not ministry.is_national:
            abort(404)
    args = MultiDict(request.args)
    args["ministry"] = str(ministry.id)
    waiting = queries.inbox(ministry.id, alignment_services.service_standard_days())
    return render_template(
        "dashboard/portfolio.html",
        ministry=ministry,
        states=queries.state_counts(Project.lead_national_partner_id == ministry.id),
        state_label=STATE_LABELS,
        overdue=[row for row in waiting if row["overdue"]],
        waiting=len(waiting),
        **dashboard_context(args, current_user),
    )
