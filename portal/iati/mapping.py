"""One parsed IATI activity into the registry's ProjectData, with its errors and warnings.

When the activity updates a project, the project's own values are the starting point and the
file overwrites only what it carries: a file never erases what it does not give (its TWG, its
budget flags, a lead partner chosen in the portal...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.iati import codes
from portal.iati.amounts import Figures, MoneyReader, SourceKey, parse_amount, parse_date
from portal.iati.names import normalise_name
from portal.iati.organizations import OrganizationResolver, usable_ref
from portal.iati.places import ProvinceFinder
from portal.iati.recipients import Share, cambodia_share, recorded_share
from portal.organizations.models import OrgKind
from portal.projects import codes as project_codes
from portal.projects.models import is_web_link
from portal.projects.services import (
    Document,
    LocationShare,
    Participant,
    ProjectData,
    SectorShare,
    SourceData,
    YearAmount,
)
from portal.projects.sources import COFINANCIER, COUNTERPART, NATIONAL, REPORTING
from portal.reference.services import usual_lead

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
DAC_VOCABULARIES = ("1", "")


@dataclass
class Issue:
    level: str  # "error" (the activity is not imported) or "warning"
    message: object  # a lazy string, rendered in the reader's language


class Issues(list):
    def error(self, message) -> None:
        self.append(Issue("error", message))

    def warning(self, message) -> None:
        self.append(Issue("warning", message))

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self if issue.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self if issue.level == "warning"]


@dataclass
class Context:
    """What mapping needs from the database, loaded once for a batch."""

    organizations: OrganizationResolver
    provinces: ProvinceFinder
    sectors: set[str]
    currencies: set[str]
    # The exchange-rate table {(currency, year): units per USD}, to say which amounts wait
    # for a rate (they are kept in their currency; USD follows when CDC adds the rate).
    rates: dict = field(default_factory=dict)
    # {DAC code: organization id}: the usual lead institution of a sector, as CDC keeps it.
    sector_leads: dict = field(default_factory=dict)
    # Leads the person chose per activity on the preview {identifier: organization id}.
    chosen_leads: dict = field(default_factory=dict)
    default_lead_id: int | None = None
    # A development partner imports only what its own organization reports.
    only_reporting_org_id: int | None = None


@dataclass
class Mapped:
    activity: dict
    data: ProjectData | None = None
    figures: Figures | None = None
    share: Decimal = HUNDRED
    issues: Issues = field(default_factory=Issues)
    # Where the lead national partner came from: "file", "chosen" (on the preview), "sector"
    # (the usual lead of its largest sector), "default" (the batch's default), "kept" (the
    # project's own, updated), or None (no lead: refused).
    lead_source: str | None = None

    @property
    def identifier(self) -> str | None:
        return self.activity.get("identifier")

    @property
    def title(self) -> str:
        titles = self.activity.get("titles") or {}
        return titles.get("en") or next(iter(titles.values()), "") or (self.identifier or "")


def to_hundred(weights: list[Decimal]) -> list[Decimal]:
    """Shares proportional to `weights`, to the hundredth, adding up to exactly 100."""
    total = sum(weights, Decimal(0))
    # A share too small for the hundredth (0.004 %, as some publishers give) keeps the smallest
    # share the registry records rather than vanishing to 0.00 and refusing the activity.
    shares = [max((w * HUNDRED / total).quantize(CENT), CENT) for w in weights]
    largest = max(range(len(shares)), key=lambda i: shares[i])
    shares[largest] += HUNDRED - sum(shares, Decimal(0))
    return shares


def data_from_project(project) -> ProjectData:
    """The registry's current values of a project, as ProjectData (to overlay a file on)."""
    names = [f.name for f in ProjectData.__dataclass_fields__.values()]
    simple = {
        name: getattr(project, name)
        for name in names
        if name not in ("sectors", "locations", "funding", "participants", "documents")
    }
    from portal.projects.services import YearAmount

    return ProjectData(
        **simple,
        sectors=[SectorShare(s.sector_code, s.percentage) for s in project.sectors],
        locations=[
            LocationShare(loc.province_code, loc.percentage, loc.district_code, loc.commune_code)
            for loc in project.locations
        ],
        funding=[YearAmount(f.year, f.kind, f.amount, f.currency) for f in project.funding],
        participants=[Participant(p.organization_id, p.role) for p in project.participants],
        documents=[Document(d.title, d.url) for d in project.documents if d.web_url],
    )


