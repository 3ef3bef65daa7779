"""Organizations that are likely one and the same, for CDC to merge.

Imports of real IATI files name one organization in several ways: its identifier with and
without the `XM-DAC-` prefix, its name spelled otherwise, an acronym the import had to number
(UNOPS2 beside UNOPS). Pairs are found by those signs, within one group only: a national
institution and a development partner are never merged (namesakes of two countries are two
organizations).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz, process
from sqlalchemy import select

from portal.extensions import db
from portal.iati.names import normalise_name
from portal.organizations.merging import reference_counts
from portal.organizations.models import Organization

SIMILAR_NAMES = 90  # rapidfuzz token_set_ratio from which two names are alike
SMALL_WORDS = {"of", "the", "and", "for", "de", "la", "le", "des", "du", "et", "in", "on", "to"}

# Strongest first: the order pairs are listed in.
IDENTIFIER, NAME, ACRONYM, SIMILAR = "identifier", "name", "acronym", "similar"
REASONS = {
    IDENTIFIER: _l("The same IATI identifier, written differently"),
    NAME: _l("The same name"),
    ACRONYM: _l("The same acronym but for a number"),
    SIMILAR: _l("Very similar names"),
}


def identifier_key(ref: str | None) -> str | None:
    """An IATI organisation identifier as compared: upper case, no spaces, and a DAC code
    without its `XM-DAC-` prefix (XM-DAC-41114 and 41114 name one organisation)."""
    key = re.sub(r"\s+", "", ref or "").upper()
    if key.startswith("XM-DAC-"):
        key = key[len("XM-DAC-") :]
    return key or None


def acronym_root(acronym: str | None) -> str | None:
    """The acronym without the number an import adds to tell a namesake apart (UNOPS2)."""
    root = re.sub(r"[\s_-]*\d+$", "", (acronym or "").strip().upper())
    return root if len(root) >= 2 else None


def _words(name: str) -> set[str]:
    return {word for word in name.split() if word not in SMALL_WORDS}


def _initials(words: Iterable[str]) -> str:
    return "".join(word[0] for word in words)


def names_alike(first: str, second: str) -> int | None:
    """The similarity (90 to 100) of two normalised names that likely name one organization,
    else None.

    A high token-set ratio alone also pairs names that share most words but differ in the one
    that matters (Japan's and Korea's cooperation agencies, the Asian and African development
    banks): the words only one name has must be alike too, or be the initials of the other's
    (U S for United States), or be a word or two added to the other name.
    """
    score = fuzz.token_set_ratio(first, second)
    if score < SIMILAR_NAMES:
        return None
    only_first, only_second = _words(first) - _words(second), _words(second) - _words(first)
    if not only_first or not only_second:
        return round(score) if len(only_first | only_second) <= 2 else None
    left, right = " ".join(sorted(only_first)), " ".join(sorted(only_second))
    if fuzz.ratio(left, right) >= 80:
        return round(score)
    first_words, second_words = first.split(), second.split()
    extra_first = [w for w in first_words if w in only_first]
    extra_second = [w for w in second_words if w in only_second]
    if _initials(extra_first) == "".join(extra_second) or _initials(extra_second) == "".join(
        extra_first
    ):
        return round(score)
    return None


@dataclass
class Pair:
    """Two organizations that are likely one, why, and which one to keep."""

    first: Organization
    second: Organization
    reasons: list[str] = field(default_factory=list)
    score: int | None = None  # of the names, when they are alike
    counts: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[reason]) for reason in self.reasons]

    def total(self, org: Organization) -> int:
        return sum(self.counts.get(org.id, {}).values())

    @property
    def keep(self) -> Organization:
        """The one to keep, as first proposed: the one more records refer to, else the older."""
        first, second = self.total(self.first), self.total(self.second)
        if first != second:
            return self.first if first > second else self.second
        return self.first if self.first.id < self.second.id else self.second

    @property
    def drop(self) -> Organization:
        return self.second if self.keep is self.first else self.first


def _add(pairs: dict, first: Organization, second: Organization, reason: str) -> Pair:
    if first.is_national != second.is_national or first.id == second.id:
        return Pair(first, second)  # never listed: not of one group
    low, high = sorted((first, second), key=lambda org: org.id)
    pair = pairs.setdefault((low.id, high.id), Pair(low, high))
    if reason not in pair.reasons:
        pair.reasons.append(reason)
    return pair


def _same_key(pairs: dict, organizations: list[Organization], key, reason: str) -> None:
    groups: dict[str, list[Organization]] = defaultdict(list)
    for org in organizations:
        for value in {k for k in key(org) if k}:
            groups[value].append(org)
    for members in groups.values():
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                _add(pairs, first, second, reason)


def _names(org: Organization) -> set[str]:
    return {normalise_name(org.name_en), (org.name_km or "").strip()}


def likely_duplicates(organizations: list[Organization] | None = None) -> list[Pair]:
    """Pairs of organizations of one group that are likely the same, strongest signs first,
    with how many records refer to each."""
    if organizations is None:
        organizations = list(db.session.scalars(select(Organization).order_by(Organization.id)))
    pairs: dict[tuple[int, int], Pair] = {}
    _same_key(pairs, organizations, lambda o: {identifier_key(o.iati_ref)}, IDENTIFIER)
    _same_key(pairs, organizations, _names, NAME)
    # A name that is the other's acronym ("USAID" beside USAID's full name).
    by_acronym = {normalise_name(o.acronym): o for o in organizations}
    for org in organizations:
        other = by_acronym.get(normalise_name(org.name_en))
        if other is not None and other is not org:
            _add(pairs, org, other, NAME)
    # An acronym an import numbered (UNOPS2) beside the one it was numbered against (UNOPS).
    by_root: dict[str, list[Organization]] = defaultdict(list)
    for org in organizations:
        if root := acronym_root(org.acronym):
            by_root[root].append(org)
    for root, members in by_root.items():
        for numbered in (o for o in members if o.acronym.strip().upper() != root):
            for other in members:
                _add(pairs, numbered, other, ACRONYM)
    for national in (True, False):
        group = [o for o in organizations if o.is_national is national]
        names = [normalise_name(o.name_en) for o in group]
        for i, name in enumerate(names):
            if not name:
                continue
            matches = process.extract(
                name,
                names[i + 1 :],
                scorer=fuzz.token_set_ratio,
                score_cutoff=SIMILAR_NAMES,
                limit=None,
            )
            for choice, _score, j in matches:
                if choice == name:
                    continue  # the same name, paired above
                score = names_alike(name, choice)
                if score is None:
                    continue
                pair = _add(pairs, group[i], group[i + 1 + j], SIMILAR)
                pair.score = score
    found = list(pairs.values())
    counts = reference_counts(org.id for pair in found for org in (pair.first, pair.second))
    order = list(REASONS)
    for pair in found:
        pair.reasons.sort(key=order.index)
        pair.counts = {org.id: counts.get(org.id, {}) for org in (pair.first, pair.second)}
    return sorted(
        found,
        key=lambda p: (
            order.index(p.reasons[0]),
            p.first.acronym.upper(),
            p.second.acronym.upper(),
        ),
    )
