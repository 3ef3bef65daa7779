"""What real publishers do is kept and flagged, not refused (the IATI validator only warns):
an identifier whose prefix is not the reporting organisation's, a year that nets negative, an
end date before the start, a currency CDC has no rate for yet, a sector share under 0.005 %.

The activities are the real ones of the shared Cambodian file (d-portal, June 2021). Where the
file has no example (impossible dates, tiny shares), a real activity of it is copied with only
that element changed, as said beside each test.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: N817  (a trusted test file, read only here)
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.iati import services
from portal.iati.mapping import data_from_project
from portal.iati.preview import REFUSED, Decisions
from portal.money.models import ExchangeRate
from portal.money.services import set_rate
from portal.projects import services as project_services
from portal.projects.models import Project, ProjectFunding
from portal.projects.rules import ProjectInvalid
from tests import factories

ADB_LOAN = "46004-54195-001-LN3951"  # ADB's USD 250M COVID-19 loan, reported by XM-DAC-46004
KOICA = "KR-GOV-051-2020010102476"  # KOICA's, reported by Korea's OGPC (KR-GOV-010)
SWEDEN = "SE-0-SE-6-10497A0102-KHM-15160"  # its 2021 plans net negative


def _import(files, ministry):
    activities = services.parse_files(files)
    plan = services.write(
        activities, user=None, decisions=Decisions(default_lead_id=ministry.id), batch=None
    )
    db.session.flush()
    return {line.identifier: line for line in plan.lines}


def _project(identifier) -> Project:
    return db.session.scalar(select(Project).where(Project.iati_identifier == identifier))


def test_every_activity_of_the_real_file_is_imported(app, real_file, rates, ministry):
    lines = _import([("kh-activities-2021.xml", real_file)], ministry)
    assert len(lines) == 96
    refused = {i: line.errors for i, line in lines.items() if line.action == REFUSED}
    assert refused == {}

    # The identifiers are kept as published, with the rule in a warning.
    for identifier, prefix in ((ADB_LOAN, "XM-DAC-46004-"), (KOICA, "KR-GOV-010-")):
        assert _project(identifier) is not None
        assert any(
            "does not start with the identifier of the reporting organisation" in w and prefix in w
            for w in lines[identifier].warnings
        ), lines[identifier].warnings

    # Sweden's planned disbursements of 2021 net negative: kept as published, and said.
    sweden = _project(SWEDEN)
    planned_2021 = [f for f in sweden.funding if f.kind == "planned" and f.year == 2021]
    assert [f.amount < 0 for f in planned_2021] == [True]
    assert any(
        "add up to a negative amount" in w and "kept as published" in w
        for w in lines[SWEDEN].warnings
    )


def test_editing_an_imported_project_keeps_what_its_publisher_wrote(
    app, real_file, rates, ministry
):
    _import([("kh-activities-2021.xml", real_file)], ministry)
    for identifier in (KOICA, SWEDEN):
        project = _project(identifier)
        data = data_from_project(project)
        data.data_source = "manual"  # as the project form sends it
        data.title_km = "គម្រោងសាកល្បង"
        project_services.save_project(data, project=project, actor=None)
        db.session.flush()
        assert project.iati_identifier == identifier and project.title_km == "គម្រោងសាកល្បង"

    # A person still cannot type a negative amount, nor a new identifier with the wrong prefix.
    sweden = _project(SWEDEN)
    data = data_from_project(sweden)
    data.data_source = "manual"
    data.funding.append(project_services.YearAmount(2019, "planned", Decimal("-5"), "USD"))
    with pytest.raises(ProjectInvalid) as refused:
        project_services.save_project(data, project=sweden, actor=None)
    assert "An amount cannot be negative." in refused.value.errors.values()
    db.session.rollback()


def test_a_currency_without_a_rate_waits_in_its_currency_until_cdc_adds_it(
    app, client, login_as, real_file, ministry
):
    """KOICA's activities are in KRW: without a KRW rate they are kept in won, flagged."""
    for currency in ("EUR", "GBP", "CAD", "NZD", "SEK", "JPY", "AUD", "KHR"):
        for year in range(2000, 2036):
            db.session.add(
                ExchangeRate(currency_code=currency, year=year, units_per_usd=Decimal("2"))
            )
    db.session.flush()
    lines = _import([("kh-activities-2021.xml", real_file)], ministry)
    assert lines[KOICA].action != REFUSED
    assert any("No exchange rate for KRW in" in w for w in lines[KOICA].warnings)
    koica = _project(KOICA)
    rows = [f for f in koica.funding if f.currency == "KRW"]
    assert rows and all(f.rate is None and f.amount_usd is None for f in rows)
    assert koica.disbursed_usd == 0

    login_as("cdc")
    page = client.get(f"/projects/{koica.id}").get_data(as_text=True)
    assert "No exchange rate yet" in page

    # CDC adds the year's rate: the USD values and the project's totals follow.
    disbursed = [f for f in rows if f.kind == "disbursement"]
    year = disbursed[0].year
    set_rate("KRW", year, Decimal("1000"))
    db.session.flush()
    db.session.expire_all()
    koica = _project(KOICA)
    filled = [f for f in koica.funding if f.currency == "KRW" and f.year == year and f.amount_usd]
    assert filled and all(
        f.amount_usd == (f.amount / 1000).quantize(Decimal("0.01")) for f in filled
    )
    assert koica.disbursed_usd == sum(
        f.amount_usd for f in koica.funding if f.kind == "disbursement" and f.amount_usd
    )
    assert koica.disbursed_usd > 0


