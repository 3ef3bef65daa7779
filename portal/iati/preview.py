"""The plan of a batch: per activity new, changed (field by field), unchanged, refused, or
not for Cambodia (left out, with the reason; see portal.iati.recipients).

The same plan serves the preview (inside a savepoint that is rolled back, so that proposed
organizations can be checked as if they existed) and the confirmation (for real).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.iati.amounts import Figures
from portal.iati.mapping import Context, Mapped, map_activity
from portal.iati.matching import Candidate, TitleMatcher, load_projects, projects_by_identifier
from portal.iati.models import IatiAmount
from portal.iati.organizations import OrganizationResolver, Proposal
from portal.iati.places import ProvinceFinder
from portal.iati.recipients import not_for_cambodia
from portal.mapping.services import current_matching
from portal.money.models import Currency
from portal.money.services import load_rates
from portal.organizations.models import Organization, OrgKind
from portal.projects import history
from portal.projects.funding import snapshot_text
from portal.projects.lookups import Preloaded
from portal.projects.models import Project
from portal.projects.services import ProjectData, ProjectInvalid, validate
from portal.projects.sources import PROJECT_FUNDING_KINDS, REPORTING
from portal.reference.models import Sector
from portal.reference.services import sector_leads
from portal.security import can_edit_project, can_view_project, has_role

NEW, UPDATE, UNCHANGED, REFUSED = "new", "update", "unchanged", "refused"
SKIPPED = "skipped"  # not for Cambodia: neither imported nor refused
ACTIONS = (NEW, UPDATE, UNCHANGED, SKIPPED, REFUSED)
FIGURES_FIELD = "iati_figures"
SOURCES_FIELD = "funding_sources"  # labelled by the history ("Funding by source")
FIELD_LABELS = {
    "reporting_org": _l("Reporting organisation"),
    "commitment_amount": _l("Total commitment"),
    "commitment_currency": _l("Total commitment"),
    FIGURES_FIELD: _l("IATI figures"),
}


@dataclass
class Decisions:
    """What the person chose on the preview page (or the command line's fixed choices)."""

    default_lead_id: int | None = None
    links: dict[str, int] = field(default_factory=dict)  # identifier -> project id
    skipped_organizations: set[str] = field(default_factory=set)  # proposal keys
    kinds: dict[str, str] = field(default_factory=dict)  # proposal key -> OrgKind value
    same_as: dict[str, int] = field(default_factory=dict)  # proposal key -> known organization
    leads: dict[str, int] = field(default_factory=dict)  # identifier -> lead national partner

    @classmethod
    def from_json(cls, value: dict | None) -> Decisions:
        value = value or {}
        return cls(
            default_lead_id=value.get("default_lead_id"),
            links={k: int(v) for k, v in (value.get("links") or {}).items()},
            skipped_organizations=set(value.get("skipped_organizations") or []),
            kinds=dict(value.get("kinds") or {}),
            same_as={k: int(v) for k, v in (value.get("same_as") or {}).items()},
            leads={k: int(v) for k, v in (value.get("leads") or {}).items()},
        )

    def as_json(self) -> dict:
        return {
            "default_lead_id": self.default_lead_id,
            "links": self.links,
            "skipped_organizations": sorted(self.skipped_organizations),
            "kinds": self.kinds,
            "same_as": self.same_as,
            "leads": self.leads,
        }


@dataclass
class Line:
    """One activity of the plan, as the preview shows it and the confirmation writes it."""

    mapped: Mapped
    action: str = NEW
    project: Project | None = None
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reason: str | None = None  # why a skipped activity is not for Cambodia
    saved_id: int | None = None  # the project written for a new line

    @property
    def project_id(self) -> int | None:
        return self.project.id if self.project is not None else self.saved_id

    @property
    def identifier(self) -> str:
        return self.mapped.identifier or "—"

    @property
    def title(self) -> str:
        return self.mapped.title

    @property
    def where(self) -> str:
        return f"{self.mapped.activity.get('file')}:{self.mapped.activity.get('line')}"

    # A line the plan accepts (new or update) has both: mapping gives the figures with the
    # values, and _settle refuses a line without values.
    @property
    def accepted_data(self) -> ProjectData:
        """The mapped values of a line the plan accepts (new or update)."""
        if self.mapped.data is None:
            raise ValueError(f"{self.where}: a refused or skipped line has no mapped values")
        return self.mapped.data

    @property
    def accepted_figures(self) -> Figures:
        """The IATI figures of a line the plan accepts (new or update)."""
        if self.mapped.figures is None:
            raise ValueError(f"{self.where}: a refused or skipped line has no figures")
        return self.mapped.figures


@dataclass
class Plan:
    lines: list[Line]
    proposals: list[Proposal]
    created: dict[str, Organization]
    may_create_organizations: bool

    def count(self, action: str) -> int:
        return sum(1 for line in self.lines if line.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in ACTIONS}

    @property
    def cambodian(self) -> list[Line]:
        return [line for line in self.lines if line.action != SKIPPED]

    @property
    def skipped(self) -> list[Line]:
        return [line for line in self.lines if line.action == SKIPPED]

    @property
    def writable(self) -> int:
        return self.count(NEW) + self.count(UPDATE)


def may_create_organizations(user) -> bool:
    """CDC (and the command line, which has no user) may add the proposed organizations."""
    return user is None or has_role(user, Role.CDC)


def _cambodia_alone(activity: dict) -> bool:
    """Whether the activity is for Cambodia only (its organizations working in it are local)."""
    countries = [c.get("code") for c in activity.get("countries", [])]
    return countries == ["KH"] and not activity.get("regions")


def _propose_organizations(activities: list[dict], resolver: OrganizationResolver) -> None:
    for activity in activities:
        identifier = activity.get("identifier") or "?"
        alone = _cambodia_alone(activity)
        reporting = activity.get("reporting_org") or {}
        named = [(reporting, False)] + [
            # An implementer of an activity for Cambodia alone works in Cambodia.
            (given, alone and given.get("role") == "4")
            for given in activity.get("participants", [])
        ]
        for given, local in named:
            ref, name = given.get("ref"), given.get("name")
            if resolver.find(ref, name) is None and not resolver.is_generic(ref, name):
                resolver.propose(ref, name, given.get("type"), identifier, local=local)


def _create_chosen(resolver: OrganizationResolver, decisions: Decisions, user) -> None:
    for proposal in list(resolver.proposals.values()):
        if proposal.key in decisions.skipped_organizations:
            continue
        known = decisions.same_as.get(proposal.key)
        organization = db.session.get(Organization, known) if known else None
        if organization is not None:
            resolver.same_as(proposal, organization)
            continue
        kind = decisions.kinds.get(proposal.key)
        resolver.create(proposal, kind=OrgKind(kind) if kind in set(OrgKind) else None, actor=user)


def _context(resolver, user, decisions: Decisions) -> Context:
    dp_org = user.organization_id if user is not None and has_role(user, Role.DP) else None
    return Context(
        organizations=resolver,
        provinces=ProvinceFinder(shapes=current_matching().shapes),
        sectors=set(db.session.scalars(select(Sector.code))),
        currencies=set(db.session.scalars(select(Currency.code))),
        rates=load_rates(),
        sector_leads=sector_leads(),
        chosen_leads=decisions.leads,
        default_lead_id=decisions.default_lead_id,
        only_reporting_org_id=dp_org,
    )


def build_plan(activities: list[dict], *, user, decisions: Decisions, check: bool) -> Plan:
    """Map, match and compare every activity; `check` runs the registry's rules too.

    Creates the chosen proposed organizations (the caller decides whether that is kept).
    Activities that are not for Cambodia are only listed, with the reason: nothing of them is
    mapped, and their organizations are not proposed.
    """
    skipped = not_for_cambodia(activities)
    cambodian = [a for position, a in enumerate(activities) if position not in skipped]
    resolver = OrganizationResolver()
    _propose_organizations(cambodian, resolver)
    resolver.suggest()
    may_create = may_create_organizations(user)
    if may_create:
        _create_chosen(resolver, decisions, user)
    context = _context(resolver, user, decisions)
    existing = projects_by_identifier([a.get("identifier") for a in activities])
    linked = load_projects(list(decisions.links.values()))
    reporting_ids = {org.id for a in cambodian if (org := _reporting(resolver, a)) is not None}
    matcher = TitleMatcher(reporting_ids)
    lines: list[Line] = []
    seen: dict[str, str] = {}  # identifier -> where it first appears
    lookups = Preloaded([a.get("identifier") for a in cambodian]) if check else None
    for position, activity in enumerate(activities):
        if position in skipped:
            lines.append(_skipped(activity, skipped[position], existing, user))
            continue
        line = _line(activity, context, existing, linked, matcher, decisions, user, seen)
        if lookups is not None and line.action != REFUSED:  # lookups: only when `check`
            _check(line, lookups)
        lines.append(line)
    _compare(lines)
    return Plan(lines, list(resolver.proposals.values()), dict(resolver.created), may_create)


def _reporting(resolver: OrganizationResolver, activity: dict):
    given = activity.get("reporting_org") or {}
    return resolver.find(given.get("ref"), given.get("name")) or resolver.created_for(
        given.get("ref"), given.get("name")
    )


def _skipped(activity: dict, reason, existing, user) -> Line:
    """A line for an activity that is not Cambodia's: listed with why, never written."""
    line = Line(Mapped(activity), action=SKIPPED, reason=str(reason))
    project = existing.get(activity.get("identifier"))
    if project is not None and (user is None or can_view_project(user, project)):
        line.project = project
        line.warnings = [
            str(
                _l(
                    "A project in the portal has this IATI identifier (imported before): the "
                    "import leaves it as it is."
                )
            )
        ]
    return line


def _line(activity, context, existing, linked, matcher, decisions, user, seen) -> Line:
    identifier = activity.get("identifier")
    project = existing.get(identifier)
    if project is None and identifier in decisions.links:
        chosen = linked.get(decisions.links[identifier])
        if chosen is not None and chosen.iati_identifier is None:
            project = chosen
    line = Line(Mapped(activity), project=project)
    if identifier and identifier in seen:
        line.mapped.issues.error(
            _l(
                "The identifier appears twice in this batch (first at %(where)s).",
                where=seen[identifier],
            )
        )
    elif project is not None and user is not None and not can_edit_project(user, project):
        line.mapped.issues.error(
            _l("A project of another organization has this IATI identifier; you cannot change it.")
        )
        if not can_view_project(user, project):
            line.project = None  # say that it exists, never which project it is
    else:
        line.mapped = map_activity(activity, context, project)
    if identifier:
        seen.setdefault(identifier, line.where)
    if project is None and line.mapped.data is not None:
        line.candidates = matcher.candidates(line.mapped.data.reporting_org_id, line.title)
    _settle(line)
    return line


def _label(name: str) -> str:
    root = name.split("-")[0]
    if root in FIELD_LABELS:
        return str(FIELD_LABELS[root])
    return history.label(root.removesuffix("_id"))


def _check(line: Line, lookups: Preloaded) -> None:
    """Run the registry's rules (every one applies to an imported project)."""
    try:
        validate(line.accepted_data, line.project, lookups)
    except ProjectInvalid as invalid:
        for name, message in invalid.errors.items():
            line.mapped.issues.error(f"{_label(name)}: {message}")
    _settle(line)


def _settle(line: Line) -> None:
    issues = line.mapped.issues
    line.errors = [str(issue.message) for issue in issues.errors]
    line.warnings = [str(issue.message) for issue in issues.warnings]
    if line.errors or line.mapped.data is None:
        line.action = REFUSED
    else:
        line.action = UPDATE if line.project is not None else NEW


def _as_project(data, project: Project | None, organizations: dict):
    """An object history.snapshot can read, holding `data` as the registry would store it."""

    def text(value):
        return (value.strip() or None) if isinstance(value, str) else value

    def org(org_id):
        return organizations.get(org_id) if org_id else None

    values = {name: text(getattr(data, name)) for name in data.__dataclass_fields__}
    values.update(
        title_en=data.title_en.strip(),
        lead_national_partner=org(data.lead_national_partner_id),
        external_lead_partner=org(data.external_lead_partner_id),
        twg=project.twg if project is not None and project.twg_id == data.twg_id else None,
        participants=[
            SimpleNamespace(organization=org(p.organization_id), role=p.role)
            for p in data.participants
        ],
        documents=[
            SimpleNamespace(title=d.title.strip(), url=d.url.strip()) for d in data.documents
        ],
        is_published=project.is_published if project is not None else False,
        # The reporting partner's disbursements and plans (the sources' money is compared apart)
        funding=[
            row for row in data.funding if row.source is None and row.kind in PROJECT_FUNDING_KINDS
        ],
    )
    return SimpleNamespace(**values)


def _sources_text(data, project: Project, organizations: dict) -> str:
    """The funding sources `data` would give the project, as its history writes them."""
    if data.sources is None:  # the file names no other provider: the project's stay
        return snapshot_text(project)
    sources = [SimpleNamespace(kind=REPORTING, organization=None, in_kind=False, position=0)]
    sources += [
        SimpleNamespace(
            kind=source.kind,
            organization=organizations.get(source.organization_id),
            in_kind=source.in_kind,
            position=position + 1,
        )
        for position, source in enumerate(data.sources)
    ]
    for index, source in enumerate(sources):
        wanted = None if index == 0 else index - 1
        source.amounts = [
            row
            for row in data.funding
            if row.source == wanted
            and not (row.source is None and row.kind in PROJECT_FUNDING_KINDS)
        ]
    return snapshot_text(SimpleNamespace(funding_sources=sources))


def _figures_text(amounts: dict) -> str:
    return "; ".join(
        f"{kind} {year} {amount:,.2f} {currency}"
        for (kind, year, currency), amount in sorted(amounts.items())
        if amount
    )


def _compare(lines: list[Line]) -> None:
    """Field by field, what each update changes; an update that changes nothing is unchanged."""
    updates = [(line, _updated_project(line)) for line in lines if line.action == UPDATE]
    if not updates:
        return
    organizations = {o.id: o for o in db.session.scalars(select(Organization))}
    stored = _stored_figures([project.id for _line, project in updates])
    for line, project in updates:
        before = history.snapshot(project)
        after = history.snapshot(_as_project(line.accepted_data, project, organizations))
        before[FIGURES_FIELD] = _figures_text(stored.get(project.id, {}))
        after[FIGURES_FIELD] = _figures_text(line.accepted_figures.amounts)
        before[SOURCES_FIELD] = snapshot_text(project)
        after[SOURCES_FIELD] = _sources_text(line.accepted_data, project, organizations)
        line.changes = [
            (_label(name), before.get(name, ""), after.get(name, ""))
            for name in [*history.FIELD_LABELS, SOURCES_FIELD, FIGURES_FIELD]
            if before.get(name, "") != after.get(name, "")
        ]
        if not line.changes:
            line.action = UNCHANGED


def _updated_project(line: Line) -> Project:
    """The project an update changes (_settle makes a line an update only with one)."""
    if line.project is None:
        raise ValueError(f"{line.where}: an update without the project it changes")
    return line.project


def _stored_figures(project_ids: list[int]) -> dict[int, dict]:
    figures: dict[int, dict] = {}
    for start in range(0, len(project_ids), 500):
        rows = db.session.scalars(
            select(IatiAmount).where(IatiAmount.project_id.in_(project_ids[start : start + 500]))
        )
        for row in rows:
            figures.setdefault(row.project_id, {})[(row.kind, row.year, row.currency)] = Decimal(
                row.amount
            )
    return figures
