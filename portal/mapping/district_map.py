"""The district map's figures: money by district from the aggregate service, classed.

The national view shows every district of the gazetteer; a province's view its districts. The
money of locations that name a province but no district ("province-wide") and of nationwide
projects keeps its own lines and legend entries: it is never spread over the districts.
Communes, where projects report them, are listed under their district in a province's table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.aggregates.services import NATIONWIDE, UNALLOCATED, Row
from portal.aggregates.summary import aggregate
from portal.extensions import db
from portal.mapping import districts as district_boundaries
from portal.mapping import services
from portal.mapping.classes import classify
from portal.projects.queries import ProjectFilters
from portal.reference.models import Commune, District

MEASURES = ("commitment", "disbursed", "planned")
PROVINCE_WIDE = "province_wide"


@dataclass
class CommuneLine:
    """A commune's money in a district (code is the district's for money naming no commune)."""

    code: str
    name_en: str
    name_km: str
    row: Row


@dataclass
class DistrictFigures(services.MapFigures):
    """The map's figures with districts as its places, and the province-wide money apart."""

    area: str | None = None  # a province's code, or None for the whole country
    province_wide: Row = field(default_factory=lambda: _empty("province_wide"))
    communes: dict[str, list[CommuneLine]] = field(default_factory=dict)

    def apart(self) -> list[tuple[str, str, Row]]:
        """Return (key, heading, row) of the money shown beside the map, never spread on it."""
        return [
            (NATIONWIDE, str(_l("Nationwide")), self.nationwide),
            (PROVINCE_WIDE, str(_l("Province-wide, no district named")), self.province_wide),
            (UNALLOCATED, str(_l("No location given")), self.unallocated),
        ]

    @property
    def apart_note(self) -> str:
        return str(_l("None of these is spread over the districts."))


def _empty(key: str) -> Row:
    none = Decimal("0.00")
    return Row(key=key, commitment=none, disbursed=none, planned=none)


def _add(total: Row, row: Row) -> None:
    total.commitment += row.commitment
    total.disbursed += row.disbursed
    total.planned += row.planned


def district_rows(area: str | None = None) -> list[tuple[str, str, str, str]]:
    """Return (code, province code, English name, Khmer name) of the districts, by code."""
    statement = select(
        District.code, District.province_code, District.name_en, District.name_km
    ).order_by(District.code)
    if area:
        statement = statement.where(District.province_code == area)
    return [(code, prov, en, km or "") for code, prov, en, km in db.session.execute(statement)]


def current_matching(provinces=None) -> district_boundaries.DistrictMatching:
    """Match the configured district file to the gazetteer (cached until a file changes)."""
    provinces = provinces if provinces is not None else services.province_rows()
    return district_boundaries.matching_for(
        current_app.config.get("DISTRICT_BOUNDARIES_FILE"),
        district_rows(),
        services.current_matching(provinces),
        provinces,
    )


def chosen_measure(value: str | None) -> str:
    """Return the asked-for measure when the district map offers it, else commitments."""
    return value if value in MEASURES else services.DEFAULT_MEASURE


def district_figures(
    user, filters: ProjectFilters, measure: str, area: str | None = None
) -> DistrictFigures:
    """Sum the filtered projects' money by district for `user` (published only for the public).

    `area` limits the places to one province's districts; the nationwide and unallocated money
    is that of the same projects, shown apart.
    """
    year, year_to = services.money_years(filters)
    by_place = aggregate(user, filters, "district", year=year, year_to=year_to, measures=MEASURES)
    figures = figures_of(by_place, measure, district_rows(area), area, filters)
    if area:
        by_commune = aggregate(
            user, filters, "commune", year=year, year_to=year_to, measures=MEASURES
        )
        figures.communes = commune_lines(by_commune, area)
    return figures


def figures_of(rows_by_key: list[Row], measure: str, districts, area, filters) -> DistrictFigures:
    """The district map's figures from money already summed by the `district` dimension."""
    rows = {row.key: row for row in rows_by_key}
    total = _empty("districts")
    places = []
    for code, _province, name_en, name_km in districts:
        row = rows.get(code) or _empty(code)
        _add(total, row)
        places.append(services.ProvinceFigure(code, name_en, name_km, row, row.value(measure)))
    province_wide = _empty(PROVINCE_WIDE)
    for key, row in rows.items():
        if isinstance(key, str) and len(key) == 2 and (area is None or key == area):
            _add(province_wide, row)
    # Nationally, a project province-wide in several provinces would count once each: no count.
    province_wide.project_count = rows[area].project_count if area in rows else 0
    classes = classify(f.amount for f in places)
    money_total = total.value(measure)
    for figure in places:
        figure.class_index = classes.index(figure.amount)
        figure.color = classes.color(figure.amount)
        if money_total and figure.amount is not None:
            figure.share = (figure.amount * 100 / money_total).quantize(Decimal("0.1"))
    return DistrictFigures(
        measure=measure,
        provinces=places,
        nationwide=rows.get(NATIONWIDE) or _empty(NATIONWIDE),
        unallocated=rows.get(UNALLOCATED) or _empty(UNALLOCATED),
        classes=classes,
        provinces_total=total,
        years=(filters.year_from, filters.year_to),
        by_code={f.code: f for f in places},
        area=area,
        province_wide=province_wide,
    )


def commune_lines(by_commune: list[Row], area: str) -> dict[str, list[CommuneLine]]:
    """Group a province's commune rows by district; a district's own money comes last.

    Only districts where some commune is reported get lines: elsewhere the district's line
    says it all.
    """
    by_key = {str(r.key): r for r in by_commune if isinstance(r.key, str)}
    communes = [key for key in by_key if len(key) == 6 and key.startswith(area)]
    if not communes:
        return {}
    names = {
        code: (en, km or "")
        for code, en, km in db.session.execute(
            select(Commune.code, Commune.name_en, Commune.name_km).where(Commune.code.in_(communes))
        )
    }
    lines: dict[str, list[CommuneLine]] = {}
    for key in sorted(communes, key=lambda code: names.get(code, ("",))[0]):
        english, khmer = names.get(key, (key, ""))
        lines.setdefault(key[:4], []).append(CommuneLine(key, english, khmer, by_key[key]))
    for district, listed in lines.items():
        if district in by_key:
            listed.append(CommuneLine(district, "", "", by_key[district]))
    return lines
