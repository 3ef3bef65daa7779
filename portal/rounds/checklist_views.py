"""The partner's pages of a round: the checklist, its workbook, the return."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.utils import secure_filename

from portal.accounts.models import Role
from portal.db import Page
from portal.extensions import db
from portal.projects.models import Project
from portal.projects.services import EditConflict, ProjectInvalid
from portal.rounds import checklist, checks, progress, services, workbook
from portal.rounds.blueprint import PER_PAGE, bp, round_or_404
from portal.rounds.forms import ChecklistForm
from portal.saving import save
from portal.security import roles_required
from portal.spreadsheets.forms import UploadForm
from portal.spreadsheets.reading import UnreadableFile
from portal.templating import counted


def _checklist_page(
    round_,
    organization_id: int,
    form: ChecklistForm | None,
    status: int = 200,
    *,
    explanation: str = "",
    explanation_error: str | None = None,
):
    show = request.args.get("show", "all")
    number = max(1, request.args.get("page", 1, type=int))
    todo_only = show == "todo"
    total = checklist.count(round_, organization_id, todo_only=todo_only)
    posted = None
    if form is not None:
        posted = [
            int(e.form.project_id.data)
            for e in form.rows.entries
            if str(e.form.project_id.data or "").isdigit() and int(e.form.project_id.data) < 2**31
        ]
    rows = checklist.rows(
        round_,
        organization_id,
        todo_only=todo_only,
        offset=(number - 1) * PER_PAGE,
        limit=PER_PAGE,
        ids=posted,
    )
    if form is None:
        form = ChecklistForm(formdata=None)
        for row in rows:
            form.rows.append_entry(
                {
                    "project_id": str(row.project.id),
                    "version": str(row.project.version),
                    **checklist.prefilled(round_, row),
                    "status": row.figures.status,
                    "end_date": row.figures.end_date,
                }
            )
    by_id = {str(row.project.id): row for row in rows}
    mine = progress.of_partner(round_, organization_id)
    entry = services.return_of(round_, organization_id)
    accepts = services.accepts_updates(round_, organization_id)
    found = checks.findings(round_, organization_id) if accepts else {}
    return render_template(
        "rounds/checklist.html",
        round=round_,
        form=form,
        rows=by_id,
        page=Page(items=rows, page=number, per_page=PER_PAGE, total=total),
        show=show,
        mine=mine,
        entry=entry,
        accepts=accepts,
        findings=found,
        failing=checks.counts(found),
        upload=UploadForm(formdata=None),
        check_labels=checks.CHECKS,
        explanation=explanation,
        explanation_error=explanation_error,
    ), status


@bp.get("/<int:year>/checklist")
@roles_required(Role.DP)
def checklist_view(year: int):
    """A partner's projects that the round concerns, pre-filled, to confirm or correct."""
    round_ = round_or_404(year)
    return _checklist_page(round_, current_user.organization_id, None)


def _own_project(round_, project_id) -> Project:
    """A project of the user's organization that the round concerns, else 404."""
    if not str(project_id or "").isdigit() or int(project_id) > 2**31 - 1:
        abort(404)
    project_id = int(project_id)
    project = db.session.scalar(
        select(Project).where(
            Project.id == project_id,
            Project.reporting_org_id == current_user.organization_id,
            services.concerned(round_),
        )
    )
    if project is None:
        abort(404)
    return project


def _figures(round_, row_form) -> checklist.Figures:
    amounts = {key: row_form[name].data for name, key in checklist.fields(round_).items()}
    return checklist.Figures(amounts, row_form.status.data, row_form.end_date.data)


def _save_rows(round_, form: ChecklistForm) -> tuple[int, int]:
    """Apply each row that changed in a savepoint of its own: a row the rules refuse gets its
    message and is rolled back alone, the others stay for the commit. (saved, refused)."""
    saved, refused = 0, 0
    for entry in form.rows.entries:
        row_form = entry.form
        if row_form.errors:
            refused += 1
            continue
        project = _own_project(round_, row_form.project_id.data)
        wanted = _figures(round_, row_form)
        try:
            if not checklist.apply_changed(
                round_,
                project,
                wanted,
                actor=current_user,
                expected_version=int(row_form.version.data or 0),
            ):
                continue
        except ProjectInvalid as invalid:
            refused += 1
            row_form.actual.errors = [*row_form.actual.errors, *invalid.errors.values()]
        except EditConflict:
            refused += 1
            row_form.actual.errors = [
                *row_form.actual.errors,
                _(
                    "Someone else saved this project meanwhile: open it to see their "
                    "change, then enter yours again."
                ),
            ]
        else:
            saved += 1
            row_form.version.data = str(project.version)
    return saved, refused


