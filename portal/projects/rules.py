"""The registry's rules: what a project may contain, checked all at once.

The form, the spreadsheet upload, the IATI import, the reporting round's checklist and the API
all save through `portal.projects.services.save_project`, which runs `validate` first, so they
refuse the same things; `validate` alone serves the pages that check before saving.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.projects import codes
from portal.projects.lookups import Lookups
from portal.projects.models import (
    Project,
    is_web_link,
)
from portal.projects.sources import ADDED_KINDS, COFINANCIER, COUNTERPART, MONEY_KIND

HUNDRED = Decimal(100)
TOLERANCE = Decimal("0.01")
IATI_ACTIVITY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/:]*-[A-Za-z0-9_.\-/:]+$")


class ProjectInvalid(ValueError):
    """The data breaks one or more rules; `errors` maps form field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class EditConflict(RuntimeError):
    """Someone saved the project after the editor opened it; `changes` says what changed."""

    def __init__(self, project: Project, changes: list) -> None:
        super().__init__("edit conflict")
        self.project = project
        self.changes = changes


@dataclass
class SectorShare:
    sector_code: str
    percentage: Decimal


@dataclass
class LocationShare:
    province_code: str
    percentage: Decimal
    district_code: str | None = None
    commune_code: str | None = None


@dataclass
class YearAmount:
    year: int
    kind: str
    amount: Decimal
    currency: str
    # Whose money: None for the reporting partner, else a position in ProjectData.sources;
    # UNLISTED when the form's row names a source that is no longer listed (refused).
    source: int | None = None


UNLISTED = -1


@dataclass
class SourceData:
    """A funding source besides the reporting partner (co-financier, counterpart, national)."""

    kind: str
    organization_id: int | None = None
    in_kind: bool = False


@dataclass
class Participant:
    organization_id: int | None
    role: str


@dataclass
class Document:
    title: str
    url: str


@dataclass
class ProjectData:
    """What a project holds, from a form, an import or the API; validated by save_project."""

    title_en: str
    reporting_org_id: int
    lead_national_partner_id: int | None = None
    external_lead_partner_id: int | None = None
    iati_identifier: str | None = None
    partner_ref: str | None = None
    title_km: str | None = None
    description: str | None = None
    description_km: str | None = None
    objectives: str | None = None
    status: str = codes.IMPLEMENTATION
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    twg_id: int | None = None
    type_of_assistance: str | None = None
    modality: str | None = None
    finance_type: str | None = None
    aid_type: str | None = None
    flow_type: str | None = None
    on_budget: bool = False
    on_treasury: bool = False
    nationwide: bool = False
    commitment_amount: Decimal | None = None
    commitment_currency: str | None = None
    commitment_date: date | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    sectors: list[SectorShare] = field(default_factory=list)
    locations: list[LocationShare] = field(default_factory=list)
    funding: list[YearAmount] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    data_source: str = "manual"
    # The sources besides the reporting partner. None (an import that has no such columns)
    # keeps the project's sources and their money as they are: a blank never erases.
    sources: list[SourceData] | None = None


def _commitment_year(data: ProjectData) -> int | None:
    when = data.commitment_date or data.actual_start or data.planned_start
    return when.year if when else None


