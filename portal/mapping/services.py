"""The map's figures: money by province from the aggregate service, classed and ready to draw.

Nationwide and unallocated money keep their own figures beside the map; they are never spread
over the provinces. With a year range, only the money of those years counts (commitments by
the year they were agreed), as the aggregate service defines it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.aggregates.services import NATIONWIDE, UNALLOCATED, Row
from portal.aggregates.summary import aggregate
from portal.extensions import db
from portal.mapping import boundaries, population
from portal.mapping.classes import Classes, classify
from portal.projects.queries import ProjectFilters
from portal.reference.models import Province

MEASURES = {
    "commitment": _l("Commitments"),
    "disbursed": _l("Disbursements"),
    "planned": _l("Planned disbursements"),
    "per_capita": _l("Disbursements per person"),
}
DEFAULT_MEASURE = "commitment"
PER_CAPITA = "per_capita"
CENT = Decimal("0.01")
SORTS = ("province", "code", "amount", "projects", "share")


@dataclass
class ProvinceFigure:
    """One province on the map: names, the measure's value, its class and colour."""

    code: str
    name_en: str
    name_km: str
    row: Row
    amount: Decimal | None
    population: int | None = None
    share: Decimal | None = None
    class_index: int = 0
    color: str = ""

    @property
    def project_count(self) -> int:
        return self.row.project_count


@dataclass
class MapFigures:
    """Everything the map, its table, its CSV and its SVG show."""

    measure: str
    provinces: list[ProvinceFigure]
    nationwide: Row
    unallocated: Row
    classes: Classes
    provinces_total: Row
    population_year: int | None = None
    years: tuple[int | None, int | None] = (None, None)
    by_code: dict[str, ProvinceFigure] = field(default_factory=dict)

    @property
    def per_capita(self) -> bool:
        return self.measure == PER_CAPITA

    def apart(self) -> list[tuple[str, str, Row]]:
        """Return (key, heading, row) of the money shown beside the map, never spread on it."""
        return [
            (NATIONWIDE, str(_l("Nationwide")), self.nationwide),
            (UNALLOCATED, str(_l("No location given")), self.unallocated),
        ]

    @property
    def apart_note(self) -> str:
        return str(_l("Neither is spread over the provinces."))

    def value_of(self, row: Row) -> Decimal | None:
        """Return the measure's money of a row (per capita maps disbursements)."""
        return row.disbursed if self.per_capita else row.value(self.measure)


def measures(with_population: bool) -> dict[str, str]:
    """Return the measures on offer (per capita only when a population table exists)."""
    return {k: v for k, v in MEASURES.items() if k != PER_CAPITA or with_population}


def chosen_measure(value: str | None, with_population: bool) -> str:
    """Return the asked-for measure when offered, else commitments."""
    return value if value in measures(with_population) else DEFAULT_MEASURE


def money_years(filters: ProjectFilters) -> tuple[int | None, int | None]:
    """Return the calendar years the money is limited to (none without a year filter)."""
    if filters.year_from is None and filters.year_to is None:
        return None, None
    return filters.year_from or 0, filters.year_to or 9999


def province_rows() -> list[tuple[str, str, str | None]]:
    """Return (code, English name, Khmer name) of every province, by code."""
    statement = select(Province.code, Province.name_en, Province.name_km).order_by(Province.code)
    return [(code, name_en, name_km) for code, name_en, name_km in db.session.execute(statement)]


def current_matching(provinces=None) -> boundaries.Matching:
    """Match the configured boundary file to the gazetteer (cached until the file changes)."""
    rows = provinces if provinces is not None else province_rows()
    return boundaries.matching_for(current_app.config.get("BOUNDARIES_FILE"), rows)


def _empty(key: str) -> Row:
    none = Decimal("0.00")
    return Row(key=key, commitment=none, disbursed=none, planned=none)


def _ratio(amount: Decimal, people: int | None) -> Decimal | None:
    if not people:
        return None
    return (amount / Decimal(people)).quantize(CENT, ROUND_HALF_EVEN)


def map_figures(user, filters: ProjectFilters, measure: str, provinces=None) -> MapFigures:
    """Sum the filtered projects' money by province for `user` (published only for the public)."""
    provinces = provinces if provinces is not None else province_rows()
    year, year_to = money_years(filters)
    needed = ("disbursed",) if measure == PER_CAPITA else (measure,)  # one query per measure
    by_province = aggregate(user, filters, "province", year=year, year_to=year_to, measures=needed)
    return figures_of(by_province, measure, provinces, filters)


def figures_of(by_province: list[Row], measure: str, provinces, filters: ProjectFilters):
    """The map's figures from money already summed by province (live, or a round's snapshot)."""
    rows = {row.key: row for row in by_province}
    population_year = None
    people: dict[str, int] = {}
    if measure == PER_CAPITA:
        population_year = population.year_for(filters.year_to or filters.year_from)
        people = population.by_province(population_year) if population_year else {}
    total = _empty("provinces")
    figures = []
    for code, name_en, name_km in provinces:
        row = rows.get(code) or _empty(code)
        total.commitment += row.commitment
        total.disbursed += row.disbursed
        total.planned += row.planned
        if measure == PER_CAPITA:
            amount = _ratio(row.disbursed, people.get(code))
        else:
            amount = row.value(measure)
        figures.append(ProvinceFigure(code, name_en, name_km or "", row, amount, people.get(code)))
    classes = classify(f.amount for f in figures)
    money_total = total.disbursed if measure == PER_CAPITA else total.value(measure)
    for figure in figures:
        figure.class_index = classes.index(figure.amount)
        figure.color = classes.color(figure.amount)
        money = figure.row.disbursed if measure == PER_CAPITA else figure.amount
        if money_total and money is not None:
            figure.share = (money * 100 / money_total).quantize(Decimal("0.1"))
    return MapFigures(
        measure=measure,
        provinces=figures,
        nationwide=rows.get(NATIONWIDE) or _empty(NATIONWIDE),
        unallocated=rows.get(UNALLOCATED) or _empty(UNALLOCATED),
        classes=classes,
        provinces_total=total,
        population_year=population_year,
        years=(filters.year_from, filters.year_to),
        by_code={f.code: f for f in figures},
    )


def sorted_figures(figures: MapFigures, sort: str) -> list[ProvinceFigure]:
    """Order the provinces by name, code, amount, projects or share; '-' reverses."""
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    if key not in SORTS:
        key, descending = "amount", True

    def sort_key(f: ProvinceFigure):
        if key == "province":
            return (f.name_en.lower(),)
        if key == "code":
            return (f.code,)
        if key == "projects":
            return (f.project_count, f.code)
        value = f.amount if key == "amount" else f.share
        # Provinces without a value sort after those with one, whichever the direction.
        missing = value is None
        return (not missing if descending else missing, value or 0, f.code)

    return sorted(figures.provinces, key=sort_key, reverse=descending)
