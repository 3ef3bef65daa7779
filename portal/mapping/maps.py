"""The interactive map: a folium (Leaflet) document with every asset served by the portal.

folium writes its JavaScript inline, so the document is served on its own route and shown in
an iframe; only that route relaxes the Content-Security-Policy, and only for inline code.
Leaflet comes from static/vendor/ (folium's CDN defaults are replaced), the legend is plain
HTML (no d3), and base tiles are added only when PORTAL_MAP_TILES names a tile server.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

import folium
from branca.element import MacroElement
from flask_babel import gettext as _
from jinja2 import Template
from markupsafe import escape

from portal.mapping.classes import OUTLINE
from portal.mapping.seats import CAMBODIA_BOUNDS, seat
from portal.mapping.services import MEASURES, MapFigures, ProvinceFigure

LEAFLET = "vendor/leaflet-1.9.4"
MIN_RADIUS, MAX_RADIUS = 5, 28

# Runs in the map document only (see the module docstring): hover outline and click-through.
_ON_EACH_FEATURE = """function (feature, layer) {
    var code = feature.properties.code;
    layer.options.className = (layer.options.className || '') + ' province-' + code;
    layer.on('click', function () { window.top.location.href = feature.properties.url; });
    layer.on('mouseover', function (e) {
        e.target.setStyle({weight: 3, color: '#000000'});
        if (e.target.bringToFront) { e.target.bringToFront(); }
    });
    layer.on('mouseout', function (e) { e.target.setStyle(feature.properties.style); });
}"""


class Legend(MacroElement):
    """A Leaflet control holding the legend as plain HTML (branca's legend would need d3)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: 'bottomright'});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create('div', 'map-legend');
            div.innerHTML = {{ this.html|tojson }};
            var folded = div.querySelector('details');
            if (folded && window.innerWidth < 576) { folded.open = false; }
            L.DomEvent.disableClickPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, html: str):
        super().__init__()
        self._name = "Legend"
        self.html = html


def money_text(value: Decimal | None, per_capita: bool = False) -> str:
    """Write an amount as the tooltip shows it: '1,234,567.00 USD' (or per person)."""
    from portal.templating import money

    if value is None:
        return _("no population figure") if per_capita else "—"
    if per_capita:
        return _("%(amount)s USD per person", amount=money(value))
    return f"{money(value)} USD"


def _properties(figure: ProvinceFigure, figures: MapFigures, url: str, style: dict) -> dict:
    return {
        "code": figure.code,
        "name_en": str(escape(figure.name_en)),
        "name_km": str(escape(figure.name_km)),
        "amount": str(escape(money_text(figure.amount, figures.per_capita))),
        "projects": str(figure.project_count),
        "url": url,
        "style": style,
    }


def _shape_style(color: str) -> dict:
    return {"fillColor": color, "fillOpacity": 0.85, "color": OUTLINE, "weight": 1}


def _circle_style(figure: ProvinceFigure, largest: Decimal) -> dict:
    radius: float = MIN_RADIUS
    if figure.amount and largest > 0:
        radius += (MAX_RADIUS - MIN_RADIUS) * math.sqrt(float(figure.amount / largest))
    return {
        "fill": True,  # folium's circle markers are unfilled unless told
        "fillColor": figure.color,
        "fillOpacity": 0.9,
        "color": OUTLINE,
        "weight": 1,
        "radius": round(radius, 1),
    }


def _legend_html(figures: MapFigures, locale: str, apart: bool = False) -> str:
    title = MEASURES[figures.measure]
    unit = _("USD per person") if figures.per_capita else _("USD")
    items = "".join(
        f'<li><span class="swatch" style="background:{color}"></span>{escape(label)}</li>'
        for color, label in figures.classes.legend(locale, no_data=figures.per_capita)
    )
    beside = ""
    if apart:
        beside = "".join(
            f'<li class="apart"><strong>{escape(heading)}</strong>: '
            f"{escape(money_text(figures.value_of(row)))}</li>"
            for _key, heading, row in figures.apart()
        )
        beside = f'<ul class="apart">{beside}</ul><p class="apart">{escape(figures.apart_note)}</p>'
    # A <details>: open on a wide screen, folded on a phone so that it does not hide the map.
    return (
        f"<details open><summary><strong>{escape(title)}</strong> ({escape(unit)})</summary>"
        f"<ul>{items}</ul>{beside}</details>"
    )


