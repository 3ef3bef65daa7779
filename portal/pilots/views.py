"""Pilot pages: list, lessons across pilots, form, detail, stage changes, lessons, sharing."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import exists, select

from portal.commitments.forms import place_errors
from portal.extensions import db
from portal.forms import as_id, field_errors
from portal.pilots import services
from portal.pilots.forms import (
    REPEATABLE,
    DisseminationForm,
    LessonForm,
    PilotForm,
    StageForm,
    fill_from,
    prepare,
    to_data,
)
from portal.pilots.models import EXTERNAL_ROLES, STAGES, Lesson, Pilot
from portal.saving import RowFormPage, save
from portal.security import (
    can_manage_pilots,
    can_record_lessons,
    can_view_pilot,
    can_view_project,
    cdc_required,
    pilot_visibility,
    sees_internal_commitment_fields,
)
from portal.templating import show_publicly_when

bp = Blueprint("pilots", __name__, url_prefix="/pilots")


def _any_public() -> bool:
    """Whether CDC has made a pilot public (the public's menu then offers the pilots)."""
    return bool(db.session.scalar(select(exists().where(Pilot.public.is_(True)))))


show_publicly_when("pilots.index", _any_public)


@bp.context_processor
def _helpers() -> dict:
    return {"stages": STAGES, "external_roles": EXTERNAL_ROLES}


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return as_id(value)


@bp.get("/")
def index():
    """Every pilot, by stage, with its lessons counted (all users; the public, public pilots)."""
    stage = request.args.get("stage", "")
    return render_template(
        "pilots/index.html",
        pilots=services.pilots(stage, pilot_visibility(current_user, Pilot)),
        stage=stage if stage in STAGES else "",
        can_manage=can_manage_pilots(current_user),
        internal=sees_internal_commitment_fields(current_user),
    )


@bp.get("/lessons")
def lessons():
    """Lessons learned across pilots, filtered by national priority and partner (all users;
    the public, the lessons of public pilots)."""
    priority_id, partner_id = _int_arg("priority"), _int_arg("partner")
    visible = pilot_visibility(current_user, Pilot)
    return render_template(
        "pilots/lessons.html",
        lessons=services.lessons(priority_id, partner_id, visible),
        priorities=services.priorities_in_pilots(visible),
        partners=services.partners_in_pilots(visible),
        priority_id=priority_id,
        partner_id=partner_id,
        internal=sees_internal_commitment_fields(current_user),
    )


def _render_form(form, pilot, sections=None, status_code=200):
    return render_template(
        "pilots/form.html",
        form=form,
        pilot=pilot,
        errors=field_errors(form),
        sections=sections or {},
    ), status_code


def _saved(saved: Pilot, _pilot: Pilot | None):
    flash(_("The pilot has been saved."), "success")
    return redirect(url_for("pilots.detail", pilot_id=saved.id))


_form_page = RowFormPage(  # the new and edit pages
    form=PilotForm,
    repeatable=REPEATABLE,
    fill=fill_from,
    prepare=prepare,
    read=to_data,
    validate=services.validate,
    save=lambda _form, data, pilot: services.save_pilot(data, actor=current_user, pilot=pilot),
    invalid=services.PilotInvalid,
    place_errors=lambda form, invalid: place_errors(form, invalid.errors, REPEATABLE),
    render=_render_form,
    saved=_saved,
)


@bp.route("/new", methods=["GET", "POST"])
@cdc_required
def new():
    """Record a pilot (CDC)."""
    return _form_page(None)


@bp.route("/<int:pilot_id>/edit", methods=["GET", "POST"])
@login_required
def edit(pilot_id: int):
    """Edit a pilot (CDC; others 403)."""
    pilot = db.get_or_404(Pilot, pilot_id)
    if not can_manage_pilots(current_user):
        abort(403)
    return _form_page(pilot)


def _render_detail(pilot: Pilot, *, stage_form=None, lesson_form=None, share_forms=None, code=200):
    share_forms = share_forms or {}
    return render_template(
        "pilots/detail.html",
        pilot=pilot,
        projects=[
            link.project for link in pilot.projects if can_view_project(current_user, link.project)
        ],
        hidden_projects=sum(
            1 for link in pilot.projects if not can_view_project(current_user, link.project)
        ),
        can_manage=can_manage_pilots(current_user),
        can_record=can_record_lessons(current_user, pilot),
        internal=sees_internal_commitment_fields(current_user),
        stage_form=stage_form or StageForm(formdata=None),
        lesson_form=lesson_form or LessonForm(formdata=None),
        share_forms={
            lesson.id: share_forms.get(lesson.id)
            or DisseminationForm(formdata=None, prefix=f"l{lesson.id}")
            for lesson in pilot.lessons
        },
    ), code


@bp.get("/<int:pilot_id>")
def detail(pilot_id: int):
    """A pilot: purpose, partners, priorities, projects, stages and lessons (all users; the
    public sees a public pilot without lesson evidence, stage reasons or people)."""
    pilot = db.get_or_404(Pilot, pilot_id)
    if not can_view_pilot(current_user, pilot):
        abort(404)
    return _render_detail(pilot)


@bp.post("/<int:pilot_id>/stage")
@login_required
def change_stage(pilot_id: int):
    """Move a pilot to another stage, with the reason (CDC; others 403)."""
    pilot = db.get_or_404(Pilot, pilot_id)
    if not can_manage_pilots(current_user):
        abort(403)
    form = StageForm()
    if not form.validate_on_submit():
        return _render_detail(pilot, stage_form=form, code=400)
    outcome = save(
        lambda: services.change_stage(pilot, form.stage.data, form.reason.data, actor=current_user),
        refusals=(services.PilotInvalid,),
    )
    if outcome.refusal is not None:
        place_errors(form, outcome.refusal.errors)
    if not outcome.saved:
        return _render_detail(pilot, stage_form=form, code=outcome.status)
    flash(_("The pilot is now “%(stage)s”.", stage=STAGES[pilot.stage]), "success")
    return redirect(url_for("pilots.detail", pilot_id=pilot.id))


@bp.post("/<int:pilot_id>/lessons")
@login_required
def add_lesson(pilot_id: int):
    """Log a lesson learned (the pilot's partners and CDC; others 403)."""
    pilot = db.get_or_404(Pilot, pilot_id)
    if not can_record_lessons(current_user, pilot):
        abort(403)
    form = LessonForm()
    if not form.validate_on_submit():
        return _render_detail(pilot, lesson_form=form, code=400)
    outcome = save(
        lambda: services.add_lesson(pilot, form.to_data(), actor=current_user),
        refusals=(services.PilotInvalid,),
    )
    if outcome.refusal is not None:
        place_errors(form, outcome.refusal.errors)
    if not outcome.saved:
        return _render_detail(pilot, lesson_form=form, code=outcome.status)
    flash(_("The lesson has been added to the log."), "success")
    return redirect(url_for("pilots.detail", pilot_id=pilot.id) + "#lessons")


@bp.post("/lessons/<int:lesson_id>/disseminations")
@login_required
def add_dissemination(lesson_id: int):
    """Log that a lesson was shared (the pilot's partners and CDC; others 403)."""
    lesson = db.get_or_404(Lesson, lesson_id)
    pilot = lesson.pilot
    if not can_record_lessons(current_user, pilot):
        abort(403)
    form = DisseminationForm(prefix=f"l{lesson.id}")
    if not form.validate_on_submit():
        return _render_detail(pilot, share_forms={lesson.id: form}, code=400)
    outcome = save(
        lambda: services.add_dissemination(
            lesson, form.audience.data, form.shared_on.data, form.channel.data, actor=current_user
        ),
        refusals=(services.PilotInvalid,),
    )
    if outcome.refusal is not None:
        place_errors(form, outcome.refusal.errors)
    if not outcome.saved:
        return _render_detail(pilot, share_forms={lesson.id: form}, code=outcome.status)
    flash(_("The sharing of the lesson has been logged."), "success")
    return redirect(url_for("pilots.detail", pilot_id=pilot.id) + f"#lesson-{lesson.id}")