def validate(
    data: ProjectData, project: Project | None = None, lookups: Lookups | None = None
) -> dict:
    """Check every rule; return what saving needs (rates); raise ProjectInvalid listing all."""
    lookups = lookups or Lookups()
    errors: dict[str, str] = {}

    def err(name: str, message) -> None:
        errors.setdefault(name, str(message))

    reporting = lookups.organization(data.reporting_org_id)
    if reporting is None:
        err("reporting_org_id", _l("Choose the reporting development partner."))
    if data.lead_national_partner_id is None:
        err(
            "lead_national_partner_id",
            _l("Every project has exactly one lead national partner: choose it."),
        )
    else:
        lead = lookups.organization(data.lead_national_partner_id)
        if lead is None:
            err("lead_national_partner_id", _l("Choose the lead national partner."))
        elif not lead.is_national:
            err(
                "lead_national_partner_id",
                _l(
                    "%(org)s is not a national organization. The lead partner is always "
                    "national (a ministry or agency, a sub-national administration, a national "
                    "NGO or firm).",
                    org=lead.acronym,
                ),
            )
    if data.external_lead_partner_id is not None:
        external = lookups.organization(data.external_lead_partner_id)
        if external is None or external.is_national:
            err(
                "external_lead_partner_id",
                _l(
                    "The external lead partner is a development "
                    "partner, not a national organization."
                ),
            )

    if data.iati_identifier:
        if not IATI_ACTIVITY_ID.match(data.iati_identifier):
            err(
                "iati_identifier",
                _l(
                    "An IATI identifier is %(prefix)s (the identifier of %(org)s), a hyphen, "
                    "then the activity's own code.",
                    prefix=reporting.iati_ref,
                    org=reporting.acronym,
                )
                if reporting is not None and reporting.iati_ref
                else _l(
                    "An IATI identifier is the reporting organisation's "
                    "identifier, a hyphen, then the activity's own code."
                ),
            )
        elif (
            reporting is not None
            and reporting.iati_ref
            and not data.iati_identifier.startswith(reporting.iati_ref + "-")
            # A publisher's identifier stays as published (the import warns), and an identifier
            # the project already has is not asked again when someone edits the project.
            and data.data_source != "iati"
            and (project is None or project.iati_identifier != data.iati_identifier)
        ):
            err(
                "iati_identifier",
                _l(
                    "It must start with %(prefix)s- (the identifier of %(org)s).",
                    prefix=reporting.iati_ref,
                    org=reporting.acronym,
                ),
            )
        else:
            other = lookups.project_with_identifier(data.iati_identifier)
            if other is not None and (project is None or other != project.id):
                err("iati_identifier", _l("Another project already has this IATI identifier."))

    if data.status not in codes.ACTIVITY_STATUS:
        err("status", _l("Choose a status."))
    for start, end, name in (
        (data.planned_start, data.planned_end, "planned_end"),
        (data.actual_start, data.actual_end, "actual_end"),
    ):
        if start and end and end < start:
            err(name, _l("The end date is before the start date."))
    for name, allowed in (
        ("type_of_assistance", codes.TYPE_OF_ASSISTANCE),
        ("modality", codes.MODALITY),
        ("finance_type", codes.FINANCE_TYPE),
        ("aid_type", codes.AID_TYPE),
        ("flow_type", codes.FLOW_TYPE),
    ):
        value = getattr(data, name)
        if value and value not in allowed:
            err(name, _l("Choose a value from the list."))

    _validate_sectors(data, err, lookups)
    _validate_locations(data, err, lookups)
    rates = _validate_money(data, err, lookups, project)
    _validate_participants(data, err, lookups)
    _validate_sources(data, err, lookups)
    for i, document in enumerate(data.documents):
        if not document.title:
            err(f"documents-{i}-title", _l("Give the document a title."))
        if not document.url:
            err(f"documents-{i}-url", _l("Give the document's web address."))
        elif not is_web_link(document.url):
            err(f"documents-{i}-url", _l("Give a full web address starting with https://."))
    if errors:
        raise ProjectInvalid(errors)
    return {"rates": rates}


def _validate_sectors(data: ProjectData, err, lookups: Lookups) -> None:
    known = lookups.known_sectors([s.sector_code for s in data.sectors])
    seen = set()
    for i, share in enumerate(data.sectors):
        if share.sector_code not in known:
            err(f"sectors-{i}-sector_code", _l("Choose a sector code from the list."))
        elif share.sector_code in seen:
            err(f"sectors-{i}-sector_code", _l("This sector is listed twice."))
        seen.add(share.sector_code)
        if share.percentage is None or not (0 < share.percentage <= 100):
            err(f"sectors-{i}-percentage", _l("A share is more than 0 and at most 100."))
    if data.sectors:
        total = sum((s.percentage or 0 for s in data.sectors), Decimal(0))
        if abs(total - HUNDRED) > TOLERANCE:
            err(
                "sectors",
                _l(
                    "Sector percentages must add up to 100; they add up to %(total)s.",
                    total=f"{total:g}",
                ),
            )