def _one_activity(real_file: bytes, identifier: str) -> ET.Element:
    root = ET.fromstring(real_file)
    for activity in root.iter("iati-activity"):
        if activity.findtext("iati-identifier").strip() == identifier:
            return activity
    raise AssertionError(identifier)


def _file(activity: ET.Element) -> bytes:
    return b'<iati-activities version="2.03">' + ET.tostring(activity) + b"</iati-activities>"


def test_an_end_before_the_start_drops_the_end_date_and_keeps_the_activity(
    app, real_file, rates, ministry
):
    """Sweden's activity (actual start 2017-12-11), its planned end moved to 2001."""
    activity = _one_activity(real_file, SWEDEN)
    dates = {element.get("type"): element for element in activity.findall("activity-date")}
    start = dates["2"].get("iso-date")
    dates["3"].set("iso-date", "2001-01-01")
    lines = _import([("sweden-dates.xml", _file(activity))], ministry)
    line = lines[SWEDEN]
    assert line.action != REFUSED, line.errors
    project = _project(SWEDEN)
    assert project.planned_end is None
    assert project.actual_start == date.fromisoformat(start[:10])
    assert any(
        re.search(r"The end date 2001-01-01 is before the start date .*: the end date is", w)
        for w in line.warnings
    )


def test_a_tiny_sector_share_keeps_the_smallest_share_and_the_total_of_100(
    app, real_file, rates, ministry
):
    """ADB's loan, given a second DAC sector of 0.001 %."""
    activity = _one_activity(real_file, ADB_LOAN)
    dac = [s for s in activity.findall("sector") if s.get("vocabulary", "1") == "1"]
    for sector in dac:
        sector.set("percentage", "99.999" if sector is dac[0] else "0")
    extra = ET.SubElement(activity, "sector", {"code": "15110", "vocabulary": "1"})
    extra.set("percentage", "0.001")
    lines = _import([("adb-share.xml", _file(activity))], ministry)
    assert lines[ADB_LOAN].action != REFUSED, lines[ADB_LOAN].errors
    shares = {s.sector_code: s.percentage for s in _project(ADB_LOAN).sectors}
    assert shares["15110"] == Decimal("0.01")
    assert sum(shares.values()) == Decimal(100)


def test_koica_has_its_own_identifier_in_the_demo_registry(app):
    from portal.demo.organizations import DEVELOPMENT_PARTNERS

    refs = {acronym: ref for acronym, _en, _km, _kind, ref in DEVELOPMENT_PARTNERS}
    assert refs["KOICA"] == "KR-GOV-051"


def test_a_person_typing_an_amount_without_a_rate_is_asked_for_it(app):
    project = factories.project()
    data = data_from_project(project)
    data.funding = [project_services.YearAmount(2020, "disbursement", Decimal("5"), "XDR")]
    with pytest.raises(ProjectInvalid) as refused:
        project_services.save_project(data, project=project, actor=None)
    assert any("No exchange rate for XDR in 2020" in m for m in refused.value.errors.values())
    db.session.rollback()
    assert not db.session.scalars(
        select(ProjectFunding).where(ProjectFunding.currency == "XDR")
    ).all()


def test_data_quality_flags_a_negative_year_and_money_waiting_for_a_rate(
    app, real_file, rates, ministry
):
    from portal.projects.quality import assess

    _import([("kh-activities-2021.xml", real_file)], ministry)
    _score, findings = assess(_project(SWEDEN))
    negative = [f for f in findings if f.code == "negative_year"]
    assert [(f.params["kind"], f.params["year"]) for f in negative] == [("planned", 2021)]
    assert "add up to less than zero" in negative[0].text()

    db.session.execute(ExchangeRate.__table__.delete().where(ExchangeRate.currency_code == "KRW"))
    koica = _project(KOICA)
    for row in koica.funding:
        row.rate = row.amount_usd = None
    db.session.flush()
    _score, findings = assess(koica)
    assert any(f.code == "no_rate" and f.params["currency"] == "KRW" for f in findings)
    consistency = sum(f.points for f in findings if f.check == "consistent")
    assert 0 < consistency <= 6  # never more than the check's points