def render_map(
    figures: MapFigures,
    shapes: dict[str, dict],
    *,
    province_url: Callable[[str], str],
    asset_url: Callable[[str], str],
    locale: str = "en",
    tiles: str | None = None,
    tiles_attribution: str | None = None,
    boundaries_attribution: str | None = None,
    place_label: str | None = None,
    layer_name: str | None = None,
    bounds: tuple[tuple[float, float], tuple[float, float]] = CAMBODIA_BOUNDS,
    apart: bool = False,
) -> str:
    """Return the map as a complete HTML document (Leaflet and CSS from `asset_url`).

    `place_label` and `layer_name` name the places (provinces by default); `bounds` is the
    first view ((south, west), (north, east)); with `apart`, the legend also lists the money
    kept beside the map (nationwide, ...).
    """
    fmap = folium.Map(
        location=[12.5, 105.0],
        zoom_start=7,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        zoom_snap=0.25,  # fit the country snugly in the frame
        zoom_delta=0.5,
    )
    # Only what this map uses, from the portal itself (folium's defaults are CDNs).
    fmap.default_js = [("leaflet", asset_url(f"{LEAFLET}/leaflet.js"))]
    fmap.default_css = [
        ("leaflet_css", asset_url(f"{LEAFLET}/leaflet.css")),
        ("portal_map_css", asset_url("css/map.css")),
    ]
    if tiles:
        folium.TileLayer(
            tiles=tiles,
            attr=tiles_attribution or _("Base map"),
            name=_("Base map"),
            overlay=True,
            control=True,
        ).add_to(fmap)
    tooltip_fields = ["name_en", "name_km", "amount", "projects"]
    aliases = [
        place_label or _("Province"),
        _("Khmer name"),
        str(MEASURES[figures.measure]),
        _("Projects"),
    ]
    shaped = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": shapes[f.code],
                "properties": _properties(f, figures, province_url(f.code), _shape_style(f.color)),
            }
            for f in figures.provinces
            if f.code in shapes
        ],
    }
    if shaped["features"]:
        folium.GeoJson(
            shaped,
            name=layer_name or _("Provinces"),
            tooltip=folium.GeoJsonTooltip(fields=tooltip_fields, aliases=aliases, sticky=True),
            on_each_feature=folium.JsCode(_ON_EACH_FEATURE),
            className="province-shape",
            attribution=str(escape(boundaries_attribution or "")) or None,
        ).add_to(fmap)
    largest = max((f.amount or Decimal(0) for f in figures.provinces), default=Decimal(0))
    circled = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [location[1], location[0]]},
                "properties": _properties(
                    f, figures, province_url(f.code), _circle_style(f, largest)
                ),
            }
            for f in figures.provinces
            if f.code not in shapes and (location := seat(f.code))
        ],
    }
    if circled["features"]:
        folium.GeoJson(
            circled,
            name=_("Provincial seats"),
            marker=folium.CircleMarker(radius=MIN_RADIUS, className="province-circle"),
            tooltip=folium.GeoJsonTooltip(fields=tooltip_fields, aliases=aliases, sticky=True),
            on_each_feature=folium.JsCode(_ON_EACH_FEATURE),
        ).add_to(fmap)
    Legend(_legend_html(figures, locale, apart)).add_to(fmap)
    if tiles:
        folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([list(bounds[0]), list(bounds[1])])
    html = fmap.get_root().render()
    return html.replace("<html>", f'<html lang="{locale}">', 1)