def map_activity(activity: dict, context: Context, existing=None) -> Mapped:
    """Map one activity (onto `existing`, the project it updates, if any)."""
    mapped = Mapped(activity)
    issues = mapped.issues
    if not activity.get("identifier"):
        issues.error(_l("The activity has no IATI identifier."))
        return mapped
    version = activity.get("version")
    if version and version not in codes.SUPPORTED_VERSIONS:
        issues.error(
            _l(
                "IATI version %(version)s is not supported (the portal reads 2.01 to 2.03).",
                version=version,
            )
        )
        return mapped
    reporting = _reporting_org(activity, context, issues)
    share = cambodia_share(activity, issues)
    if reporting is None or share is None:
        return mapped
    prefix = f"{reporting.iati_ref}-" if reporting.iati_ref else None
    if prefix and not activity["identifier"].startswith(prefix):
        # The IATI validator warns about this; real publishers do it (an identifier kept from
        # before a change of reporting organisation, an agency reporting under its government).
        issues.warning(
            _l(
                "The identifier does not start with the identifier of the reporting "
                "organisation (%(prefix)s), as the IATI Standard asks: it is kept as published.",
                prefix=prefix,
            )
        )
    mapped.share = recorded_share(share)
    data = data_from_project(existing) if existing else ProjectData("", reporting.id)
    data.reporting_org_id = reporting.id
    data.iati_identifier = activity["identifier"]
    data.data_source = "iati"
    _texts(activity, data, issues)
    _status_and_dates(activity, data, issues)
    _classification(activity, data, issues)
    _sectors(activity, data, context, issues)
    _locations(activity, data, context, issues)
    mapped.lead_source = _organizations(activity, data, context, issues, existing)
    mapped.figures = _money(activity, data, share, context, issues, reporting)
    _sources(activity, mapped.figures, data, existing, issues)
    not_kept = (activity.get("extras") or {}).get("not_kept")
    if not_kept:
        issues.warning(
            _l(
                "Not kept (the portal has no place for them): %(elements)s.",
                elements=", ".join(
                    f"{name} ({count})" if count > 1 else name for name, count in not_kept.items()
                ),
            )
        )
    _documents_and_contact(activity, data, issues)
    mapped.data = data
    return mapped


def _reporting_org(activity, context: Context, issues: Issues):
    given = activity.get("reporting_org") or {}
    resolver = context.organizations
    organization = resolver.find(given.get("ref"), given.get("name")) or resolver.created_for(
        given.get("ref"), given.get("name")
    )
    label = given.get("name") or given.get("ref") or "?"
    if organization is None:
        issues.error(
            _l(
                "The reporting organisation %(org)s is not in the portal; it is proposed as a "
                "new organization below.",
                org=label,
            )
        )
        return None
    if (
        context.only_reporting_org_id is not None
        and organization.id != context.only_reporting_org_id
    ):
        issues.error(
            _l(
                "The activity is reported by %(org)s: you can import only the activities your "
                "own organization reports.",
                org=organization.acronym,
            )
        )
        return None
    return organization


def _texts(activity, data: ProjectData, issues: Issues) -> None:
    titles = activity["titles"]
    english = titles.get("en")
    if not titles:
        issues.error(_l("The activity has no title."))
    elif not english:
        lang, english = next(iter(titles.items()))
        issues.warning(_l("No English title: the title in %(lang)s is used.", lang=lang.upper()))
    if english:
        if len(english) > 500:
            issues.warning(_l("The title is longer than 500 characters: it is cut."))
        data.title_en = english[:500]
    if titles.get("km"):
        data.title_km = titles["km"][:500]
    found: dict[str, str] = {}
    for description in activity["descriptions"]:
        texts = description["texts"]
        text = texts.get("en") or next(iter(texts.values()), None)
        if text:
            found.setdefault(description["type"], text)
        if description["type"] == "1" and texts.get("km"):
            found.setdefault("1-km", texts["km"])
    if "1" in found:
        data.description = found["1"]
    if "1-km" in found:
        data.description_km = found["1-km"]
    if "2" in found:
        data.objectives = found["2"]


