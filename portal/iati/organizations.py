"""Organizations named in IATI files: found by IATI identifier, then by name; else proposed.

New organizations are only proposed here; creating them is the import's decision (the web
page asks; the command line creates them and lists them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process
from sqlalchemy import select

from portal.extensions import db
from portal.iati import codes
from portal.iati.names import normalise_name
from portal.organizations.models import DEFAULT_IATI_TYPE, Organization, OrgKind
from portal.organizations.services import OrganizationData, create_organization

UNUSABLE_REFS = {"", "N/A", "NA", "NULL", "NONE", "0", "-"}
SMALL_WORDS = {"of", "the", "and", "for", "de", "la", "le", "des", "du", "et", "in", "on", "to"}
NAME_LENGTH = 120


@lru_cache(maxsize=4096)  # a file names the same few organizations thousands of times
def usable_ref(ref: str | None) -> str | None:
    """The organisation identifier, unless it is a placeholder or a CRS category code."""
    ref = (ref or "").strip()
    if ref.upper() in UNUSABLE_REFS or ref.lower().endswith("-null"):
        return None
    if ref.isdigit():
        # DAC codes of multilateral agencies (4xxxx) name one organisation (XM-DAC-4xxxx);
        # other bare numbers, and round ones, are CRS channel codes: kinds of organisation.
        return f"XM-DAC-{ref}" if ref.startswith("4") and not ref.endswith("000") else None
    return ref


def short_name(name: str) -> str:
    """A name fit for the registry: its first line, cut at a word before 120 characters."""
    first = name.strip().splitlines()[0].strip()
    if len(first) <= NAME_LENGTH:
        return first
    return first[:NAME_LENGTH].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def proposed_acronym(name: str, ref: str | None) -> str:
    """An acronym from the name: one in brackets, a short single word, or the initials."""
    bracketed = re.search(r"\(([A-Z][A-Za-z0-9&\-]{1,14})\)", name)
    if bracketed:
        return bracketed.group(1).upper()
    slashed = re.match(r"([A-Z][A-Z0-9&\-]{1,11})/", name)
    if slashed:
        return slashed.group(1)
    words = re.findall(r"[\w&]+", name)
    if len(words) == 1 and len(words[0]) <= 12:
        return words[0].upper()
    initials = "".join(w[0] for w in words if w.lower() not in SMALL_WORDS and w[0].isalnum())
    if len(initials) >= 2:
        return initials.upper()[:8]
    return (ref or name)[:12].upper()


@dataclass
class Proposal:
    """A new organization an import would add, and the activities that name it."""

    key: str
    name_en: str
    acronym: str
    kind: OrgKind
    iati_ref: str | None
    iati_type: str | None
    activities: list[str] = field(default_factory=list)
    # Organizations of the registry it may be (id, "ACRONYM — name"), best first: the person
    # importing may say it is one of them instead of adding it.
    similar: list[tuple[int, str]] = field(default_factory=list)

    def as_data(self, kind: OrgKind | None = None) -> OrganizationData:
        kind = kind or self.kind
        return OrganizationData(
            name_en=self.name_en,
            acronym=self.acronym,
            kind=kind,
            iati_ref=self.iati_ref,
            iati_type=self.iati_type or DEFAULT_IATI_TYPE[kind],
        )


def _resembles(organization: Organization, name: str | None) -> bool:
    """Whether `name` could be this organization's (one of its names, or close to one)."""
    if not name:
        return True
    given = normalise_name(name)
    names = [normalise_name(n) for n in (organization.name_en, organization.name_km) if n]
    names.append(normalise_name(organization.acronym))
    if given in names:
        return True
    return any(fuzz.token_set_ratio(given, known) >= 80 for known in names if known)


