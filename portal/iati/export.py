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
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import islice

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.budget.iati_xml import budget_items_element
from portal.budget.queries import lines_of
from portal.db import utcnow
from portal.extensions import db
from portal.iati.parser import (
    CDC_DISTRICT,
    CDC_IN_KIND,
    CDC_NS,
    CDC_PERCENTAGE,
    CDC_REPORTING_MONEY,
    CDC_SOURCE,
    XML_LANG,
)
from portal.loans.iati_xml import loan_terms_element
from portal.organizations.models import DEFAULT_IATI_TYPE, Organization
from portal.projects.models import Project, ProjectLocation, ProjectParticipant
from portal.projects.sources import COUNTERPART, REPORTING, FundingSource
from portal.results.iati_xml import result_elements
from portal.results.models import ProjectResult

VERSION = "2.03"
NSMAP = {"cdc": CDC_NS}
CHUNK = 250
CHUNK_BYTES = 256 * 1024  # the streamed document is sent in pieces of about this size


def organisation_ref(organization) -> str:
    """The organisation's IATI identifier, or one made from its acronym."""
    if organization.iati_ref:
        return organization.iati_ref
    return "KH-CDC-" + re.sub(r"[^A-Za-z0-9_-]", "", organization.acronym)


def activity_identifier(project: Project) -> str:
    return project.iati_identifier or f"{organisation_ref(project.reporting_org)}-CDC-{project.id}"


def export_statement(statement):
    """Load everything an activity needs with the projects (a few queries, not one a row)."""
    return statement.options(
        selectinload(Project.reporting_org),
        selectinload(Project.lead_national_partner),
        selectinload(Project.external_lead_partner),
        selectinload(Project.sectors),
        selectinload(Project.locations).selectinload(ProjectLocation.province),
        selectinload(Project.funding),
        selectinload(Project.participants).selectinload(ProjectParticipant.organization),
        selectinload(Project.documents),
        selectinload(Project.loan_terms),
        selectinload(Project.funding_sources).selectinload(FundingSource.amounts),
    )


def iter_projects(statement):
    """The projects of `statement` in id order, loaded `CHUNK` at a time (memory stays flat)."""
    ids = list(db.session.scalars(statement.with_only_columns(Project.id).order_by(Project.id)))
    for start in range(0, len(ids), CHUNK):
        if start:
            # Keep memory flat over 100,000 projects: the previous chunk is written by now (a
            # reader takes a whole chunk before writing it), so its rows are let go only here.
            db.session.expire_all()
        chunk = ids[start : start + CHUNK]
        query = export_statement(select(Project).where(Project.id.in_(chunk))).order_by(Project.id)
        yield from db.session.scalars(query)


@dataclass
class Batch:
    """What the activities of some projects need beyond the projects' own rows, read once for
    all of them (not one query a project): budget codes and results."""

    budget_lines: dict[int, list]
    results: dict[int, list[ProjectResult]]

    @classmethod
    def of(cls, projects: list[Project]) -> Batch:
        ids = [project.id for project in projects]
        results: dict[int, list[ProjectResult]] = {}
        if ids:
            statement = (
                select(ProjectResult)
                .where(ProjectResult.project_id.in_(ids))
                .order_by(ProjectResult.project_id, ProjectResult.position, ProjectResult.id)
            )
            for result in db.session.scalars(statement):  # indicators and periods: selectin
                results.setdefault(result.project_id, []).append(result)
        return cls(budget_lines=lines_of(ids), results=results)


