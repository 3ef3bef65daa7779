"""The same map as a static SVG, drawn on the server without a browser (for PDF reports).

Longitude and latitude are projected equirectangularly (longitude scaled by the cosine of the
middle latitude) into a viewBox; classes and colours are the interactive map's.
"""

from __future__ import annotations

import math
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import escape

from portal.mapping.classes import OUTLINE
from portal.mapping.geometry import extent, polygons
from portal.mapping.maps import MAX_RADIUS, MIN_RADIUS, money_text
from portal.mapping.seats import CAMBODIA_BOUNDS, seat
from portal.mapping.services import MEASURES, MapFigures
from portal.templating import counted, money

FONT = "DejaVu Sans, Noto Sans Khmer, Arial, sans-serif"
LEGEND_WIDTH = 230
PAD = 12


class _Projection:
    def __init__(self, bounds: tuple[float, float, float, float], width: float):
        west, south, east, north = bounds
        self.west, self.north = west, north
        self.kx = math.cos(math.radians((south + north) / 2))
        self.scale = width / max((east - west) * self.kx, 1e-9)
        self.width = width
        self.height = (north - south) * self.scale

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.west) * self.kx * self.scale + PAD, (self.north - lat) * self.scale + PAD


def _path(geometry: dict, project: _Projection) -> str:
    parts = []
    for polygon in polygons(geometry):
        for ring in polygon:
            points = [project(x, y) for x, y, *_rest in ring]
            if len(points) < 3:
                continue
            head, *tail = points
            parts.append(
                f"M{head[0]:.1f} {head[1]:.1f}"
                + "".join(f"L{x:.1f} {y:.1f}" for x, y in tail)
                + "Z"
            )
    return "".join(parts)


def _bounds(shapes: dict[str, dict], codes) -> tuple[float, float, float, float]:
    found = extent(shapes.values())
    seats = [s for s in (seat(code) for code in codes if code not in shapes) if s]
    if seats:
        lats, lons = [s[0] for s in seats], [s[1] for s in seats]
        box = (min(lons) - 0.3, min(lats) - 0.3, max(lons) + 0.3, max(lats) + 0.3)
        found = (
            box
            if found is None
            else (
                min(found[0], box[0]),
                min(found[1], box[1]),
                max(found[2], box[2]),
                max(found[3], box[3]),
            )
        )
    if found is None:
        (south, west), (north, east) = CAMBODIA_BOUNDS
        found = (west, south, east, north)
    return found


def _text(x: float, y: float, text: str, size: int = 12, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
        f'fill="#212529">{escape(text)}</text>'
    )


def render_svg(
    figures: MapFigures,
    shapes: dict[str, dict],
    *,
    locale: str = "en",
    width: int = 640,
    legend: bool = True,
) -> str:
    """Return the map as SVG text: provinces (or seat circles), legend, nationwide figures.

    Without `legend`, only the shapes: PDF renderers lay SVG text out letter by letter, which
    breaks Khmer, so the reports set the legend in HTML beside the map.
    """
    codes = [f.code for f in figures.provinces]
    project = _Projection(_bounds(shapes, codes), width)
    title = str(MEASURES[figures.measure])
    if figures.years != (None, None):
        title += " " + "–".join(str(y) for y in figures.years if y is not None)
    body = []
    for figure in figures.provinces:
        label = escape(
            f"{figure.name_en} {figure.name_km}: "
            f"{money_text(figure.amount, figures.per_capita)}; "
            + counted("%(num)s project", "%(num)s projects", figure.project_count)
        )
        if figure.code in shapes:
            body.append(
                f'<path d="{_path(shapes[figure.code], project)}" fill="{figure.color}" '
                f'stroke="{OUTLINE}" stroke-width="0.6" fill-rule="evenodd" '
                f'data-code="{figure.code}"><title>{label}</title></path>'
            )
    largest = max((f.amount or Decimal(0) for f in figures.provinces), default=Decimal(0))
    for figure in figures.provinces:
        location = seat(figure.code)
        if figure.code in shapes or location is None:
            continue
        x, y = project(location[1], location[0])
        radius: float = MIN_RADIUS
        if figure.amount and largest > 0:
            radius += (MAX_RADIUS - MIN_RADIUS) * math.sqrt(float(figure.amount / largest))
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{figure.color}" '
            f'stroke="{OUTLINE}" stroke-width="0.8" data-code="{figure.code}">'
            f"<title>{escape(figure.name_en)}</title></circle>"
        )
    if not legend:
        return _document(project.width + 2 * PAD, project.height + 2 * PAD, title, body, [])
    legend_x = width + 2 * PAD + 10
    lines = [_text(legend_x, PAD + 14, title, 13, "bold")]
    unit = _("USD per person") if figures.per_capita else _("USD")
    lines.append(_text(legend_x, PAD + 32, unit, 11))
    y = PAD + 44
    for color, class_label in figures.classes.legend(locale, no_data=figures.per_capita):
        lines.append(
            f'<rect x="{legend_x}" y="{y}" width="18" height="14" fill="{color}" '
            f'stroke="{OUTLINE}" stroke-width="0.6"/>'
        )
        lines.append(_text(legend_x + 26, y + 11, class_label, 11))
        y += 20
    y += 14
    for _key, heading, row in figures.apart():
        lines.append(_text(legend_x, y, heading, 11, "bold"))
        lines.append(_text(legend_x, y + 15, f"{money(figures.value_of(row))} USD", 11))
        y += 36
    lines.append(_text(legend_x, y - 6, figures.apart_note, 10))
    y += 16
    if figures.per_capita and figures.population_year:
        lines.append(
            _text(legend_x, y, _("Population of %(year)s", year=figures.population_year), 11)
        )
        y += 18
    total_width = legend_x + LEGEND_WIDTH
    total_height = max(project.height + 2 * PAD, y + PAD)
    return _document(total_width, total_height, title, body, lines)


def _document(width: float, height: float, title: str, body: list, legend: list) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} '
        f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-label="{escape(title)}" font-family="{FONT}">'
        f"<title>{escape(title)}</title>"
        f'<rect width="100%" height="100%" fill="#ffffff"/>'
        f'<g class="provinces">{"".join(body)}</g>'
        f'<g class="legend">{"".join(legend)}</g></svg>'
    )


def province_map_svg(user, filters, measure: str = "commitment", *, locale: str = "en") -> str:
    """Compute the figures for `user` and `filters` and return the map as SVG (for reports)."""
    from portal.mapping import population, services

    provinces = services.province_rows()
    measure = services.chosen_measure(measure, population.has_population())
    figures = services.map_figures(user, filters, measure, provinces)
    return render_svg(figures, services.current_matching(provinces).shapes, locale=locale)
