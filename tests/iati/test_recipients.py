"""Only what names Cambodia is imported; the rest is counted and listed as not for Cambodia.

Real activities: tests/iati/data/world-trimmed.xml (six activities copied from the shared
world/ files, sources in its header), the three whole world/ files, and a parent and its
children of the shared Cambodian file.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from lxml import etree
from sqlalchemy import func, select

from portal.extensions import db
from portal.iati import services
from portal.iati.models import IatiAmount
from portal.iati.preview import REFUSED, SKIPPED, Decisions
from portal.organizations.models import Organization
from portal.projects.models import Project
from tests.iati.test_mapping import _activity, _line

WORLD_SAMPLE = Path(__file__).parent / "data" / "world-trimmed.xml"
CAMBODIAN = "GB-CHC-285776-KAM131"
NOT_FOR_CAMBODIA = {
    "1029514": "recipient regions (998)",
    "41AAA-22913-001": "recipient countries are PK",
    "GB-CHC-285776-COL232": "recipient countries are CO",
    # Imported as a Cambodian nationwide project before: no country, its transactions name a
    # region only.
    "US-GOV-1-720FDA20GR00137": "recipient regions (998)",
    "US-GOV-1-720FDA20GR00206": "transactions name GT",
}


def _write(activities, ministry):
    plan = services.write(
        activities, user=None, decisions=Decisions(default_lead_id=ministry.id), batch=None
    )
    db.session.flush()
    return plan


def _identifiers() -> set[str]:
    return set(db.session.scalars(select(Project.iati_identifier)))


def test_a_publishers_whole_file_gives_only_its_cambodian_activities(app, rates, ministry):
    activities = services.parse_files([("world.xml", WORLD_SAMPLE.read_bytes())])
    plan = _write(activities, ministry)
    by_identifier = {line.identifier: line for line in plan.lines}
    assert by_identifier[CAMBODIAN].action == "new", by_identifier[CAMBODIAN].errors
    for identifier, why in NOT_FOR_CAMBODIA.items():
        line = by_identifier[identifier]
        assert line.action == SKIPPED and not line.errors, identifier
        assert why in line.reason, (identifier, line.reason)
    assert plan.counts == {"new": 1, "update": 0, "unchanged": 0, "skipped": 5, "refused": 0}
    assert _identifiers() == {CAMBODIAN}
    # Nothing of the others is proposed: no USAID, BMU IKI or UNOPS organization appears.
    names = set(db.session.scalars(select(Organization.name_en)))
    assert not any("Agency for International Development" in name for name in names)
    assert not any("IKI" in name or "Project Services" in name for name in names)
    result = services.outcome(plan)
    assert {row[0] for row in result["skipped"]} == set(NOT_FOR_CAMBODIA)
    assert all(row[2] for row in result["skipped"])


def test_the_command_line_counts_and_lists_what_is_not_for_cambodia(app, rates, ministry):
    result = app.test_cli_runner().invoke(
        args=["portal", "iati", "import", str(WORLD_SAMPLE), "--lead-partner", "MEFX"]
    )
    assert result.exit_code == 0, result.output
    assert "6 activities: 1 new, 0 changed, 0 unchanged, 5 not for Cambodia, 0 refused." in (
        result.output
    )
    assert "Not for Cambodia, not imported (5):" in result.output
    for identifier in NOT_FOR_CAMBODIA:
        assert f"skipped  {identifier}" in result.output
    assert "its transactions name GT, not Cambodia" in result.output
    assert _identifiers() == {CAMBODIAN}


def test_the_preview_and_the_result_list_what_is_not_for_cambodia(
    client, login_as, rates, ministry
):
    login_as("cdc")
    response = client.post(
        "/iati/",
        data={"files": [(io.BytesIO(WORLD_SAMPLE.read_bytes()), "world.xml")]},
        content_type="multipart/form-data",
    )
    preview_url = response.headers["Location"]
    client.post(preview_url, data={"default_lead_id": ministry.id, "update": "1"})
    page = client.get(preview_url).get_data(as_text=True)
    assert 'data-count="skipped">5<' in page and 'data-count="new">1<' in page
    skipped_table = page.split('id="iati-skipped"')[1].split("</table>")[0]
    activities_table = page.split('id="iati-activities"')[1].split("</table>")[0]
    for identifier in NOT_FOR_CAMBODIA:
        assert identifier in skipped_table and identifier not in activities_table
    assert "Import 1 activities" in page
    client.post(preview_url, data={"default_lead_id": ministry.id, "confirm": "1"})
    assert _identifiers() == {CAMBODIAN}
    result = client.get(preview_url).get_data(as_text=True)
    assert 'data-count="skipped">5<' in result
    assert all(identifier in result for identifier in NOT_FOR_CAMBODIA)


def _names_cambodia(activity) -> bool:
    """Read here with lxml, independently of portal.iati."""
    return bool(
        activity.xpath('recipient-country[@code="KH"]|transaction/recipient-country[@code="KH"]')
    )


def test_the_three_whole_world_files_give_only_what_names_cambodia(
    app, shared_data, rates, ministry
):
    paths = sorted((shared_data / "iati" / "world").glob("*.xml"))
    assert len(paths) == 3
    named, others = set(), set()
    for path in paths:
        for activity in etree.parse(str(path)).getroot().iterchildren("iati-activity"):
            identifier = activity.findtext("iati-identifier").strip()
            (named if _names_cambodia(activity) else others).add(identifier)
    assert len(named) == 9 and len(others) == 291
    activities = services.parse_files([(p.name, p.read_bytes()) for p in paths])
    plan = _write(activities, ministry)
    skipped = {line.identifier for line in plan.lines if line.action == SKIPPED}
    assert skipped == others
    assert all(line.reason for line in plan.lines if line.action == SKIPPED)
    assert _identifiers() <= named
    written = {line.identifier for line in plan.lines if line.action not in (SKIPPED, REFUSED)}
    assert written == _identifiers() and written
    # Every organization added comes from a Cambodian activity's publisher or participants.
    assert db.session.scalar(select(func.count()).select_from(Organization)) < 40


def test_a_parent_without_country_is_represented_by_its_children(app, real_file, rates, ministry):
    """The EU's parent 2017/39902/0 with its recipient country taken away, as parents of whole
    publisher files often come; its two children in the file still name Cambodia."""
    root = etree.fromstring(real_file)
    family = ["XI-IATI-EC_INTPA-2017/39902/0", "XI-IATI-EC_INTPA-2018/400-217"]
    family.append("XI-IATI-EC_INTPA-2018/400-274")
    chosen = [
        a for a in root.iterchildren("iati-activity") if a.findtext("iati-identifier") in family
    ]
    parent = chosen[[a.findtext("iati-identifier") for a in chosen].index(family[0])]
    for country in parent.findall("recipient-country"):
        parent.remove(country)
    body = b"".join(etree.tostring(a) for a in chosen)
    data = b'<iati-activities version="2.03">' + body + b"</iati-activities>"
    plan = _write(services.parse_files([("eu.xml", data)]), ministry)
    lines = {line.identifier: line for line in plan.lines}
    assert lines[family[0]].action == SKIPPED
    assert "child activities in this batch that do" in lines[family[0]].reason
    assert family[1] in lines[family[0]].reason and family[2] in lines[family[0]].reason
    assert {lines[c].action for c in family[1:]} == {"new"}
    assert _identifiers() == set(family[1:])


def _usaid_regional(codes: list[str | None]) -> bytes:
    """USAID's US-GOV-1-720FDA20GR00137 (region 998 on each transaction), each transaction's
    recipient region replaced by the country of `codes` (None: left as it is)."""
    root = etree.parse(str(WORLD_SAMPLE)).getroot()
    activity = next(
        a
        for a in root.iterchildren("iati-activity")
        if a.findtext("iati-identifier") == "US-GOV-1-720FDA20GR00137"
    )
    for transaction, code in zip(activity.findall("transaction"), codes, strict=True):
        if code is not None:
            region = transaction.find("recipient-region")
            region.addnext(etree.Element("recipient-country", code=code))
            transaction.remove(region)
    activity.append(
        etree.fromstring(
            '<budget type="1"><period-start iso-date="2020-10-01"/>'
            '<period-end iso-date="2020-12-31"/><value currency="USD">1000</value></budget>'
        )
    )
    return b'<iati-activities version="2.03">' + etree.tostring(activity) + b"</iati-activities>"


def _amounts(activity_xml: bytes) -> list[Decimal]:
    """The transactions' values, in the file's order."""
    return [
        Decimal(t.findtext("value")) for t in etree.fromstring(activity_xml).iter("transaction")
    ]


def test_a_region_only_activity_counts_only_transactions_naming_cambodia(app, rates, ministry):
    data = _usaid_regional(["KH", None, None])
    amounts = _amounts(data)
    plan = _write(services.parse_files([("usaid.xml", data)]), ministry)
    (line,) = plan.lines
    assert line.action == "new", line.errors
    figures = line.mapped.figures.amounts
    assert sum(figures.values()) == amounts[0]  # the first transaction alone
    assert not any(kind == "budget" for kind, _year, _currency in figures)
    assert any("Cambodia is named only in the activity's transactions" in w for w in line.warnings)
    assert any("2 transactions name no recipient country" in w for w in line.warnings)


def test_a_region_only_activity_whose_transactions_all_name_cambodia_is_cambodias(
    app, rates, ministry
):
    data = _usaid_regional(["KH", "KH", "KH"])
    amounts = _amounts(data)
    plan = _write(services.parse_files([("usaid.xml", data)]), ministry)
    (line,) = plan.lines
    assert line.action == "new", line.errors
    stored = {
        (r.kind, r.year, r.currency): r.amount
        for r in db.session.scalars(
            select(IatiAmount).where(IatiAmount.project_id == line.project_id)
        )
    }
    transactions = sum(a for (kind, _y, _c), a in stored.items() if kind != "budget")
    assert transactions == sum(amounts)
    assert stored[("budget", 2020, "USD")] == Decimal("1000.00")


def test_without_a_region_or_country_a_transaction_for_another_country_is_not_counted(
    app, rates, ministry
):
    body = """<transaction><transaction-type code="3"/><transaction-date iso-date="2021-02-01"/>
    <value value-date="2021-02-01">100</value><recipient-country code="KH"/></transaction>
    <transaction><transaction-type code="3"/><transaction-date iso-date="2021-03-01"/>
    <value value-date="2021-03-01">900</value><recipient-country code="LA"/></transaction>"""
    line = _line(_activity(body))
    assert line.action == "new", line.errors
    assert line.mapped.figures.amounts == {("3", 2021, "USD"): Decimal("100.00")}
    assert any("1 transaction names another recipient country (LA)" in w for w in line.warnings)


def test_in_a_multi_country_activity_a_transaction_naming_a_country_decides_its_part(
    app, rates, ministry
):
    body = """<recipient-country code="KH" percentage="25"/>
    <recipient-country code="LA" percentage="75"/>
    <transaction><transaction-type code="3"/><transaction-date iso-date="2021-02-01"/>
    <value>1000.10</value></transaction>
    <transaction><transaction-type code="3"/><transaction-date iso-date="2021-03-01"/>
    <value>400</value><recipient-country code="KH"/></transaction>
    <transaction><transaction-type code="3"/><transaction-date iso-date="2021-04-01"/>
    <value>7000</value><recipient-country code="LA"/></transaction>"""
    line = _line(_activity(body))
    assert line.action == "new", line.errors
    # 25 % of 1000.10 (250.025) plus all of 400, rounded once: 650.02 (half to even).
    assert line.mapped.figures.amounts == {("3", 2021, "USD"): Decimal("650.02")}


def test_an_activity_naming_nothing_is_not_for_cambodia(app, rates, ministry):
    body = """<transaction><transaction-type code="3"/><transaction-date iso-date="2021-02-01"/>
    <value>100</value></transaction>"""
    line = _line(_activity(body))
    assert line.action == SKIPPED
    assert "no recipient country or region" in line.reason


def test_a_project_imported_before_from_a_non_cambodian_activity_is_left_and_flagged(
    app, rates, ministry
):
    from tests import factories

    before = factories.project(iati_identifier="US-GOV-1-720FDA20GR00137", title_en="USAID")
    activities = services.parse_files([("world.xml", WORLD_SAMPLE.read_bytes())])
    plan = services.preview(activities, user=None, decisions=Decisions(default_lead_id=ministry.id))
    line = next(line for line in plan.lines if line.identifier == "US-GOV-1-720FDA20GR00137")
    assert line.action == SKIPPED and line.project.id == before.id
    assert any("the import leaves it as it is" in warning for warning in line.warnings)
    assert db.session.get(Project, before.id).title_en == "USAID"