def _validate_locations(data: ProjectData, err, lookups: Lookups) -> None:
    if data.nationwide and data.locations:
        err("locations", _l("A project is either nationwide or in named provinces, not both."))
        return
    provinces = lookups.province_codes()
    districts = lookups.district_provinces(
        [loc.district_code for loc in data.locations if loc.district_code]
    )
    communes = lookups.commune_districts(
        [loc.commune_code for loc in data.locations if loc.commune_code]
    )
    seen = set()
    for i, share in enumerate(data.locations):
        if share.province_code not in provinces:
            err(f"locations-{i}-province_code", _l("Choose a province."))
        if share.district_code and districts.get(share.district_code) != share.province_code:
            err(f"locations-{i}-district_code", _l("This district is not in the province."))
        if share.commune_code and not share.district_code:
            err(f"locations-{i}-district_code", _l("Choose the commune's district too."))
        elif share.commune_code and communes.get(share.commune_code) != share.district_code:
            err(f"locations-{i}-commune_code", _l("This commune is not in the district."))
        key = (share.province_code, share.district_code, share.commune_code)
        if key in seen:
            err(f"locations-{i}-province_code", _l("This place is listed twice."))
        seen.add(key)
        if share.percentage is None or not (0 < share.percentage <= 100):
            err(f"locations-{i}-percentage", _l("A share is more than 0 and at most 100."))
    if data.locations:
        total = sum((loc.percentage or 0 for loc in data.locations), Decimal(0))
        if abs(total - HUNDRED) > TOLERANCE:
            err(
                "locations",
                _l(
                    "Location percentages must add up to 100; they add up to %(total)s.",
                    total=f"{total:g}",
                ),
            )


def _validate_money(data: ProjectData, err, lookups: Lookups, project: Project | None) -> dict:
    currencies = {f.currency for f in data.funding if f.currency}
    if data.commitment_currency:
        currencies.add(data.commitment_currency)
    known = lookups.known_currencies(currencies)
    rates = lookups.rates(currencies)

    def has_rate(currency: str, year: int) -> bool:
        return currency == "USD" or (currency, year) in rates

    if data.commitment_amount is not None:
        if data.commitment_amount < 0:
            err("commitment_amount", _l("An amount cannot be negative."))
        if not data.commitment_currency:
            err("commitment_currency", _l("Choose the currency of the commitment."))
        elif data.commitment_currency not in known:
            err(
                "commitment_currency",
                _l("%(code)s is not a known currency.", code=data.commitment_currency),
            )
        else:
            year = _commitment_year(data)
            if year is None:
                err(
                    "commitment_date",
                    _l(
                        "Give the date of agreement, so the amount can be "
                        "converted to USD at that year's rate."
                    ),
                )
            elif not has_rate(data.commitment_currency, year) and not (
                data.data_source == "iati"
                or (
                    project is not None
                    and (project.commitment_amount, project.commitment_currency)
                    == (data.commitment_amount, data.commitment_currency)
                    and project.commitment_usd is None
                )
            ):
                err(
                    "commitment_currency",
                    _l(
                        "No exchange rate for %(currency)s in %(year)s: CDC must add it to the "
                        "exchange-rate table before this amount can be converted to USD.",
                        currency=data.commitment_currency,
                        year=year,
                    ),
                )
    this_year = date.today().year
    seen = set()
    # A negative year (a refund, a reversal, a de-obligation) is kept as a publisher published
    # it, and stays when someone edits the project; a person typing a new amount cannot.
    published = {
        (f.year, f.kind, f.currency, f.amount) for f in (project.funding if project else [])
    }
    for i, row in enumerate(data.funding):
        prefix = f"funding-{i}-"
        if row.kind not in MONEY_KIND:
            err(prefix + "kind", _l("Choose actual or planned."))
        if row.year is None or not (1990 <= row.year <= 2100):
            err(prefix + "year", _l("Give a calendar year between 1990 and 2100."))
        elif row.kind == "disbursement" and row.year > this_year:
            err(
                prefix + "year",
                _l("An actual disbursement cannot be in a future year; record it as planned."),
            )
        elif row.kind in ("commitment", "expenditure") and row.year > this_year:
            err(
                prefix + "year",
                _l("A commitment signed or an expenditure cannot be in a future year."),
            )
        if row.amount is None:
            err(prefix + "amount", _l("Enter an amount."))
        elif row.amount < 0 and not (
            data.data_source == "iati"
            or (row.year, row.kind, row.currency, row.amount) in published
        ):
            err(prefix + "amount", _l("An amount cannot be negative."))
        if row.currency not in known:
            err(prefix + "currency", _l("%(code)s is not a known currency.", code=row.currency))
        elif (
            row.year
            and not has_rate(row.currency, row.year)
            # A publisher's amount waits in its currency for CDC's rate (the import says so),
            # and stays when someone edits the project; a person typing one is asked for it.
            and data.data_source != "iati"
            and (row.year, row.kind, row.currency, row.amount) not in published
        ):
            err(
                prefix + "currency",
                _l(
                    "No exchange rate for %(currency)s in %(year)s: CDC must add it to the "
                    "exchange-rate table before this amount can be converted to USD.",
                    currency=row.currency,
                    year=row.year,
                ),
            )
        key = (row.source, row.year, row.kind, row.currency)
        if key in seen:
            err(prefix + "year", _l("This year already has a row of this kind and currency."))
        seen.add(key)
    return rates