def _status_and_dates(activity, data: ProjectData, issues: Issues) -> None:
    status = activity["status"]
    if status in project_codes.ACTIVITY_STATUS:
        data.status = status
    elif status:
        issues.warning(_l("Activity status %(code)s is not an IATI code.", code=status))
    else:
        issues.warning(_l("The activity gives no status."))
    for code, name in (
        ("1", "planned_start"),
        ("2", "actual_start"),
        ("3", "planned_end"),
        ("4", "actual_end"),
    ):
        if code in activity["dates"]:
            value = parse_date(activity["dates"][code])
            if value is None:
                issues.warning(_l("The date %(date)s is not a date.", date=activity["dates"][code]))
            else:
                setattr(data, name, value)
    for end, first in (
        ("planned_end", data.planned_start or data.actual_start),
        ("actual_end", data.actual_start or data.planned_start),
    ):
        last = getattr(data, end)
        if first and last and last < first:
            # The activity is kept; only the date that cannot be right is left out.
            setattr(data, end, None)
            issues.warning(
                _l(
                    "The end date %(end)s is before the start date %(start)s: the end date is "
                    "left out.",
                    end=last.isoformat(),
                    start=first.isoformat(),
                )
            )


def _coded(value, portal_codes: dict, iati_codes: set | None, label, issues: Issues):
    """A code the portal records, else None with a warning that says why."""
    if not value:
        return None
    if value in portal_codes:
        return value
    if iati_codes is not None and value not in iati_codes:
        issues.warning(_l("%(field)s %(code)s is not an IATI code.", field=label, code=value))
    else:
        issues.warning(
            _l(
                "%(field)s %(code)s is not one the portal records: left out.",
                field=label,
                code=value,
            )
        )
    return None


def _classification(activity, data: ProjectData, issues: Issues) -> None:
    flow = _coded(
        activity["flow_type"], project_codes.FLOW_TYPE, codes.FLOW_TYPES, _l("Flow type"), issues
    )
    finance = _coded(
        activity["finance_type"],
        project_codes.FINANCE_TYPE,
        codes.FINANCE_TYPES,
        _l("Finance type"),
        issues,
    )
    aid_codes = [a["code"] for a in activity["aid_types"] if a["vocabulary"] == "1"]
    aid = _coded(
        aid_codes[0] if aid_codes else None, project_codes.AID_TYPE, None, _l("Aid type"), issues
    )
    data.flow_type = flow or data.flow_type
    data.finance_type = finance or data.finance_type
    data.aid_type = aid or data.aid_type
    # Derived, so they only fill what is blank: a partner's own choice stays.
    data.type_of_assistance = data.type_of_assistance or codes.type_of_assistance(
        activity["finance_type"], aid_codes
    )
    data.modality = data.modality or codes.modality(aid_codes)


def _sector_weights(activity, context: Context, issues: Issues) -> dict[str, Decimal]:
    dac = [s for s in activity["sectors"] if s["vocabulary"] in DAC_VOCABULARIES]
    weights: dict[str, Decimal] = {}
    if dac:
        for sector in dac:
            weight = parse_amount(sector["percentage"])
            weights[sector["code"]] = weights.get(sector["code"], Decimal(0)) + (
                weight if weight is not None and weight > 0 else Decimal(0)
            )
        if not any(weights.values()):
            weights = dict.fromkeys(weights, Decimal(1))
            if len(weights) > 1:
                issues.warning(_l("Sector percentages are missing: the sectors share equally."))
    else:
        for transaction in activity["transactions"]:
            sectors = [s for s in transaction["sectors"] if s["vocabulary"] in DAC_VOCABULARIES]
            amount = parse_amount(transaction["value"])
            if len(sectors) == 1 and amount:
                code = sectors[0]["code"]
                weights[code] = weights.get(code, Decimal(0)) + abs(amount)
        if weights:
            issues.warning(_l("Sectors are taken from the transactions, by their amounts."))
        elif any(s["vocabulary"] == "2" for s in activity["sectors"]):
            issues.warning(
                _l(
                    "The activity gives DAC categories (3 digits) only: they are shown with "
                    "the project as published; choose its 5-digit sectors."
                )
            )
        elif activity["sectors"]:
            issues.warning(
                _l("The sectors use other vocabularies than the OECD DAC codes: left out.")
            )
    for code in list(weights):
        if code not in context.sectors:
            issues.warning(_l("Sector %(code)s is not a DAC sector code: left out.", code=code))
            del weights[code]
    return {code: weight for code, weight in weights.items() if weight > 0}


def _sectors(activity, data: ProjectData, context: Context, issues: Issues) -> None:
    weights = _sector_weights(activity, context, issues)
    if not weights:
        return
    total = sum(weights.values(), Decimal(0))
    if len(weights) > 1 and abs(total - HUNDRED) > CENT:
        issues.warning(
            _l(
                "Sector percentages add up to %(total)s, not 100: they are scaled to 100.",
                total=f"{total:g}",
            )
        )
    codes_in_order = list(weights)
    shares = to_hundred([weights[code] for code in codes_in_order])
    pairs = zip(codes_in_order, shares, strict=True)
    data.sectors = [SectorShare(code, share) for code, share in pairs]


