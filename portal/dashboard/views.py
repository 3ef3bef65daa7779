"""The funding dashboard: key figures, trend and top groups, for everyone."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from portal.dashboard.services import dashboard_context

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
def index():
    """Show the dashboard (public figures to the public, more to those logged in)."""
    return render_template("dashboard/index.html", **dashboard_context(request.args, current_user))