@bp.post("/<int:year>/checklist")
@roles_required(Role.DP)
def checklist_save(year: int):
    """Save the rows that changed (each on its own: a refused row keeps its input and its
    message, the others are saved), or mark one project unchanged."""
    round_ = round_or_404(year)
    organization_id = current_user.organization_id
    if not services.accepts_updates(round_, organization_id):
        flash(_("The round is closed: figures can no longer be changed in it."), "warning")
        return redirect(url_for("rounds.checklist_view", year=year)), 303
    back = url_for(
        "rounds.checklist_view",
        year=year,
        page=request.args.get("page", 1, type=int),
        show=request.args.get("show", "all"),
    )
    unchanged_id = request.form.get("no_change", type=int)
    if unchanged_id:
        project = _own_project(round_, unchanged_id)
        if not save(lambda: checklist.confirm_unchanged(round_, project, actor=current_user)).saved:
            return redirect(back), 303  # the storage failed: its message is flashed
        flash(_("“%(title)s”: marked as unchanged.", title=project.title_en), "success")
        return redirect(back)
    form = ChecklistForm()
    form.validate()
    outcome = save(lambda: _save_rows(round_, form))
    if outcome.value is None:
        return _checklist_page(round_, organization_id, form, outcome.status)
    saved, refused = outcome.value
    if saved:
        flash(
            counted("%(num)s project saved.", "%(num)s projects saved.", saved),
            "success",
        )
    if refused:
        flash(
            counted(
                "%(num)s project was not saved: see the message beside it.",
                "%(num)s projects were not saved: see the message beside each.",
                refused,
            ),
            "danger",
        )
        return _checklist_page(round_, organization_id, form, 400)
    if not saved:
        flash(_("Nothing was changed."), "info")
    return redirect(back)


@bp.get("/<int:year>/checklist.xlsx")
@roles_required(Role.DP)
def checklist_workbook(year: int):
    """The partner's checklist as a workbook, to fill in offline."""
    round_ = round_or_404(year)
    content = workbook.workbook_for(round_, current_user.organization_id)
    name = f"round-{year}-{current_user.organization.acronym}.xlsx"
    return send_file(
        io.BytesIO(content),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=secure_filename(name) or f"round-{year}.xlsx",
    )


@bp.post("/<int:year>/checklist/upload")
@roles_required(Role.DP)
def checklist_upload(year: int):
    """Save the rows of an uploaded checklist workbook: all of them, or none (with the problems)."""
    round_ = round_or_404(year)
    organization_id = current_user.organization_id
    if not services.accepts_updates(round_, organization_id):
        flash(_("The round is closed: figures can no longer be changed in it."), "warning")
        return redirect(url_for("rounds.checklist_view", year=year)), 303
    upload = UploadForm()
    if not upload.validate_on_submit():
        for message in upload.file.errors:
            flash(str(message), "danger")
        return redirect(url_for("rounds.checklist_view", year=year)), 303
    saving = save(
        lambda: workbook.apply_upload(
            round_, organization_id, upload.file.data.read(), actor=current_user
        ),
        refusals=(UnreadableFile,),
    )
    if (outcome := saving.value) is None:  # a storage failure has flashed its message
        if saving.refusal is not None:
            flash(str(saving.refusal), "danger")
        return redirect(url_for("rounds.checklist_view", year=year)), 303
    if outcome.errors:
        return render_template(
            "rounds/upload_errors.html", round=round_, errors=outcome.errors
        ), 400
    flash(
        _(
            "The workbook is saved: %(saved)s projects corrected, "
            "%(unchanged)s confirmed unchanged.",
            saved=outcome.saved,
            unchanged=outcome.unchanged,
        ),
        "success",
    )
    return redirect(url_for("rounds.checklist_view", year=year))


@bp.post("/<int:year>/return")
@roles_required(Role.DP)
def submit_return(year: int):
    """The partner declares its data for the round complete; the checks its projects still
    fail must be explained (refused beside the explanation otherwise, with the text kept)."""
    round_ = round_or_404(year)
    explanation = request.form.get("explanation", "")
    outcome = save(
        lambda: services.submit_return(
            round_, current_user.organization, actor=current_user, explanation=explanation
        ),
        refusals=(services.RoundError,),
    )
    if not outcome.saved:  # a storage failure has flashed its message, a refusal says why
        refusal = outcome.refusal
        if refusal is not None and refusal.field == "explanation":
            return _checklist_page(
                round_,
                current_user.organization_id,
                None,
                400,
                explanation=explanation,
                explanation_error=str(refusal),
            )
        if refusal is not None:
            flash(str(refusal), "danger")
        return redirect(url_for("rounds.checklist_view", year=year)), 303
    flash(_("Your return for round %(year)s is submitted. Thank you.", year=year), "success")
    return redirect(url_for("rounds.checklist_view", year=year))
