"""What a province page shows, read through the aggregate service, and the filters' choices.

The province's own figures and its districts are its shares of each project's money. The
trend, partners and sectors are those of the projects working in the province, whole
(a project in several provinces counts in full): the aggregate service groups by one
dimension at a time, and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from portal.aggregates.services import UNALLOCATED, Row, totals
from portal.aggregates.summary import aggregate
from portal.dashboard.services import Bar
from portal.extensions import db
from portal.mapping import population
from portal.mapping.district_map import commune_lines
from portal.mapping.services import money_years
from portal.organizations.models import Organization
from portal.projects.queries import ProjectFilters
from portal.reference.models import District, Province, Sector


@dataclass
class Named:
    """A row of figures with what to call it."""

    key: object
    label: str
    label_km: str
    row: Row


@dataclass
class ProvinceSummary:
    own: Row
    whole: Row
    trend: list[Row]
    partners: list[Named]
    sectors: list[Named]
    districts: list[Named]
    communes: dict = field(default_factory=dict)  # district code -> [CommuneLine]
    population: int | None = None
    population_year: int | None = None
    largest_year_amount: Decimal = Decimal(0)

    @property
    def trend_bars(self) -> list[Bar]:
        """The trend as the chart draws it: disbursed (solid) and planned (hatched) by year."""
        return [Bar(str(row.key), row.disbursed, secondary=row.planned) for row in self.trend]

    @property
    def per_person(self) -> Decimal | None:
        if not self.population:
            return None
        return (self.own.disbursed / self.population).quantize(Decimal("0.01"))


def _named(rows: list[Row], model, label_of) -> list[Named]:
    keys = [row.key for row in rows if row.key not in (None, UNALLOCATED)]
    found = {}
    if keys:
        primary = model.id if model is Organization else model.code
        found = {
            (obj.id if model is Organization else obj.code): obj
            for obj in db.session.scalars(select(model).where(primary.in_(keys)))
        }
    named = []
    for row in rows:
        obj = found.get(row.key)
        english, khmer = label_of(obj, row.key)
        named.append(Named(row.key, english, khmer, row))
    return named


def _organization_label(org, key):
    if org is None:
        return str(key), ""
    return f"{org.acronym} — {org.name_en}", (
        f"{org.acronym} — {org.name_km}" if org.name_km else ""
    )


def _code_label(obj, key):
    if obj is None:
        return ("" if key == UNALLOCATED else str(key)), ""
    return f"{obj.code} {obj.name_en}", (f"{obj.code} {obj.name_km}" if obj.name_km else "")


def summary(user, filters: ProjectFilters, place: Province) -> ProvinceSummary:
    """Sum a province's money (its shares), its districts, and its projects' trend and partners."""
    year, year_to = money_years(filters)

    def by(dimension):
        return aggregate(user, filters, dimension, year=year, year_to=year_to)

    provinces = by("province")
    own = next((row for row in provinces if row.key == place.code), Row(key=place.code))
    whole = totals(provinces)
    trend = sorted((row for row in by("year") if row.key is not None), key=lambda r: r.key)
    districts = [row for row in by("district") if str(row.key).startswith(place.code)]
    district_rows = _named(
        [row for row in districts if row.key != place.code], District, _code_label
    )
    district_rows.sort(key=lambda named: named.label)
    province_wide = next((row for row in districts if row.key == place.code), None)
    if province_wide is not None:
        district_rows.append(Named(place.code, "", "", province_wide))
    year_for_population = population.year_for(filters.year_to or filters.year_from)
    people = (
        population.by_province(year_for_population).get(place.code) if year_for_population else None
    )
    largest = max((max(r.disbursed, r.planned) for r in trend), default=Decimal(0))
    return ProvinceSummary(
        own=own,
        whole=whole,
        trend=trend,
        partners=_named(by("partner"), Organization, _organization_label),
        sectors=_named(by("sector"), Sector, _code_label),
        districts=district_rows,
        communes=commune_lines(by("commune"), place.code),
        population=people,
        population_year=year_for_population if people else None,
        largest_year_amount=largest,
    )
