"""What a project page shows of the workflow, for the user looking at it."""

from __future__ import annotations

from sqlalchemy import select

from portal.alignment import services, workflow
from portal.alignment.forms import FIGURE_STATUS
from portal.alignment.models import WorkflowTransition
from portal.extensions import db
from portal.projects.models import Project
from portal.security import can_discuss_figures, can_review_alignment


def project_panel(project: Project, user) -> dict:
    """The state, the steps this user may take, the log, the alignment and the figures."""
    log = workflow.log_of(project.id)
    returned = next((t.comment for t in reversed(log) if t.to_state == workflow.RETURNED), None)
    return {
        "state_label": workflow.STATE_LABELS,
        "steps": workflow.available_steps(user, project),
        "log": log,
        "returned_reason": returned if project.workflow_state == workflow.RETURNED else None,
        "alignment": services.alignment_of(project.id),
        "figures": services.figures_table(project),
        "figure_status": FIGURE_STATUS,
        "can_review": can_review_alignment(user, project),
        "can_discuss": can_discuss_figures(user, project),
    }


def returned_to(organization_id: int) -> list[tuple[Project, str | None]]:
    """The organization's returned projects with the latest reasons, newest first."""
    projects = list(
        db.session.scalars(
            select(Project)
            .where(
                Project.reporting_org_id == organization_id,
                Project.workflow_state == workflow.RETURNED,
            )
            .order_by(Project.state_changed_at.desc())
        )
    )
    reasons = {}
    if projects:
        for project_id, comment in db.session.execute(
            select(WorkflowTransition.project_id, WorkflowTransition.comment)
            .where(
                WorkflowTransition.project_id.in_([p.id for p in projects]),
                WorkflowTransition.to_state == workflow.RETURNED,
            )
            .order_by(WorkflowTransition.at)
        ):
            reasons[project_id] = comment
    return [(p, reasons.get(p.id)) for p in projects]
