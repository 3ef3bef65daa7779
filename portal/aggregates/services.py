"""One source of truth for funding aggregates, with the project list's filters.

Every figure is a sum of whole cents in SQL, so totals are exact. Where a project's money is
split by shares (sectors, locations), each share gets the difference of the rounded
cumulative amounts, so the parts of a project always add up to the project's amount to the
cent. Projects that are nationwide, or have no location, keep their own rows ("nationwide",
"unallocated") and are never spread over the provinces.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Integer,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.projects.models import Project, ProjectFunding, ProjectLocation, ProjectSector
from portal.projects.queries import ProjectFilters, filtered

MEASURES = ("commitment", "disbursed", "planned")
DIMENSIONS = (
    "year",
    "partner",
    "ministry",
    "sector",
    "category",
    "province",
    "district",
    "assistance",
    "modality",
    "status",
    "on_budget",
)
NATIONWIDE, UNALLOCATED = "nationwide", "unallocated"
CENT = Decimal("0.01")


@dataclass
class Row:
    """The money of one group (a year, a partner, a province...), in USD."""

    key: object
    commitment: Decimal = Decimal(0)
    disbursed: Decimal = Decimal(0)
    planned: Decimal = Decimal(0)
    project_count: int = 0

    def value(self, measure: str) -> Decimal:
        return getattr(self, measure)


def _cents(value) -> Decimal:
    return (Decimal(int(round(value or 0))) / 100).quantize(CENT)


def _year_of(column):
    if db.engine.dialect.name == "sqlite":
        return cast(func.strftime("%Y", column), Integer)
    return cast(func.extract("year", column), Integer)


def _measure(ids, measure: str, year: int | None, year_to: int | None):
    """SELECT (measure, project_id, year, cents) of one measure for the filtered projects."""
    tag = literal(measure).label("measure")
    if measure == "count":  # every filtered project once, to count projects per group
        return select(
            tag,
            Project.id.label("project_id"),
            literal(None).label("year"),
            literal(0).label("cents"),
        ).where(Project.id.in_(select(ids.c.id)))
    if measure == "commitment":
        agreed = func.coalesce(Project.commitment_date, Project.actual_start, Project.planned_start)
        statement = select(
            tag,
            Project.id.label("project_id"),
            _year_of(agreed).label("year"),
            type_coerce(Project.commitment_usd, BigInteger).label("cents"),
        ).where(Project.id.in_(select(ids.c.id)), Project.commitment_usd.is_not(None))
        year_column = _year_of(agreed)
    else:
        kind = "disbursement" if measure == "disbursed" else "planned"
        statement = select(
            tag,
            ProjectFunding.project_id.label("project_id"),
            ProjectFunding.year.label("year"),
            type_coerce(ProjectFunding.amount_usd, BigInteger).label("cents"),
        ).where(ProjectFunding.project_id.in_(select(ids.c.id)), ProjectFunding.kind == kind)
        year_column = ProjectFunding.year
    if year is not None:
        statement = statement.where(
            year_column >= year, year_column <= (year_to if year_to is not None else year)
        )
    return statement


def _money(ids, measures, year: int | None, year_to: int | None = None):
    """All the measures' money rows as one subquery (measure, project_id, year, cents)."""
    parts = [_measure(ids, measure, year, year_to) for measure in measures]
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("money")


def _share_sums(table):
    """Correlated sums of a share table: up to and including this row, and the whole project.

    Computed per row through the project_id index, so joining them stays cheap at any size.
    """
    other = aliased(table)
    running = (
        select(func.sum(other.percentage))
        .where(other.project_id == table.project_id, other.id <= table.id)
        .scalar_subquery()
    )
    whole = (
        select(func.sum(other.percentage))
        .where(other.project_id == table.project_id)
        .scalar_subquery()
    )
    return running, whole


def _split(cents, table):
    """The cents of one money row that fall to one share row (exact; the shares add up)."""
    running, whole = _share_sums(table)
    amount = cents * literal(1.0)
    return func.round(amount * running / whole) - func.round(
        amount * (running - table.percentage) / whole
    )


def _grouped(money, dimension: str):
    """SELECT (key, project_id, cents) of `money` for one dimension, before summing."""
    if dimension == "year":
        return select(money.c.year.label("key"), money.c.measure, money.c.project_id, money.c.cents)
    direct = {
        "partner": Project.reporting_org_id,
        "ministry": Project.lead_national_partner_id,
        "assistance": Project.type_of_assistance,
        "modality": Project.modality,
        "status": Project.status,
        "on_budget": Project.on_budget,
    }
    if dimension in direct:
        return select(
            direct[dimension].label("key"), money.c.measure, money.c.project_id, money.c.cents
        ).join(Project, Project.id == money.c.project_id)
    if dimension in ("sector", "category"):
        table = ProjectSector
        code = table.sector_code if dimension == "sector" else func.substr(table.sector_code, 1, 3)
        fallback = literal(UNALLOCATED)
        statement = select(money)
    elif dimension in ("province", "district"):
        table = ProjectLocation
        code = (
            table.province_code
            if dimension == "province"
            else func.coalesce(table.district_code, table.province_code)
        )
        fallback = case((Project.nationwide, NATIONWIDE), else_=UNALLOCATED)
        statement = select(money).join(Project, Project.id == money.c.project_id)
    else:
        raise ValueError(f"unknown dimension {dimension!r}")
    return statement.with_only_columns(
        func.coalesce(code, fallback).label("key"),
        money.c.measure,
        money.c.project_id,
        case((table.id.is_(None), money.c.cents), else_=_split(money.c.cents, table)).label(
            "cents"
        ),
    ).outerjoin(table, table.project_id == money.c.project_id)


def aggregate(
    user,
    filters: ProjectFilters,
    dimension: str,
    *,
    year: int | None = None,
    year_to: int | None = None,
    measures=MEASURES,
    counts: bool = True,
) -> list[Row]:
    """Sum commitments, disbursements and planned disbursements (USD) by `dimension`.

    `filters` are the project list's; `year` (to `year_to`) limits the money to those calendar
    years (commitments by the year of agreement). Rows come largest commitment first.
    """
    ids = filtered(user, filters).with_only_columns(Project.id).subquery("ids")
    wanted = list(measures) + (["count"] if counts and dimension != "year" else [])
    rows: dict[object, Row] = {}
    # One query per measure: SQLite plans these far better than one UNION of them all.
    for measure in wanted:
        grouped = _grouped(_money(ids, [measure], year, year_to), dimension).subquery("grouped")
        statement = select(
            grouped.c.key,
            func.sum(grouped.c.cents),
            func.count(func.distinct(grouped.c.project_id)),
        ).group_by(grouped.c.key)
        for key, cents, count in db.session.execute(statement):
            row = rows.setdefault(key, Row(key=key))
            if measure == "count":  # a project counts in each group it has a share in
                row.project_count = count
            else:
                setattr(row, measure, _cents(cents))
    return sorted(rows.values(), key=lambda r: (-(r.commitment + r.disbursed), str(r.key)))


def totals(rows: list[Row]) -> Row:
    """The money of all rows together (project counts are per group, so not summed)."""
    total = Row(key="total")
    for row in rows:
        total.commitment += row.commitment
        total.disbursed += row.disbursed
        total.planned += row.planned
    return total
