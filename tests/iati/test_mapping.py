"""Rules of the mapping that the real file does not show on its own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal.iati import services
from portal.iati.amounts import split_period
from portal.iati.mapping import to_hundred
from portal.iati.preview import REFUSED, SKIPPED, Decisions
from portal.organizations.models import OrgKind
from tests import factories


def _activity(body: str, currency: str = 'default-currency="USD"') -> bytes:
    return f"""<iati-activities version="2.03"><iati-activity {currency}>
    <iati-identifier>AU-5-T1</iati-identifier>
    <reporting-org ref="AU-5" type="10"><narrative>DFAT test</narrative></reporting-org>
    <title><narrative>Test activity</narrative></title>
    <participating-org role="2" type="10">
      <narrative>Ministry of Economy and Finance (test)</narrative></participating-org>
    <activity-status code="2"/><activity-date type="1" iso-date="2020-01-01"/>
    {body}</iati-activity></iati-activities>""".encode()


def _line(data: bytes):
    factories.organization(OrgKind.BILATERAL, acronym="DFATX", name_en="DFAT test", iati_ref="AU-5")
    plan = services.preview(
        services.parse_files([("t.xml", data)]), user=None, decisions=Decisions()
    )
    return plan.lines[0]


def test_periods_split_by_days_to_the_cent():
    parts = split_period(Decimal("1000"), date(2020, 7, 1), date(2021, 6, 30))
    assert parts == [(2020, Decimal("504.11")), (2021, Decimal("495.89"))]
    assert sum(p for _y, p in parts) == Decimal("1000")


def test_shares_always_add_up_to_a_hundred():
    assert to_hundred([Decimal(1)] * 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(to_hundred([Decimal(30), Decimal(50)])) == Decimal(100)


def test_an_activity_for_another_country_is_not_for_cambodia(app, rates, ministry):
    line = _line(_activity('<recipient-country code="LA" percentage="100"/>'))
    assert line.action == SKIPPED and not line.errors
    assert line.reason == "Its recipient countries are LA, not Cambodia."


def test_money_without_currency_is_an_error(app, rates, ministry):
    body = """<recipient-country code="KH"/><transaction><transaction-type code="3"/>
    <transaction-date iso-date="2021-02-01"/>
    <value value-date="2021-02-01">100</value></transaction>"""
    line = _line(_activity(body, currency=""))
    assert line.action == REFUSED
    assert any("has no currency" in error for error in line.errors)


def test_a_multi_country_activity_counts_cambodias_share(app, rates, ministry):
    body = """<recipient-country code="KH" percentage="25"/>
    <recipient-country code="LA" percentage="75"/>
    <sector vocabulary="1" code="12220" percentage="50"/>
    <sector vocabulary="1" code="13020" percentage="30"/>
    <location><name><narrative>Siem Reap</narrative></name></location>
    <location><name><narrative>Kampong Cham Province</narrative></name></location>
    <transaction><transaction-type code="3"/><transaction-date iso-date="2021-02-01"/>
    <value value-date="2021-02-01">1000.10</value></transaction>"""
    line = _line(_activity(body))
    assert line.action == "new", line.errors
    data = line.mapped.data
    assert [(f.year, f.amount) for f in data.funding] == [
        (2021, Decimal("250.02"))
    ]  # 250.025, half to even
    assert [(s.sector_code, s.percentage) for s in data.sectors] == [
        ("12220", Decimal("62.50")),
        ("13020", Decimal("37.50")),
    ]
    assert sorted(loc.province_code for loc in data.locations) == ["03", "17"]
    assert any("scaled to 100" in w for w in line.warnings)
    assert data.lead_national_partner_id == ministry.id  # found by name


def test_a_file_without_a_version_written_the_1x_way_is_not_read_as_2x(app, rates, ministry):
    """IATI 1.x wrote texts straight in <title>; 2.x puts them in <narrative>. A file that
    gives no version is read as 2.x only when it is written the 2.x way."""
    old_style = b"""<iati-activities><iati-activity default-currency="USD">
      <iati-identifier>AU-5-OLD1</iati-identifier>
      <reporting-org ref="AU-5" type="10">DFAT test</reporting-org>
      <title>An activity of the old standard</title>
      <recipient-country code="KH"/><activity-status code="2"/>
    </iati-activity></iati-activities>"""
    line = _line(old_style)
    assert line.action == REFUSED
    assert any("version 1.x is not supported" in error for error in line.errors)
