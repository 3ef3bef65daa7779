"""Projects alike by title: the one comparison of titles, for the IATI import's proposals and for
the warning given before a project is registered a second time.

Titles are compared after `normalise` (case, punctuation and spacing set aside). The warning
looks first in SQL for the projects that could be the same one (the same reporting partner, or
any partner with the same IATI identifier or own reference, with dates that overlap or are
missing), then scores their titles in Python: a partner's projects number in the hundreds or
thousands, which rapidfuzz reads in milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process
from sqlalchemy import func, or_, select

from portal.extensions import db
from portal.organizations.models import Organization
from portal.projects.models import Project
from portal.projects.rules import ProjectData
from portal.security import can_view_project

DUPLICATE_SCORE = 85  # token-set similarity (0-100) from which a title is worth a warning
SHOWN = 5  # the most similar projects a warning lists
# A title of one or two words is inside many longer ones: token-set similarity would call
# "Health" and "Health system strengthening" the same (100), so a short title is compared whole.
FEW_WORDS = 3
_NOT_ASCII_WORD = re.compile(r"[^0-9a-z]+")
# The button of the warning that registers the project all the same.
CONFIRM_FIELD = "different_project"


def normalise(title: str) -> str:
    """A title as compared: case folded, punctuation and symbols read as spaces, spaces single.

    Letters, digits and combining marks are kept (Khmer vowels and signs are marks)."""
    if title.isascii():  # most titles: the same result, by one regular expression
        return " ".join(_NOT_ASCII_WORD.sub(" ", title.lower()).split())
    text = unicodedata.normalize("NFKC", title).casefold()
    kept = "".join(c if unicodedata.category(c)[0] in "LNM" else " " for c in text)
    return " ".join(kept.split())


@dataclass
class Candidate:
    project_id: int
    title: str
    score: int


class TitlePool:
    """Project titles (id, title), normalised once, to search for the ones like a given title."""

    def __init__(self, rows: Iterable[tuple[int, str]]) -> None:
        self.rows = [(project_id, title) for project_id, title in rows if title]
        self.keys = [normalise(title) for _id, title in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def best(
        self,
        title: str,
        *,
        scorer: Callable[..., float],
        cutoff: int,
        limit: int | None,
    ) -> list[Candidate]:
        """The titles that score at least `cutoff` against `title`, best first."""
        key = normalise(title or "")
        if not key or not self.keys:
            return []
        matches = process.extract(key, self.keys, scorer=scorer, score_cutoff=cutoff, limit=limit)
        return [
            Candidate(project_id=self.rows[index][0], title=self.rows[index][1], score=round(score))
            for _choice, score, index in matches
        ]


def title_similarity(first: str, second: str) -> float:
    """How alike two normalised titles are (0-100): token-set similarity (word order, repeated
    and extra words aside), except that a title of fewer than FEW_WORDS words is compared with
    the other as a whole (token-sort similarity)."""
    if min(len(first.split()), len(second.split())) < FEW_WORDS:
        return fuzz.token_sort_ratio(first, second)
    return fuzz.token_set_ratio(first, second)


@dataclass(frozen=True)
class Similar:
    """An existing project like the one being registered, as the warning shows it."""

    project_id: int
    title_en: str
    title_km: str | None
    partner: str
    start: date | None
    end: date | None
    imported: bool  # from IATI
    same_reference: bool  # the same IATI identifier or partner's own reference
    score: int

    def title(self, locale: str) -> str:
        return self.title_km if locale == "km" and self.title_km else self.title_en


class PossibleDuplicates(Exception):
    """A new project looks like projects already registered: the person decides (nothing saved)."""

    def __init__(self, similar: list[Similar]) -> None:
        super().__init__(f"{len(similar)} similar project(s)")
        self.similar = similar


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def similar_projects(data: ProjectData, user, *, limit: int = SHOWN) -> list[Similar]:
    """The projects `user` may see that may be the one `data` describes, most alike first.

    Candidates are the reporting partner's projects and any partner's with the same IATI
    identifier or own reference, whose dates overlap those of `data` (a missing date overlaps
    everything); of them, those whose English title scores DUPLICATE_SCORE or more. A project
    the user may not read is left out altogether: a warning naming it, or only saying that it
    exists, would let anyone find out another partner's unpublished titles by typing guesses.
    """
    title = _text(data.title_en)
    if not title or not data.reporting_org_id:
        return []
    identifier, reference = _text(data.iati_identifier), _text(data.partner_ref)
    same = [Project.reporting_org_id == data.reporting_org_id]
    if identifier:
        same.append(Project.iati_identifier == identifier)
    if reference:
        same.append(Project.partner_ref == reference)
    start = data.actual_start or data.planned_start
    end = data.actual_end or data.planned_end
    their_start = func.coalesce(Project.actual_start, Project.planned_start)
    their_end = func.coalesce(Project.actual_end, Project.planned_end)
    conditions = [or_(*same)]
    if end is not None:
        conditions.append(or_(their_start.is_(None), their_start <= end))
    if start is not None:
        conditions.append(or_(their_end.is_(None), their_end >= start))
    rows = db.session.execute(
        select(
            Project.id,
            Project.title_en,
            Project.iati_identifier,
            Project.partner_ref,
            # what can_view_project reads
            Project.published_at,
            Project.reporting_org_id,
            Project.lead_national_partner_id,
        ).where(*conditions)
    ).all()
    visible = {row.id: row for row in rows if can_view_project(user, row)}
    pool = TitlePool((row.id, row.title_en) for row in visible.values())
    # The library's own token-set scorer runs in C over the whole pool; the few titles it
    # keeps are scored again as title_similarity says (short titles compared whole).
    key = normalise(title)
    scores = {}
    for candidate in pool.best(
        title, scorer=fuzz.token_set_ratio, cutoff=DUPLICATE_SCORE, limit=None
    ):
        score = title_similarity(key, normalise(candidate.title))
        if score >= DUPLICATE_SCORE:
            scores[candidate.project_id] = round(score)
    if not scores:
        return []

    def same_reference(row) -> bool:
        return bool(
            (identifier and row.iati_identifier == identifier)
            or (reference and row.partner_ref == reference)
        )

    chosen = sorted(scores, key=lambda pid: (not same_reference(visible[pid]), -scores[pid], pid))[
        :limit
    ]
    found = db.session.execute(
        select(
            Project.id,
            Project.title_en,
            Project.title_km,
            func.coalesce(Project.actual_start, Project.planned_start).label("start"),
            func.coalesce(Project.actual_end, Project.planned_end).label("end"),
            Project.data_source,
            Organization.acronym.label("partner"),
        )
        .join(Organization, Organization.id == Project.reporting_org_id)
        .where(Project.id.in_(chosen))
    ).all()
    by_id = {row.id: row for row in found}
    return [
        Similar(
            project_id=pid,
            title_en=by_id[pid].title_en,
            title_km=by_id[pid].title_km,
            partner=by_id[pid].partner,
            start=by_id[pid].start,
            end=by_id[pid].end,
            imported=by_id[pid].data_source == "iati",
            same_reference=same_reference(visible[pid]),
            score=scores[pid],
        )
        for pid in chosen
        if pid in by_id
    ]
