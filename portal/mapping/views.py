"""The map by province: page, map document, SVG, CSV, province page, and CDC's data pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.cache import public_page
from portal.downloads import public_download
from portal.exports import csv_response, xlsx_response
from portal.extensions import db
from portal.i18n import current_locale
from portal.mapping import district_map, maps, population, province_page, services, svg
from portal.mapping.blueprint import bp, frame_policy
from portal.mapping.forms import PopulationUploadForm
from portal.projects.queries import ProjectFilters, filter_options
from portal.projects.source_filters import source_filter_errors
from portal.reference.models import Province
from portal.security import can_edit_reference_data, cdc_required


def _request_state():
    """Parse the filters, the measure and the sort of the query string."""
    filters = ProjectFilters.from_args(request.args)
    with_population = population.has_population()
    asked = request.args.get("measure", "")
    measure = services.chosen_measure(asked, with_population)
    return filters, measure, with_population, asked


def _figures():
    filters, measure, with_population, asked = _request_state()
    provinces = services.province_rows()
    figures = services.map_figures(current_user, filters, measure, provinces)
    return filters, figures, provinces, with_population, asked


def _link_args(filters: ProjectFilters, measure: str) -> dict:
    args = dict(filters.as_args())
    if measure != services.DEFAULT_MEASURE:
        args["measure"] = measure
    return args


@bp.get("/", endpoint="map")
@public_page
def map_page():
    """Show the map of money by province, its figures beside it and its table below."""
    filters, figures, provinces, with_population, asked = _figures()
    sort = request.args.get("sort", "-amount")
    matching = services.current_matching(provinces)
    args = _link_args(filters, figures.measure)
    return render_template(
        "mapping/map.html",
        filters=filters,
        figures=figures,
        rows=services.sorted_figures(figures, sort),
        sort=sort,
        args=args,
        measures=services.measures(with_population),
        per_capita_refused=asked == services.PER_CAPITA and not with_population,
        matching=matching,
        legend=figures.classes.legend(current_locale(), no_data=figures.per_capita),
        options=filter_options(),
        filter_errors=source_filter_errors(request.args),
        internal=current_user.is_authenticated,
        can_manage=can_edit_reference_data(current_user),
    )


@bp.get("/frame")
@public_page
def frame():
    """Serve the interactive map as its own document (shown in the map page's iframe)."""
    filters, figures, provinces, _with_population, _asked = _figures()
    matching = services.current_matching(provinces)
    args = _link_args(filters, figures.measure)
    tiles = current_app.config.get("MAP_TILES")
    html = maps.render_map(
        figures,
        matching.shapes,
        province_url=lambda code: url_for("mapping.province", code=code, **args),
        asset_url=lambda path: url_for("static", filename=path),
        locale=current_locale(),
        tiles=tiles,
        tiles_attribution=current_app.config.get("MAP_TILES_ATTRIBUTION"),
        boundaries_attribution=matching.attribution,
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = frame_policy(tiles)
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/map.svg")
@public_page
def svg_map():
    """Serve the same map as a static SVG image (same classes and colours), for reports."""
    filters, figures, provinces, _with_population, _asked = _figures()
    shapes = services.current_matching(provinces).shapes
    body = svg.render_svg(figures, shapes, locale=current_locale())
    return Response(body, mimetype="image/svg+xml")


def table_rows(figures, rows):
    """Return the header and rows of the map's table, exactly as the page shows them."""
    per_capita = figures.per_capita
    unit = _("USD per person") if per_capita else _("USD")
    header = [
        _("Code"),
        _("Province"),
        _("Khmer name"),
        f"{services.MEASURES[figures.measure]} ({unit})",
        _("Share of all provinces (per cent)"),
        _("Projects"),
    ]
    if per_capita:
        header += [
            _("Disbursements (USD)"),
            _("Population (%(year)s)", year=figures.population_year),
        ]
    header.append(_("Class"))
    labels = dict(enumerate(label for _color, label in figures.classes.legend(current_locale())))
    out = []
    for f in rows:
        line = [f.code, f.name_en, f.name_km, f.amount, f.share, f.project_count]
        if per_capita:
            line += [f.row.disbursed, f.population]
        line.append(labels.get(f.class_index + 1, _("No population figure")))
        out.append(line)
    for key, label, row in (
        ("provinces", _("All provinces"), figures.provinces_total),
        ("nationwide", _("Nationwide (not spread over provinces)"), figures.nationwide),
        ("unallocated", _("No location given"), figures.unallocated),
    ):
        amount = None if per_capita else figures.value_of(row)
        count = None if key == "provinces" else row.project_count
        line = [key, label, "", amount, None, count]
        if per_capita:
            line += [row.disbursed, None]
        line.append("")
        out.append(line)
    return header, out


@bp.get("/export.<any(csv, xlsx):fmt>")
@public_download
def export(fmt: str):
    """Download the map's table as CSV or XLSX: the same rows, order and columns as the page."""
    _filters, figures, _provinces, _with_population, _asked = _figures()
    rows = services.sorted_figures(figures, request.args.get("sort", "-amount"))
    header, lines = table_rows(figures, rows)
    name = f"map-{figures.measure}-{date.today().isoformat()}"
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", _("Map"), header, lines)
    return csv_response(f"{name}.csv", header, lines)


@bp.get("/province/<code>")
@public_page
def province(code: str):
    """Show a province: its money, trend by year, partners, sectors, districts, projects."""
    place = db.get_or_404(Province, code)
    filters = replace(ProjectFilters.from_args(request.args), province=place.code)
    summary = province_page.summary(current_user, filters, place)
    measure = request.args.get("measure", "")
    map_args = {k: v for k, v in filters.as_args().items() if k != "province"}
    return render_template(
        "mapping/province.html",
        place=place,
        filters=filters,
        summary=summary,
        args=filters.as_args(),
        filtered=bool(map_args),
        map_args=dict(map_args, measure=measure) if measure in services.MEASURES else map_args,
    )


@bp.get("/boundaries")
@cdc_required
def boundaries():
    """Show how the boundary file matched the gazetteer, and what did not match (CDC only)."""
    provinces = services.province_rows()
    return render_template(
        "mapping/boundaries.html",
        matching=services.current_matching(provinces),
        provinces={code: (en, km) for code, en, km in provinces},
        configured=current_app.config.get("BOUNDARIES_FILE"),
        district_matching=district_map.current_matching(provinces),
        districts={code: (prov, en, km) for code, prov, en, km in district_map.district_rows()},
        district_file=current_app.config.get("DISTRICT_BOUNDARIES_FILE"),
    )


@bp.route("/population", methods=["GET", "POST"])
@cdc_required
def population_upload():
    """Upload population by province and year as CSV, all or nothing (CDC only)."""
    form = PopulationUploadForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            counts = population.import_csv(form.file.data.read(), actor=current_user)
        except population.PopulationCsvError as refused:
            db.session.rollback()
            errors = refused.errors
        else:
            db.session.commit()
            flash(
                _(
                    "Population saved: %(rows)s rows (%(added)s new, %(changed)s changed).",
                    **counts,
                ),
                "success",
            )
            return redirect(url_for("mapping.population_upload"))
    table = population.table()
    status = 400 if (errors or form.errors) else 200
    return render_template(
        "mapping/population.html",
        form=form,
        errors=errors,
        table=table,
        years=sorted({year for by_year in table.values() for year in by_year}, reverse=True),
        provinces=services.province_rows(),
    ), status
