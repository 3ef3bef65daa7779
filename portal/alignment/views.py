"""The alignment workflow pages: inbox, review, steps, threads, pipeline, notifications."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts.models import Role
from portal.alignment import (  # settle: connects to the registry's project_saved
    delegation,
    notify,
    queries,
    services,
    settle,  # noqa: F401
    validation,
    workflow,
)
from portal.alignment.forms import (
    CommentForm,
    HandOverForm,
    ReviewForm,
    SettingsForm,
    StepForm,
)
from portal.alignment.models import GovernmentFigure, Notification
from portal.extensions import db
from portal.i18n import current_locale
from portal.projects.history import display_value
from portal.projects.history import label as field_label
from portal.projects.queries import load_project_or_404
from portal.saving import save
from portal.security import (
    can_discuss_figures,
    can_hand_over_review,
    can_review_alignment,
    cdc_required,
    is_safe_redirect,
    roles_required,
)
from portal.strategy.models import NodeKind
from portal.templating import counted, local_name

bp = Blueprint("alignment", __name__, url_prefix="/alignment")


@bp.app_context_processor
def unread_notifications() -> dict:
    """Every page's header shows the reader's unread notices."""
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": notify.unread_count(current_user)}


@bp.get("/inbox")
@roles_required(Role.MINISTRY)
def inbox():
    """Projects waiting for the user's institution, oldest first, 50 a page (ministries)."""
    days = services.service_standard_days()
    mine = request.args.get("mine") == "1"
    page, overdue = queries.inbox_page(
        current_user.organization_id,
        days,
        request.args.get("page", 1, type=int),
        50,
        assignee_id=current_user.id if mine else None,
    )
    return render_template(
        "alignment/inbox.html",
        days=days,
        page=page,
        mine=mine,
        reviewers=delegation.assignees([row["project"].id for row in page.items]),
        overdue=overdue,
    )


def _review_form(project, alignment) -> ReviewForm:
    framework = services.current_framework()
    locale = current_locale()
    priorities = []
    groups = []  # (pillar, its priorities): the other priorities are ticked by pillar
    if framework:
        for pillar in framework.pillars:
            group = [
                (node.id, f"{node.code} {node.display_name(locale)}")
                for node in pillar.children
                if node.kind == NodeKind.PRIORITY
            ]
            priorities += group
            if group:
                groups.append((f"{pillar.code} {pillar.display_name(locale)}", group))
    form = ReviewForm()
    if request.method == "GET":
        form = ReviewForm(obj=alignment)
        if alignment:
            form.other_priority_ids.data = [p.node_id for p in alignment.other_priorities]
        for row in services.figures_table(project):
            form.figures.append_entry(
                {
                    "year": str(row["year"]),
                    "amount": row["amount"],
                    "currency": row["currency"],
                    "status": row["status"],
                    "comment": "",
                }
            )
    currencies = [(code, code) for code in ["USD", *services.project_currencies(project)]]
    for entry in form.figures:
        entry.form.currency.choices = currencies
    form.primary_priority_id.choices = [(0, "—")] + priorities
    form.other_priority_ids.choices = priorities
    form.priority_groups = groups
    return form


def _figures(form: ReviewForm) -> list[services.FigureData]:
    return [
        services.FigureData(
            year=int(entry.form.year.data),
            amount=entry.form.amount.data,
            currency=(entry.form.currency.data or "USD").upper(),
            status=entry.form.status.data,
            comment=entry.form.comment.data or "",
        )
        for entry in form.figures
        if (entry.form.year.data or "").isdigit()
    ]


def _save_review(project, form: ReviewForm, action: str) -> None:
    """Return the project with reasons, or save the figures (and confirm the alignment)."""
    if action == "return":
        workflow.transition(project, "return", actor=current_user, comment=form.return_reason.data)
        return
    services.save_figures(project, _figures(form), actor=current_user)
    if action == "confirm":
        services.save_alignment(
            project,
            services.AlignmentData(
                primary_priority_id=form.primary_priority_id.data or None,
                other_priority_ids=list(form.other_priority_ids.data or []),
                rationale=form.rationale.data or "",
                on_plan=form.on_plan.data,
                on_budget=form.on_budget.data,
                lead_role_accepted=form.lead_role_accepted.data,
            ),
            actor=current_user,
        )
        workflow.transition(project, "confirm", actor=current_user)


def _place_review_errors(form: ReviewForm, errors: dict[str, str]) -> None:
    """Each of the rules' messages beside its field, a yearly figure's in its row."""
    for key, message in errors.items():
        name, _sep, rest = key.partition("-")
        if name == "figures":
            index, _sep, field = rest.partition("-")
            form.figures.entries[int(index)].form[field].errors.append(message)
        else:
            form[key].errors = [*form[key].errors, message]


