"""The portal's projects as IATI 2.03 activity XML (valid against the official schema).

What the registry holds and IATI has no place for travels in the portal's own extension
namespace (allowed by the schema): a location's share and district. A project without an
IATI identifier gets one made from its partner's identifier and the portal's project number
(`{reporting-org}-CDC-{id}`). A participating organization without an IATI identifier is
written by its name only, as the standard allows; only a reporting organization, whose
identifier the standard requires, gets `KH-CDC-{acronym}` (an import reads that prefix as made
up by the portal, saying nothing of the organization's country). Actual disbursements become
disbursement transactions dated at the end of their year (or today, for the current year);
planned ones become planned disbursements over their calendar year, and the activity's budget
of that year too (IATI's budget is the reporting partner's planned money of the year: an import
reads budgets as planned disbursements when an activity has none); the total commitment becomes
one commitment transaction. Each other funding source's yearly money (a co-financier, the
government's counterpart, another national source) becomes transactions (commitments,
disbursements, expenditure) and planned disbursements with that source as provider-org; its kind
and a counterpart's being in kind travel in the portal's extension attributes, and an unnamed
counterpart is written as the Royal Government of Cambodia. The reporting partner's signed
commitments and expenditure by year travel in the portal's own `cdc:reporting-money` elements at
the end of the activity: as IATI transactions they would count twice beside its total commitment
and its disbursements.

The whole database (100,000 projects) is written in under 30 seconds with flat memory: the
projects are read `CHUNK` at a time, each kind of child row once a chunk, as plain rows
(`export_rows`, no ORM objects), and each activity is written as text, escaped and indented
exactly as lxml pretty-prints the same elements (an organization's elements and a year's dates
are written once and kept). A value lxml would refuse (a control character) is refused the same
way, with a ValueError. Results, loan terms and budget codes are written here too; their own
features read them back (`portal.results.iati_xml`, `portal.loans.iati_xml`,
`portal.budget.iati_xml`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from portal.budget.iati_xml import COUNTRY_CHART_OF_ACCOUNTS
from portal.db import utcnow
from portal.extensions import db
from portal.iati import export_rows as rows
from portal.iati.parser import CDC_NS
from portal.loans.iati_xml import add_years
from portal.organizations.models import DEFAULT_IATI_TYPE
from portal.projects.models import Project, is_web_link
from portal.projects.sources import COUNTERPART, REPORTING

VERSION = "2.03"
NSMAP = {"cdc": CDC_NS}
CHUNK = 250
CHUNK_BYTES = 256 * 1024  # the streamed document is sent in pieces of about this size

# IATI transaction types of a source's yearly money.
TRANSACTION_TYPE = {"commitment": "2", "disbursement": "3", "expenditure": "4"}
GOVERNMENT_NAME = "Royal Government of Cambodia"  # an unnamed counterpart, as provider
GOVERNMENT_TYPE = "10"  # IATI OrganisationType: Government


def organisation_ref(organization) -> str:
    """The organisation's IATI identifier, or one made from its acronym."""
    if organization.iati_ref:
        return organization.iati_ref
    return "KH-CDC-" + re.sub(r"[^A-Za-z0-9_-]", "", organization.acronym)


def activity_identifier(project) -> str:
    """A project's activity identifier (the project with its reporting organization)."""
    return project.iati_identifier or f"{organisation_ref(project.reporting_org)}-CDC-{project.id}"


def iter_projects(statement) -> Iterator[int]:
    """The ids of the projects of `statement`, in id order (`iter_xml` reads the projects in
    chunks). All are read before the first is given: the chunks' statements use the connection."""
    yield from list(
        db.session.scalars(statement.with_only_columns(Project.id).order_by(Project.id))
    )


# Text as lxml writes it in UTF-8: in element text &, <, > and carriage returns are escaped; in
# attributes also quotes, line feeds and tabs. The characters XML forbids lxml refuses.
NOT_XML = (
    "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters"
)
_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_forbidden = re.compile(f"[{_FORBIDDEN}]").search
_text_special = re.compile(f"[&<>\r{_FORBIDDEN}]").search
_attribute_special = re.compile(f'[&<>"\n\r\t{_FORBIDDEN}]').search


