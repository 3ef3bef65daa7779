"""The ministry inbox, the CDC pipeline and the scorecards that compare peers fairly.

Other features read the workflow and the disputed figures here too (the reports' alignment
and reconciliation sections).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from statistics import median

from sqlalchemy import Integer, Select, case, cast, exists, func, select, union_all
from sqlalchemy.orm import joinedload

from portal.alignment.models import (
    FigureComment,
    GovernmentFigure,
    ReviewAssignment,
    WorkflowTransition,
)
from portal.alignment.workflow import (
    CONFIRMED,
    DRAFT,
    RETURNED,
    SUBMITTED,
    VALIDATED,
    WAITING_FOR_MINISTRY,
)
from portal.cache import kept
from portal.db import Page
from portal.extensions import db
from portal.organizations.models import Organization
from portal.projects.models import Project


def figures_of_year(year: int):
    """The government's figures of `year` as a subquery (id, project_id, status, recorded_usd)
    that other features join to their projects (the reporting round's pages and snapshot)."""
    return (
        select(
            GovernmentFigure.id,
            GovernmentFigure.project_id,
            GovernmentFigure.status,
            GovernmentFigure.recorded_usd,
        )
        .where(GovernmentFigure.year == year)
        .subquery()
    )


def figures_by_id(ids: list[int]) -> dict[int, GovernmentFigure]:
    """The government figures of these ids, loaded."""
    if not ids:
        return {}
    found = db.session.scalars(select(GovernmentFigure).where(GovernmentFigure.id.in_(ids)))
    return {figure.id: figure for figure in found}


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _waiting_for(organization_id: int):
    return select(Project).where(
        Project.lead_national_partner_id == organization_id,
        Project.workflow_state.in_(WAITING_FOR_MINISTRY),
    )


# Longest waiting first: since when (never set: first), then the id.
_OLDEST_FIRST = (Project.state_changed_at.asc().nulls_first(), Project.id)


def _oldest_first(*where, limit: int, offset: int = 0):
    """The projects waiting for a ministry that match `where`, longest waiting first, from
    `offset` on, at most `limit`: a SELECT of Project.

    An index orders the projects of one state (ix_project_state_since, and per ministry
    ix_project_lead_state_since), not of several, and puts the projects never dated last on
    PostgreSQL and first on SQLite: so each waiting state's projects are read in index order,
    the undated ones (by id) apart from the dated ones (by date and id), up to the end of the
    page, and only those few are sorted together. What this costs follows the page, not the
    number of projects waiting.
    """
    parts = [
        select(Project.id, Project.state_changed_at)
        .where(*where, Project.workflow_state == state, dated)
        .order_by(*order)
        .limit(offset + limit)
        for state in WAITING_FOR_MINISTRY
        for dated, order in (
            (Project.state_changed_at.is_(None), (Project.id,)),
            (Project.state_changed_at.is_not(None), (Project.state_changed_at, Project.id)),
        )
    ]
    # Each part as a subquery: SQLite takes no ORDER BY or LIMIT in a member of a UNION.
    merged = union_all(*(select(part.subquery()) for part in parts)).subquery("waiting")
    chosen = (
        select(merged.c.id)
        .order_by(merged.c.state_changed_at.asc().nulls_first(), merged.c.id)
        .limit(limit)
        .offset(offset)
        .subquery("chosen")
    )
    return select(Project).join(chosen, chosen.c.id == Project.id).order_by(*_OLDEST_FIRST)


def _inbox_row(project: Project, standard_days: int, now: datetime) -> dict:
    since = _aware(project.state_changed_at) or now
    due = since + timedelta(days=standard_days)
    return {
        "project": project,
        "since": since,
        "days": (now - since).days,
        "due": due,
        "overdue": now > due,
    }


def inbox(organization_id: int, standard_days: int, now: datetime | None = None) -> list[dict]:
    """Projects waiting for this institution, oldest first, with days waiting and due date."""
    now = now or datetime.now(UTC)
    projects = db.session.scalars(
        _waiting_for(organization_id)
        .options(joinedload(Project.reporting_org))
        .order_by(Project.state_changed_at.asc().nulls_first(), Project.id)
    )
    return [_inbox_row(project, standard_days, now) for project in projects]


def inbox_page(
    organization_id: int,
    standard_days: int,
    number: int,
    per_page: int,
    *,
    assignee_id: int | None = None,
    now: datetime | None = None,
) -> tuple[Page, int]:
    """One page of the inbox (rows as `inbox`) and how many of all its projects are overdue.

    Only `assignee_id`'s reviews when given. The count and the page are read from the index on
    (ministry, state, since): the count reads the index alone, the page each waiting state's
    projects up to the page's end (`_oldest_first`), not all the projects waiting.
    """
    now = now or datetime.now(UTC)
    mine = [Project.lead_national_partner_id == organization_id]
    if assignee_id is not None:
        mine.append(
            exists().where(
                ReviewAssignment.project_id == Project.id,
                ReviewAssignment.assignee_id == assignee_id,
            )
        )
    # Overdue: waiting since before this moment less the standard (as `_inbox_row` says).
    cutoff = now - timedelta(days=standard_days)
    counted = select(func.count(), func.count(case((Project.state_changed_at < cutoff, 1)))).where(
        *mine, Project.workflow_state.in_(WAITING_FOR_MINISTRY)
    )
    total, overdue = db.session.execute(counted).one()
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    projects = db.session.scalars(
        _oldest_first(*mine, limit=per_page, offset=(number - 1) * per_page).options(
            joinedload(Project.reporting_org)
        )
    )
    rows = [_inbox_row(project, standard_days, now) for project in projects]
    return Page(items=rows, page=number, per_page=per_page, total=total), overdue


def state_counts(where=None) -> dict[str, int]:
    statement = select(Project.workflow_state, func.count()).group_by(Project.workflow_state)
    if where is not None:
        statement = statement.where(where)
    return dict(db.session.execute(statement).all())


def stuck_longest(limit: int = 10, now: datetime | None = None) -> list[dict]:
    """The projects waiting longest for the ministry."""
    now = now or datetime.now(UTC)
    projects = db.session.scalars(
        _oldest_first(limit=limit).options(
            joinedload(Project.lead_national_partner), joinedload(Project.reporting_org)
        )
    )
    return [
        {"project": p, "days": (now - (_aware(p.state_changed_at) or now)).days} for p in projects
    ]


def disputed_figures(limit: int = 20) -> list[tuple[GovernmentFigure, Project]]:
    return list(
        db.session.execute(
            select(GovernmentFigure, Project)
            .join(Project, Project.id == GovernmentFigure.project_id)
            .where(GovernmentFigure.status == "disputed")
            .order_by(GovernmentFigure.updated_at.desc())
            .limit(limit)
        ).all()
    )


def partner_news(organization_id: int, days: int = 30, limit: int = 10) -> dict[str, list]:
    """What the ministries said lately about a partner's projects, for its home page: the years
    they dispute, and the projects confirmed or validated in the last `days` days."""
    disputed = list(
        db.session.execute(
            select(GovernmentFigure, Project)
            .join(Project, Project.id == GovernmentFigure.project_id)
            .where(
                Project.reporting_org_id == organization_id,
                GovernmentFigure.status == "disputed",
            )
            .order_by(GovernmentFigure.updated_at.desc(), GovernmentFigure.id)
            .limit(limit)
        ).all()
    )
    since = datetime.now(UTC) - timedelta(days=days)
    confirmed = list(
        db.session.execute(
            select(WorkflowTransition, Project)
            .join(Project, Project.id == WorkflowTransition.project_id)
            .where(
                Project.reporting_org_id == organization_id,
                WorkflowTransition.to_state.in_((CONFIRMED, VALIDATED)),
                WorkflowTransition.at >= since,
            )
            .order_by(WorkflowTransition.at.desc(), WorkflowTransition.id.desc())
            .limit(limit)
        ).all()
    )
    return {"disputed": disputed, "confirmed": confirmed}


def states_by_lead(project_ids: Select) -> dict[int | None, Counter]:
    """Per lead ministry, how many of the projects stand in each workflow state (no drafts).

    `project_ids` is a select of the projects' ids (a report's scope).
    """
    counts: dict[int | None, Counter] = defaultdict(Counter)
    for ministry, state, n in db.session.execute(
        select(Project.lead_national_partner_id, Project.workflow_state, func.count())
        .where(Project.id.in_(project_ids), Project.workflow_state != DRAFT)
        .group_by(Project.lead_national_partner_id, Project.workflow_state)
    ):
        counts[ministry][state] += n
    return counts


def disputed_in_years(
    first_year: int, last_year: int, project_ids: Select
) -> list[tuple[GovernmentFigure, Project]]:
    """The projects' disputed yearly figures from `first_year` to `last_year`, by year and title.

    `project_ids` is a select of the projects' ids (a report's scope).
    """
    return [
        (figure, project)
        for figure, project in db.session.execute(
            select(GovernmentFigure, Project)
            .join(Project, Project.id == GovernmentFigure.project_id)
            .where(
                GovernmentFigure.status == "disputed",
                GovernmentFigure.year.between(first_year, last_year),
                Project.id.in_(project_ids),
            )
            .order_by(GovernmentFigure.year, Project.title_en)
        )
    ]


def last_comments(figure_ids: list[int]) -> dict[int, FigureComment]:
    """The latest comment in each figure's thread (figures without one are left out)."""
    return {
        c.figure_id: c
        for c in db.session.scalars(
            select(FigureComment)
            .where(FigureComment.figure_id.in_(figure_ids))
            .order_by(FigureComment.at)
        )
    }


def pipeline_figures() -> tuple[dict[str, int], dict[str, list[dict]]]:
    """The pipeline's counts by state and its scorecards (`scorecards`), worked out once per
    data version: every CDC reader sees the same, and both read every project."""

    def work_out():
        cards = scorecards()
        for rows in cards.values():  # organizations by id: records do not travel in a cache
            for row in rows:
                row["organization"] = getattr(row["organization"], "id", None)
        return state_counts(), cards

    counts, cards = kept("alignment-pipeline-figures", work_out)
    ids = {row["organization"] for rows in cards.values() for row in rows} - {None}
    names = {
        o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(ids)))
    }
    cards = {
        side: [{**row, "organization": names.get(row["organization"])} for row in rows]
        for side, rows in cards.items()
    }
    return counts, cards


