"""The map by district: the page (national or a province's), its map document, SVG and table.

Registered on the map's blueprint (portal/mapping/blueprint.py); `create_app` imports this module.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.cache import public_page
from portal.downloads import public_download
from portal.exports import csv_response, xlsx_response
from portal.extensions import db
from portal.i18n import current_locale
from portal.mapping import district_map, maps, services, svg
from portal.mapping.blueprint import bp, frame_policy
from portal.mapping.geometry import extent
from portal.projects.queries import ProjectFilters, filter_options
from portal.projects.source_filters import source_filter_errors
from portal.reference.models import Province
from portal.security import can_edit_reference_data


def _area() -> Province | None:
    """The province asked for with ?area=, or None for the whole country (404 if unknown)."""
    code = request.args.get("area") or None
    if code is None:
        return None
    place = db.session.get(Province, code)
    if place is None:
        abort(404)
    return place


def _state():
    filters = ProjectFilters.from_args(request.args)
    area = _area()
    measure = district_map.chosen_measure(request.args.get("measure"))
    figures = district_map.district_figures(
        current_user, filters, measure, area.code if area else None
    )
    args = dict(filters.as_args())
    if measure != services.DEFAULT_MEASURE:
        args["measure"] = measure
    if area is not None:
        args["area"] = area.code
    return filters, area, figures, args


def _shapes(figures) -> dict[str, dict]:
    shapes = district_map.current_matching().shapes
    return {f.code: shapes[f.code] for f in figures.provinces if f.code in shapes}


def _bounds(shapes: dict[str, dict]):
    box = extent(shapes.values())
    if box is None:
        return None
    west, south, east, north = box
    return (south, west), (north, east)


@bp.get("/districts/", endpoint="districts")
@public_page
def districts_page():
    """Show money by district, nationally or in one province (?area=), with its table."""
    filters, area, figures, args = _state()
    sort = request.args.get("sort", "-amount")
    matching = district_map.current_matching()
    return render_template(
        "mapping/districts.html",
        filters=filters,
        area=area,
        figures=figures,
        rows=services.sorted_figures(figures, sort),
        sort=sort,
        args=args,
        plain_args={k: v for k, v in args.items() if k != "area"},
        measures={k: services.MEASURES[k] for k in district_map.MEASURES},
        matching=matching,
        legend=figures.classes.legend(current_locale()),
        options=filter_options(),
        filter_errors=source_filter_errors(request.args),
        internal=current_user.is_authenticated,
        can_manage=can_edit_reference_data(current_user),
    )


@bp.get("/districts/frame")
@public_page
def districts_frame():
    """Serve the interactive district map as its own document (the page's iframe)."""
    _filters, area, figures, args = _state()
    shapes = _shapes(figures)
    tiles = current_app.config.get("MAP_TILES")
    link = {k: v for k, v in args.items() if k != "area"}
    html = maps.render_map(
        figures,
        shapes,
        province_url=lambda code: url_for("mapping.province", code=code[:2], **link),
        asset_url=lambda path: url_for("static", filename=path),
        locale=current_locale(),
        tiles=tiles,
        tiles_attribution=current_app.config.get("MAP_TILES_ATTRIBUTION"),
        boundaries_attribution=district_map.current_matching().attribution,
        place_label=_("District"),
        layer_name=_("Districts"),
        bounds=(area and _bounds(shapes)) or maps.CAMBODIA_BOUNDS,
        apart=True,
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = frame_policy(tiles)
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/districts/map.svg")
@public_page
def districts_svg():
    """Serve the district map as a static SVG image (same classes and colours)."""
    _filters, _area_, figures, _args = _state()
    body = svg.render_svg(figures, _shapes(figures), locale=current_locale())
    return Response(body, mimetype="image/svg+xml")


def table_rows(figures: district_map.DistrictFigures, rows, provinces: dict[str, str]):
    """Return the header and rows of the district table, exactly as the page shows them.

    Communes reported in a province's districts follow their district (kind 'commune'); the
    money kept apart (nationwide, province-wide, no location) ends the table.
    """
    header = [
        _("Kind"),
        _("Code"),
        _("Name"),
        _("Khmer name"),
        _("Province"),
        f"{services.MEASURES[figures.measure]} ({_('USD')})",
        _("Share of all districts (per cent)"),
        _("Projects"),
    ]
    out = []
    for f in rows:
        province = provinces.get(f.code[:2], "")
        out.append(
            ["district", f.code, f.name_en, f.name_km, province, f.amount, f.share, f.project_count]
        )
        for line in figures.communes.get(f.code, []):
            name = line.name_en or _("In the district, no commune named")
            out.append(
                [
                    "commune" if line.name_en else "district_only",
                    line.code,
                    name,
                    line.name_km,
                    province,
                    line.row.value(figures.measure),
                    None,
                    line.row.project_count,
                ]
            )
    out.append(
        [
            "districts",
            "",
            _("All districts"),
            "",
            "",
            figures.value_of(figures.provinces_total),
            None,
            None,
        ]
    )
    for key, heading, row in figures.apart():
        national_province_wide = key == district_map.PROVINCE_WIDE and figures.area is None
        count = None if national_province_wide else row.project_count
        out.append([key, "", heading, "", "", figures.value_of(row), None, count])
    return header, out


@bp.get("/districts/export.<any(csv, xlsx):fmt>")
@public_download
def districts_export(fmt: str):
    """Download the district table as CSV or XLSX: the same rows and order as the page."""
    _filters, area, figures, _args = _state()
    rows = services.sorted_figures(figures, request.args.get("sort", "-amount"))
    provinces = {code: name for code, name, _km in services.province_rows()}
    header, lines = table_rows(figures, rows, provinces)
    where = area.code if area else "all"
    name = f"districts-{where}-{figures.measure}-{date.today().isoformat()}"
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", _("Districts"), header, lines)
    return csv_response(f"{name}.csv", header, lines)