def iter_xml(
    projects: Iterable[Project],
    *,
    shows_contacts: Callable[[Project], bool] | None = None,
    now: datetime | None = None,
) -> Iterator[bytes]:
    """An <iati-activities> document of `projects`, written as it goes, in UTF-8 chunks.

    Memory stays flat whatever the number of projects: each activity is written out as soon
    as it is made. A project's contact person is written only where `shows_contacts(project)`
    is true (the project page's rule for its reader); without it, no contact is written.
    """
    now = now or utcnow()
    buffer = io.BytesIO()

    def taken() -> bytes:
        chunk = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return chunk

    with etree.xmlfile(buffer, encoding="UTF-8") as out:
        out.write_declaration()
        attributes = {"version": VERSION, "generated-datetime": _datetime(now)}
        with out.element("iati-activities", attributes, nsmap=NSMAP):
            out.write("\n")
            count = 0
            remaining = iter(projects)
            while chunk := list(islice(remaining, CHUNK)):
                batch = Batch.of(chunk)
                for project in chunk:
                    contacts = shows_contacts is not None and shows_contacts(project)
                    element = activity_element(
                        project, today=now.date(), contacts=contacts, batch=batch
                    )
                    out.write(element, pretty_print=True)
                    count += 1
                    if buffer.tell() > CHUNK_BYTES:
                        out.flush()
                        yield taken()
                del chunk, batch  # the next chunk's projects replace these in memory
            if count == 0:
                out.write(etree.Comment(" no project matched "), pretty_print=True)
    yield taken() + b"\n"


def export_xml(
    projects: Iterable[Project],
    *,
    shows_contacts: Callable[[Project], bool] | None = None,
    now: datetime | None = None,
) -> bytes:
    """The whole document of `iter_xml` as bytes (for files and tests)."""
    return b"".join(iter_xml(projects, shows_contacts=shows_contacts, now=now))


def _datetime(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat()


def _narrative(parent, tag: str, text: str, lang: str | None = None, **attributes):
    element = etree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attributes.items()})
    narrative = etree.SubElement(element, "narrative")
    if lang:
        narrative.set(XML_LANG, lang)
    narrative.text = text
    return element


def _organisation(parent, tag: str, organization, role: str | None = None):
    attributes = {"type": organization.iati_type or DEFAULT_IATI_TYPE[organization.kind]}
    if organization.iati_ref or tag == "reporting-org":  # never one made up for a participant
        attributes = {"ref": organisation_ref(organization), **attributes}
    if role:
        attributes["role"] = role
    element = etree.SubElement(parent, tag, attributes)
    etree.SubElement(element, "narrative").text = organization.name_en
    return element


def _in_order(rows):
    """A project's child rows in the order they were written (the database returns them in any
    order): the same project gives the same activity, byte for byte."""
    return sorted(rows, key=lambda row: row.id)


def _amount(value: Decimal) -> str:
    return f"{value:f}"