def scorecards() -> dict[str, list[dict]]:
    """Per lead institution and per partner: the measures of the scorecard, in one pass.

    - median days to confirm: from a submission to the confirmation that answers it;
    - share confirmed: projects confirmed or validated now, of those ever submitted;
    - share returned: projects returned at least once, of those ever submitted;
    - open disputes: yearly figures marked disputed.

    Two queries read the projects once each: the counts of every (lead, partner) pair, and the
    waiting times of the confirmations.
    """
    pair = (Project.lead_national_partner_id, Project.reporting_org_id)
    # The projects that reached each state, once each, read in order from the index on
    # (to_state, project_id) with no sorting.
    submitted, returned = (
        select(WorkflowTransition.project_id)
        .where(WorkflowTransition.to_state == state)
        .distinct()
        .subquery(state)
        for state in (SUBMITTED, RETURNED)
    )
    disputed = (
        select(GovernmentFigure.project_id, func.count().label("figures"))
        .where(GovernmentFigure.status == "disputed")
        .group_by(GovernmentFigure.project_id)
        .subquery("disputed")
    )
    pairs = db.session.execute(
        select(
            *pair,
            func.count(submitted.c.project_id).label("submitted"),
            func.count(returned.c.project_id).label("returned"),
            func.count(case((Project.workflow_state.in_((CONFIRMED, VALIDATED)), 1))).label(
                "confirmed"
            ),
            func.coalesce(cast(func.sum(disputed.c.figures), Integer), 0).label("disputes"),
        )
        .outerjoin(submitted, submitted.c.project_id == Project.id)
        .outerjoin(returned, returned.c.project_id == Project.id)
        .outerjoin(disputed, disputed.c.project_id == Project.id)
        .group_by(*pair)
    ).all()
    # One row a confirmation (thousands): read as plain rows, without the ORM's processing.
    by_lead: defaultdict[int | None, list[float | None]] = defaultdict(list)
    by_partner: defaultdict[int | None, list[float | None]] = defaultdict(list)
    for lead, partner, days in db.session.connection().execute(
        select(*pair, WorkflowTransition.waited_days)
        .join(Project, Project.id == WorkflowTransition.project_id)
        .where(
            WorkflowTransition.to_state == CONFIRMED,
            WorkflowTransition.waited_days.is_not(None),
        )
    ):
        by_lead[lead].append(days)
        by_partner[partner].append(days)
    waits = {"lead": by_lead, "partner": by_partner}
    names = {
        o.id: o
        for o in db.session.scalars(
            select(Organization).where(
                Organization.id.in_({key for row in pairs for key in row[:2] if key})
            )
        )
    }
    result = {}
    for side, index in (("lead", 0), ("partner", 1)):
        groups: dict = defaultdict(
            lambda: {"submitted": 0, "returned": 0, "confirmed": 0, "disputes": 0, "days": []}
        )
        # An organization has a scorecard once one of its projects was submitted or returned,
        # has a disputed figure or a confirmation; its confirmed projects count only then.
        for row in pairs:
            if row.submitted or row.returned:
                groups[row[index]]["submitted"] += row.submitted
                groups[row[index]]["returned"] += row.returned
        for row in pairs:
            if row[index] in groups:
                groups[row[index]]["confirmed"] += row.confirmed
        for row in pairs:
            if row.disputes:
                groups[row[index]]["disputes"] += row.disputes
        for key, waited in waits[side].items():
            groups[key]["days"] = waited
        rows = []
        for org_id, g in groups.items():
            base = g["submitted"]
            rows.append(
                {
                    "organization": names.get(org_id),
                    "submitted": base,
                    "median_days": round(median(g["days"]), 1) if g["days"] else None,
                    "share_confirmed": round(100 * g["confirmed"] / base) if base else None,
                    "share_returned": round(100 * g["returned"] / base) if base else None,
                    "open_disputes": g["disputes"],
                }
            )
        rows.sort(key=lambda r: r["organization"].acronym if r["organization"] else "")
        result[side] = rows
    return result
