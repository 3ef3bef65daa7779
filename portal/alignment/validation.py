"""CDC's validation queue: projects their ministry has confirmed, oldest first, validated in bulk.

Each validation is the workflow's own `validate` step, taken one project at a time inside its
own savepoint: each is logged as its own step, and a project someone else has acted on in the
meantime is refused alone (with its reason) while the others are validated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.alignment import workflow
from portal.alignment.models import Alignment, GovernmentFigure
from portal.db import Page
from portal.extensions import db
from portal.projects.models import Project


@dataclass
class Waiting:
    """A confirmed project and what the ministry decided."""

    project: Project
    alignment: Alignment | None
    confirmed_at: datetime | None
    disputed_years: int


@dataclass
class Validated:
    validated: list[Project]
    refused: list[tuple[Project, str]]


def waiting(page: int, per_page: int = 50) -> Page:
    """The confirmed projects, those confirmed longest ago first, with the ministry's decision."""
    disputes = (
        select(func.count())
        .where(GovernmentFigure.project_id == Project.id, GovernmentFigure.status == "disputed")
        .correlate(Project)
        .scalar_subquery()
    )
    statement = (
        select(Project, Alignment, disputes)
        .outerjoin(Alignment, Alignment.project_id == Project.id)
        .where(Project.workflow_state == workflow.CONFIRMED)
        .options(selectinload(Project.reporting_org), selectinload(Project.lead_national_partner))
        .order_by(Project.state_changed_at.asc().nulls_first(), Project.id)
    )
    total = (
        db.session.scalar(select(func.count()).where(Project.workflow_state == workflow.CONFIRMED))
        or 0
    )
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page))
    items = [
        Waiting(project, alignment, project.state_changed_at, disputed or 0)
        for project, alignment, disputed in rows
    ]
    return Page(items=items, page=page, per_page=per_page, total=total)


def validate_many(project_ids: Iterable[int], *, actor) -> Validated:
    """Take the `validate` step on each project; the caller commits."""
    wanted = sorted(set(project_ids))
    projects = db.session.scalars(select(Project).where(Project.id.in_(wanted))).all()
    done = Validated([], [])
    for project in sorted(projects, key=lambda p: p.id):
        try:
            with db.session.begin_nested():
                workflow.transition(project, "validate", actor=actor)
        except workflow.WorkflowRefused as refused:
            done.refused.append((project, str(refused)))
        else:
            done.validated.append(project)
    return done
