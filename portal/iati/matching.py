"""Which project an activity is: by IATI identifier, else likely matches by partner and title."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.projects.models import Project, ProjectParticipant

TITLE_SCORE = 75  # token-sort similarity (0-100) from which a title is worth proposing
CANDIDATES = 3
CHUNK = 500


@dataclass
class Candidate:
    project_id: int
    title: str
    score: int


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
    """Proposes projects of the same partner, without an IATI identifier, by title."""

    def __init__(self, reporting_org_ids: set[int]) -> None:
        self.titles: dict[int, list[tuple[int, str]]] = defaultdict(list)
        ids = sorted(reporting_org_ids)
        for start in range(0, len(ids), CHUNK):
            rows = db.session.execute(
                select(Project.reporting_org_id, Project.id, Project.title_en).where(
                    Project.iati_identifier.is_(None),
                    Project.reporting_org_id.in_(ids[start : start + CHUNK]),
                )
            )
            for org_id, project_id, title in rows:
                self.titles[org_id].append((project_id, title))

    def candidates(self, reporting_org_id: int, title: str) -> list[Candidate]:
        """Up to three likely projects for an activity title, best first."""
        pool = self.titles.get(reporting_org_id)
        if not pool or not title:
            return []
        matches = process.extract(
            title,
            [t for _id, t in pool],
            scorer=fuzz.token_sort_ratio,
            processor=str.casefold,
            score_cutoff=TITLE_SCORE,
            limit=CANDIDATES,
        )
        return [
            Candidate(project_id=pool[index][0], title=pool[index][1], score=round(score))
            for _choice, score, index in matches
        ]
