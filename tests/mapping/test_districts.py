"""The district map: boundaries matched by name within their province, money as the aggregates.

Districts used: Siem Reap (17) has 1701 Angkor Chum and 1710 Siem Reab (communes 171001 Sla
Kram, 171002 Svay Dankum); Kampong Speu (05) has 0509 Odong Mae Chey.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest

from portal.aggregates.services import aggregate
from portal.mapping import district_map, districts
from portal.mapping.boundaries import parse
from portal.projects.queries import ProjectFilters
from tests import factories
from tests.mapping.conftest import feature_collection, square

DISTRICTS_FILE = ("geo", "khm-adm2-districts.geojson")


@pytest.fixture
def real_files(app, monkeypatch, shared_data, boundaries_file):
    monkeypatch.setitem(app.config, "BOUNDARIES_FILE", str(boundaries_file))
    monkeypatch.setitem(
        app.config, "DISTRICT_BOUNDARIES_FILE", str(shared_data.joinpath(*DISTRICTS_FILE))
    )


def _table(response) -> dict[str, list[str]]:
    """The CSV export as {kind or code: row}; districts and communes by their code."""
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, lines = rows[0], rows[1:]
    assert header[:3] == ["Kind", "Code", "Name"]
    out = {}
    for line in lines:
        kind, code = line[0], line[1]
        if kind in ("district", "commune"):
            out[code] = line
        elif kind == "district_only":
            out[f"district_only:{code}"] = line
        else:
            out[kind] = line
    return out


def test_the_real_2014_districts_match_by_name_within_their_province(real_files):
    matching = district_map.current_matching()
    # 197 features of 2014 against the gazetteer's 210 districts of today.
    assert len(matching.matches) + len(matching.unmatched) == 197
    assert len(matching.matches) >= 190
    assert len(matching.missing) == 210 - len(matching.matches)
    # Romanisations differ; the province (found by geometry) decides among few names.
    by_name = {m.feature.name: (code, m.method) for code, m in matching.matches.items()}
    assert by_name["Mongkol Borei"] == ("0102", "variant")
    assert by_name["Siem Reap"][0] == "1710"
    assert by_name["Pursat"][0].startswith("15")  # the district, in the province of that name
    # "Odongk" is too far from "Odong Mae Chey" to be taken: it is listed, not guessed.
    unmatched = {u.feature.name: u for u in matching.unmatched}
    assert "Odongk" in unmatched and unmatched["Odongk"].province == "05"
    assert "0509" in matching.missing


def test_the_boundaries_page_lists_districts_matched_and_not(client, real_files, login_as):
    login_as("cdc")
    html = client.get("/map/boundaries").get_data(as_text=True)
    matching = district_map.current_matching()
    assert f'data-count="districts-matched">{len(matching.matches)}<' in html
    unmatched = html.split('id="unmatched-districts"')[1].split("</table>")[0]
    assert "Odongk" in unmatched and "name matches none of the province" in unmatched
    missing = html.split('id="missing-districts"')[1].split("</ul>")[0]
    assert 'data-code="0509"' in missing and "Odong Mae Chey" in missing


def test_a_district_is_matched_in_its_own_province_only(app):
    """Two features of the same name lie in two provinces: each goes to its own district."""
    provinces = {"01": square(102.0, 13.0, 1.0), "17": square(103.5, 13.0, 1.0)}
    text = __import__("json").dumps(
        feature_collection(
            ({"shapeName": "Svay Chek"}, square(102.2, 13.2, 0.3)),  # inside 01
            ({"shapeName": "Soutr Nikom"}, square(103.7, 13.2, 0.3)),  # inside 17
            ({"shapeName": "Svay Chek"}, square(103.7, 13.6, 0.2)),  # 17 has no Svay Chek
            ({"shapeName": "Nowhere"}, square(90.0, 5.0, 0.2)),  # outside every province
        )
    )
    rows = [
        ("0108", "01", "Svay Chek", ""),
        ("1711", "17", "Sout Nikum", ""),
        ("1712", "17", "Srei Snam", ""),
    ]
    matching = districts.match(parse(text), rows, provinces)
    assert {code: m.method for code, m in matching.matches.items()} == {
        "0108": "name",
        "1711": "similar",
    }
    assert [(u.feature.name, u.reason, u.province) for u in matching.unmatched] == [
        ("Svay Chek", "no_match", "17"),
        ("Nowhere", "no_match", None),
    ]
    assert matching.missing == ["1712"]


def _money(place):
    place([("17", "60", "1710"), ("17", "25", "1701"), ("17", "15")], commitment="1000.01")
    place([("17", "50", "1710", "171001"), ("05", "50")], commitment="333.33")
    place(commitment="5000")  # nationwide
    place([("17", "100", "1710")], commitment="70000", published=False)


def test_the_district_table_has_the_aggregates_figures_and_keeps_the_rest_apart(client, place, cdc):
    _money(place)
    published = ProjectFilters(published="yes")  # what the public sees
    expected = {row.key: row for row in aggregate(cdc, published, "district")}
    table = _table(client.get("/map/districts/export.csv"))
    districts_in_table = {
        code: Decimal(line[5]) for code, line in table.items() if re.fullmatch(r"\d{4}", code)
    }
    for code, amount in districts_in_table.items():
        row = expected.get(code)
        assert amount == (row.commitment if row else Decimal("0.00")), code
    # 600.01 (60 % of 1,000.01) + 166.67 (half of 333.33, rounded half up at its bounds):
    # to the cent, and published projects only.
    assert districts_in_table["1710"] == expected["1710"].commitment == Decimal("766.68")
    assert districts_in_table["1701"] == Decimal("250.00")
    assert len(districts_in_table) == 210
    # Nationwide and province-wide money keep their own lines, never in a district.
    assert Decimal(table["nationwide"][5]) == Decimal("5000.00")
    assert (
        Decimal(table["province_wide"][5]) == expected["17"].commitment + expected["05"].commitment
    )
    assert Decimal(table["province_wide"][5]) == Decimal("316.66")
    assert Decimal(table["districts"][5]) == sum(districts_in_table.values())
    total = sum(districts_in_table.values()) + Decimal(table["province_wide"][5])
    assert total + Decimal(table["nationwide"][5]) == Decimal("6333.34")


def test_a_provinces_district_map_lists_its_communes_and_its_province_wide_money(client, place):
    _money(place)
    html = client.get("/map/districts/?area=17").get_data(as_text=True)
    assert "Districts of Siemreap" in html and 'data-code="1710"' in html
    assert 'data-code="0509"' not in html  # another province's district
    assert 'data-code="171001"' in html and "Sla Kram" in html
    assert "Province-wide, no district named" in html
    table = _table(client.get("/map/districts/export.csv?area=17"))
    assert Decimal(table["171001"][5]) == Decimal("166.67")
    assert table["171001"][0] == "commune"
    assert Decimal(table["district_only:1710"][5]) == Decimal("600.01")
    assert Decimal(table["province_wide"][5]) == Decimal("150.00")
    assert table["province_wide"][7] == "1"
    assert client.get("/map/districts/?area=99").status_code == 404


def test_a_partner_sees_its_own_unpublished_money_and_never_anothers(
    client, place, login_as, partner
):
    _money(place)  # the unpublished project is `partner`'s
    other = factories.organization()
    factories.project(reporting=other, locations=[], nationwide=False)
    hidden = place([("17", "100", "1701")], commitment="9", published=False)
    hidden.reporting_org_id = other.id
    login_as("dp", organization=partner)
    table = _table(client.get("/map/districts/export.csv"))
    assert Decimal(table["1710"][5]) == Decimal("70766.68")
    assert Decimal(table["1701"][5]) == Decimal("250.00")  # not the other partner's 9


def test_the_frame_and_the_svg_draw_the_districts_and_the_money_apart(client, place, real_files):
    _money(place)
    frame = client.get("/map/districts/frame?area=17")
    html = frame.get_data(as_text=True)
    assert (
        frame.status_code == 200
        and "frame-ancestors 'self'" in frame.headers["Content-Security-Policy"]
    )
    assert '"code": "1710"' in html and "Province-wide, no district named" in html
    assert "cdn" not in html.lower() and "/static/vendor/leaflet" in html
    image = client.get("/map/districts/map.svg").get_data(as_text=True)
    assert 'data-code="1710"' in image and 'data-code="0102"' in image
    assert "Province-wide, no district named" in image and "Nationwide" in image
    assert "None of these is spread over the districts." in image


def test_the_province_page_links_to_its_district_map(client, place):
    _money(place)
    html = client.get("/map/province/17").get_data(as_text=True)
    assert "/map/districts/?area=17" in html
    assert 'data-key="171001"' in html and "Sla Kram" in html
