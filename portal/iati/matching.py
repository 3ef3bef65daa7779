"""Which project an activity is: by IATI identifier, else likely matches by partner and title."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.projects.models import Project, ProjectParticipant
from portal.projects.similar import Candidate, TitlePool

__all__ = ["Candidate", "TitleMatcher", "load_projects", "projects_by_identifier"]

TITLE_SCORE = 75  # token-sort similarity (0-100) from which a title is worth proposing
CANDIDATES = 3
CHUNK = 500


def _with_relations(statement):
    return statement.options(
        selectinload(Project.sectors),
        selectinload(Project.locations),
        selectinload(Project.funding),
        selectinload(Project.participants).selectinload(ProjectParticipant.organization),
        selectinload(Project.documents),
        selectinload(Project.lead_national_partner),
        selectinload(Project.external_lead_partner),
        selectinload(Project.twg),
    )


def projects_by_identifier(identifiers: Sequence[str | None]) -> dict[str, Project]:
    """The projects that carry these IATI identifiers, with what a comparison reads."""
    found: dict[str, Project] = {}
    wanted = sorted(set(filter(None, identifiers)))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        statement = _with_relations(select(Project).where(Project.iati_identifier.in_(chunk)))
        for project in db.session.scalars(statement):
            found[project.iati_identifier] = project
    return found


def load_projects(project_ids: list[int]) -> dict[int, Project]:
    """Projects by id, with what a comparison reads (for links the user chose)."""
    if not project_ids:
        return {}
    statement = _with_relations(select(Project).where(Project.id.in_(set(project_ids))))
    return {project.id: project for project in db.session.scalars(statement)}


class TitleMatcher:
    """Proposes projects of the same partner, without an IATI identifier, by title (compared as
    the registry compares them, `portal.projects.similar`)."""

    def __init__(self, reporting_org_ids: set[int]) -> None:
        titles: dict[int, list[tuple[int, str]]] = defaultdict(list)
        ids = sorted(reporting_org_ids)
        for start in range(0, len(ids), CHUNK):
            rows = db.session.execute(
                select(Project.reporting_org_id, Project.id, Project.title_en).where(
                    Project.iati_identifier.is_(None),
                    Project.reporting_org_id.in_(ids[start : start + CHUNK]),
                )
            )
            for org_id, project_id, title in rows:
                titles[org_id].append((project_id, title))
        self.pools = {org_id: TitlePool(pairs) for org_id, pairs in titles.items()}

    def candidates(self, reporting_org_id: int, title: str) -> list[Candidate]:
        """Up to three likely projects for an activity title, best first."""
        pool = self.pools.get(reporting_org_id)
        if pool is None:
            return []
        return pool.best(title, scorer=fuzz.token_sort_ratio, cutoff=TITLE_SCORE, limit=CANDIDATES)