class OrganizationResolver:
    """Finds the portal's organization for a (ref, name) an activity gives, in memory."""

    def __init__(self) -> None:
        self.by_ref: dict[str, Organization] = {}
        self.by_name: dict[str, Organization] = {}
        self.acronyms: set[str] = set()
        self.proposals: dict[str, Proposal] = {}
        self.aliases: dict[str, str] = {}  # any key an organization was named by -> its proposal
        self.created: dict[str, Organization] = {}
        self.known_as: dict[str, Organization] = {}  # proposals taken as a known organization
        # What `find` answered for each (ref, name): a batch names the same few organizations
        # in every activity. Forgotten whenever an organization is remembered.
        self._found: dict[tuple[str | None, str | None], Organization | None] = {}
        for organization in db.session.scalars(select(Organization)):
            self._remember(organization)

    def _remember(self, organization: Organization) -> None:
        self._found.clear()
        if organization.iati_ref:
            self.by_ref.setdefault(organization.iati_ref.upper(), organization)
        for name in (organization.name_en, organization.name_km, organization.acronym):
            if name:
                self.by_name.setdefault(normalise_name(name), organization)
        self.acronyms.add(organization.acronym.upper())

    @staticmethod
    def _ref_variants(ref: str) -> list[str]:
        """A bare DAC code and its XM-DAC- form name the same organisation."""
        upper = ref.upper()
        if upper.startswith("XM-DAC-") and upper[7:].isdigit():
            return [upper, upper[7:]]
        return [upper]

    def find(self, ref: str | None, name: str | None) -> Organization | None:
        """The known organization an activity names, by its identifier and its name together.

        The identifier wins, unless the name names another organization the portal knows and
        nothing like the identifier's (Cambodia's Ministry of Economy and Finance given ADB's
        code). A name alone never finds a Cambodian institution for an organization whose
        identifier is of another country (Korea's Ministry of Economy and Finance).
        """
        asked = (ref, name)
        if asked not in self._found:
            self._found[asked] = self._find(ref, name)
        return self._found[asked]

    def _find(self, ref: str | None, name: str | None) -> Organization | None:
        ref = usable_ref(ref)
        by_ref = None
        if ref:
            by_ref = next(
                (self.by_ref[v] for v in self._ref_variants(ref) if v in self.by_ref), None
            )
        by_name = None
        if name:
            by_name = self.by_name.get(normalise_name(name)) or self.by_name.get(
                normalise_name(short_name(name))
            )
        country = codes.ref_country(ref)
        if by_name is not None and by_name.is_national and country not in (None, "KH"):
            by_name = None
        if by_ref is not None:
            if by_name is not None and by_name is not by_ref and not _resembles(by_ref, name):
                return by_name
            return by_ref
        return by_name

    def key(self, ref: str | None, name: str | None) -> str | None:
        """How a not-yet-known organization is told apart: its identifier, else its name."""
        ref = usable_ref(ref)
        if ref:
            return "ref:" + ref.upper()
        if name and normalise_name(name):
            return "name:" + normalise_name(short_name(name))
        return None

    def is_generic(self, ref: str | None, name: str | None) -> bool:
        """A category ("Recipient Government") or nothing at all, rather than an organization."""
        if not name and not usable_ref(ref):
            return True
        return bool(name) and normalise_name(name) in codes.generic_participant_names()

    def propose(
        self, ref, name, type_code, identifier: str, *, local: bool = False
    ) -> Proposal | None:
        """Note a new organization an activity names (once per organization); return it.

        One organization named with its identifier in one place and by name alone in
        another is proposed once.
        """
        key = self.key(ref, name)
        if key is None:
            return None
        by_name = "name:" + normalise_name(short_name(name)) if name else None
        canonical = self.aliases.get(key) or (by_name and self.aliases.get(by_name))
        proposal = self.proposals.get(canonical) if canonical else None
        clean_ref = usable_ref(ref)
        if proposal is not None and clean_ref and proposal.iati_ref not in (None, clean_ref):
            proposal = None  # same name, another identifier: another organization
        if proposal is None:
            label = short_name(name) if name else clean_ref
            if label is None:  # never: a key is made only from a usable identifier or a name
                raise ValueError("an organization proposed without identifier or name")
            kind = codes.proposed_kind(type_code, clean_ref, label, local=local)
            proposal = Proposal(
                key=key,
                name_en=label,
                acronym=self._free_acronym(proposed_acronym(label, clean_ref)),
                kind=kind,
                iati_ref=clean_ref,
                iati_type=type_code if type_code in codes.ORGANISATION_TYPES else None,
            )
            self.proposals[key] = proposal
        elif proposal.iati_ref is None and clean_ref:
            proposal.iati_ref = clean_ref
        for alias in filter(None, (key, by_name)):
            self.aliases.setdefault(alias, proposal.key)
        if identifier not in proposal.activities:
            proposal.activities.append(identifier)
        return proposal

    def _free_acronym(self, wanted: str) -> str:
        candidate, number = wanted, 2
        while candidate.upper() in self.acronyms:
            candidate = f"{wanted}{number}"
            number += 1
        self.acronyms.add(candidate.upper())
        return candidate

    def created_for(self, ref, name) -> Organization | None:
        """The organization this import created for (ref, name), if it did."""
        key = self.key(ref, name)
        by_name = "name:" + normalise_name(short_name(name)) if name else None
        for alias in filter(None, (key, by_name)):
            canonical = self.aliases.get(alias)
            if canonical in self.created:
                return self.created[canonical]
            if canonical in self.known_as:
                return self.known_as[canonical]
        return None

    def create(self, proposal: Proposal, *, kind: OrgKind | None = None, actor=None):
        """Add the proposed organization to the registry (flushed, not committed)."""
        organization = create_organization(proposal.as_data(kind), actor=actor)
        self.created[proposal.key] = organization
        self._remember(organization)
        return organization

    def suggest(self, limit: int = 3, cutoff: int = 70) -> None:
        """Give each proposal the known organizations whose names are most like its name."""
        known = {
            org.id: org
            for org in self.by_name.values()
            if org.id is not None and org not in self.created.values()
        }
        names = {normalise_name(org.name_en): org.id for org in known.values() if org.name_en}
        if not names:
            return
        for proposal in self.proposals.values():
            found = process.extract(
                normalise_name(proposal.name_en),
                list(names),
                scorer=fuzz.token_set_ratio,
                score_cutoff=cutoff,
                limit=limit,
            )
            proposal.similar = [
                (names[name], f"{known[names[name]].acronym} — {known[names[name]].name_en}")
                for name, _score, _index in found
            ]

    def same_as(self, proposal: Proposal, organization: Organization) -> Organization:
        """Take the proposal as this known organization (which learns its IATI identifier, if it
        has none and no other organization has it)."""
        if (
            proposal.iati_ref
            and not organization.iati_ref
            and proposal.iati_ref.upper() not in self.by_ref
        ):
            organization.iati_ref = proposal.iati_ref
        self.known_as[proposal.key] = organization
        self._remember(organization)
        if proposal.iati_ref:
            self.by_ref[proposal.iati_ref.upper()] = organization
        self.by_name[normalise_name(proposal.name_en)] = organization
        return organization