def _text(value: str) -> str:
    """`value` as an element's text."""
    if _text_special(value) is None:
        return value
    if _forbidden(value):
        raise ValueError(NOT_XML)
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _attribute(value: str) -> str:
    """`value` as an attribute's value (between double quotes)."""
    if _attribute_special(value) is None:
        return value
    if _forbidden(value):
        raise ValueError(NOT_XML)
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def _leaf(indent: str, tag: str, text: str | None) -> str:
    """An element holding text only (none: an empty element)."""
    if text is None:
        return f"{indent}<{tag}/>\n"
    return f"{indent}<{tag}>{_text(text)}</{tag}>\n"


def _narrative(indent: str, tag: str, text: str | None, attributes: str = "") -> str:
    """<tag><narrative>text</narrative></tag>, the tag at `indent`."""
    return (
        f"{indent}<{tag}{attributes}>\n{_leaf(indent + '  ', 'narrative', text)}{indent}</{tag}>\n"
    )


def _cents(cents: int) -> str:
    """A money amount stored in cents, written as the Decimal it stands for: 1234.50, -0.05."""
    if cents < 0:
        return "-" + _cents(-cents)
    return f"{cents // 100}.{cents % 100:02d}"


def _datetime(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat()


def _number(value: Decimal) -> str:
    """A budget code's share: no trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("1" if value else "0")


# The simple parts of the activities of some projects: each read in one statement for all of
# them and written, by project id. Indents are those of the pretty-printed document.


def _sectors(ids: Sequence[int]) -> dict[int, str]:
    written: dict[int, str] = {}
    for project_id, code, percentage in rows.fetch(rows.SECTORS, ids):
        written[project_id] = written.get(project_id, "") + (
            f'  <sector vocabulary="1" code="{_attribute(code)}" percentage="{percentage:f}"/>\n'
        )
    return written


def _locations(ids: Sequence[int]) -> dict[int, str]:
    written: dict[int, str] = {}
    for project_id, percentage, district, province, name in rows.fetch(rows.LOCATIONS, ids):
        district_attribute = f' cdc:district="{_attribute(district)}"' if district else ""
        written[project_id] = written.get(project_id, "") + (
            f'  <location cdc:percentage="{percentage:f}"{district_attribute}>\n'
            + _narrative("    ", "name", name)
            + f'    <administrative vocabulary="A4" level="1" code="KH-{int(province)}"/>\n'
            "  </location>\n"
        )
    return written


def _budget_items(ids: Sequence[int]) -> dict[int, str]:
    """The national budget's programmes (vocabulary 2), as country-budget-items."""
    items: dict[int, str] = {}
    for project_id, code, name_en, name_km, percentage in rows.fetch(rows.BUDGET_LINES, ids):
        khmer = ""
        if name_km:
            khmer = f'        <narrative xml:lang="km">{_text(name_km)}</narrative>\n'
        items[project_id] = items.get(project_id, "") + (
            f'    <budget-item code="{_attribute(code)}" percentage="{_number(percentage)}">\n'
            "      <description>\n"
            f"{_leaf('        ', 'narrative', name_en)}{khmer}"
            "      </description>\n"
            "    </budget-item>\n"
        )
    return {
        project_id: f'  <country-budget-items vocabulary="{COUNTRY_CHART_OF_ACCOUNTS}">\n'
        f"{lines}  </country-budget-items>\n"
        for project_id, lines in items.items()
    }


def _documents(ids: Sequence[int]) -> dict[int, str]:
    written: dict[int, str] = {}
    for project_id, title, url in rows.fetch(rows.DOCUMENTS, ids):
        if not is_web_link(url):  # a link stored before the rule: never passed on
            continue
        written[project_id] = written.get(project_id, "") + (
            f'  <document-link url="{_attribute(url.strip())}" format="text/html">\n'
            + _narrative("    ", "title", title)
            + '    <category code="A12"/>\n'
            "  </document-link>\n"
        )
    return written


def _loan_terms(ids: Sequence[int]) -> dict[int, str]:
    """A loan's terms as crs-add/loan-terms (portal.loans.iati_xml reads them back)."""
    written: dict[int, str] = {}
    for loan in rows.fetch(rows.LOANS, ids):
        attributes = ""
        if loan.interest_rate is not None:
            attributes += f' rate-1="{_decimal(loan.interest_rate)}"'
        extension = (
            ("maturity-years", _decimal(loan.maturity_years)),
            ("grace-years", _decimal(loan.grace_years)),
            ("reference-rate", loan.reference_rate if loan.rate_type == "variable" else None),
            ("commitment-fee", _decimal(loan.commitment_fee)),
            ("service-fee", _decimal(loan.service_fee)),
        )
        for name, value in extension:
            if value is not None:
                attributes += f' cdc:{name}="{_attribute(value)}"'
        terms = ""
        if loan.repayment_type:
            terms += f'      <repayment-type code="{_attribute(loan.repayment_type)}"/>\n'
        if loan.repayment_plan:
            terms += f'      <repayment-plan code="{_attribute(loan.repayment_plan)}"/>\n'
        signed, first, final = loan.commitment_date, loan.first_repayment, loan.final_repayment
        if signed is not None:
            terms += f'      <commitment-date iso-date="{signed.isoformat()}"/>\n'
            if first is None and loan.grace_years is not None:
                first = add_years(signed, loan.grace_years)
            if final is None and loan.maturity_years is not None:
                final = add_years(signed, loan.maturity_years)
        if first is not None:
            terms += f'      <repayment-first-date iso-date="{first.isoformat()}"/>\n'
        if final is not None:
            terms += f'      <repayment-final-date iso-date="{final.isoformat()}"/>\n'
        loan_terms = (
            f"    <loan-terms{attributes}>\n{terms}    </loan-terms>\n"
            if terms
            else f"    <loan-terms{attributes}/>\n"
        )
        written[loan.project_id] = f"  <crs-add>\n{loan_terms}  </crs-add>\n"
    return written


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


def _results(ids: Sequence[int]) -> dict[int, str]:
    """The results with indicators (after the document links, as 2.03 orders them). A baseline
    without a year and a period without both dates have no place in the schema: left out."""
    results = list(rows.fetch(rows.RESULTS, ids))
    if not results:
        return {}
    periods: dict[int, str] = {}
    for period in rows.fetch(rows.PERIODS, ids):
        if period.period_start is None or period.period_end is None:
            continue
        written = (
            "      <period>\n"
            f'        <period-start iso-date="{period.period_start.isoformat()}"/>\n'
            f'        <period-end iso-date="{period.period_end.isoformat()}"/>\n'
        )
        if period.target_value is not None or period.target_comment:
            written += _measured("        ", "target", period.target_value, period.target_comment)
        if period.actual_value is not None or period.actual_comment:
            written += _measured("        ", "actual", period.actual_value, period.actual_comment)
        periods[period.indicator_id] = periods.get(period.indicator_id, "") + (
            written + "      </period>\n"
        )
    indicators: dict[int, str] = {}
    for indicator in rows.fetch(rows.INDICATORS, ids):
        written = f'    <indicator measure="{_attribute(indicator.measure)}"'
        written += _optional("ascending", _flag(indicator.ascending))
        written += _optional("aggregation-status", _flag(indicator.aggregation_status))
        written += ">\n" + _narrative("      ", "title", indicator.title or "")
        if indicator.description:
            written += _narrative("      ", "description", indicator.description)
        for reference in indicator.references or []:
            written += (
                f'      <reference vocabulary="{_attribute(reference.get("vocabulary") or "99")}"'
                f' code="{_attribute(reference["code"])}"'
                + _optional("indicator-uri", reference.get("indicator_uri"))
                + "/>\n"
            )
        if indicator.baseline_year:
            written += _measured(
                "      ",
                "baseline",
                indicator.baseline_value,
                indicator.baseline_comment,
                f' year="{indicator.baseline_year}"',
            )
        written += periods.get(indicator.id, "")
        indicators[indicator.result_id] = indicators.get(indicator.result_id, "") + (
            written + "    </indicator>\n"
        )
    written_results: dict[int, str] = {}
    for result in results:
        if result.id not in indicators:
            continue
        written = f'  <result type="{_attribute(result.result_type)}"'
        written += _optional("aggregation-status", _flag(result.aggregation_status)) + ">\n"
        written += _narrative("    ", "title", result.title or "")
        if result.description:
            written += _narrative("    ", "description", result.description)
        for link in result.document_links or []:
            format_ = link.get("format") or "APPLICATION/OCTET-STREAM"
            written += (
                f'    <document-link url="{_attribute(link["url"])}"'
                f' format="{_attribute(format_)}">\n'
                + _narrative("      ", "title", link.get("title") or link["url"])
                + f'      <category code="{_attribute(link.get("category") or "A12")}"/>\n'
                "    </document-link>\n"
            )
        written += indicators[result.id] + "  </result>\n"
        written_results[result.project_id] = written_results.get(result.project_id, "") + written
    return written_results


def _optional(name: str, value: str | None) -> str:
    return "" if value is None else f' {name}="{_attribute(value)}"'


def _measured(
    indent: str, tag: str, value: str | None, comment: str | None, attributes: str = ""
) -> str:
    """A baseline, target or actual: its value, and its comment as a narrative."""
    start = f"{indent}<{tag}{attributes}{_optional('value', value)}"
    if not comment:
        return start + "/>\n"
    return f"{start}>\n{_narrative(indent + '  ', 'comment', comment)}{indent}</{tag}>\n"


class _Source:
    """A funding source of a project and its yearly money: (year, kind, cents, currency)."""

    __slots__ = ("amounts", "in_kind", "kind", "organization_id")

    def __init__(self, kind: str, organization_id: int | None, in_kind: bool) -> None:
        self.kind = kind
        self.organization_id = organization_id
        self.in_kind = in_kind
        self.amounts: list[tuple[int, str, int, str]] = []


class _Chunk:
    """What the activities of some projects are made of, read once for all of them (a few
    statements, not some a project)."""

    def __init__(self, ids: Sequence[int]) -> None:
        self.projects = {row.id: row for row in rows.fetch(rows.PROJECTS, ids)}
        self.sectors = _sectors(ids)
        self.locations = _locations(ids)
        self.budget_items = _budget_items(ids)
        self.documents = _documents(ids)
        self.results = _results(ids)
        self.loan_terms = _loan_terms(ids)
        self.funding: dict[int, list[tuple[int, str, int, str]]] = {}
        for project_id, year, kind, cents, currency in rows.fetch(rows.FUNDING, ids):
            self.funding.setdefault(project_id, []).append((year, kind, cents, currency))
        self.participants: dict[int, list[tuple[int, str]]] = {}
        for project_id, organization_id, role in rows.fetch(rows.PARTICIPANTS, ids):
            self.participants.setdefault(project_id, []).append((organization_id, role))
        self.sources: dict[int, list[_Source]] = {}
        by_id: dict[int, _Source] = {}
        for source_id, project_id, kind, organization_id, in_kind in rows.fetch(rows.SOURCES, ids):
            source = by_id[source_id] = _Source(kind, organization_id, bool(in_kind))
            self.sources.setdefault(project_id, []).append(source)
        for source_id, year, kind, cents, currency in rows.fetch(rows.SOURCE_AMOUNTS, ids):
            by_id[source_id].amounts.append((year, kind, cents, currency))

    def organization_ids(self) -> set[int]:
        """The organizations the activities name."""
        ids: set[int | None] = set()
        for project in self.projects.values():
            ids.update(
                (
                    project.reporting_org_id,
                    project.lead_national_partner_id,
                    project.external_lead_partner_id,
                )
            )
        for participants in self.participants.values():
            ids.update(organization_id for organization_id, _role in participants)
        for sources in self.sources.values():
            ids.update(source.organization_id for source in sources)
        return {organization_id for organization_id in ids if organization_id is not None}


class _Writer:
    """Writes activities; keeps what every activity repeats: organizations and years."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.organizations: dict[int, Any] = {}
        self.written: dict[tuple, str] = {}  # an organization's elements, by tag and role
        self.years: dict[int, tuple[str, str, str]] = {}

    def read_organizations(self, ids: Iterable[int]) -> None:
        missing = [i for i in ids if i not in self.organizations]
        if missing:
            for row in rows.fetch(rows.ORGANIZATIONS, missing):
                self.organizations[row.id] = row

    def organisation(self, indent: str, tag: str, organization_id: int, extra: str = "") -> str:
        """The organization's element (its identifier only when it has one, except as the
        reporting organization), `extra` attributes last (a role; a provider's source)."""
        key = (organization_id, tag, extra, indent)
        if key not in self.written:
            organization = self.organizations[organization_id]
            attributes = ""
            if organization.iati_ref or tag == "reporting-org":
                attributes = f' ref="{_attribute(organisation_ref(organization))}"'
            kind = organization.iati_type or DEFAULT_IATI_TYPE[organization.kind]
            attributes += f' type="{_attribute(kind)}"' + extra
            self.written[key] = _narrative(indent, tag, organization.name_en, attributes)
        return self.written[key]

    def provider(self, source: _Source) -> str:
        """The source as the provider-org of its money (after the value, as 2.03 orders it)."""
        extension = f' cdc:source="{_attribute(source.kind)}"'
        if source.in_kind:
            extension += ' cdc:in-kind="1"'
        if source.organization_id is not None:
            return self.organisation("    ", "provider-org", source.organization_id, extension)
        attributes = f' type="{GOVERNMENT_TYPE}"' if source.kind == COUNTERPART else ""
        name = GOVERNMENT_NAME if source.kind == COUNTERPART else "Other national source"
        return _narrative("    ", "provider-org", name, attributes + extension)

    def year(self, year: int) -> tuple[str, str, str]:
        """A year's period (its elements), its first day, and the day of its disbursements: its
        last, or today for the current year."""
        if year not in self.years:
            last = min(date(year, 12, 31), self.today)
            period = (
                f'    <period-start iso-date="{year}-01-01"/>\n'
                f'    <period-end iso-date="{year}-12-31"/>\n'
            )
            self.years[year] = (period, date(year, 1, 1).isoformat(), last.isoformat())
        return self.years[year]

    def activity(self, project, chunk: _Chunk, contacts: bool) -> str:
        """One <iati-activity> of a project; its <contact-info> only when `contacts` is true."""
        project_id = project.id
        funding = chunk.funding.get(project_id, ())
        currency = project.commitment_currency or (funding[0][3] if funding else "USD")
        reporting = self.organizations[project.reporting_org_id]
        identifier = project.iati_identifier or f"{organisation_ref(reporting)}-CDC-{project_id}"
        parts = [
            f'<iati-activity xmlns:cdc="{CDC_NS}"'
            f' last-updated-datetime="{_datetime(project.updated_at or utcnow())}"'
            f' xml:lang="en" default-currency="{_attribute(currency)}" hierarchy="1">\n'
            f"{_leaf('  ', 'iati-identifier', identifier)}",
            self.organisation("  ", "reporting-org", project.reporting_org_id),
            "  <title>\n",
            _leaf("    ", "narrative", project.title_en),
        ]
        if project.title_km:
            parts.append(f'    <narrative xml:lang="km">{_text(project.title_km)}</narrative>\n')
        parts.append('  </title>\n  <description type="1">\n')
        parts.append(_leaf("    ", "narrative", project.description or project.title_en))
        if project.description_km:
            parts.append(
                f'    <narrative xml:lang="km">{_text(project.description_km)}</narrative>\n'
            )
        parts.append("  </description>\n")
        if project.objectives:
            parts.append(_narrative("  ", "description", project.objectives, ' type="2"'))
        self.participants(parts, project, chunk.participants.get(project_id, ()))
        parts.append(f'  <activity-status code="{_attribute(project.status)}"/>\n')
        self.dates(parts, project)
        if contacts:  # hidden: no element at all (an empty one would not validate)
            self.contact(parts, project)
        parts.append('  <recipient-country code="KH" percentage="100"/>\n')
        parts.append(chunk.locations.get(project_id, ""))
        parts.append(chunk.sectors.get(project_id, ""))
        # The national budget's programmes, after sectors and tags as 2.03 orders them.
        parts.append(chunk.budget_items.get(project_id, ""))
        if project.flow_type:
            parts.append(f'  <default-flow-type code="{_attribute(project.flow_type)}"/>\n')
        if project.finance_type:
            parts.append(f'  <default-finance-type code="{_attribute(project.finance_type)}"/>\n')
        if project.aid_type:
            parts.append(
                f'  <default-aid-type code="{_attribute(project.aid_type)}" vocabulary="1"/>\n'
            )
        sources = chunk.sources.get(project_id, ())
        self.money(parts, project, funding, sources)
        parts.append(chunk.documents.get(project_id, ""))
        parts.append(chunk.results.get(project_id, ""))
        parts.append(chunk.loan_terms.get(project_id, ""))  # crs-add comes after result
        for source in sources:  # extension elements come last
            if source.kind == REPORTING:
                for year, kind, cents, currency in source.amounts:
                    parts.append(
                        f'  <cdc:reporting-money kind="{_attribute(kind)}" year="{year}"'
                        f' currency="{_attribute(currency)}">'
                        f"{_cents(cents)}</cdc:reporting-money>\n"
                    )
        parts.append("</iati-activity>\n")
        return "".join(parts)

    def participants(self, parts: list[str], project, participants) -> None:
        by_role: dict[str, list[int]] = {"funding": [], "extending": [], "implementing": []}
        for organization_id, role in participants:
            by_role[role].append(organization_id)
        written = len(parts)
        for organization_id in by_role["funding"]:
            parts.append(self.participant(organization_id, "1"))
        if project.lead_national_partner_id is not None:
            parts.append(self.participant(project.lead_national_partner_id, "2"))
        extending = list(by_role["extending"])
        external = project.external_lead_partner_id
        if external is not None and external not in extending:
            extending.insert(0, external)
        for organization_id in extending:
            parts.append(self.participant(organization_id, "3"))
        for organization_id in by_role["implementing"]:
            parts.append(self.participant(organization_id, "4"))
        if len(parts) == written:
            parts.append(self.participant(project.reporting_org_id, "1"))

    def participant(self, organization_id: int, role: str) -> str:
        return self.organisation("  ", "participating-org", organization_id, f' role="{role}"')

    def dates(self, parts: list[str], project) -> None:
        written = len(parts)
        for code, value in (
            ("1", project.planned_start),
            ("2", project.actual_start),
            ("3", project.planned_end),
            ("4", project.actual_end),
        ):
            if value is not None:
                parts.append(f'  <activity-date type="{code}" iso-date="{value.isoformat()}"/>\n')
        if len(parts) == written:  # the schema wants one date: the day the project was registered
            registered = (project.created_at or utcnow()).date()
            parts.append(f'  <activity-date type="1" iso-date="{registered.isoformat()}"/>\n')

    def contact(self, parts: list[str], project) -> None:
        if not (project.contact_name or project.contact_email or project.contact_phone):
            return
        parts.append('  <contact-info type="1">\n')
        name = self.organizations[project.reporting_org_id].name_en
        parts.append(_narrative("    ", "organisation", name))
        if project.contact_name:
            parts.append(_narrative("    ", "person-name", project.contact_name))
        if project.contact_phone:
            parts.append(_leaf("    ", "telephone", project.contact_phone))
        if project.contact_email:
            parts.append(_leaf("    ", "email", project.contact_email))
        parts.append("  </contact-info>\n")

    def money(self, parts: list[str], project, funding, sources) -> None:
        others = [source for source in sources if source.kind != REPORTING]
        planned = [row for row in funding if row[1] == "planned"]
        for year, _kind, cents, currency in planned:  # the budget of each year comes first
            period, first, _last = self.year(year)
            parts.append(
                f'  <budget type="1" status="1">\n{period}{_value(cents, currency, first)}'
                "  </budget>\n"
            )
        for year, _kind, cents, currency in planned:
            period, first, _last = self.year(year)
            parts.append(
                f'  <planned-disbursement type="1">\n{period}{_value(cents, currency, first)}'
                "  </planned-disbursement>\n"
            )
        for source in others:
            for year, kind, cents, currency in source.amounts:
                if kind == "planned":
                    period, first, _last = self.year(year)
                    parts.append(
                        f'  <planned-disbursement type="1">\n{period}'
                        f"{_value(cents, currency, first)}{self.provider(source)}"
                        "  </planned-disbursement>\n"
                    )
        agreed = project.commitment_date or project.actual_start or project.planned_start
        if project.commitment_cents is not None and project.commitment_currency and agreed:
            parts.append(
                _transaction(
                    "2", project.commitment_cents, project.commitment_currency, agreed.isoformat()
                )
                + "  </transaction>\n"
            )
        for year, kind, cents, currency in funding:
            if kind == "disbursement":
                parts.append(
                    _transaction("3", cents, currency, self.year(year)[2]) + "  </transaction>\n"
                )
        for source in others:
            for year, kind, cents, currency in source.amounts:
                if kind in TRANSACTION_TYPE:
                    when = self.year(year)[2]
                    parts.append(
                        _transaction(TRANSACTION_TYPE[kind], cents, currency, when)
                        + self.provider(source)
                        + "  </transaction>\n"
                    )


def _value(cents: int, currency: str, when: str) -> str:
    return (
        f'    <value currency="{_attribute(currency)}" value-date="{when}">'
        f"{_cents(cents)}</value>\n"
    )


def _transaction(kind: str, cents: int, currency: str, when: str) -> str:
    """A transaction's start, type, date and value (its provider and end follow)."""
    return (
        "  <transaction>\n"
        f'    <transaction-type code="{kind}"/>\n'
        f'    <transaction-date iso-date="{when}"/>\n' + _value(cents, currency, when)
    )


def iter_xml(
    projects: Iterable[Project | int],
    *,
    shows_contacts: Callable[[Any], bool] | None = None,
    now: datetime | None = None,
) -> Iterator[bytes]:
    """An <iati-activities> document of `projects` (or their ids), written as it goes, in
    UTF-8 pieces.

    Memory stays flat whatever the number of projects: they are read `CHUNK` at a time and each
    activity is written out as soon as it is made. A project's contact person is written only
    where `shows_contacts(project)` is true (the project page's rule for its reader; it is
    given the project's row: its columns, such as `reporting_org_id`, as attributes); without
    it, no contact is written.
    """
    now = now or utcnow()
    writer = _Writer(now.date())
    pieces = [
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f'<iati-activities xmlns:cdc="{CDC_NS}" version="{VERSION}"'
        f' generated-datetime="{_datetime(now)}">\n'.encode()
    ]
    size = len(pieces[0])
    count = 0
    remaining = iter(projects)
    while chunk := list(islice(remaining, CHUNK)):
        if not all(isinstance(project, int) for project in chunk):
            db.session.flush()  # the projects given as objects are read as they are now
        ids = [project if isinstance(project, int) else project.id for project in chunk]
        read = _Chunk(ids)
        writer.read_organizations(read.organization_ids())
        for project_id in ids:
            project = read.projects.get(project_id)
            if project is None:  # deleted since its id was read
                continue
            contacts = shows_contacts is not None and shows_contacts(project)
            piece = writer.activity(project, read, contacts).encode()
            pieces.append(piece)
            size += len(piece)
            count += 1
            if size > CHUNK_BYTES:
                yield b"".join(pieces)
                pieces, size = [], 0
        del chunk, read  # the next chunk's rows replace these in memory
    if count == 0:
        pieces.append(b"<!-- no project matched -->\n")
    pieces.append(b"</iati-activities>\n")
    yield b"".join(pieces)


def export_xml(
    projects: Iterable[Project | int],
    *,
    shows_contacts: Callable[[Any], bool] | None = None,
    now: datetime | None = None,
) -> bytes:
    """The whole document of `iter_xml` as bytes (for files and tests)."""
    return b"".join(iter_xml(projects, shows_contacts=shows_contacts, now=now))
