"""Organizations of the real Cambodian file (d-portal, June 2021) are matched by identifier and
name together, with their country, and proposed with the kind their type and country give."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.iati import services
from portal.iati.codes import proposed_kind, ref_country
from portal.iati.preview import Decisions
from portal.organizations.models import OrgKind
from portal.projects.models import Project
from tests import factories

ADB_LOAN = "46004-54195-001-LN3951"  # names "Ministry of Economy and Finance" with ref 46004
EDCF_LOAN = "KR-GOV-021-20ED00033"  # Korea's Ministry of Economy and Finance (KR-GOV-020) funds


def _registry():
    adb = factories.organization(
        OrgKind.MULTILATERAL,
        acronym="ADBX",
        name_en="Asian Development Bank",
        iati_ref="XM-DAC-46004",
    )
    mef = factories.organization(
        OrgKind.GOVERNMENT, acronym="MEFK", name_en="Ministry of Economy and Finance"
    )
    return adb, mef


def _plan(real_file, ministry):
    activities = services.parse_files([("kh-activities-2021.xml", real_file)])
    return services.preview(activities, user=None, decisions=Decisions(default_lead_id=ministry.id))


def _proposal(plan, name):
    found = [p for p in plan.proposals if p.name_en.lower() == name.lower()]
    assert len(found) == 1, [p.name_en for p in plan.proposals]
    return found[0]


def test_a_name_that_contradicts_the_identifier_is_the_organization(
    app, real_file, rates, ministry
):
    """ADB's loan names Cambodia's Ministry of Economy and Finance with ADB's own code."""
    adb, mef = _registry()
    activities = services.parse_files([("kh-activities-2021.xml", real_file)])
    services.write(
        activities, user=None, decisions=Decisions(default_lead_id=ministry.id), batch=None
    )
    db.session.flush()
    loan = db.session.scalar(select(Project).where(Project.iati_identifier == ADB_LOAN))
    assert loan.reporting_org_id == adb.id
    assert loan.lead_national_partner_id == mef.id  # before: ADB, from the code alone


def test_a_namesake_of_another_country_is_not_the_cambodian_institution(
    app, real_file, rates, ministry
):
    """Korea's Ministry of Economy and Finance (KR-GOV-020) funds the EDCF loan."""
    _adb, mef = _registry()
    plan = _plan(real_file, ministry)
    korean = [p for p in plan.proposals if p.iati_ref == "KR-GOV-020"]
    assert [(p.name_en, p.kind) for p in korean] == [
        ("Ministry of Economy and Finance", OrgKind.BILATERAL)
    ]
    assert EDCF_LOAN in korean[0].activities
    assert ref_country("KR-GOV-020") == "KR" and ref_country("XM-DAC-46004") is None


def test_kinds_come_from_the_type_and_the_country(app, real_file, rates, ministry):
    _registry()
    plan = _plan(real_file, ministry)
    # Type 10 named as Cambodia's government (with a CRS channel code, not an identifier).
    assert _proposal(plan, "GOVERNMENT OF CAMBODIA").kind == OrgKind.GOVERNMENT
    # Banks (type 70) implementing IFC loans to Cambodia alone are Cambodian firms.
    assert _proposal(plan, "HATTHA BANK PLC.").kind == OrgKind.PRIVATE_SECTOR
    assert _proposal(plan, "AMRET PLC").kind == OrgKind.PRIVATE_SECTOR
    # A "partner-country NGO" (type 24) of a seven-country activity is not Cambodian.
    assert _proposal(plan, "East-West Management Institute, Inc.").kind == (
        OrgKind.INTERNATIONAL_NGO
    )


