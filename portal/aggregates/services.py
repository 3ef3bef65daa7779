"""One source of truth for funding aggregates, with the project list's filters.

Every figure is a sum of whole cents in SQL, so totals are exact. Each project's money is
summed first (one row a project). Where it is split by shares (sectors, locations), each share
gets the amount rounded at its stored upper bound less the amount rounded at its lower bound
(see portal.projects.models.share_bounds), in integer arithmetic, so the parts of a project
always add up to the project's amount to the cent. Limited to some years, the amount split is
the range of the project's cents from its earlier years on (`_share`), so the years of a group
add up to its figure over their span and over all years. Projects that are nationwide, or have no
location, keep their own rows ("nationwide", "unallocated") and are never spread over the
provinces.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    SQLColumnExpression,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
)

from portal.aggregates import grants, streams
from portal.budget.models import ProjectBudgetLine
from portal.budget.queries import on_budget_clause
from portal.extensions import db
from portal.projects.models import (
    SHARE_BASIS,
    Project,
    ProjectFunding,
    ProjectLocation,
    ProjectSector,
)
from portal.projects.queries import ProjectFilters, filtered
from portal.projects.sources import REPORTING
from portal.security import project_visibility

MEASURES = ("commitment", "disbursed", "planned")
# Asked for by name: commitments signed in a year and expenditure (portal/aggregates/streams.py),
# and the grant equivalent (portal/aggregates/grants.py).
SOURCE_MEASURES = ("signed", "expenditure")
NAMED_MEASURES = (*SOURCE_MEASURES, grants.GRANT_EQUIVALENT)
ALL_MEASURES = (*MEASURES, *NAMED_MEASURES)
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
    "commune",
    "twg",
    "budget",
)
# The kind of funding source, each kind with its own money (portal/aggregates/streams.py): a
# dimension of `aggregate`, not yet of the report builder's crossings (portal/analysis), which
# take DIMENSIONS.
SOURCE_DIMENSION = "source"
NATIONWIDE, UNALLOCATED = "nationwide", "unallocated"
# SQLite understands "WITH name AS MATERIALIZED (...)" from 3.35 on.
SQLITE_MATERIALIZES = sqlite3.sqlite_version_info >= (3, 35)
CENT = Decimal("0.01")

# The funding kind of each yearly measure, and the project's stored total of each measure.
KINDS = {"disbursed": "disbursement", "planned": "planned"}
BEFORE = streams.BEFORE  # the suffix of a measure's cents of the years before those asked
STORED = {
    "commitment": Project.commitment_usd,
    "disbursed": Project.disbursed_usd,
    "planned": Project.planned_usd,
}
# A commitment counts in the year of its agreement, else of the project's start.
AGREED = func.coalesce(Project.commitment_date, Project.actual_start, Project.planned_start)
# Dimensions read from the project row itself: each project falls in one group.
DIRECT = {
    "partner": Project.reporting_org_id,
    "ministry": Project.lead_national_partner_id,
    "assistance": Project.type_of_assistance,
    "modality": Project.modality,
    "status": Project.status,
    # Derived from the budget codes where a project has them, else as typed.
    "on_budget": on_budget_clause(Project),
    "twg": Project.twg_id,
}
# Dimensions of the share tables: a project's money is split over its shares.
SHARED: dict[
    str,
    tuple[type[ProjectSector | ProjectLocation | ProjectBudgetLine], SQLColumnExpression[Any]],
] = {
    "sector": (ProjectSector, ProjectSector.sector_code),
    "category": (ProjectSector, func.substr(ProjectSector.sector_code, 1, 3)),
    "province": (ProjectLocation, ProjectLocation.province_code),
    "district": (
        ProjectLocation,
        func.coalesce(ProjectLocation.district_code, ProjectLocation.province_code),
    ),
    # A commune's code (6 digits), else the district's (4) or the province's (2) for the
    # money of locations that name no commune.
    "commune": (
        ProjectLocation,
        func.coalesce(
            ProjectLocation.commune_code,
            ProjectLocation.district_code,
            ProjectLocation.province_code,
        ),
    ),
    # The budget programme a line counts under (a sub-programme's parent), as text so that
    # projects without budget codes share one "unallocated" group with it on both databases.
    "budget": (ProjectBudgetLine, cast(ProjectBudgetLine.programme_id, String)),
}
# The dimensions in which a project has at most one row a group (a sector is listed once a
# project, a place too: uq_project_location_place), so its rows count its projects; in the
# others (categories, provinces, districts of several communes), several of its shares may
# fall in one group.
ONCE_A_GROUP = {*DIRECT, "sector", "commune"}


@dataclass
class Row:
    """The money of one group (a year, a partner, a province...), in USD."""

    key: object
    commitment: Decimal = Decimal(0)
    disbursed: Decimal = Decimal(0)
    planned: Decimal = Decimal(0)
    project_count: int = 0
    signed: Decimal = Decimal(0)
    expenditure: Decimal = Decimal(0)
    grant_equivalent: Decimal = Decimal(0)

    def value(self, measure: str) -> Decimal:
        return getattr(self, measure)


def _cents(value) -> Decimal:
    return (Decimal(int(round(value or 0))) / 100).quantize(CENT)


def _year_of(column):
    if db.engine.dialect.name == "sqlite":
        return cast(func.strftime("%Y", column), Integer)
    return cast(func.extract("year", column), Integer)


def _in_years(day, year: int, last: int):
    """SQL: `day` falls in the calendar years `year` to `last` (a plain date comparison)."""
    # Years past the calendar's range (a hostile query string) are clamped to it.
    first = min(max(year, MINYEAR), MAXYEAR)
    final = min(max(last, MINYEAR), MAXYEAR)
    return day.between(date(first, 1, 1), date(final, 12, 31))


def _whole_cents(column):
    return type_coerce(column, BigInteger)


def _project_money(
    user,
    filters,
    measures,
    year: int | None,
    year_to: int | None,
    *,
    every: bool,
    loans=None,
    before: bool = False,
):
    """SELECT (project_id, each measure's cents) of the filtered projects, one row each.

    Without a year, a project's money is its stored totals (the project list's figures). With
    one (to `year_to`), only the money of those calendar years counts, NULL where there is
    none: commitments (and grant equivalents) by the year of agreement, disbursements by their
    own year. Projects without any of the money are left out unless `every` is true.

    With `before` (and a year), each measure of several years (disbursements, the sources'
    signed commitments and expenditure) also has the cents of the project's earlier years, as
    `<measure>_before`: a split over shares rounds the years' range from those cents on (see
    `_share`). A commitment has one year, so nothing before it. The earlier years are summed
    from the rows themselves, as the kept sums sum them, the filtered projects' rows alone.
    """
    statement = filtered(user, filters).with_only_columns(Project.id.label("project_id"))
    columns = []
    earlier: list[Any] = []
    if grants.GRANT_EQUIVALENT in measures:
        # The projects other than loans; the loans' part is `_loan_money`'s.
        equivalent = grants.non_loan_column(_whole_cents(Project.commitment_usd))
        if year is not None:
            last = year_to if year_to is not None else year
            equivalent = case((_in_years(AGREED, year, last), equivalent))
        columns.append(equivalent.label(grants.GRANT_EQUIVALENT))
    if year is None:
        columns += [_whole_cents(STORED[m]).label(m) for m in measures if m in STORED]
    else:
        last = year_to if year_to is not None else year
        if "commitment" in measures:
            agreed = _in_years(AGREED, year, last)
            columns.append(case((agreed, _whole_cents(Project.commitment_usd))).label("commitment"))
        yearly = [m for m in measures if m in KINDS]
        if yearly:
            amount = _whole_cents(ProjectFunding.amount_usd)

            def summed(measure, *when):
                kind = ProjectFunding.kind == KINDS[measure]
                return cast(func.sum(case((and_(kind, *when), amount))), BigInteger)

            if before:
                sums = [summed(m, ProjectFunding.year >= year).label(m) for m in yearly]
                sums += [summed(m, ProjectFunding.year < year).label(m + BEFORE) for m in yearly]
                years = ProjectFunding.year <= last
            else:
                sums = [summed(m).label(m) for m in yearly]
                years = ProjectFunding.year.between(year, last)
            rows = (
                select(ProjectFunding.project_id, *sums)
                .where(years, ProjectFunding.kind.in_([KINDS[m] for m in yearly]))
                .group_by(ProjectFunding.project_id)
            )
            if before and not _every_project(user, filters):
                # Every year up to the last is read: the filtered projects' rows alone.
                ids = filtered(user, filters).with_only_columns(Project.id)
                rows = rows.where(ProjectFunding.project_id.in_(ids))
            funding = rows.subquery("funding")
            # Joined from the (few) projects with money in those years when that is all asked.
            statement = statement.join(
                funding,
                funding.c.project_id == Project.id,
                isouter=every
                or "commitment" in measures
                or grants.GRANT_EQUIVALENT in measures
                or len(yearly) < len(measures),
            )
            columns += [funding.c[m] for m in yearly]
            if before:
                earlier += [funding.c[m + BEFORE] for m in yearly]
    from_sources = [m for m in measures if m in streams.REPORTING_KINDS]
    if from_sources:
        until = year_to if year_to is not None else year
        split = before and year is not None
        money = streams.reporting_money(from_sources, year, until, before=split)
        statement = statement.outerjoin(money, money.c.project_id == Project.id)
        columns += [money.c[m] for m in from_sources]
        if split:
            earlier += [money.c[m + BEFORE] for m in from_sources]
    if not every and columns:
        statement = statement.where(or_(*(column.is_not(None) for column in columns)))
    return statement.add_columns(*columns, *earlier)


def _loan_money(user, filters, year: int | None, year_to: int | None, loans):
    """SELECT (project_id, grant_equivalent cents) of the filtered loans that have a grant
    element, in those years of agreement (portal/aggregates/grants.py); None when none has."""
    statement = grants.loan_money(filtered(user, filters), loans)
    if statement is None:
        return None
    if year is not None:
        statement = statement.where(
            _in_years(AGREED, year, year_to if year_to is not None else year)
        )
    return statement


def part(amount, bound):
    """SQL: the cents of `amount` up to `bound` (in parts of SHARE_BASIS), rounded half up.

    Whole numbers throughout: the amount is taken as multiple * SHARE_BASIS + rest, so that no
    product can overflow.
    """
    basis = literal_column(str(SHARE_BASIS), BigInteger)
    half = literal_column(str(SHARE_BASIS // 2), BigInteger)
    return (amount // basis) * bound + ((amount % basis) * bound + half) // basis


def _split(cents, table):
    """SQL for the cents of a project's amount that fall to one of its share rows.

    That is the amount rounded (half up) at the share's upper bound less the amount rounded at
    its lower bound, so the parts add up to the amount.
    """
    return part(cents, table.share_to) - part(cents, table.share_from)


def _share(cents, table, before=None):
    """SQL for a share row's cents; a project without shares keeps its amount whole.

    With `before` (the cents of the project's earlier years), the amount is the range from
    those cents on, and its share the difference of the range's ends split: so a project's
    shares of consecutive years add up to the share of their sum from the first year on, and
    the years of a group add up to its figure over all years, to the cent (the money cells'
    arithmetic, portal/aggregates/cells.py)."""
    split = _split(cents, table)
    if before is not None:
        start = func.coalesce(before, literal(0, BigInteger))
        split = _split(start + cents, table) - _split(start, table)
    # Tested in this order, the split is only worked out where there is money to split.
    return case((table.id.is_(None), cents), (cents.is_not(None), split))


def _grouped(money, dimension: str, measures):
    """SELECT (key, project_id, each measure's cents) of `money` for one dimension."""
    if dimension in DIRECT:
        return money.add_columns(DIRECT[dimension].label("key")).subquery("grouped")
    if dimension not in SHARED:
        raise ValueError(f"unknown dimension {dimension!r}")
    table, code = SHARED[dimension]
    if table is ProjectLocation:
        money = money.add_columns(Project.nationwide)
    projects = money.cte("money")
    if SQLITE_MATERIALIZES:
        # SQLite would otherwise merge this query into the outer one and work each project's
        # money out again for every share row and every time the split names it.
        projects = projects.prefix_with("MATERIALIZED", dialect="sqlite")
    fallback: ColumnElement[Any]
    if table is ProjectLocation:
        fallback = case((projects.c.nationwide, NATIONWIDE), else_=UNALLOCATED)
    else:
        fallback = literal(UNALLOCATED)
    return (
        select(
            func.coalesce(code, fallback).label("key"),
            projects.c.project_id,
            *(_share(projects.c[m], table, projects.c.get(m + BEFORE)).label(m) for m in measures),
        )
        .select_from(projects)
        .outerjoin(table, table.project_id == projects.c.project_id)
        .subquery("grouped")
    )


def _every_project(user, filters: ProjectFilters) -> bool:
    """Whether `user` sees every project and `filters` leave them all (CDC, no filter)."""
    return not filters.as_args() and project_visibility(user, Project).compare(true())


def _by_year(
    user, filters, measures, year: int | None, year_to: int | None, loans=None
) -> list[Row]:
    """Sum the money by calendar year (commitments and grant equivalents by the year of
    agreement)."""
    ids = filtered(user, filters).with_only_columns(Project.id)
    # The years asked for: `year` to `year_to` (or `year` alone), or every year.
    span = (year, year_to if year_to is not None else year) if year is not None else None
    rows: dict[object, Row] = {}
    if "commitment" in measures:
        agreed = _year_of(AGREED)
        statement = (
            ids.with_only_columns(agreed, func.sum(_whole_cents(Project.commitment_usd)))
            .where(Project.commitment_usd.is_not(None))
            .group_by(agreed)
        )
        if span is not None:
            statement = statement.where(_in_years(AGREED, *span))
        for key, cents in db.session.execute(statement):
            rows.setdefault(key, Row(key=key)).commitment = _cents(cents)
    if grants.GRANT_EQUIVALENT in measures:
        agreed = _year_of(AGREED)
        others = (
            ids.with_only_columns(
                agreed, func.sum(grants.non_loan_column(_whole_cents(Project.commitment_usd)))
            )
            .where(Project.commitment_usd.is_not(None))
            .group_by(agreed)
        )
        if span is not None:
            others = others.where(_in_years(AGREED, *span))
        sums: list[Any] = list(db.session.execute(others))
        first, last = span if span is not None else (None, None)
        sums += loan_parts(user, filters, "year", first, last, loans).items()
        for key, cents in sums:
            if cents is not None:
                row = rows.setdefault(key, Row(key=key))
                row.grant_equivalent += _cents(cents)
    yearly = {KINDS[m]: m for m in measures if m in KINDS}
    if yearly:
        statement = (
            select(
                ProjectFunding.year,
                ProjectFunding.kind,
                func.sum(_whole_cents(ProjectFunding.amount_usd)),
            )
            .where(ProjectFunding.kind.in_(yearly))
            .group_by(ProjectFunding.year, ProjectFunding.kind)
        )
        if not _every_project(user, filters):
            statement = statement.where(ProjectFunding.project_id.in_(ids))
        if span is not None:
            statement = statement.where(ProjectFunding.year.between(*span))
        for key, kind, cents in db.session.execute(statement):
            setattr(rows.setdefault(key, Row(key=key)), yearly[kind], _cents(cents))
    from_sources = [m for m in measures if m in streams.REPORTING_KINDS]
    if from_sources:
        kinds = {streams.REPORTING_KINDS[m]: m for m in from_sources}
        every = _every_project(user, filters)
        statement = streams.reporting_by_year(from_sources, None if every else ids, span)
        for key, kind, cents in db.session.execute(statement):
            setattr(rows.setdefault(key, Row(key=key)), kinds[kind], _cents(cents))
    return list(rows.values())


def _by_source(user, filters, measures, year, year_to, counts: bool, loans=None) -> list[Row]:
    """Each kind of funding source with its own money: the reporting partners' figures (those
    of every other dimension), then the co-financiers', the counterparts' and the national
    sources' yearly amounts (no grant equivalent: only the reporting partner's loan has terms)."""
    money = _project_money(
        user, filters, measures, year, year_to, every=counts, loans=loans
    ).subquery()
    reporting = db.session.execute(
        select(*(func.sum(money.c[m]) for m in measures), func.count())
    ).one()
    rows = []
    if counts or any(cents is not None for cents in reporting[:-1]):
        row = Row(key=REPORTING, project_count=reporting[-1] if counts else 0)
        for measure, cents in zip(measures, reporting[:-1], strict=False):
            setattr(row, measure, _cents(cents))
        rows.append(row)
    if grants.GRANT_EQUIVALENT in measures:
        cents = loan_parts(user, filters, SOURCE_DIMENSION, year, year_to, loans).get(REPORTING)
        if cents is not None:
            if not rows:
                rows.append(Row(key=REPORTING))
            rows[0].grant_equivalent += _cents(cents)
    every = _every_project(user, filters)
    ids = None if every else filtered(user, filters).with_only_columns(Project.id)
    last = year_to if year_to is not None else year
    for key, *sums, count in db.session.execute(streams.other_sources(measures, ids, year, last)):
        if not counts and all(cents is None for cents in sums):
            continue
        row = Row(key=key, project_count=count if counts else 0)
        for measure, cents in zip(measures, sums, strict=True):
            setattr(row, measure, _cents(cents))
        rows.append(row)
    return rows


def _by_group(
    user, filters, dimension, measures, year, year_to, counts: bool, loans=None
) -> list[Row]:
    """Sum the money, and count the projects, of each group of a dimension other than years."""
    money = _project_money(
        user,
        filters,
        measures,
        year,
        year_to,
        every=counts,
        loans=loans,
        before=year is not None and dimension in SHARED,
    )
    grouped = _grouped(money, dimension, measures)
    project_count = (
        func.count()
        if dimension in ONCE_A_GROUP
        else func.count(func.distinct(grouped.c.project_id))
    )
    statement = select(
        grouped.c.key,
        *(func.sum(grouped.c[m]) for m in measures),
        project_count if counts else literal(0),
    ).group_by(grouped.c.key)
    rows = {}
    for key, *sums, count in db.session.execute(statement):
        row = Row(key=key, project_count=count)
        for measure, cents in zip(measures, sums, strict=True):
            setattr(row, measure, _cents(cents))
        rows[key] = row
    if grants.GRANT_EQUIVALENT in measures:
        add_loan_parts(rows, loan_parts(user, filters, dimension, year, year_to, loans))
    return list(rows.values())


def add_loan_parts(rows: dict, parts: dict) -> None:
    """Add the loans' grant equivalents (`loan_parts`) to `rows` ({key: Row})."""
    for key, cents in parts.items():
        # Without counts, a group of loans alone has no row yet.
        row = rows.setdefault(key, Row(key=key))
        row.grant_equivalent += _cents(cents)


def loan_parts(user, filters, dimension: str, year, year_to, loans=None) -> dict:
    """{group of `dimension`: the cents of the grant equivalents of its loans} (the loans of
    the filtered projects that have a grant element; a loan counts in the year of agreement)."""
    lent = _loan_money(user, filters, year, year_to, loans)
    if lent is None:
        return {}
    if dimension == "year":
        by_agreement = lent.add_columns(_year_of(AGREED).label("agreed")).subquery()
        statement = select(
            by_agreement.c.agreed, func.sum(by_agreement.c[grants.GRANT_EQUIVALENT])
        ).group_by(by_agreement.c.agreed)
    elif dimension == SOURCE_DIMENSION:
        money = lent.subquery()
        statement = select(literal(REPORTING), func.sum(money.c[grants.GRANT_EQUIVALENT]))
    else:
        grouped = _grouped(lent, dimension, [grants.GRANT_EQUIVALENT])
        statement = select(grouped.c.key, func.sum(grouped.c[grants.GRANT_EQUIVALENT])).group_by(
            grouped.c.key
        )
    return {key: cents for key, cents in db.session.execute(statement) if cents is not None}


def aggregate(
    user,
    filters: ProjectFilters,
    dimension: str,
    *,
    year: int | None = None,
    year_to: int | None = None,
    measures=MEASURES,
    counts: bool = True,
    loans=None,
) -> list[Row]:
    """Sum commitments, disbursements and planned disbursements (USD) by `dimension`.

    Every measure is the reporting partner's (the project's own figures); `signed`,
    `expenditure` and `grant_equivalent` (portal/aggregates/grants.py: a grant's whole
    commitment, a loan's commitment times its grant element at CDC's discount rate) are asked
    for by name. The `source` dimension alone gives each kind of funding source its own money
    (portal/aggregates/streams.py). `loans` are the loan rows of the filtered projects
    (`loans.queries.loan_rows`) when the caller has read them already.

    `filters` are the project list's; `year` (to `year_to`) limits the money to those calendar
    years (commitments by the year of agreement). With `counts`, every filtered project counts
    in each group it has a share in; without, only groups with money are listed. Rows come
    largest commitment first.
    """
    measures = list(measures)
    if dimension == "year":
        rows = _by_year(user, filters, measures, year, year_to, loans)
    elif dimension == SOURCE_DIMENSION:
        rows = _by_source(user, filters, measures, year, year_to, counts, loans)
    else:
        rows = _by_group(user, filters, dimension, measures, year, year_to, counts, loans)
    return ordered(rows)


def ordered(rows: list[Row]) -> list[Row]:
    """Rows largest commitment (and disbursement) first."""
    return sorted(rows, key=lambda r: (-(r.commitment + r.disbursed), str(r.key)))


def totals(rows: list[Row]) -> Row:
    """The money of all rows together (project counts are per group, so not summed)."""
    total = Row(key="total")
    for row in rows:
        total.commitment += row.commitment
        total.disbursed += row.disbursed
        total.planned += row.planned
        total.signed += row.signed
        total.expenditure += row.expenditure
        total.grant_equivalent += row.grant_equivalent
    return total
