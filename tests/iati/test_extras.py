"""What the real activities say beyond the registry's fields is kept and shown on the project
page (results, policy markers, other identifiers, related activities, budget items, providers
and receivers), and what the portal reads nowhere is named in the preview."""

from __future__ import annotations

from lxml import etree
from sqlalchemy import select

from portal.extensions import db
from portal.iati import services
from portal.iati.extras import READ
from portal.iati.models import IatiRecord
from portal.iati.parser import read_activity
from portal.iati.places import ProvinceFinder
from portal.iati.preview import Decisions
from portal.mapping import boundaries
from portal.mapping.services import province_rows
from portal.projects.models import Project

ADB_LOAN = "46004-54195-001-LN3951"
SIDA = "SE-0-SE-6-10497A0102-KHM-15160"


def _activity_element(real_file: bytes, identifier: str):
    root = etree.fromstring(real_file)
    for element in root.iter("iati-activity"):
        if element.findtext("iati-identifier").strip() == identifier:
            return element
    raise AssertionError(identifier)


def _xml_count(element, tag: str) -> int:
    return len(element.findall(tag))


def test_the_adb_loan_keeps_its_results_markers_and_identifiers(
    app, client, login_as, real_file, rates, ministry
):
    plan = services.write(
        services.parse_files([("kh-activities-2021.xml", real_file)]),
        user=None,
        decisions=Decisions(default_lead_id=ministry.id),
        batch=None,
    )
    db.session.flush()
    element = _activity_element(real_file, ADB_LOAN)
    project = db.session.scalar(select(Project).where(Project.iati_identifier == ADB_LOAN))
    record = db.session.scalar(select(IatiRecord).where(IatiRecord.project_id == project.id))
    extras = record.extras
    indicators = [i for r in extras["results"] for i in r["indicators"]]
    assert len(indicators) == _xml_count(element, "result/indicator")
    assert len(extras["policy_markers"]) == _xml_count(element, "policy-marker")
    assert [o["ref"] for o in extras["other_identifiers"]] == [
        o.get("ref") for o in element.findall("other-identifier")
    ]
    assert len(extras["budget_items"]) == _xml_count(element, "country-budget-items/budget-item")

    login_as("cdc")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Policy markers" in page
    # The results are the project's own now: shown once, in its Results section, not again in
    # the "From IATI" one (tests/iati/test_provenance_once.py).
    assert "Results reported to IATI" not in page
    first = indicators[0]["title"]
    assert first and first.split()[0] in page

    # Sida's activity carries elements the portal reads nowhere: the preview names them.
    line = next(line for line in plan.lines if line.identifier == SIDA)
    sida = _activity_element(real_file, SIDA)
    unknown = {
        etree.QName(child).localname
        for child in sida
        if isinstance(child.tag, str) and etree.QName(child).localname not in READ
    }
    assert "contribution" in unknown  # Sida's own extension element
    assert any(
        w.startswith("Not kept") and all(name in w for name in unknown) for w in line.warnings
    ), line.warnings


def test_only_an_exact_point_places_an_activity_in_a_province(app, shared_data):
    """Real files put an approximate point at the country's centre for nationwide work (UNOPS,
    IOM, IFC) and the capital's point on every activity (the EU): only an exact one counts."""
    path = shared_data / "geo" / "khm-adm1-provinces.geojson"
    matching = boundaries.matching_for(str(path), province_rows())
    finder = ProvinceFinder(shapes=matching.shapes)

    def location(exactness: str | None, pos: str, name: str = "IOM Country Office - KH"):
        exact = f'<exactness code="{exactness}"/>' if exactness else ""
        xml = (
            f"<iati-activity><iati-identifier>X-1</iati-identifier><location>{exact}"
            f"<name><narrative>{name}</narrative></name>"
            f"<point srsName='http://www.opengis.net/def/crs/EPSG/0/4326'><pos>{pos}</pos></point>"
            "</location></iati-activity>"
        )
        return read_activity(etree.fromstring(xml), "t.xml", "2.03")["locations"][0]

    centre = "12.565679 104.990963"  # the country's centre, in Kampong Thom
    assert finder.province(location("2", centre)) is None
    assert finder.province(location(None, centre)) is None
    assert finder.province(location("1", centre)) == "06"  # said exact: Kampong Thom
    assert finder.province(location("1", "11.562450 104.916010", name="")) == "12"  # Phnom Penh
    assert finder.is_country(location("1", "11.562450 104.916010", name="")) is False


def test_dac_categories_given_alone_are_shown_and_the_person_is_told(
    app, client, login_as, real_file, rates, ministry
):
    """UNIDO's two activities give only the DAC category 321 (industry), vocabulary 2."""
    plan = services.write(
        services.parse_files([("kh-activities-2021.xml", real_file)]),
        user=None,
        decisions=Decisions(default_lead_id=ministry.id),
        batch=None,
    )
    db.session.flush()
    line = next(line for line in plan.lines if line.identifier == "XM-DAC-41123-PROJECT-200170")
    assert any("DAC categories (3 digits) only" in w for w in line.warnings)
    project = db.session.get(Project, line.project_id)
    login_as("cdc")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "DAC categories, as published" in page and "321" in page


def test_tags_budget_items_and_gazetteer_codes_are_shown(
    app, client, login_as, real_file, rates, ministry
):
    """ADB's loan gives country budget items and a GeoNames code; a Dutch activity SDG tags."""
    services.write(
        services.parse_files([("kh-activities-2021.xml", real_file)]),
        user=None,
        decisions=Decisions(default_lead_id=ministry.id),
        batch=None,
    )
    db.session.flush()
    element = _activity_element(real_file, ADB_LOAN)
    geonames = element.find("location/location-id").get("code")
    project = db.session.scalar(select(Project).where(Project.iati_identifier == ADB_LOAN))
    login_as("cdc")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Country budget items" in page and f"G1:{geonames}" in page
    tagged = db.session.scalar(
        select(Project).where(Project.iati_identifier == "NL-KVK-27108436-A-06570-05:KH")
    )
    page = client.get(f"/projects/{tagged.id}").get_data(as_text=True)
    assert "Tags" in page
