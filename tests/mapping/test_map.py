"""The map's figures are the aggregate service's, nationwide money stays beside the map."""

import csv
import io
import random
import re
from decimal import Decimal

import pytest

from portal.aggregates.services import NATIONWIDE, UNALLOCATED, aggregate, totals
from portal.demo.projects import seed_projects
from portal.demo.services import seed_organizations, seed_rates
from portal.mapping import services
from portal.projects import queries
from portal.projects.queries import ProjectFilters


def _table(html: str) -> dict[str, str]:
    """{code: data-amount} of the page's table body."""
    return dict(re.findall(r'<tr data-code="(\d\d)">.*?data-amount="([^"]*)"', html, re.S))


def _figure(html: str, name: str) -> str:
    # Shown in millions; the exact amount is the figure's title.
    found = re.search(rf'data-figure="{name}">\s*<span class="figure" title="([\d,.]+)"', html)
    return found.group(1).replace(",", "")


def test_map_figures_reconcile_with_the_aggregate_service_for_random_filters(cdc):
    seed_organizations()
    seed_rates()
    seed_projects(120)
    randomness = random.Random(11)
    options = {
        "sector": ["", "122", "140", "12220"],
        "province": ["", "12", "17"],
        "status": ["", "2"],
        "assistance": ["", "grant", "loan"],
        "year_from": [None, 2015],
        "year_to": [None, 2024],
    }
    for _attempt in range(8):
        filters = ProjectFilters(**{k: randomness.choice(v) for k, v in options.items()})
        year, year_to = services.money_years(filters)
        rows = {r.key: r for r in aggregate(cdc, filters, "province", year=year, year_to=year_to)}
        for measure in ("commitment", "disbursed", "planned"):
            figures = services.map_figures(cdc, filters, measure)
            for figure in figures.provinces:
                expected = rows.get(figure.code)
                assert figure.amount == (expected.value(measure) if expected else 0), filters
                assert figure.project_count == (expected.project_count if expected else 0)
            everything = totals(list(rows.values()))
            shown = (
                figures.provinces_total.value(measure)
                + figures.nationwide.value(measure)
                + figures.unallocated.value(measure)
            )
            assert shown == everything.value(measure)
        if year is None:  # without a year range, the list's totals are the same money
            listed = queries.totals(queries.filtered(cdc, filters))
            assert shown == listed.planned_usd


def test_nationwide_and_unallocated_money_is_never_spread_over_provinces(cdc, place, client):
    place(commitment="9000", disbursed="900")  # nationwide
    place(commitment="500", nationwide=False)  # no location given
    place([("12", "60"), ("17", "40")], commitment="1000", disbursed="100")
    figures = services.map_figures(cdc, ProjectFilters(), "commitment")
    assert figures.nationwide.commitment == Decimal("9000.00")
    assert figures.unallocated.commitment == Decimal("500.00")
    assert figures.by_code["12"].amount == Decimal("600.00")
    assert figures.by_code["17"].amount == Decimal("400.00")
    assert figures.provinces_total.commitment == Decimal("1000.00")
    assert {f.amount for c, f in figures.by_code.items() if c not in ("12", "17")} == {0}
    assert figures.by_code["12"].share == Decimal("60.0")

    page = client.get("/map/").get_data(as_text=True)
    assert _figure(page, "nationwide") == "9000.00"
    assert _figure(page, "unallocated") == "500.00"
    assert _figure(page, "provinces") == "1000.00"
    assert _table(page)["12"] == "600.00" and _table(page)["02"] == "0.00"
    assert NATIONWIDE not in _table(page) and UNALLOCATED not in _table(page)


def test_the_public_map_counts_published_projects_only(cdc, place, client, login_as):
    place([("02", "100")], commitment="700")
    place([("02", "100")], commitment="300", published=False)
    assert _table(client.get("/map/").get_data(as_text=True))["02"] == "700.00"
    login_as("cdc")
    assert _table(client.get("/map/").get_data(as_text=True))["02"] == "1000.00"


def test_a_year_range_limits_the_money_to_those_years(cdc, place, client):
    place([("05", "100")], commitment="100", disbursed="10", year=2019)
    place([("05", "100")], commitment="200", disbursed="20", year=2023)
    page = client.get("/map/?measure=disbursed&year_from=2023&year_to=2023").get_data(as_text=True)
    assert _table(page)["05"] == "20.00"
    assert _table(client.get("/map/?measure=disbursed").get_data(as_text=True))["05"] == "30.00"