def test_kind_rules_by_type_and_country():
    assert proposed_kind("24", "KH-MOI-1234", "Khmer Youth Association") == OrgKind.NATIONAL_NGO
    assert proposed_kind("24", "GB-CHC-1", "Some Charity") == OrgKind.INTERNATIONAL_NGO
    assert proposed_kind("10", "KR-GOV-020", "Ministry of Economy and Finance") == (
        OrgKind.BILATERAL
    )
    assert proposed_kind("70", None, "HATTHA BANK PLC.", local=True) == OrgKind.PRIVATE_SECTOR
    assert proposed_kind("70", None, "HATTHA BANK PLC.") == OrgKind.INTERNATIONAL_NGO
    # The portal's old export made KH-CDC- identifiers up: they say nothing of the country.
    assert proposed_kind("21", "KH-CDC-WVI", "World Vision International") == (
        OrgKind.INTERNATIONAL_NGO
    )


def test_an_import_keeps_only_the_new_organizations_its_projects_use(app, real_file, rates):
    """Without a default lead most activities are refused: the organizations only they named
    are not left behind in the registry (before, every proposal was created)."""
    from portal.organizations.models import Organization
    from portal.projects.models import ProjectParticipant

    before = set(db.session.scalars(select(Organization.id)))
    plan = services.write(
        services.parse_files([("kh-activities-2021.xml", real_file)]),
        user=None,
        decisions=Decisions(),
        batch=None,
    )
    db.session.flush()
    added = set(db.session.scalars(select(Organization.id))) - before
    assert added and plan.proposals and len(added) < len(plan.proposals)
    used = set(db.session.scalars(select(ProjectParticipant.organization_id)))
    for column in (
        Project.reporting_org_id,
        Project.lead_national_partner_id,
        Project.external_lead_partner_id,
    ):
        used |= set(db.session.scalars(select(column)))
    assert added <= used


def test_a_proposed_organization_can_be_one_the_registry_already_has(
    app, real_file, rates, ministry
):
    """Sida's activity names "OHCHR/Office of the High Commissioner for Human Rights" with its
    DAC code; the registry knows the office under its plain name, without an identifier."""
    known = factories.organization(
        OrgKind.UN_AGENCY,
        acronym="OHCHRK",
        name_en="Office of the High Commissioner for Human Rights",
    )
    plan = _plan(real_file, ministry)
    proposal = next(p for p in plan.proposals if p.iati_ref == "XM-DAC-41313")
    assert proposal.similar and proposal.similar[0][0] == known.id

    decisions = Decisions(default_lead_id=ministry.id, same_as={proposal.key: known.id})
    written = services.write(
        services.parse_files([("kh-activities-2021.xml", real_file)]),
        user=None,
        decisions=decisions,
        batch=None,
    )
    db.session.flush()
    sida = db.session.scalar(
        select(Project).where(Project.iati_identifier == "SE-0-SE-6-10497A0102-KHM-15160")
    )
    assert sida.external_lead_partner_id == known.id
    assert known.iati_ref == "XM-DAC-41313"  # the registry learns the identifier
    assert known.id not in {org.id for org in written.created.values()}
    from portal.organizations.models import Organization

    assert db.session.get(Organization, known.id) is not None


def test_extending_organizations_are_kept_and_travel_back_out(app, real_file, rates, ministry):
    """Sida's activity names the agency that manages Sweden's funds (role 3, SE-6)."""
    from lxml import etree

    from portal.iati import export
    from portal.projects.models import ProjectParticipant

    services.write(
        services.parse_files([("kh-activities-2021.xml", real_file)]),
        user=None,
        decisions=Decisions(default_lead_id=ministry.id),
        batch=None,
    )
    db.session.flush()
    sida = db.session.scalar(
        select(Project).where(Project.iati_identifier == "SE-0-SE-6-10497A0102-KHM-15160")
    )
    extending = [
        (p.organization.iati_ref, p.role)
        for p in db.session.scalars(
            select(ProjectParticipant).where(ProjectParticipant.project_id == sida.id)
        )
        if p.role == "extending"
    ]
    assert extending == [("SE-6", "extending")]
    body = export.export_xml([sida])
    roles = {
        (p.get("ref"), p.get("role")) for p in etree.fromstring(body).iter("participating-org")
    }
    assert ("SE-6", "3") in roles
