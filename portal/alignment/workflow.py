"""The project workflow: draft → submitted → confirmed or returned → validated.

Each step is allowed to one role (see portal.security.can_transition), is recorded in the
transition log, and is applied with a conditional UPDATE, so that of two people acting at
once exactly one wins and the other is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal.alignment import notify
from portal.alignment.models import Alignment, WorkflowTransition
from portal.audit.services import record
from portal.db import rowcount, utcnow
from portal.extensions import db
from portal.projects import history, quality
from portal.projects.models import Project
from portal.projects.services import project_saved
from portal.security import can_transition

DRAFT, SUBMITTED, CONFIRMED, RETURNED, VALIDATED, RECONFIRM = (
    "draft",
    "submitted",
    "confirmed",
    "returned",
    "validated",
    "reconfirm",
)

STATE_LABELS = {
    DRAFT: _l("Draft"),
    SUBMITTED: _l("Submitted, waiting for the ministry"),
    CONFIRMED: _l("Confirmed by the ministry"),
    RETURNED: _l("Returned to the partner"),
    VALIDATED: _l("Validated by CDC"),
    RECONFIRM: _l("Re-confirmation needed"),
}
# The states in which the lead ministry has something to do.
WAITING_FOR_MINISTRY = (SUBMITTED, RECONFIRM)

# The fields whose change, after confirmation, needs the ministry to confirm again.
MATERIAL_FIELDS = (
    "lead_national_partner",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "commitment",
    "commitment_date",
    "funding",
    "sectors",
    "locations",
)


@dataclass(frozen=True)
class Step:
    action: str
    sources: frozenset
    target: str
    label: object


STEPS = {
    "submit": Step("submit", frozenset({DRAFT, RETURNED}), SUBMITTED, _l("Submit to the ministry")),
    "confirm": Step("confirm", frozenset({SUBMITTED, RECONFIRM}), CONFIRMED, _l("Confirm")),
    "return": Step(
        "return",
        frozenset({SUBMITTED, RECONFIRM, CONFIRMED, VALIDATED}),
        RETURNED,
        _l("Return with reasons"),
    ),
    "validate": Step("validate", frozenset({CONFIRMED}), VALIDATED, _l("Validate and publish")),
}


class WorkflowRefused(RuntimeError):
    """The step is not allowed: `status` is 403 (not yours), 409 (state moved on) or 400."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def material_snapshot(project: Project | SimpleNamespace) -> dict[str, str]:
    full = history.snapshot(project)
    return {name: full[name] for name in MATERIAL_FIELDS}


def _log(project_id: int, source: str, target: str, actor, comment: str | None) -> None:
    waited = None
    if target == CONFIRMED:
        submitted = db.session.scalar(
            select(func.max(WorkflowTransition.at)).where(
                WorkflowTransition.project_id == project_id,
                WorkflowTransition.to_state.in_(WAITING_FOR_MINISTRY),
            )
        )
        if submitted is not None:
            if submitted.tzinfo is None:
                submitted = submitted.replace(tzinfo=UTC)
            waited = (utcnow() - submitted).total_seconds() / 86400
    db.session.add(
        WorkflowTransition(
            project_id=project_id,
            from_state=source,
            to_state=target,
            user_id=getattr(actor, "id", None),
            comment=comment,
            waited_days=waited,
        )
    )


def transition(project: Project, action: str, *, actor, comment: str | None = None) -> str:
    """Move `project` one step; refuse (WorkflowRefused) whoever may not, or too late."""
    step = STEPS.get(action)
    if step is None:
        raise WorkflowRefused(str(_l("Unknown step.")), 400)
    if not can_transition(actor, project, action):
        raise WorkflowRefused(str(_l("You may not take this step on this project.")), 403)
    source = project.workflow_state
    if source not in step.sources:
        raise WorkflowRefused(
            str(
                _l(
                    "This project is now “%(state)s”: someone else has already acted on it. Reload "
                    "the page to see where it stands.",
                    state=STATE_LABELS.get(source, source),
                )
            ),
            409,
        )
    comment = (comment or "").strip() or None
    if (
        action == "confirm"
        and db.session.scalar(select(Alignment.id).where(Alignment.project_id == project.id))
        is None
    ):
        raise WorkflowRefused(
            str(_l("Record how the project serves the national strategy before confirming it.")),
            400,
        )
    if action == "return" and not comment:
        raise WorkflowRefused(
            str(_l("Say why the project is returned: the partner needs the reasons to fix it.")),
            400,
        )
    now = utcnow()
    values = {
        "workflow_state": step.target,
        "state_changed_at": now,
        "version": Project.version + 1,
    }
    if action == "confirm":
        values["confirmed_snapshot"] = material_snapshot(project)
    if action == "validate":
        values["published_at"] = now
    result = db.session.execute(
        update(Project)
        .where(Project.id == project.id, Project.workflow_state == source)
        .values(**values),
        execution_options={"synchronize_session": False},
    )
    if rowcount(result) != 1:
        raise WorkflowRefused(
            str(
                _l(
                    "Someone else acted on this project at the same moment; "
                    "their step was recorded first. Reload the page."
                )
            ),
            409,
        )
    _log(project.id, source, step.target, actor, comment)
    record(f"workflow.{action}", user=actor, obj=project, source=source, target=step.target)
    db.session.flush()
    db.session.expire(project)
    quality.rescore([project.id])  # the ministry's confirmation counts in the score
    notify.transition(project, source, step.target, actor=actor, comment=comment)
    return step.target


@project_saved.connect
def _after_partner_edit(sender, project: Project, actor, before: dict, **extra) -> None:
    """A material change after confirmation sends the project back to its ministry."""
    if project.workflow_state not in (CONFIRMED, VALIDATED):
        return
    confirmed = project.confirmed_snapshot or {}
    current = material_snapshot(project)
    if all(confirmed.get(name, "") == current[name] for name in MATERIAL_FIELDS):
        return
    source = project.workflow_state
    project.workflow_state = RECONFIRM
    project.state_changed_at = utcnow()
    quality.store(project)
    _log(project.id, source, RECONFIRM, actor, None)
    db.session.flush()
    notify.transition(project, source, RECONFIRM, actor=actor, comment=None)


def log_of(project_id: int) -> list[WorkflowTransition]:
    """The project's transitions, oldest first."""
    return list(
        db.session.scalars(
            select(WorkflowTransition)
            .where(WorkflowTransition.project_id == project_id)
            .order_by(WorkflowTransition.at, WorkflowTransition.id)
        )
    )


def changes_since_confirmation(project: Project) -> list[tuple[str, str, str]]:
    """(field, as confirmed, now) for each material field that differs."""
    confirmed = project.confirmed_snapshot or {}
    current = material_snapshot(project)
    return [
        (name, confirmed.get(name, ""), current[name])
        for name in MATERIAL_FIELDS
        if confirmed.get(name, "") != current[name]
    ]


def available_steps(user, project: Project) -> list[Step]:
    """The steps this user may take on the project now."""
    return [
        step
        for step in STEPS.values()
        if project.workflow_state in step.sources and can_transition(user, project, step.action)
    ]
