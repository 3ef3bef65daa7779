"""The reporting round's pages for CDC (rounds, cockpit, checks, reminders, close, grace) and the
ministries; the partner's checklist is in checklist_views (create_app imports both)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.accounts.models import Role
from portal.db import Page
from portal.extensions import db
from portal.organizations.services import by_ids
from portal.projects.models import Project
from portal.rounds import (
    checks,
    freeze,
    predictability,
    progress,
    reminders,
    services,
)
from portal.rounds.blueprint import PER_PAGE, bp, round_or_404
from portal.rounds.forms import GraceForm, OpenRoundForm
from portal.rounds.models import EVENT_LABELS, ReportingRound
from portal.saving import save
from portal.security import cdc_required, has_role, roles_required
from portal.templating import counted


@bp.get("/")
@login_required
def index():
    """CDC: every round and the form to open one; others: the current round's page for them."""
    if not has_role(current_user, Role.CDC):
        current = services.current_open() or next(iter(services.all_rounds()), None)
        if current is None:
            return render_template("rounds/none.html")
        endpoint = "rounds.checklist_view" if current_user.role is Role.DP else "rounds.ministry"
        return redirect(url_for(endpoint, year=current.year))
    form = OpenRoundForm()
    if request.method == "GET" and not form.year.data:
        form.year.data = date.today().year - 1
    return render_template("rounds/index.html", rounds=services.all_rounds(), form=form)


@bp.post("/open")
@cdc_required
def open_round():
    """CDC opens the round of a year; every partner's focal points are told."""
    form = OpenRoundForm()
    status = 400
    if form.validate_on_submit():
        outcome = save(
            lambda: services.open_round(
                form.year.data,
                form.deadline.data,
                actor=current_user,
                message_en=form.message_en.data,
                message_km=form.message_km.data,
            ),
            refusals=(services.RoundError,),
        )
        if (round_ := outcome.value) is not None:
            flash(
                _("Round %(year)s is open; the partners have been told.", year=round_.year),
                "success",
            )
            return redirect(url_for("rounds.cockpit", year=round_.year))
        if (error := outcome.refusal) is not None:
            target = form[error.field] if error.field in ("year", "deadline") else form.year
            target.errors = [*target.errors, str(error)]
        status = outcome.status
    return render_template("rounds/index.html", rounds=services.all_rounds(), form=form), status


def _cockpit(round_: ReportingRound, grace: GraceForm | None = None, status: int = 200):
    found = progress.measure(round_)
    if grace is None:
        grace = GraceForm(formdata=None)
    grace.organization_id.choices = [
        (p.organization.id, p.organization.acronym) for p in found.partners
    ]
    events = services.events(round_)
    measured = predictability.measure(round_.year)
    keys = [g.key for g in measured.by_partner] if measured else []
    return render_template(
        "rounds/cockpit.html",
        round=round_,
        progress=found,
        events=events,
        event_labels=EVENT_LABELS,
        delivery=reminders.delivery_of(events),
        grace=grace,
        predictability=measured,
        organizations=by_ids(keys),
    ), status


@bp.get("/<int:year>/")
@cdc_required
def cockpit(year: int):
    """CDC's view of a round: completeness by partner and ministry, reminders, the log."""
    return _cockpit(round_or_404(year))


@bp.get("/<int:year>/checks")
@cdc_required
def round_checks(year: int):
    """The round's data-quality checks: how many projects fail each, and which (CDC)."""
    round_ = round_or_404(year)
    found = checks.findings(round_)
    wanted = request.args.get("check", "")
    ids = [i for i, failed in found.items() if not wanted or wanted in failed]
    number = max(1, request.args.get("page", 1, type=int))
    shown = ids[(number - 1) * PER_PAGE : number * PER_PAGE]
    projects = {p.id: p for p in db.session.scalars(select(Project).where(Project.id.in_(shown)))}
    rows = [(projects[i], found[i]) for i in shown if i in projects]
    rows.sort(key=lambda row: (row[0].reporting_org.acronym, row[0].title_en))
    return render_template(
        "rounds/checks.html",
        round=round_,
        counts=checks.counts(found),
        labels=checks.CHECKS,
        check=wanted,
        page=Page(items=rows, page=number, per_page=PER_PAGE, total=len(ids)),
    )


@bp.post("/<int:year>/remind")
@cdc_required
def remind(year: int):
    """CDC reminds one partner (organization_id) or every partner not yet done, now."""
    round_ = round_or_404(year)
    if not round_.is_open:
        flash(_("The round is closed."), "warning")
        return redirect(url_for("rounds.cockpit", year=year))
    organization_id = request.form.get("organization_id", type=int)
    waiting = reminders.waiting_partners(round_)
    targets = [organization_id] if organization_id else waiting
    if organization_id and organization_id not in waiting:
        abort(404)
    outcome = save(lambda: reminders.remind(round_, targets, actor=current_user))
    if not outcome.saved:  # the storage failed: its message is flashed, nothing was sent
        return redirect(url_for("rounds.cockpit", year=year)), 303
    count = outcome.value or 0
    flash(
        counted("%(num)s partner reminded.", "%(num)s partners reminded.", count),
        "success",
    )
    return redirect(url_for("rounds.cockpit", year=year))


@bp.post("/<int:year>/close")
@cdc_required
def close(year: int):
    """CDC closes the round: its data are frozen in one transaction."""
    round_ = round_or_404(year)
    outcome = save(
        lambda: freeze.close(round_, actor=current_user), refusals=(services.RoundError,)
    )
    if not outcome.saved:  # a storage failure has flashed its message, a refusal says why
        if outcome.refusal is not None:
            flash(str(outcome.refusal), "danger")
        return redirect(url_for("rounds.cockpit", year=year)), 303
    frozen = outcome.value
    flash(_("Round %(year)s is closed: %(num)s projects frozen.", year=year, num=frozen), "success")
    return redirect(url_for("rounds.cockpit", year=year))


@bp.post("/<int:year>/grace")
@cdc_required
def grace(year: int):
    """CDC reopens a closed round for one partner until a day, with a reason (logged)."""
    round_ = round_or_404(year)
    form = GraceForm()
    partners = {p.id: p for p in services.partners_concerned(round_)}
    form.organization_id.choices = [(i, p.acronym) for i, p in partners.items()]
    if not form.validate_on_submit():
        return _cockpit(round_, form, 400)
    organization = partners[form.organization_id.data]
    outcome = save(
        lambda: services.reopen_partner(
            round_,
            organization,
            until=form.until.data,
            reason=form.reason.data,
            actor=current_user,
        ),
        refusals=(services.RoundError,),
    )
    if (error := outcome.refusal) is not None:
        target = form[error.field] if error.field in ("until", "reason") else form.until
        target.errors = [*target.errors, str(error)]
    if not outcome.saved:
        return _cockpit(round_, form, outcome.status)
    flash(
        _(
            "%(partner)s may update its figures until %(day)s.",
            partner=organization.acronym,
            day=format_date(form.until.data, "long"),
        ),
        "success",
    )
    return redirect(url_for("rounds.cockpit", year=year))


@bp.get("/<int:year>/ministry")
@roles_required(Role.MINISTRY)
def ministry(year: int):
    """The round's projects the ministry leads, with the government's view of the year."""
    round_ = round_or_404(year)
    number = max(1, request.args.get("page", 1, type=int))
    rows, total = services.ministry_rows(round_, current_user.organization_id, number, PER_PAGE)
    return render_template(
        "rounds/ministry.html",
        round=round_,
        page=Page(items=rows, page=number, per_page=PER_PAGE, total=total),
    )
