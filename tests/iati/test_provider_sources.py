"""Funding sources in IATI: transactions and planned disbursements with a provider-org, and the
activity's budget, exported (valid against 2.03) and imported again to the cent; the real
activities of tests/iati/data/kh-providers-trimmed.xml (copied from the shared reference data's
kh-activities-2021.xml: UNDP with the Government of Cambodia's incoming funds, WHO with its
donors as providers of its outgoing commitments) imported as their providers say."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from portal.demo.services import build_demo
from portal.extensions import db
from portal.iati import export, services
from portal.iati.mapping import data_from_project
from portal.iati.parser import CDC_IN_KIND, CDC_SOURCE
from portal.iati.preview import REFUSED, UNCHANGED, Decisions
from portal.organizations.models import OrgKind
from portal.projects.models import Project
from portal.projects.services import SourceData, YearAmount, save_project
from portal.projects.sources import FundingSource
from tests import factories
from tests.iati.test_export import assert_valid, schema  # noqa: F401  (the schema fixture)

TRIMMED = Path(__file__).parent / "data" / "kh-providers-trimmed.xml"


def _write(body: bytes, **decisions):
    plan = services.write(
        services.parse_files([("activities.xml", body)]),
        user=None,
        decisions=Decisions(**decisions),
        batch=None,
    )
    db.session.flush()
    return plan


def _money(project: Project) -> tuple:
    """Every amount of the project, by source: what a round trip must keep, to the cent."""
    db.session.refresh(project)
    sources = sorted(
        (
            source.kind,
            source.organization.acronym if source.organization else "",
            source.in_kind,
            tuple((r.year, r.kind, r.amount, r.currency) for r in source.amounts),
        )
        for source in project.funding_sources
    )
    own = sorted((r.year, r.kind, r.amount, r.currency) for r in project.funding)
    return (
        project.commitment_amount,
        project.commitment_currency,
        tuple(own),
        tuple(sources),
    )


def _co_financed(rates):
    partner = factories.organization(
        OrgKind.BILATERAL, acronym="AFDX", name_en="Agence Française (test)", iati_ref="FR-6"
    )
    lead = factories.organization(OrgKind.GOVERNMENT, acronym="MPWTX", name_en="Public Works X")
    adb = factories.organization(
        OrgKind.MULTILATERAL,
        acronym="ADBX",
        name_en="Asian Development Bank (test)",
        iati_ref="XM-DAC-46004",
    )
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MEFY", name_en="Finance Y")
    ngo = factories.organization(OrgKind.NATIONAL_NGO, acronym="NGOY", name_en="Local Water Y")
    project = factories.project(
        reporting=partner,
        lead=lead,
        iati_identifier="FR-6-KH-0042",
        title_en="Rural roads, co-financed",
        planned_start=date(2020, 1, 1),
        commitment_amount=Decimal("12000000.00"),
        commitment_currency="EUR",
        commitment_date=date(2020, 3, 15),
        funding=[
            YearAmount(2021, "disbursement", Decimal("2500000.10"), "EUR"),
            YearAmount(2027, "planned", Decimal("3000000.00"), "EUR"),
            YearAmount(2028, "planned", Decimal("1000000.00"), "EUR"),
        ],
    )
    data = data_from_project(project)
    data.sources = [
        SourceData("cofinancier", adb.id),
        SourceData("counterpart", ministry.id, in_kind=True),
        SourceData("counterpart"),
        SourceData("national", ngo.id),
    ]
    data.funding += [
        YearAmount(2020, "commitment", Decimal("12000000.00"), "EUR"),  # the partner's, signed
        YearAmount(2022, "expenditure", Decimal("1999999.99"), "EUR"),
        YearAmount(2020, "commitment", Decimal("30000000.00"), "USD", source=0),
        YearAmount(2021, "disbursement", Decimal("4100000.55"), "USD", source=0),
        YearAmount(2022, "expenditure", Decimal("3500000.00"), "USD", source=0),
        YearAmount(2027, "planned", Decimal("9000000.00"), "USD", source=0),
        YearAmount(2021, "disbursement", Decimal("800000.00"), "KHR", source=1),
        YearAmount(2022, "disbursement", Decimal("1234567.89"), "USD", source=2),
        YearAmount(2027, "planned", Decimal("600000.00"), "USD", source=2),
        YearAmount(2021, "expenditure", Decimal("45000.25"), "USD", source=3),
    ]
    return save_project(data, actor=None, project=project)


def test_sources_are_exported_as_providers_valid_against_2_03(app, schema, rates):  # noqa: F811
    project = _co_financed(rates)
    document = assert_valid(schema, export.export_xml([project]))
    activity = document.find("iati-activity")
    # The reporting partner's plans: one budget and one planned disbursement a year.
    budgets = [
        (b.find("period-start").get("iso-date"), b.findtext("value"))
        for b in activity.findall("budget")
    ]
    assert budgets == [("2027-01-01", "3000000.00"), ("2028-01-01", "1000000.00")]
    providers = [
        (
            t.find("transaction-type").get("code"),
            t.findtext("value"),
            t.find("provider-org").get("ref"),
            t.find("provider-org").findtext("narrative"),
            t.find("provider-org").get(CDC_SOURCE),
            t.find("provider-org").get(CDC_IN_KIND),
        )
        for t in activity.findall("transaction")
        if t.find("provider-org") is not None
    ]
    assert providers == [
        ("2", "30000000.00", "XM-DAC-46004", "Asian Development Bank (test)", "cofinancier", None),
        ("3", "4100000.55", "XM-DAC-46004", "Asian Development Bank (test)", "cofinancier", None),
        ("4", "3500000.00", "XM-DAC-46004", "Asian Development Bank (test)", "cofinancier", None),
        ("3", "800000.00", None, "Finance Y", "counterpart", "1"),
        ("3", "1234567.89", None, "Royal Government of Cambodia", "counterpart", None),
        ("4", "45000.25", None, "Local Water Y", "national", None),
    ]
    planned = [
        (p.findtext("value"), p.find("provider-org").findtext("narrative"))
        for p in activity.findall("planned-disbursement")
        if p.find("provider-org") is not None
    ]
    assert planned == [
        ("9000000.00", "Asian Development Bank (test)"),
        ("600000.00", "Royal Government of Cambodia"),
    ]
    # The partner's own commitment stays one transaction: its signed commitments by year are
    # the portal's own element, never a second IATI commitment.
    own = [t for t in activity.findall("transaction") if t.find("provider-org") is None]
    assert [t.find("transaction-type").get("code") for t in own] == ["2", "3"]


def test_a_round_trip_keeps_every_source_and_row_to_the_cent(app, rates):
    project = _co_financed(rates)
    before = _money(project)
    body = export.export_xml([project])
    db.session.delete(project)
    db.session.flush()
    db.session.expunge_all()
    plan = _write(body)
    (line,) = plan.lines
    assert line.action != REFUSED, line.errors
    again = db.session.get(Project, line.project_id)
    assert again.iati_identifier == "FR-6-KH-0042"
    assert _money(again) == before
    # Imported again over itself: nothing changes.
    assert (
        services.preview(
            services.parse_files([("again.xml", body)]), user=None, decisions=Decisions()
        )
        .lines[0]
        .action
        == UNCHANGED
    )


def test_the_demo_round_trips_through_iati(app):
    """Every demo project (co-financiers, counterparts, loans) exported, removed, imported."""
    build_demo(project_count=40)
    db.session.flush()
    projects = list(db.session.scalars(select(Project).order_by(Project.id)))
    with_sources = [p for p in projects if len(p.funding_sources) > 1]
    assert with_sources, "the demo co-finances some projects"
    before = {export.activity_identifier(p): _money(p) for p in projects}
    body = export.export_xml(export.iter_projects(select(Project)))
    for project in projects:
        db.session.delete(project)
    db.session.flush()
    db.session.expunge_all()  # as in a fresh database: nothing of the old rows kept in memory
    assert db.session.scalar(select(FundingSource.id).limit(1)) is None
    plan = _write(body)
    refused = [(line.identifier, line.errors) for line in plan.lines if line.action == REFUSED]
    assert not refused
    after = {
        line.identifier: _money(db.session.get(Project, line.project_id)) for line in plan.lines
    }
    assert after == before


def test_real_providers_become_sources_or_stay_flagged(app, rates, ministry):
    plan = _write(TRIMMED.read_bytes(), default_lead_id=ministry.id)
    lines = {line.identifier: line for line in plan.lines}
    assert all(line.action != REFUSED for line in lines.values())

    undp = db.session.get(Project, lines["XM-DAC-41114-OUTPUT-00120970"].project_id)
    (government,) = [s for s in undp.funding_sources if s.kind != "reporting"]
    # Incoming funds and commitments from the Government of Cambodia: its counterpart.
    assert government.kind == "counterpart"
    assert government.organization.kind == OrgKind.GOVERNMENT
    assert [(r.year, r.kind, r.amount, r.currency) for r in government.amounts] == [
        (2020, "commitment", Decimal("6424904.00"), "USD"),
        (2020, "disbursement", Decimal("6424904.00"), "USD"),
        (2021, "commitment", Decimal("2293001.00"), "USD"),
        (2021, "disbursement", Decimal("1863324.00"), "USD"),
    ]
    # UNDP's own expenditure (provided by itself) stays its disbursements, as before.
    assert sorted((r.year, r.kind, r.amount) for r in undp.funding if r.kind == "disbursement") == [
        (2020, "disbursement", Decimal("5779040.00")),
        (2021, "disbursement", Decimal("1528291.00")),
    ]

    who = lines["XM-DAC-928-KH-2020-21-13.003.WP01.KHM02"]
    project = db.session.get(Project, who.project_id)
    # Its donors are the origin of what WHO commits: kept as WHO's commitment, and named.
    assert [s.kind for s in project.funding_sources] == ["reporting"]
    assert project.commitment_amount == Decimal("5017134.00")
    flagged = [w for w in who.warnings if "provider of the activity's own spending" in w]
    assert any(w.startswith("Germany ") for w in flagged)
    assert any(w.startswith("China ") for w in flagged)


def test_incoming_money_of_a_future_year_is_left_out_and_said(app, rates, ministry):
    factories.organization(
        OrgKind.BILATERAL, acronym="AFDX", name_en="Agence Française (test)", iati_ref="FR-6"
    )
    factories.organization(
        OrgKind.MULTILATERAL,
        acronym="ADBX",
        name_en="Asian Development Bank (test)",
        iati_ref="XM-DAC-46004",
    )
    year = date.today().year

    def incoming(kind: str, when: str, value: str) -> str:
        return (
            f'<transaction><transaction-type code="{kind}"/>'
            f'<transaction-date iso-date="{when}"/><value>{value}</value>'
            '<provider-org ref="XM-DAC-46004"><narrative>ADB</narrative></provider-org>'
            "</transaction>"
        )

    body = (
        '<iati-activities version="2.03"><iati-activity default-currency="USD">'
        "<iati-identifier>FR-6-KH-0099</iati-identifier>"
        '<reporting-org ref="FR-6" type="10"><narrative>AFD</narrative></reporting-org>'
        "<title><narrative>Water, co-financed</narrative></title>"
        '<activity-status code="2"/><activity-date type="2" iso-date="2020-01-01"/>'
        '<recipient-country code="KH"/>'
        + incoming("11", f"{year}-01-10", "100.50")
        + incoming("11", f"{year + 1}-01-10", "50")
        + incoming("1", f"{year}-02-01", "30")
        + "</iati-activity></iati-activities>"
    ).encode()
    plan = _write(body, default_lead_id=ministry.id)
    (line,) = plan.lines
    assert line.action != REFUSED, line.errors
    project = db.session.get(Project, line.project_id)
    (adb,) = [s for s in project.funding_sources if s.kind != "reporting"]
    assert (adb.kind, adb.organization.acronym) == ("cofinancier", "ADBX")
    assert [(r.year, r.kind, r.amount) for r in adb.amounts] == [
        (year, "commitment", Decimal("100.50")),
        (year, "disbursement", Decimal("30.00")),
    ]
    assert any("dated in a future year" in w for w in line.warnings)