def _locations(activity, data: ProjectData, context: Context, issues: Issues) -> None:
    if not activity["locations"]:
        if not data.locations:
            data.nationwide = True
        return
    places: dict[tuple[str, str | None], Decimal | None] = {}
    for location in activity["locations"]:
        if context.provinces.is_country(location):
            continue
        province = context.provinces.province(location)
        if province is None:
            issues.warning(
                _l(
                    "The location %(name)s matches no province: left out.",
                    name=(location["name"] or "?")[:80],
                )
            )
            continue
        key = (province, context.provinces.district(location, province))
        weight = parse_amount(location["percentage"])
        places[key] = (places.get(key) or Decimal(0)) + weight if weight else places.get(key)
    if not places:
        data.locations, data.nationwide = [], True
        return
    # The shares count only when every place has one above 0; else all places share equally.
    weights = [w for w in places.values() if w is not None and w > 0]
    if len(weights) < len(places):
        if len(places) > 1:
            issues.warning(
                _l(
                    "IATI gives locations no shares: the %(count)s provinces share equally.",
                    count=len(places),
                )
            )
        weights = [Decimal(1)] * len(places)
    shares = to_hundred(weights)
    data.locations = [
        LocationShare(province, share, district)
        for (province, district), share in zip(places, shares, strict=True)
    ]
    data.nationwide = False


def _national(organization) -> bool:
    return organization is not None and organization.is_national


def _organizations(
    activity, data: ProjectData, context: Context, issues: Issues, existing
) -> str | None:
    resolver = context.organizations
    by_role: dict[str, list] = {}
    for given in activity["participants"]:
        label = given["name"] or given["ref"]
        if resolver.is_generic(given["ref"], given["name"]):
            if given["name"]:
                issues.warning(
                    _l(
                        "%(name)s names a kind of organization, not an organization: left out.",
                        name=label[:80],
                    )
                )
            else:
                issues.warning(
                    _l(
                        "A participating organisation without a name or usable identifier "
                        "(%(ref)s) is left out.",
                        ref=given["ref"] or "—",
                    )
                )
            continue
        organization = resolver.find(given["ref"], given["name"]) or resolver.created_for(
            given["ref"], given["name"]
        )
        if organization is None:
            issues.warning(
                _l(
                    "%(name)s is not in the portal: left out of the participants.",
                    name=label[:80],
                )
            )
            continue
        by_role.setdefault(given["role"], []).append(organization)
    participants = []
    roles = (
        (codes.FUNDING, "funding"),
        (codes.EXTENDING, "extending"),
        (codes.IMPLEMENTING, "implementing"),
    )
    for role, portal_role in roles:
        for organization in by_role.get(role, []):
            participant = Participant(organization.id, portal_role)
            if participant not in participants:
                participants.append(participant)
    data.participants = participants
    national = [
        o
        for role in (codes.ACCOUNTABLE, codes.IMPLEMENTING, codes.FUNDING, codes.EXTENDING)
        for o in by_role.get(role, [])
        if _national(o)
    ]
    external = [
        o
        for role in (codes.ACCOUNTABLE, codes.EXTENDING)
        for o in by_role.get(role, [])
        if not _national(o)
    ]
    if external:
        data.external_lead_partner_id = external[0].id
    chosen = context.chosen_leads.get(activity.get("identifier"))
    if chosen is not None:
        data.lead_national_partner_id = chosen  # what the person chose on the preview
        return "chosen"
    if national:
        data.lead_national_partner_id = national[0].id
        return "file"
    if data.lead_national_partner_id is not None:
        return "kept"
    return _default_lead(data, context, issues)


def _default_lead(data: ProjectData, context: Context, issues: Issues) -> str | None:
    largest_first = sorted(data.sectors, key=lambda share: -share.percentage)
    usual = usual_lead([share.sector_code for share in largest_first], context.sector_leads)
    if usual is not None:
        data.lead_national_partner_id = usual
        issues.warning(
            _l(
                "The activity names no Cambodian institution: its lead national partner is the "
                "usual lead of its sector, as CDC keeps it; check it."
            )
        )
        return "sector"
    if context.default_lead_id is None:
        issues.error(
            _l(
                "The activity names no national organization the portal knows, and every "
                "project has a lead national partner: choose a default lead national partner "
                "for such activities."
            )
        )
        return None
    data.lead_national_partner_id = context.default_lead_id
    issues.warning(
        _l(
            "The activity names no national organization: its lead national partner is the "
            "default you chose; check it."
        )
    )
    return "default"