def activity_element(
    project: Project, *, today: date, contacts: bool = False, batch: Batch | None = None
):
    """One <iati-activity> of a project; its <contact-info> only when `contacts` is true.

    `batch` holds the project's budget codes and results when they were read with other
    projects'; without it, they are read for this project alone.
    """
    batch = batch or Batch.of([project])
    currency = project.commitment_currency or next(
        (f.currency for f in _in_order(project.funding)), "USD"
    )
    activity = etree.Element(
        "iati-activity",
        nsmap=NSMAP,  # written on its own when streamed: it declares the extension's prefix
        attrib={
            "last-updated-datetime": _datetime(project.updated_at or utcnow()),
            XML_LANG: "en",
            "default-currency": currency,
            "hierarchy": "1",
        },
    )
    etree.SubElement(activity, "iati-identifier").text = activity_identifier(project)
    _organisation(activity, "reporting-org", project.reporting_org)
    title = _narrative(activity, "title", project.title_en)
    if project.title_km:
        km = etree.SubElement(title, "narrative", {XML_LANG: "km"})
        km.text = project.title_km
    description = _narrative(
        activity, "description", project.description or project.title_en, type="1"
    )
    if project.description_km:
        km = etree.SubElement(description, "narrative", {XML_LANG: "km"})
        km.text = project.description_km
    if project.objectives:
        _narrative(activity, "description", project.objectives, type="2")
    _participants(activity, project)
    etree.SubElement(activity, "activity-status", code=project.status)
    _dates(activity, project)
    if contacts:  # hidden: no element at all (an empty one would not validate)
        _contact(activity, project)
    etree.SubElement(activity, "recipient-country", code="KH", percentage="100")
    for location in _in_order(project.locations):
        _location(activity, location)
    for sector in _in_order(project.sectors):
        etree.SubElement(
            activity,
            "sector",
            vocabulary="1",
            code=sector.sector_code,
            percentage=_amount(sector.percentage),
        )
    # The national budget's programmes (vocabulary 2), after sectors and tags as 2.03 orders.
    budget_items_element(activity, batch.budget_lines.get(project.id, []))
    _classification(activity, project)
    _money(activity, project, today)
    for document in _in_order(project.documents):
        if document.web_url is None:  # a link stored before the rule: never passed on
            continue
        link = etree.SubElement(activity, "document-link", url=document.web_url, format="text/html")
        _narrative(link, "title", document.title)
        etree.SubElement(link, "category", code="A12")
    result_elements(activity, batch.results.get(project.id, []))
    loan_terms_element(activity, project.loan_terms)  # crs-add comes after result
    for source in project.funding_sources:  # extension elements come last
        if source.kind == REPORTING:
            for row in source.amounts:
                money = etree.SubElement(
                    activity,
                    CDC_REPORTING_MONEY,
                    kind=row.kind,
                    year=str(row.year),
                    currency=row.currency,
                )
                money.text = _amount(row.amount)
    return activity


def _participants(activity, project: Project) -> None:
    by_role: dict[str, list[Organization]] = {"funding": [], "extending": [], "implementing": []}
    for participant in _in_order(project.participants):
        by_role[participant.role].append(participant.organization)
    for organization in by_role["funding"]:
        _organisation(activity, "participating-org", organization, "1")
    if project.lead_national_partner is not None:
        _organisation(activity, "participating-org", project.lead_national_partner, "2")
    extending = list(by_role["extending"])
    if project.external_lead_partner is not None and project.external_lead_partner not in extending:
        extending.insert(0, project.external_lead_partner)
    for organization in extending:
        _organisation(activity, "participating-org", organization, "3")
    for organization in by_role["implementing"]:
        _organisation(activity, "participating-org", organization, "4")
    if not len(activity.findall("participating-org")):
        _organisation(activity, "participating-org", project.reporting_org, "1")


def _dates(activity, project: Project) -> None:
    written = 0
    for code, value in (
        ("1", project.planned_start),
        ("2", project.actual_start),
        ("3", project.planned_end),
        ("4", project.actual_end),
    ):
        if value is not None:
            etree.SubElement(
                activity, "activity-date", type=code, **{"iso-date": value.isoformat()}
            )
            written += 1
    if not written:  # the schema wants one date: the day the project was registered
        registered = (project.created_at or utcnow()).date()
        etree.SubElement(
            activity, "activity-date", type="1", **{"iso-date": registered.isoformat()}
        )


def _contact(activity, project: Project) -> None:
    if not (project.contact_name or project.contact_email or project.contact_phone):
        return
    contact = etree.SubElement(activity, "contact-info", type="1")
    _narrative(contact, "organisation", project.reporting_org.name_en)
    if project.contact_name:
        _narrative(contact, "person-name", project.contact_name)
    if project.contact_phone:
        etree.SubElement(contact, "telephone").text = project.contact_phone
    if project.contact_email:
        etree.SubElement(contact, "email").text = project.contact_email


def _location(activity, location: ProjectLocation) -> None:
    attributes = {CDC_PERCENTAGE: _amount(location.percentage)}
    if location.district_code:
        attributes[CDC_DISTRICT] = location.district_code
    element = etree.SubElement(activity, "location", attributes)
    _narrative(element, "name", location.province.name_en)
    etree.SubElement(
        element,
        "administrative",
        vocabulary="A4",
        level="1",
        code=f"KH-{int(location.province_code)}",
    )