def _validate_participants(data: ProjectData, err, lookups: Lookups) -> None:
    known = lookups.known_organizations({p.organization_id for p in data.participants})
    seen = set()
    for i, participant in enumerate(data.participants):
        if participant.organization_id not in known:
            err(f"participants-{i}-organization_id", _l("Choose an organization."))
        if participant.role not in codes.PARTICIPANT_ROLE:
            err(f"participants-{i}-role", _l("Choose a role."))
        key = (participant.organization_id, participant.role)
        if key in seen:
            err(
                f"participants-{i}-organization_id",
                _l("This organization is listed twice in this role."),
            )
        seen.add(key)


def _validate_sources(data: ProjectData, err, lookups: Lookups) -> None:
    """The sources besides the reporting partner, and the source of each yearly amount."""
    sources = data.sources or []
    known = lookups.known_organizations({s.organization_id for s in sources})
    seen = set()
    for i, source in enumerate(sources):
        prefix = f"sources-{i}-"
        if source.kind not in ADDED_KINDS:
            err(
                prefix + "kind",
                _l(
                    "Choose a co-financier, the government's counterpart or "
                    "another national source."
                ),
            )
            continue
        organization = (
            lookups.organization(source.organization_id)
            if source.organization_id in known
            else None
        )
        if source.organization_id is not None and organization is None:
            err(prefix + "organization_id", _l("Choose an organization."))
        elif source.kind == COFINANCIER and organization is None:
            err(
                prefix + "organization_id",
                _l("Name the co-financier: the development partner that brings this money."),
            )
        elif source.kind == COFINANCIER and source.organization_id == data.reporting_org_id:
            err(
                prefix + "organization_id",
                _l(
                    "This is the reporting partner: its money is the project's own (the "
                    "commitment and the yearly funding), not a co-financier's."
                ),
            )
        elif source.kind == COFINANCIER and organization is not None and organization.is_national:
            err(
                prefix + "organization_id",
                _l(
                    "%(org)s is a national organization: record its money as the government's "
                    "counterpart or another national source.",
                    org=organization.acronym,
                ),
            )
        elif (
            source.kind != COFINANCIER and organization is not None and not organization.is_national
        ):
            err(
                prefix + "organization_id",
                _l(
                    "%(org)s is a development partner: record its money as a co-financier.",
                    org=organization.acronym,
                ),
            )
        if source.in_kind and source.kind != COUNTERPART:
            err(
                prefix + "in_kind",
                _l("Only the government's counterpart contribution is marked as in kind."),
            )
        key = (source.kind, source.organization_id, source.in_kind)
        if key in seen:
            err(prefix + "organization_id", _l("This source is listed twice."))
        seen.add(key)
    for i, row in enumerate(data.funding):
        if row.source is not None and not (0 <= row.source < len(sources)):
            err(
                f"funding-{i}-source",
                _l(
                    "This row's source is no longer listed: choose another source for the "
                    "amount, or remove the row too."
                ),
            )
