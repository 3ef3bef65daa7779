"""The province page and the static SVG show the map's own figures."""

import re
import xml.etree.ElementTree as ET

from portal.mapping import services, svg
from portal.mapping.classes import NO_DATA_COLOR, ZERO_COLOR
from portal.projects.queries import ProjectFilters

SVG = "{http://www.w3.org/2000/svg}"


def _stat(html: str, key: str) -> str:
    # The tile shows millions; its exact amount is the figure's title.
    found = re.search(rf'data-figure="{key}"><span class="figure" title="([^"]*)"', html)
    found = found or re.search(rf'data-figure="{key}">([^<]*)<', html)  # a count
    return found.group(1).replace(",", "")


def test_the_province_page_has_its_share_districts_partners_sectors_and_projects(
    cdc, place, client, partner
):
    place([("12", "50", "1201"), ("12", "30"), ("17", "20")], commitment="1000", disbursed="200")
    place([("12", "100", "1202")], commitment="400")
    place(commitment="5000")  # nationwide: not Phnom Penh's
    html = client.get("/map/province/12").get_data(as_text=True)
    figure = services.map_figures(cdc, ProjectFilters(), "commitment").by_code["12"]
    assert _stat(html, "commitment") == str(figure.amount) == "1200.00"
    assert _stat(html, "disbursed") == "160.00"
    assert _stat(html, "projects") == "2"
    assert "Phnom Penh" in html and "រាជធានីភ្នំពេញ" in html
    districts = dict(
        re.findall(r'<tr data-key="(\d+)">.*?<td class="num">([\d,.]+)</td>', html, re.S)
    )
    assert districts == {"1201": "500.00", "1202": "400.00", "12": "300.00"}
    assert "Chamkar Mon" in html and "No district named" in html
    assert partner.acronym in html and "12220" in html
    assert "/projects/?province=12" in html


def test_the_province_page_keeps_the_maps_filters_and_answers_404_for_no_province(
    place, client, partner
):
    place([("17", "100")], commitment="100", year=2019)
    place([("17", "100")], commitment="200", year=2023)
    html = client.get("/map/province/17?year_from=2023&year_to=2023&measure=disbursed")
    html = html.get_data(as_text=True)
    assert _stat(html, "commitment") == "200.00"
    assert "year_from=2023" in html and "measure=disbursed" in html
    assert "Remove the filters" in html
    assert client.get("/map/province/99").status_code == 404


def test_the_public_province_page_counts_published_projects_only(place, client):
    place([("09", "100")], commitment="100")
    place([("09", "100")], commitment="900", published=False)
    assert _stat(client.get("/map/province/09").get_data(as_text=True), "commitment") == "100.00"


def test_the_svg_has_the_maps_shapes_classes_and_colours(
    app, cdc, place, client, boundaries_file, monkeypatch
):
    monkeypatch.setitem(app.config, "BOUNDARIES_FILE", str(boundaries_file))
    place([("12", "100")], commitment="300")
    place([("17", "100")], commitment="900")
    place(commitment="7000")
    response = client.get("/map/map.svg")
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.get_data())
    paths = {p.get("data-code"): p.get("fill") for p in root.iter(f"{SVG}path")}
    assert len(paths) == 25 and not list(root.iter(f"{SVG}circle"))
    figures = services.map_figures(None, ProjectFilters(), "commitment")
    assert paths == {f.code: f.color for f in figures.provinces}
    assert paths["02"] == ZERO_COLOR and paths["17"] != paths["12"]
    legend = [r.get("fill") for r in root.iter(f"{SVG}rect")][1:]  # the first is the background
    assert legend == [color for color, _label in figures.classes.legend("en")]
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Nationwide" in text and "7,000.00 USD" in text


def test_without_boundaries_the_svg_draws_circles_at_the_seats(app, place, monkeypatch):
    monkeypatch.setitem(app.config, "BOUNDARIES_FILE", None)
    place([("12", "100")], commitment="300")
    with app.test_request_context():
        text = svg.province_map_svg(None, ProjectFilters(), "disbursed")
    root = ET.fromstring(text)
    circles = {c.get("data-code"): float(c.get("r")) for c in root.iter(f"{SVG}circle")}
    assert len(circles) == 25 and not list(root.iter(f"{SVG}path"))
    assert len(set(circles.values())) == 1  # no disbursement anywhere: all the smallest size


def test_per_capita_divides_disbursements_by_population_and_marks_missing_figures(
    cdc, place, client, login_as
):
    from portal.mapping import population

    place([("12", "100")], disbursed="2000000")
    place([("17", "100")], disbursed="500000")
    assert "per_capita" not in client.get("/map/").get_data(as_text=True)
    population.import_csv("code,year,population\n12,2019,2000000\n17,2019,1000000\n")
    figures = services.map_figures(cdc, ProjectFilters(), "per_capita")
    assert figures.population_year == 2019
    assert str(figures.by_code["12"].amount) == "1.00"
    assert str(figures.by_code["17"].amount) == "0.50"
    assert figures.by_code["02"].amount is None and figures.by_code["02"].color == NO_DATA_COLOR
    html = client.get("/map/?measure=per_capita").get_data(as_text=True)
    assert "Disbursements per person" in html and "Population (2019)" in html
    assert "No population figure" in html
    frame = client.get("/map/frame?measure=per_capita").get_data(as_text=True)
    assert "1.00 USD per person" in frame


def test_the_svgs_project_counts_are_grouped_as_the_pages_are(
    app, place, boundaries_file, monkeypatch
):
    monkeypatch.setitem(app.config, "BOUNDARIES_FILE", str(boundaries_file))
    place([("12", "100")], commitment="300")
    with app.test_request_context():
        figures = services.map_figures(None, ProjectFilters(), "commitment")
        figures.by_code["12"].row.project_count = 12345
        text = svg.render_svg(figures, services.current_matching().shapes, locale="en")
    assert "12,345 projects" in text
    assert "12345" not in text