# The government's own bodies: their money is the government's counterpart contribution.
GOVERNMENT_KINDS = (OrgKind.GOVERNMENT, OrgKind.SUBNATIONAL)


def _source_finder(activity: dict, reporting, context: Context, issues: Issues):
    """Whose money a provider-org names: None for the reporting partner's, else a funding source
    (kind, organization id, in kind): a co-financier (a development partner), the government's
    counterpart (a Cambodian government body, or the government by name) or another national
    source.

    Funds and commitments coming in (types 1 and 11) from another organization are its money.
    The provider of the activity's own spending (outgoing commitments, disbursements,
    expenditure, planned disbursements) is the origin of the funds the reporting partner
    spends (its parliament, its agency, its donors): that money stays the reporting partner's,
    as before, with a warning naming the provider, unless the portal's own export marks it as
    a source (`cdc:source`). Unclear providers (not in the portal, or an agency of the same
    country as the reporting organisation) also keep their money with the reporting partner,
    with a warning: never refused."""
    resolver = context.organizations
    found: dict[tuple, SourceKey | None] = {}
    given = activity.get("reporting_org") or {}
    own_ref = (usable_ref(given.get("ref")) or "").upper()
    own_name = normalise_name(given.get("name"))

    def is_reporting(ref, name) -> bool:
        """The provider is the reporting-org as the file names it (by identifier or name)."""
        clean = (usable_ref(ref) or "").upper()
        return bool(clean and clean == own_ref) or bool(name and normalise_name(name) == own_name)

    def warn_once(message) -> None:
        if not any(str(issue.message) == str(message) for issue in issues):
            issues.warning(message)

    def source_of(provider: dict | None, outgoing: bool) -> SourceKey | None:
        if not provider:
            return None
        key = (outgoing, *(provider.get(n) for n in ("ref", "name", "source", "in_kind")))
        if key not in found:
            found[key] = _source(provider, outgoing)
        return found[key]

    def _source(provider: dict, outgoing: bool) -> SourceKey | None:
        ref, name, wanted = provider.get("ref"), provider.get("name"), provider.get("source")
        in_kind = bool(provider.get("in_kind"))
        label = (name or ref or "?")[:80]
        if wanted not in (COFINANCIER, COUNTERPART, NATIONAL):
            wanted = None
        if is_reporting(ref, name) or resolver.is_generic(ref, name):
            return None
        organization = resolver.find(ref, name) or resolver.created_for(ref, name)
        if organization is not None and organization.id == reporting.id:
            return None
        if outgoing and wanted is None:
            warn_once(
                _l(
                    "%(name)s is named as the provider of the activity's own spending (where "
                    "its funds come from): that money counts as the reporting partner's. If "
                    "it is a co-financier's own money, record it as a funding source of the "
                    "project.",
                    name=label,
                )
            )
            return None
        if organization is None:
            if wanted in (COUNTERPART, NATIONAL):  # the portal's own unnamed national source
                return (wanted, None, in_kind and wanted == COUNTERPART)
            if normalise_name(name) in codes.GOVERNMENT_NAMES:  # the government, unnamed
                return (COUNTERPART, None, in_kind)
            warn_once(
                _l(
                    "%(name)s provides money to the activity but is not in the portal: its "
                    "money is left out of the project's sources (it stays in the IATI "
                    "figures). Add the organization and import again to record it.",
                    name=label,
                )
            )
            return None
        if not organization.is_national:
            country = codes.ref_country(organization.iati_ref or ref)
            if country not in (None, "KH") and country == codes.ref_country(reporting.iati_ref):
                warn_once(
                    _l(
                        "%(org)s provides money to the activity and is of the same country as "
                        "the reporting organisation (%(reporting)s): its money is left out of "
                        "the project's sources (it stays in the IATI figures). Check whether "
                        "it is a co-financier.",
                        org=organization.acronym,
                        reporting=reporting.acronym,
                    )
                )
                return None
            return (COFINANCIER, organization.id, False)
        if wanted in (COUNTERPART, NATIONAL):
            kind = wanted
        else:
            kind = COUNTERPART if organization.kind in GOVERNMENT_KINDS else NATIONAL
        return (kind, organization.id, in_kind and kind == COUNTERPART)

    return source_of