@bp.route("/projects/<int:project_id>/review", methods=["GET", "POST"])
@login_required
def review(project_id: int):
    """The lead ministry confirms alignment and figures, or returns the project with reasons."""
    project = load_project_or_404(project_id, current_user)
    if not can_review_alignment(current_user, project):
        abort(403)
    alignment = services.alignment_of(project.id)
    form = _review_form(project, alignment)
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        action = request.form.get("action", "save")
        outcome = save(
            lambda: _save_review(project, form, action),
            refusals=(services.AlignmentInvalid, workflow.WorkflowRefused),
        )
        if outcome.saved:
            messages = {
                "return": _("The project has been returned to the partner."),
                "confirm": _("The project is confirmed."),
                "save": _("Your figures have been saved."),
            }
            flash(messages.get(action, messages["save"]), "success")
            if action in ("return", "confirm") and current_user.role is Role.MINISTRY:
                return redirect(url_for("alignment.inbox"))
            return redirect(url_for("alignment.review", project_id=project.id))
        status = outcome.status
        refusal = outcome.refusal
        if isinstance(refusal, services.AlignmentInvalid):
            _place_review_errors(form, refusal.errors)
        elif isinstance(refusal, workflow.WorkflowRefused):
            if refusal.status == 400:
                form.return_reason.errors = [*form.return_reason.errors, str(refusal)]
            else:
                flash(str(refusal), "danger")
            status = refusal.status
    elif request.method == "POST":
        status = 400
    return _render_review(project, form, alignment, HandOverForm(formdata=None), status)


def _hand_over_form(project, form: HandOverForm) -> HandOverForm | None:
    """The hand-over form with the institution's colleagues, or None where it has no place."""
    if not can_hand_over_review(current_user, project):
        return None
    if project.workflow_state not in workflow.WAITING_FOR_MINISTRY:
        return None
    form.assignee_id.choices = [(0, "—")] + [
        (user.id, user.name) for user in delegation.colleagues(project)
    ]
    return form


def _render_review(project, form, alignment, hand_over_form: HandOverForm, status: int):
    return render_template(
        "alignment/review.html",
        project=project,
        form=form,
        alignment=alignment,
        hand_over=_hand_over_form(project, hand_over_form),
        assignment=delegation.assignment_of(project.id),
        steps={step.action for step in workflow.available_steps(current_user, project)},
        figures=services.figures_table(project),
        changes=workflow.changes_since_confirmation(project)
        if project.workflow_state == workflow.RECONFIRM
        else [],
        field_label=field_label,
        field_value=display_value,
        state_label=workflow.STATE_LABELS,
        log=workflow.log_of(project.id),
    ), status


@bp.post("/projects/<int:project_id>/hand-over")
@login_required
def hand_over(project_id: int):
    """A focal point of the lead ministry gives the review to a colleague (who is told)."""
    project = load_project_or_404(project_id, current_user)
    if not can_hand_over_review(current_user, project):
        abort(403)
    form = HandOverForm()
    if form.validate_on_submit():
        outcome = save(
            lambda: delegation.hand_over(
                project, form.assignee_id.data, form.note.data or "", actor=current_user
            ),
            refusals=(delegation.HandOverRefused,),
        )
        if (assignment := outcome.value) is not None:
            flash(
                _(
                    "The review is now with %(name)s, who has been told.",
                    name=assignment.assignee.name,
                ),
                "success",
            )
            return redirect(url_for("alignment.review", project_id=project.id))
        status = outcome.status
        if outcome.refusal is not None:
            if project.workflow_state in workflow.WAITING_FOR_MINISTRY:
                form.assignee_id.errors = [*form.assignee_id.errors, str(outcome.refusal)]
            else:  # the page has no hand-over form to put the message beside
                flash(str(outcome.refusal), "danger")
    else:
        status = 400
    review_form = _review_form(project, services.alignment_of(project.id))
    return _render_review(project, review_form, services.alignment_of(project.id), form, status)


@bp.post("/projects/<int:project_id>/step/<action>")
@login_required
def step(project_id: int, action: str):
    """Submit (partner), validate or return (CDC) a project, from its page."""
    project = load_project_or_404(project_id, current_user)
    form = StepForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = save(
        lambda: workflow.transition(project, action, actor=current_user, comment=form.comment.data),
        refusals=(workflow.WorkflowRefused,),
    )
    if outcome.failed_status:
        label = str(workflow.STEPS[action].label)
        return _send_again(
            project,
            form.comment if action == "return" else None,
            url_for("alignment.step", project_id=project.id, action=action),
            outcome.failed_status,
            heading=label,
            button=label,
        )
    if (target := outcome.value) is not None:
        state = workflow.STATE_LABELS[target]
        flash(_("Done: the project is now “%(state)s”.", state=state), "success")
    elif (refused := outcome.refusal) is not None:
        if refused.status == 403:
            abort(403)
        flash(str(refused), "danger")
    # A plain redirect: a browser does not follow one sent with status 409 or 400, and would
    # show a bare "Redirecting..." page instead of the project with the message.
    return redirect(url_for("projects.detail", project_id=project_id))