def _classification(activity, project: Project) -> None:
    if project.flow_type:
        etree.SubElement(activity, "default-flow-type", code=project.flow_type)
    if project.finance_type:
        etree.SubElement(activity, "default-finance-type", code=project.finance_type)
    if project.aid_type:
        etree.SubElement(activity, "default-aid-type", code=project.aid_type, vocabulary="1")


def _value(parent, amount: Decimal, currency: str, when: date) -> None:
    value = etree.SubElement(parent, "value", currency=currency, **{"value-date": when.isoformat()})
    value.text = _amount(amount)


# IATI transaction types of a source's yearly money.
TRANSACTION_TYPE = {"commitment": "2", "disbursement": "3", "expenditure": "4"}
GOVERNMENT_NAME = "Royal Government of Cambodia"  # an unnamed counterpart, as provider
GOVERNMENT_TYPE = "10"  # IATI OrganisationType: Government


def _money(activity, project: Project, today: date) -> None:
    others = [s for s in project.funding_sources if s.kind != REPORTING]
    planned = [row for row in _in_order(project.funding) if row.kind == "planned"]
    for row in planned:  # the activity's budget of each year (2.03 puts budgets first)
        budget = etree.SubElement(activity, "budget", type="1", status="1")
        _period(budget, row.year)
        _value(budget, row.amount, row.currency, date(row.year, 1, 1))
    for row in planned:
        element = etree.SubElement(activity, "planned-disbursement", type="1")
        _period(element, row.year)
        _value(element, row.amount, row.currency, date(row.year, 1, 1))
    for source in others:
        for row in source.amounts:
            if row.kind == "planned":
                element = etree.SubElement(activity, "planned-disbursement", type="1")
                _period(element, row.year)
                _value(element, row.amount, row.currency, date(row.year, 1, 1))
                _provider(element, source)
    agreed = project.commitment_date or project.actual_start or project.planned_start
    if project.commitment_amount is not None and project.commitment_currency and agreed:
        _transaction(activity, "2", project.commitment_amount, project.commitment_currency, agreed)
    for row in _in_order(project.funding):
        if row.kind == "disbursement":
            when = min(date(row.year, 12, 31), today)
            _transaction(activity, "3", row.amount, row.currency, when)
    for source in others:
        for row in source.amounts:
            if row.kind in TRANSACTION_TYPE:
                when = min(date(row.year, 12, 31), today)
                transaction = _transaction(
                    activity, TRANSACTION_TYPE[row.kind], row.amount, row.currency, when
                )
                _provider(transaction, source)


def _period(parent, year: int) -> None:
    etree.SubElement(parent, "period-start", **{"iso-date": f"{year}-01-01"})
    etree.SubElement(parent, "period-end", **{"iso-date": f"{year}-12-31"})


def _provider(parent, source: FundingSource) -> None:
    """The source as the provider-org of its money (after the value, as 2.03 orders it)."""
    if source.organization is not None:
        element = _organisation(parent, "provider-org", source.organization)
    else:
        attributes = {"type": GOVERNMENT_TYPE} if source.kind == COUNTERPART else {}
        element = etree.SubElement(parent, "provider-org", attributes)
        name = GOVERNMENT_NAME if source.kind == COUNTERPART else "Other national source"
        etree.SubElement(element, "narrative").text = name
    element.set(CDC_SOURCE, source.kind)
    if source.in_kind:
        element.set(CDC_IN_KIND, "1")


def _transaction(activity, kind: str, amount: Decimal, currency: str, when: date):
    transaction = etree.SubElement(activity, "transaction")
    etree.SubElement(transaction, "transaction-type", code=kind)
    etree.SubElement(transaction, "transaction-date", **{"iso-date": when.isoformat()})
    _value(transaction, amount, currency, when)
    return transaction