def _reporting_money(activity: dict) -> list[YearAmount]:
    """The reporting partner's signed commitments and expenditure by year, as the portal's own
    export writes them (`cdc:reporting-money`); what is not a year's amount is left out."""
    rows = []
    for given in activity.get("reporting_money") or []:
        amount = parse_amount(given.get("value"))
        year = given.get("year") or ""
        kind, currency = given.get("kind"), given.get("currency")
        if (
            kind in ("commitment", "expenditure")
            and amount is not None
            and year.isdigit()
            and currency
        ):
            rows.append(YearAmount(int(year), kind, amount, currency))
    return rows


def _sources(
    activity: dict, figures: Figures | None, data: ProjectData, existing, issues: Issues
) -> None:
    """The other sources' money the file gives, over the project's sources: a source the file
    names gets the file's yearly rows; the others, and the reporting partner's signed
    commitments and expenditure, stay as they are. A file that names no other provider keeps
    the project's sources untouched (`data.sources` stays None)."""
    given = _reporting_money(activity)
    if figures is None or not (figures.sources or given):
        return
    current: list[tuple[SourceData, list[YearAmount]]] = []
    reporting_rows: list[YearAmount] = []
    for source in sorted(getattr(existing, "funding_sources", None) or [], key=_position):
        rows = [YearAmount(r.year, r.kind, r.amount, r.currency) for r in source.amounts]
        if source.kind == REPORTING:
            reporting_rows = rows
        else:
            current.append((SourceData(source.kind, source.organization_id, source.in_kind), rows))
    if given:
        reporting_rows = given
    place = {(s.kind, s.organization_id, s.in_kind): i for i, (s, _rows) in enumerate(current)}
    this_year = date.today().year
    for key, given_rows in figures.sources.items():
        # Money that cannot have happened yet (the registry refuses it): left out, and said.
        rows = [r for r in given_rows if r.kind == "planned" or r.year <= this_year]
        if len(rows) < len(given_rows):
            issues.warning(
                _l(
                    "A funding source's commitment, disbursement or expenditure is dated in a "
                    "future year: it is left out of the project's sources (it stays in the "
                    "IATI figures)."
                )
            )
        if not rows:
            continue
        if key in place:
            current[place[key]] = (current[place[key]][0], rows)
        else:
            place[key] = len(current)
            current.append((SourceData(*key), rows))
    data.sources = [source for source, _rows in current]
    data.funding = [
        *data.funding,
        *reporting_rows,
        *(
            YearAmount(row.year, row.kind, row.amount, row.currency, source=position)
            for position, (_source, rows) in enumerate(current)
            for row in rows
        ),
    ]


def _position(source) -> tuple:
    return (source.kind != REPORTING, source.position or 0, source.id or 0)


def _money(
    activity, data: ProjectData, share: Share, context: Context, issues: Issues, reporting
) -> Figures:
    source_of = _source_finder(activity, reporting, context, issues)
    figures = MoneyReader(activity, share, context.currencies, issues, source_of).figures()
    if figures.has_money:
        data.funding = figures.funding
    if figures.commitment is not None:
        amount, currency, when = figures.commitment
        data.commitment_amount, data.commitment_currency = amount, currency
        data.commitment_date = when
    wanted = {(row.currency, row.year) for row in data.funding}
    if data.commitment_currency and data.commitment_date:
        wanted.add((data.commitment_currency, data.commitment_date.year))
    for currency, year in sorted(wanted):
        if currency != "USD" and (currency, year) not in context.rates:
            issues.warning(
                _l(
                    "No exchange rate for %(currency)s in %(year)s: the amounts are kept in "
                    "%(currency)s, and count in USD once CDC adds the rate.",
                    currency=currency,
                    year=year,
                )
            )
    return figures


def _documents_and_contact(activity, data: ProjectData, issues: Issues) -> None:
    documents = []
    for given in activity["documents"]:
        url = given["url"]
        if not url or len(url) > 1000 or not is_web_link(url):
            issues.warning(_l("A document link without a usable address is left out."))
            continue
        document = Document((given["title"] or url)[:255], url)
        if document not in documents:
            documents.append(document)
    if documents:
        data.documents = documents
    contact = activity.get("contact")
    if contact and (contact["name"] or contact["email"] or contact["phone"]):
        data.contact_name = (contact["name"] or "")[:120] or None
        data.contact_email = (contact["email"] or "")[:254] or None
        data.contact_phone = (contact["phone"] or "")[:40] or None