def test_the_table_sorts_on_the_server_and_the_csv_is_exactly_the_table(cdc, place, client):
    place([("12", "100")], commitment="300")
    place([("17", "100")], commitment="900")
    place([("02", "100")], commitment="600")
    page = client.get("/map/").get_data(as_text=True)
    assert list(_table(page))[:3] == ["17", "02", "12"]
    by_name = client.get("/map/?sort=province").get_data(as_text=True)
    assert list(_table(by_name))[:2] == ["01", "02"]  # Banteay Meanchey, Battambang
    ascending = client.get("/map/?sort=amount").get_data(as_text=True)
    assert list(_table(ascending))[-3:] == ["12", "02", "17"]

    response = client.get("/map/export.csv?sort=-amount")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Code", "Province", "Khmer name", "Commitments (USD)"]
    body = rows[1:26]
    assert [r[0] for r in body] == list(_table(page))
    assert [r[3] for r in body] == list(_table(page).values())
    assert body[0][:2] == ["17", "Siemreap"] and body[0][2] == "សៀមរាប"
    assert [r[0] for r in rows[26:]] == ["provinces", "nationwide", "unallocated"]
    assert rows[26][3] == "1800.00"


def test_the_filters_are_the_project_lists(cdc, place, client, partner):
    place([("12", "100")], commitment="300")
    other = place([("12", "100")], commitment="50")
    other.type_of_assistance = "loan"
    page = client.get(f"/map/?partner={partner.id}&assistance=loan").get_data(as_text=True)
    assert _table(page)["12"] == "50.00"
    assert 'name="assistance"' in page and 'name="measure"' in page


def test_the_map_document_is_offline_with_its_own_policy(app, client, place, monkeypatch):
    place([("12", "100")], commitment="300")
    monkeypatch.setitem(app.config, "BOUNDARIES_FILE", None)
    response = client.get("/map/frame")
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy and "frame-ancestors 'self'" in policy
    assert re.findall(r'(?:src|href)="(https?:)?//', html) == []
    assert re.findall(r'<script src="([^"]+)"', html) == ["/static/vendor/leaflet-1.9.4/leaflet.js"]
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) == [
        "/static/vendor/leaflet-1.9.4/leaflet.css",
        "/static/css/map.css",
    ]
    assert "cdn" not in html.lower()
    assert "L.tileLayer" not in html  # no base tiles unless configured
    # Without boundaries, each province is a circle at its seat, filled with its class's colour
    # (an unfilled circle shows no legend colour and answers the pointer on its outline only).
    assert html.count('"code": "') == 25 and "province-circle" in html
    assert html.count('"fill": true') == 25
    assert "/map/province/12" in html
    # The legend folds on a phone, so that it does not cover the map.
    assert "details open" in html and "window.innerWidth < 576" in html


def test_the_public_map_speaks_to_the_public_not_the_operator(client, login_as):
    page = client.get("/map/").get_data(as_text=True)
    assert "drawn as a circle at its seat" in page and "No boundary file" not in page
    login_as("cdc")
    assert "No boundary file is configured" in client.get("/map/").get_data(as_text=True)


def test_base_tiles_come_only_from_the_configured_server(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAP_TILES", "https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    monkeypatch.setitem(app.config, "MAP_TILES_ATTRIBUTION", "Example tiles")
    response = client.get("/map/frame")
    assert "L.tileLayer" in response.get_data(as_text=True)
    assert "https://*.tiles.example.org" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("measure", ["commitment", "disbursed", "planned"])
def test_the_map_document_shows_the_chosen_measure(
    client, place, measure, app, boundaries_file, monkeypatch
):
    monkeypatch.setitem(app.config, "BOUNDARIES_FILE", str(boundaries_file))
    place([("12", "100")], commitment="300", disbursed="30")
    html = client.get(f"/map/frame?measure={measure}").get_data(as_text=True)
    label = str(services.MEASURES[measure])
    assert label in html and "province-shape" in html
    assert html.count('"code": "') == 25 and "province-circle" not in html
    amount = {"commitment": "300.00", "disbursed": "30.00", "planned": "0.00"}[measure]
    assert f'"amount": "{amount} USD"' in html
    assert "geoBoundaries" in html and "OpenStreetMap contributors" in html  # its credit


def test_the_map_speaks_khmer(client, place):
    place([("12", "100")], commitment="2500000")
    client.post("/language", data={"lang": "km", "next": "/map/"})
    for url in ("/map/", "/map/frame", "/map/map.svg", "/map/province/12", "/map/export.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert '<html lang="km">' in client.get("/map/frame").get_data(as_text=True)
    assert "លាន" in client.get("/map/map.svg").get_data(as_text=True)  # 2.5 million, in Khmer


def test_the_vendored_leaflet_and_its_images_are_served(client):
    css = client.get("/static/vendor/leaflet-1.9.4/leaflet.css")
    assert css.status_code == 200
    assert client.get("/static/vendor/leaflet-1.9.4/leaflet.js").status_code == 200
    for image in set(re.findall(r"url\((images/[^)]+)\)", css.get_data(as_text=True))):
        assert client.get(f"/static/vendor/leaflet-1.9.4/{image}").status_code == 200, image
    css.close()
