"""The home page of each role, the language switch and locally served assets."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required

from portal.accounts.models import Role
from portal.alignment.panel import returned_to
from portal.alignment.queries import inbox, partner_news
from portal.alignment.workflow import STATE_LABELS
from portal.cache import public_page
from portal.dashboard.services import dashboard_html
from portal.extensions import db
from portal.home import services
from portal.home.tour import tour_steps
from portal.rounds.progress import home_line
from portal.security import is_safe_redirect

bp = Blueprint("home", __name__)


@bp.get("/")
@public_page
def index():
    """Show the home page made for the visitor's role (the public one when logged out)."""
    if not current_user.is_authenticated:
        return render_template(
            "home/public.html",
            summary=services.public_summary(),
            figures=dashboard_html(request.args, current_user),
        )
    tour = tour_steps(current_user, asked=request.args.get("tour") == "1")
    if current_user.role is Role.CDC:
        return render_template(
            "home/cdc.html",
            tour=tour,
            summary=services.cdc_summary(),
            figures=dashboard_html(request.args, current_user),
        )
    from portal.projects.models import Project

    org_id = current_user.organization_id
    column = (
        Project.lead_national_partner_id
        if current_user.role is Role.MINISTRY
        else Project.reporting_org_id
    )
    template = "home/ministry.html" if current_user.role is Role.MINISTRY else "home/dp.html"
    return render_template(
        template,
        tour=tour,
        summary=services.organization_summary(current_user.organization),
        projects=services.project_summary(column, org_id),
        recent=services.recent_projects(column, org_id),
        returned=returned_to(org_id) if current_user.role is Role.DP else [],
        news=partner_news(org_id) if current_user.role is Role.DP else None,
        state_labels=STATE_LABELS,
        waiting=len(inbox(org_id, 0)) if current_user.role is Role.MINISTRY else 0,
        round_line=home_line(current_user),
    )


@bp.post("/tour/closed")
@login_required
def close_tour():
    """Close the first-login tour (it stays available from the home page)."""
    from portal.home.tour import close_tour as close

    close()
    return redirect(url_for("home.index"))


@bp.get("/about")
def about():
    """Explain where the reference data comes from."""
    return render_template("home/about.html")


@bp.post("/language")
def set_language():
    """Switch the interface language and remember it (for the account when logged in)."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["locale"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_redirect(target) else url_for("home.index"))


@bp.get("/favicon.ico")
def favicon():
    """The portal's icon where browsers look for it first (pages also name the SVG one)."""
    return send_file(
        Path(current_app.static_folder or "static") / "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=7 * 24 * 3600,
    )


@bp.get("/fonts/noto-sans-khmer.woff2")
def khmer_font():
    """Serve the Khmer web font (made from the installed package; see portal.fonts)."""
    from portal.fonts import khmer_woff2

    path = khmer_woff2(Path(current_app.config["INSTANCE_DIR"]) / "cache")
    return send_file(path, mimetype="font/woff2", max_age=30 * 24 * 3600)