@bp.post("/figures/<int:figure_id>/comments")
@login_required
def comment(figure_id: int):
    """Write in the thread of a yearly figure (the partner, the lead ministry, CDC)."""
    figure = db.get_or_404(GovernmentFigure, figure_id)
    project = load_project_or_404(figure.project_id, current_user)
    if not can_discuss_figures(current_user, project):
        abort(403)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("Write a message first."), "danger")
        return redirect(url_for("projects.detail", project_id=project.id) + "#figures")
    heading = _("Reply about %(year)s", year=figure.year)
    action = url_for("alignment.comment", figure_id=figure.id)
    outcome = save(
        lambda: services.add_comment(figure, project, form.text.data, actor=current_user)
    )
    if not outcome.saved:
        return _send_again(
            project, form.text, action, outcome.status, heading=heading, button=_("Send")
        )
    flash(_("Your message has been added."), "success")
    return redirect(url_for("projects.detail", project_id=project.id) + "#figures")


def _send_again(project, field, action: str, status: int, *, heading: str, button: str):
    """The one-field form of the project page (a reply, a step's reasons) with what was typed.

    Those forms sit on the project's page; when the save failed, this page alone gives the
    text back, ready to be sent again to the same address.
    """
    return render_template(
        "alignment/send_again.html",
        project=project,
        field=field,
        action=action,
        heading=heading,
        button=button,
    ), status


@bp.get("/pipeline")
@cdc_required
def pipeline():
    """The whole pipeline for CDC: counts, items stuck longest, disputes, scorecards."""
    counts, scorecards = queries.pipeline_figures()
    return render_template(
        "alignment/pipeline.html",
        counts=counts,
        state_label=workflow.STATE_LABELS,
        stuck=queries.stuck_longest(),
        disputes=queries.disputed_figures(),
        scorecards=scorecards,
        days=services.service_standard_days(),
    )


@bp.get("/validation")
@cdc_required
def validation_queue():
    """CDC's queue: projects their ministry has confirmed, waiting longest first."""
    return render_template(
        "alignment/validation.html",
        page=validation.waiting(request.args.get("page", 1, type=int)),
        form=StepForm(),
    )


@bp.post("/validation")
@cdc_required
def validate_selected():
    """Validate and publish every ticked project, each as its own logged step."""
    if not StepForm().validate_on_submit():
        abort(400)
    chosen = [int(v) for v in request.form.getlist("project_id") if v.isdigit()]
    back = url_for("alignment.validation_queue")
    if not chosen:
        flash(_("Tick the projects to validate first."), "warning")
        return redirect(back)
    outcome = save(lambda: validation.validate_many(chosen, actor=current_user))
    if (done := outcome.value) is None:  # the storage failed: its message is flashed
        return redirect(back)
    if done.validated:
        flash(
            counted(
                "%(num)s project validated and published.",
                "%(num)s projects validated and published.",
                len(done.validated),
            ),
            "success",
        )
    for project, reason in done.refused:
        flash(f"{local_name(project)}: {reason}", "danger")
    return redirect(back)


@bp.route("/settings", methods=["GET", "POST"])
@cdc_required
def settings():
    """CDC sets the service standard (days a ministry has to act)."""
    form = SettingsForm()
    if request.method == "GET":
        form.service_standard_days.data = services.service_standard_days()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        outcome = save(
            lambda: services.set_service_standard(
                form.service_standard_days.data, actor=current_user
            )
        )
        if outcome.saved:
            flash(_("The service standard has been saved."), "success")
            return redirect(url_for("alignment.pipeline"))
        status = outcome.status
    return render_template("alignment/settings.html", form=form), status


@bp.get("/notifications")
@login_required
def notifications():
    """The user's notices, newest first."""
    items = notify.latest(current_user)
    return render_template("alignment/notifications.html", items=items, text=notify.notice_text)


@bp.get("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Open what a notice is about, marking it read (only the reader's own notices)."""
    notice = db.session.get(Notification, notification_id)
    if notice is None or notice.user_id != current_user.id:
        abort(404)
    notify.mark_read(current_user, notice.id)
    db.session.commit()
    if notice.project_id:
        return redirect(url_for("projects.detail", project_id=notice.project_id))
    link = (notice.params or {}).get("link")
    return redirect(link if is_safe_redirect(link) else url_for("alignment.notifications"))


@bp.post("/notifications/read")
@login_required
def read_notifications():
    """Mark the user's notices as read."""
    notify.mark_read(current_user, request.form.get("id", type=int))
    db.session.commit()
    return redirect(url_for("alignment.notifications"))
