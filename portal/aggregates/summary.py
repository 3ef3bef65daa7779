"""The money of every group, summed once and kept current in the transaction that changes it.

The aggregate service (portal/aggregates/services.py) sums the money of the projects a reader
may see, by one dimension. Asked without filters by the public (the published projects) or by
CDC (every project), its answer is a sum over the whole database: at 100,000 projects, the
better part of a second for each figure of the dashboard. This table keeps those sums, one row
a group:

- `dimension` and `key`: the group (a partner's id, a province's code, "unallocated"...; the
  key as text, '' for none), for every dimension of the service (the year and the kind of
  funding source included);
- `within`: '' for the sums over every project, else those of the projects in one province
  (its code: a province page) or in one sector or sector category ("s:" and its code: the map
  of a sector), each project with all its money, over all years, in a few dimensions; or, by
  province and district, those of the projects that ended in one year ("e2019"), that started
  in one ("b2026"), or both the other way round ("y20262019"), by year too but only of the
  money of the years outside those bounds: the year filter (the map of some years) reads every
  project's sums less those of the projects that do not run in its years, a few rows a year
  (see `_terms`);
- `published`: whether the projects are published, so the public reads the published rows and
  CDC both;
- `year`: the money of that calendar year (commitments in the year of agreement), or `TOTAL`
  (0) for the projects' stored figures over all years;
- the cents of each kept measure, each with the number of share rows that had some (the
  service lists a group without project counts only where some project has money), and on the
  `TOTAL` row the number of projects in the group (the service's project count).

Each project's part in a group is the service's own arithmetic (`part` at a share's bounds:
the stored figures split, or one year's money as the range of the project's cents from its
earlier years on, split), so the kept sums are the service's answer to the cent: a project's
parts are worked out by the same SQL the service runs, limited to that project. A year's range
ends where the next one's starts, so the parts of consecutive years add up to the split of
their sum: a span of years is the sum of its years' rows, over shares too.

Kept current as the money cells are (portal/aggregates/cells.py), with one difference: a sum
cannot be worked out again from a project alone, so a project's old parts are taken off before
the first change of it in a transaction is written (before the flush, or before the bulk
statement runs, reading the rows as they were), and its new parts added just before the commit.
A savepoint rolled back takes its subtractions with it, and its projects are forgotten.

What is not kept: the loans' grant equivalents (summed from each loan's stored grant element,
portal/loans/queries.py; the other projects' part, their commitment, is kept as
`grant_commitment`), and any filter but one province, one sector or the years (and, within
those, the other dimensions, and spans of years within a province or a sector): those take the
service's live path. A
partner or a ministry reads the published rows plus its own unpublished projects worked out
live. `rebuild` works everything out from scratch (`flask portal summaries rebuild`), and a
test keeps the kept and rebuilt rows equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Integer,
    String,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    cast,
    delete,
    event,
    extract,
    func,
    inspect,
    literal,
    null,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal import changes
from portal.aggregates import cells, grants, services, streams
from portal.aggregates.services import (
    AGREED,
    BEFORE,
    DIRECT,
    KINDS,
    MEASURES,
    NATIONWIDE,
    ONCE_A_GROUP,
    SHARED,
    SOURCE_DIMENSION,
    SQLITE_MATERIALIZES,
    STORED,
    UNALLOCATED,
    Row,
    _cents,
    _share,
    _whole_cents,
)
from portal.budget.models import ProjectBudgetLine
from portal.db import Base
from portal.extensions import db
from portal.projects.models import Project, ProjectFunding, ProjectLocation, ProjectSector
from portal.projects.queries import ProjectFilters
from portal.projects.sources import REPORTING, FundingSource, SourceFunding
from portal.security import visibility_key

TOTAL = 0  # the year of a group's stored figures over all years
EVERYWHERE = ""  # `within` of the sums over every project (else a province's or a sector's)
GRANT_COMMITMENT = "grant_commitment"  # the grant equivalent of the projects other than loans
KEPT = ("commitment", "disbursed", "planned", "signed", "expenditure", GRANT_COMMITMENT)
SPREAD = ("disbursed", "planned", "signed", "expenditure")  # the measures of several years
YEAR = "year"
KEPT_DIMENSIONS = (*DIRECT, *SHARED, YEAR, SOURCE_DIMENSION)
# The dimensions also kept within each province (what a province page shows).
WITHIN_DIMENSIONS = (YEAR, "partner", "sector", "province", "district", "commune")
# And within each sector and sector category (the list's sector filter: the map of a sector).
SECTOR_WITHIN_DIMENSIONS = (YEAR, "partner", "ministry", "province", "district")
SECTOR_WITHIN = "s:"  # `within` of a sector's or category's sums: "s:" and its code
# And, for the list's year filter (the map of some years), within the projects that do not run
# in some years, by province and district, over all years and by year (see `read`): `within`
# "e" and an end year (the projects that ended in it; the money of their later years), "b" and
# a start year (those that started in it; the money of their earlier years), and "y", a start
# year and an earlier end year (those that start after they end; the years between). Years are
# of four digits, held within 0 to LAST_YEAR; letters and digits only, which every collation
# orders alike.
YEARS_WITHIN_DIMENSIONS = ("province", "district")
ENDED, STARTED, INVERTED = "e", "b", "y"
YEARS = "years:"  # a year filter's question: "years:", its first year, "-" and its last
LAST_YEAR = 9999
# Keys kept as text, read back as the service gives them.
INTEGER_KEYS = {"partner", "ministry", "twg", YEAR}
BOOLEAN_KEYS = {"on_budget"}
NO_KEY = ""
# The project columns a group's sums depend on (the cells' and those of the groups); a bulk
# UPDATE that sets none of them (a workflow step short of publishing, a quality score) leaves
# the sums alone.
PROJECT_COLUMNS = cells.PROJECT_COLUMNS | {
    "published_at",
    "reporting_org_id",
    "lead_national_partner_id",
    "type_of_assistance",
    "finance_type",
    "modality",
    "status",
    "on_budget",
    "twg_id",
    "start_year",
    "end_year",
}
TABLES = {**cells.TABLES, ProjectBudgetLine.__tablename__: ProjectBudgetLine.project_id}
MODELS = (Project, ProjectFunding, ProjectSector, ProjectLocation, ProjectBudgetLine, FundingSource)
CHUNK = 2000
# Adding back this many projects or more, half the projects or more, works everything out again.
REBUILD_FROM = 10 * CHUNK
# session.info: the projects whose parts are taken off in this transaction, each with the
# transaction (or savepoint) that took them off.
TAKEN = "portal_money_summary_taken"
# session.info: the last project id before this transaction inserted projects with ids the
# database gives (a batch import), when it did.
LAST_BEFORE = "portal_money_summary_last_before"


class MoneySummary(Base):
    """The money of one group of one dimension, in one year or over all (see the module)."""

    __tablename__ = "money_summary"
    __table_args__ = (
        # A question reads one dimension within one place (or everywhere): those lead.
        UniqueConstraint(
            "dimension", "within", "published", "year", "key", name="uq_money_summary_group"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(12))
    published: Mapped[bool] = mapped_column(Boolean)
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    within: Mapped[str] = mapped_column(String(16), default=EVERYWHERE)
    commitment: Mapped[int] = mapped_column(BigInteger, default=0)
    disbursed: Mapped[int] = mapped_column(BigInteger, default=0)
    planned: Mapped[int] = mapped_column(BigInteger, default=0)
    signed: Mapped[int] = mapped_column(BigInteger, default=0)
    expenditure: Mapped[int] = mapped_column(BigInteger, default=0)
    grant_commitment: Mapped[int] = mapped_column(BigInteger, default=0)
    n_commitment: Mapped[int] = mapped_column(Integer, default=0)
    n_disbursed: Mapped[int] = mapped_column(Integer, default=0)
    n_planned: Mapped[int] = mapped_column(Integer, default=0)
    n_signed: Mapped[int] = mapped_column(Integer, default=0)
    n_expenditure: Mapped[int] = mapped_column(Integer, default=0)
    n_grant_commitment: Mapped[int] = mapped_column(Integer, default=0)
    projects: Mapped[int] = mapped_column(Integer, default=0)


VALUES = (*KEPT, *(f"n_{m}" for m in KEPT), "projects")
GROUP = ("dimension", "within", "published", "year", "key")


# --- each project's parts -----------------------------------------------------------------


def _year_of(column):
    # Dialect-neutral (SQLite's dialect writes EXTRACT as strftime), as the money cells do.
    return cast(extract("year", column), Integer)


# Every kept group reads these tables of the projects' money: SQLite would otherwise work
# each out again for every group that reads it (PostgreSQL keeps a table read twice).
_MATERIALIZED = ("MATERIALIZED",) if SQLITE_MATERIALIZES else ()


def _text(column):
    return func.coalesce(cast(column, String), NO_KEY)


def _totals(ids):
    """CTE: each project's stored figures (and the reporting partner's signed commitments and
    expenditure over all years), one row a project, every project listed."""
    cents = _whole_cents(SourceFunding.amount_usd)
    signed = (
        select(
            FundingSource.project_id,
            *(
                cast(func.sum(case((SourceFunding.kind == kind, cents))), BigInteger).label(m)
                for m, kind in streams.REPORTING_KINDS.items()
            ),
        )
        .join(FundingSource, FundingSource.id == SourceFunding.source_id)
        .where(
            FundingSource.project_id.in_(ids),
            FundingSource.kind == REPORTING,
            SourceFunding.kind.in_(list(streams.REPORTING_KINDS.values())),
        )
        .group_by(FundingSource.project_id)
        .subquery("summary_signed")
    )
    return (
        select(
            Project.id.label("project_id"),
            literal(TOTAL, Integer).label("year"),
            *(_whole_cents(STORED[m]).label(m) for m in STORED),
            signed.c.signed,
            signed.c.expenditure,
            grants.non_loan_column(_whole_cents(Project.commitment_usd)).label(GRANT_COMMITMENT),
        )
        .outerjoin(signed, signed.c.project_id == Project.id)
        .where(Project.id.in_(ids))
        .cte("summary_totals")
        .prefix_with(*_MATERIALIZED, dialect="sqlite")
    )


def _yearly(ids):
    """CTE: each project's money of each calendar year, one row a project and year with some
    (commitments and the other projects' grant equivalent in the year of agreement, which may be
    NULL: those rows count only in the year dimension)."""
    empty = cast(null(), BigInteger)
    amount = _whole_cents(Project.commitment_usd)
    commitments = select(
        Project.id.label("project_id"),
        _year_of(AGREED).label("year"),
        amount.label("commitment"),
        empty.label("disbursed"),
        empty.label("planned"),
        empty.label("signed"),
        empty.label("expenditure"),
        grants.non_loan_column(amount).label(GRANT_COMMITMENT),
    ).where(Project.id.in_(ids), Project.commitment_usd.is_not(None))
    cents = _whole_cents(ProjectFunding.amount_usd)
    funding = (
        select(
            ProjectFunding.project_id,
            ProjectFunding.year,
            empty,
            *(
                cast(func.sum(case((ProjectFunding.kind == KINDS[m], cents))), BigInteger)
                for m in ("disbursed", "planned")
            ),
            empty,
            empty,
            empty,
        )
        .where(ProjectFunding.project_id.in_(ids), ProjectFunding.kind.in_(list(KINDS.values())))
        .group_by(ProjectFunding.project_id, ProjectFunding.year)
    )
    source_cents = _whole_cents(SourceFunding.amount_usd)
    sources = (
        select(
            FundingSource.project_id,
            SourceFunding.year,
            empty,
            empty,
            empty,
            *(
                cast(func.sum(case((SourceFunding.kind == kind, source_cents))), BigInteger)
                for kind in streams.REPORTING_KINDS.values()
            ),
            empty,
        )
        .join(FundingSource, FundingSource.id == SourceFunding.source_id)
        .where(
            FundingSource.project_id.in_(ids),
            FundingSource.kind == REPORTING,
            SourceFunding.kind.in_(list(streams.REPORTING_KINDS.values())),
        )
        .group_by(FundingSource.project_id, SourceFunding.year)
    )
    rows = union_all(commitments, funding, sources).subquery("summary_rows")
    # The cents of each measure of several years in the project's earlier years (a commitment
    # has one year): a year's split over shares is the range from them on (`_share`).
    earlier = [
        cast(
            func.sum(func.sum(rows.c[m])).over(partition_by=rows.c.project_id, order_by=rows.c.year)
            - func.sum(rows.c[m]),
            BigInteger,
        ).label(m + BEFORE)
        for m in SPREAD
    ]
    return (
        select(
            rows.c.project_id,
            rows.c.year,
            *(cast(func.sum(rows.c[m]), BigInteger).label(m) for m in KEPT),
            *earlier,
        )
        .group_by(rows.c.project_id, rows.c.year)
        .cte("summary_yearly")
        .prefix_with(*_MATERIALIZED, dialect="sqlite")
    )


def _places(ids):
    """CTE (project_id, within): each province the projects `ids` lists are in (its code)."""
    return (
        select(ProjectLocation.project_id, ProjectLocation.province_code.label("within"))
        .where(ProjectLocation.project_id.in_(ids))
        .distinct()
        .cte("summary_places")
        .prefix_with(*_MATERIALIZED, dialect="sqlite")
    )


def _sectors(ids):
    """CTE (project_id, within): each sector and sector category the projects `ids` lists are
    in ("s:" and the code)."""
    code = ProjectSector.sector_code
    return (
        union(
            *(
                select(
                    ProjectSector.project_id, (literal(SECTOR_WITHIN) + key).label("within")
                ).where(ProjectSector.project_id.in_(ids))
                for key in (code, func.substr(code, 1, 3))
            )
        )
        .cte("summary_sectors")
        .prefix_with(*_MATERIALIZED, dialect="sqlite")
    )


def _four_digits(year):
    """A project's year as four digits, held within 0 to LAST_YEAR: the year filter's bounds
    are within them, so it compares with them as the year does."""
    held = case((year < 0, 0), (year > LAST_YEAR, LAST_YEAR), else_=year)
    return func.substr(cast(held + 10000, String), 2, 4)


def _bounds(ids):
    """CTE (project_id, within, after, before): each project of `ids` with an end year, within
    "e" and it (its money of the years after it); with a start year, within "b" and it (of the
    years before it); and when it starts after it ends, within "y", the start year and the end
    year (of the years between)."""
    start, end = Project.start_year, Project.end_year
    nothing = cast(null(), Integer)

    def bound(within, after, before, condition):
        return select(
            Project.id.label("project_id"),
            within.label("within"),
            after.label("after"),
            before.label("before"),
        ).where(Project.id.in_(ids), condition)

    return (
        union_all(
            bound(literal(ENDED, String) + _four_digits(end), end, nothing, end.is_not(None)),
            bound(
                literal(STARTED, String) + _four_digits(start), nothing, start, start.is_not(None)
            ),
            bound(
                literal(INVERTED, String) + _four_digits(start) + _four_digits(end),
                end,
                start,
                start > end,
            ),
        )
        .cte("summary_bounds")
        .prefix_with(*_MATERIALIZED, dialect="sqlite")
    )


def _within_direct(totals, dimension: str, places):
    """SELECT the parts over all years of `_totals`' projects in each group of a direct
    dimension, within each province (or sector) they are in (`places`: `_places` or
    `_sectors`)."""
    published = Project.published_at.is_not(None)
    key = _text(DIRECT[dimension])
    joined = totals.join(Project, Project.id == totals.c.project_id).join(
        places, places.c.project_id == totals.c.project_id
    )
    return (
        select(
            literal(dimension, String).label("dimension"),
            published.label("published"),
            totals.c.year,
            key.label("key"),
            places.c.within,
            *(func.coalesce(func.sum(totals.c[m]), 0).label(m) for m in KEPT),
            *(func.count(totals.c[m]).label(f"n_{m}") for m in KEPT),
            func.count().label("projects"),
        )
        .select_from(joined)
        .group_by(published, totals.c.year, key, places.c.within)
    )


def _years_grouped(yearly, places):
    """SELECT the parts of `_yearly`'s projects in the year dimension (by their year), in each
    province (or sector) they are in (`places`: `_places` or `_sectors`) apart."""
    published = Project.published_at.is_not(None)
    joined = yearly.join(Project, Project.id == yearly.c.project_id).join(
        places, places.c.project_id == yearly.c.project_id
    )
    within = places.c.within
    return (
        select(
            literal(YEAR, String).label("dimension"),
            published.label("published"),
            literal(TOTAL, Integer).label("year"),
            _text(yearly.c.year).label("key"),
            within.label("within"),
            *(func.coalesce(func.sum(yearly.c[m]), 0).label(m) for m in KEPT),
            *(func.count(yearly.c[m]).label(f"n_{m}") for m in KEPT),
            literal(0).label("projects"),
        )
        .select_from(joined)
        .group_by(published, yearly.c.year, within)
    )


def _keyed(money):
    """CTE: `money`'s rows (`_totals` or `_yearly`) summed by publication, year and the keys of
    every direct dimension at once, with the number of rows summed (projects, for `_totals`).

    The direct dimensions' groups (and the years') are then sums of these few rows instead of
    each joining every project's money to its project again: sums and counts of rows add up
    group by group, so the parts are the same."""
    published = Project.published_at.is_not(None)
    keys = [_text(column).label(f"key_{dimension}") for dimension, column in DIRECT.items()]
    return (
        select(
            published.label("published"),
            money.c.year,
            *keys,
            *(cast(func.sum(money.c[m]), BigInteger).label(m) for m in KEPT),
            *(func.count(money.c[m]).label(f"n_{m}") for m in KEPT),
            func.count().label("rows"),
        )
        .select_from(money.join(Project, Project.id == money.c.project_id))
        .group_by(published, money.c.year, *(key.element for key in keys))
        .cte(f"{money.name}_keyed")
        .prefix_with(*_MATERIALIZED, dialect="sqlite")
    )


def _from_keyed(keyed, dimension: str, *, counted: bool):
    """SELECT the parts in each group of a direct dimension, the source dimension (every
    project's figures are the reporting partner's) or, over all years, the year dimension,
    from `_keyed`'s rows."""
    year: Any = keyed.c.year
    if dimension in DIRECT:
        key: Any = keyed.c[f"key_{dimension}"]
    elif dimension == SOURCE_DIMENSION:
        key = literal(REPORTING, String)
    else:  # YEAR: by the money's year, kept over all years
        key = _text(keyed.c.year)
        year = literal(TOTAL, Integer)
    statement = (
        select(
            literal(dimension, String).label("dimension"),
            keyed.c.published,
            year.label("year"),
            key.label("key"),
            literal(EVERYWHERE, String).label("within"),
            *(func.coalesce(func.sum(keyed.c[m]), 0).label(m) for m in KEPT),
            *(func.coalesce(func.sum(keyed.c[f"n_{m}"]), 0).label(f"n_{m}") for m in KEPT),
            (func.sum(keyed.c.rows) if counted else literal(0)).label("projects"),
        )
        .select_from(keyed)
        .group_by(keyed.c.published, keyed.c.year, *((key,) if dimension in DIRECT else ()))
    )
    if not counted and dimension != YEAR:
        statement = statement.where(keyed.c.year.is_not(None))
    return statement


def _shared_keys(table, dimensions=None) -> list:
    """The key of each dimension of the share table `table` (of `dimensions`, when given),
    labelled `key_<dimension>`: the share's code, or for a project without a share row
    "unallocated" (a place: "nationwide" when the project is)."""
    fallback: Any = literal(UNALLOCATED)
    if table is ProjectLocation:
        fallback = case((Project.nationwide, NATIONWIDE), else_=UNALLOCATED)
    return [
        func.coalesce(cast(code, String), fallback).label(f"key_{dimension}")
        for dimension, (shared, code) in SHARED.items()
        if shared is table and (dimensions is None or dimension in dimensions)
    ]


def _split_yearly(yearly, table, places=None, dimensions=None):
    """CTE: `_yearly`'s money split over the share rows of `table` (a project without any keeps
    its money whole), summed by publication, year and the key of each dimension of `table`
    (of `dimensions`, when given): those dimensions' yearly groups are sums of these rows, the
    split worked out once. With `places` (`_bounds`), within each of them apart, and only the
    money of the years after its `after` and before its `before` (see `read`)."""
    published = Project.published_at.is_not(None)
    keys = _shared_keys(table, dimensions)
    shares = [_share(yearly.c[m], table, yearly.c.get(m + BEFORE)) for m in KEPT]
    joined = yearly.join(Project, Project.id == yearly.c.project_id).outerjoin(
        table, table.project_id == yearly.c.project_id
    )
    within: Any = literal(EVERYWHERE, String)
    name = f"summary_split_{table.__tablename__}"
    chosen = [yearly.c.year.is_not(None)]
    if places is not None:
        joined = joined.join(places, places.c.project_id == yearly.c.project_id)
        within = places.c.within
        name += "_within"
        chosen += [
            or_(places.c.after.is_(None), yearly.c.year > places.c.after),
            or_(places.c.before.is_(None), yearly.c.year < places.c.before),
        ]
    return (
        select(
            published.label("published"),
            yearly.c.year,
            within.label("within"),
            *keys,
            *(cast(func.sum(s), BigInteger).label(m) for s, m in zip(shares, KEPT, strict=True)),
            *(func.count(s).label(f"n_{m}") for s, m in zip(shares, KEPT, strict=True)),
        )
        .select_from(joined)
        .where(*chosen)
        .group_by(published, yearly.c.year, within, *(key.element for key in keys))
        .cte(name)
        .prefix_with(*_MATERIALIZED, dialect="sqlite")
    )


def _from_split(split, dimension: str):
    """SELECT the yearly parts in each group of a shared dimension, from `_split_yearly`'s."""
    key = split.c[f"key_{dimension}"]
    return (
        select(
            literal(dimension, String).label("dimension"),
            split.c.published,
            split.c.year,
            key.label("key"),
            split.c.within,
            *(func.coalesce(func.sum(split.c[m]), 0).label(m) for m in KEPT),
            *(func.coalesce(func.sum(split.c[f"n_{m}"]), 0).label(f"n_{m}") for m in KEPT),
            literal(0).label("projects"),
        )
        .select_from(split)
        .group_by(split.c.published, split.c.year, key, split.c.within)
    )


def _split_totals(totals, table):
    """CTE: `_totals`' money of each project split over its share rows of `table` (a project
    without any keeps its money whole), one row a share row, with the key of each dimension of
    `table`: those dimensions' groups over all years, everywhere and within each province, are
    worked out from these rows, the split done once."""
    published = Project.published_at.is_not(None)
    return (
        select(
            totals.c.project_id,
            published.label("published"),
            totals.c.year,
            *_shared_keys(table),
            *(_share(totals.c[m], table).label(m) for m in KEPT),
        )
        .select_from(
            totals.join(Project, Project.id == totals.c.project_id).outerjoin(
                table, table.project_id == totals.c.project_id
            )
        )
        .cte(f"summary_split_totals_{table.__tablename__}")
        .prefix_with(*_MATERIALIZED, dialect="sqlite")
    )


def _from_split_totals(split, dimension: str, places=None):
    """SELECT the parts over all years in each group of a shared dimension, from
    `_split_totals`' rows; with `places` (`_places`, `_sectors` or `_bounds`), within each
    province (sector, or year bound) apart."""
    key = split.c[f"key_{dimension}"]
    count = (
        func.count() if dimension in ONCE_A_GROUP else func.count(func.distinct(split.c.project_id))
    )
    joined: Any = split
    within: Any = literal(EVERYWHERE, String)
    if places is not None:
        joined = split.join(places, places.c.project_id == split.c.project_id)
        within = places.c.within
    return (
        select(
            literal(dimension, String).label("dimension"),
            split.c.published,
            split.c.year,
            key.label("key"),
            within.label("within"),
            *(func.coalesce(func.sum(split.c[m]), 0).label(m) for m in KEPT),
            *(func.count(split.c[m]).label(f"n_{m}") for m in KEPT),
            count.label("projects"),
        )
        .select_from(joined)
        .group_by(split.c.published, split.c.year, key, within)
    )


def _other_sources(ids, *, by_year: bool):
    """SELECT the money of the sources other than the reporting partner, by kind of source:
    over all years with the number of projects that have that kind (`TOTAL`), or by year."""
    published = Project.published_at.is_not(None)
    cents = _whole_cents(SourceFunding.amount_usd)
    sums = []
    for measure in KEPT:
        kind = streams.OTHER_KINDS.get(measure)
        amount = case((SourceFunding.kind == kind, cents)) if kind else cast(null(), BigInteger)
        sums.append((measure, amount))
    year = SourceFunding.year if by_year else literal(TOTAL, Integer)
    statement = (
        select(
            literal(SOURCE_DIMENSION, String).label("dimension"),
            published.label("published"),
            year.label("year"),
            cast(FundingSource.kind, String).label("key"),
            literal(EVERYWHERE, String).label("within"),
            *(func.coalesce(func.sum(amount), 0).label(m) for m, amount in sums),
            *(func.count(amount).label(f"n_{m}") for m, amount in sums),
            (literal(0) if by_year else func.count(func.distinct(FundingSource.project_id))).label(
                "projects"
            ),
        )
        .select_from(FundingSource)
        .join(Project, Project.id == FundingSource.project_id)
        .outerjoin(SourceFunding, SourceFunding.source_id == FundingSource.id)
        .where(FundingSource.project_id.in_(ids), FundingSource.kind != REPORTING)
        .group_by(published, FundingSource.kind, *((SourceFunding.year,) if by_year else ()))
    )
    if by_year:
        statement = statement.where(SourceFunding.year.is_not(None))
    return statement


def _parts(ids):
    """SELECT (GROUP's columns, VALUES') of the projects `ids` lists, in every kept group."""
    totals = _totals(ids)
    yearly = _yearly(ids)
    kept_totals, kept_yearly = _keyed(totals), _keyed(yearly)
    branches = []
    for dimension in (*DIRECT, SOURCE_DIMENSION):
        branches.append(_from_keyed(kept_totals, dimension, counted=True))
        branches.append(_from_keyed(kept_yearly, dimension, counted=False))
    split_totals, split_yearly = {}, {}
    for dimension, (table, _code) in SHARED.items():
        if table not in split_totals:
            split_totals[table] = _split_totals(totals, table)
            split_yearly[table] = _split_yearly(yearly, table)
        branches.append(_from_split_totals(split_totals[table], dimension))
        branches.append(_from_split(split_yearly[table], dimension))
    branches.append(_from_keyed(kept_yearly, YEAR, counted=False))
    # The same within each province, over all years, for the province pages (the list's
    # province filter: the projects with a place in it, each with all its money). A province
    # page limited to some years filters by them too, so it takes the live path.
    # And within each sector and category, for the sector filter (a sector's map).
    for places, dimensions in (
        (_places(ids), WITHIN_DIMENSIONS),
        (_sectors(ids), SECTOR_WITHIN_DIMENSIONS),
    ):
        for dimension in dimensions:
            if dimension == YEAR:
                branches.append(_years_grouped(yearly, places))
            elif dimension in SHARED:
                table = SHARED[dimension][0]
                branches.append(_from_split_totals(split_totals[table], dimension, places))
            else:
                branches.append(_within_direct(totals, dimension, places))
    # And within the projects' year bounds, for the year filter: over all years (the projects
    # counted), and by year the money of the years outside the bound, split over places once
    # more (by the dimensions kept within bounds only).
    bounds = _bounds(ids)
    outside = _split_yearly(yearly, ProjectLocation, bounds, YEARS_WITHIN_DIMENSIONS)
    for dimension in YEARS_WITHIN_DIMENSIONS:
        branches.append(_from_split_totals(split_totals[ProjectLocation], dimension, bounds))
        branches.append(_from_split(outside, dimension))
    branches.append(_other_sources(ids, by_year=False))
    branches.append(_other_sources(ids, by_year=True))
    return union_all(*branches).subquery("parts")


def _upsert(dialect: str, ids, sign: int):
    """INSERT ... ON CONFLICT adding (sign 1) or taking off (-1) the parts of the projects
    `ids` selects (a SELECT of ids, or an expanding bound parameter)."""
    parts = _parts(ids)
    table = MoneySummary.__table__
    rows = (
        select(
            *(parts.c[name] for name in GROUP),
            *(
                (func.sum(parts.c[name]) * sign).label(name)
                if sign != 1
                else func.sum(parts.c[name]).label(name)
                for name in VALUES
            ),
        )
        .where(true())  # SQLite reads an upsert's SELECT without WHERE as a join's ON
        .group_by(*(parts.c[name] for name in GROUP))
        .order_by(*(parts.c[name] for name in GROUP))  # one order of locks for every writer
    )
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).from_select([*GROUP, *VALUES], rows)
    return statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in GROUP],
        set_={name: table.c[name] + statement.excluded[name] for name in VALUES},
    )


# The statement for a list of projects, built once for each database and sign: building it is
# most of the cost of one project's change.
_BUILT: dict[tuple[str, int], Any] = {}


def add(connection, project_ids: Iterable[int], sign: int = 1) -> None:
    """Add (sign 1) or take off (-1) the parts of these projects."""
    ids = sorted(set(project_ids))
    dialect = connection.dialect.name
    statement = _BUILT.get((dialect, sign))
    if statement is None:
        statement = _upsert(dialect, bindparam("ids", expanding=True), sign)
        _BUILT[(dialect, sign)] = statement
    if sign == 1 and len(ids) >= REBUILD_FROM and 2 * len(ids) >= _project_count(connection):
        # Most projects (a bulk write: the demo): the table holds none of their parts (taken
        # off, or new) and the others' as they are, so every group worked out from scratch is
        # the same sums, by one statement instead of chunks that each upsert every group.
        rebuild(connection)
        return
    for start in range(0, len(ids), CHUNK):
        connection.execute(statement, {"ids": ids[start : start + CHUNK]})


def _project_count(connection) -> int:
    return connection.execute(select(func.count()).select_from(Project)).scalar_one()


def rebuild(connection) -> int:
    """Work every group out from scratch; returns how many rows there are."""
    table = MoneySummary.__table__
    connection.execute(delete(table))
    connection.execute(_upsert(connection.dialect.name, select(Project.id), 1))
    return connection.execute(select(func.count()).select_from(table)).scalar_one()


# --- kept current --------------------------------------------------------------------------


def _taken(session) -> dict[int, Any]:
    return session.info.setdefault(TAKEN, {})


def _take_off(session, project_ids: Iterable[int]) -> None:
    """Take off the parts of these projects, as the database holds them now, unless they were
    taken off already in this transaction."""
    taken = _taken(session)
    ids = {found for found in project_ids if found is not None and found not in taken}
    last = session.info.get(LAST_BEFORE)
    if last is not None:
        inserted = {found for found in ids if found > last}
        note_new(session, inserted)
        ids -= inserted
    if not ids:
        return
    add(session.connection(), ids, -1)
    holder = session.get_nested_transaction() or session.get_transaction()
    for found in ids:
        taken[found] = holder


def _project_of(obj) -> int | None:
    if isinstance(obj, Project):
        return obj.id
    project_id = getattr(obj, "project_id", None)
    if project_id is None:
        project = getattr(obj, "project", None)
        project_id = getattr(project, "id", None)
    return project_id


@event.listens_for(Session, "before_flush")
def _before_flush(session, _flush_context, _instances) -> None:
    ids: set[int | None] = set()
    sources: set[int] = set()
    for obj in (*session.dirty, *session.deleted, *session.new):
        if isinstance(obj, Project):
            if obj in session.new:
                continue  # nothing of it is summed yet; added at the commit
            if obj in session.dirty and not _project_changed(obj):
                continue
            ids.add(obj.id)
        elif isinstance(obj, MODELS):
            ids.add(_project_of(obj))
        elif isinstance(obj, SourceFunding):
            if obj.source_id is not None:
                sources.add(obj.source_id)
            elif obj.source is not None:
                ids.add(obj.source.project_id)
    if sources:
        ids |= set(
            session.connection()
            .execute(select(FundingSource.project_id).where(FundingSource.id.in_(sources)))
            .scalars()
        )
    ids.discard(None)
    if ids:
        _take_off(session, ids)  # type: ignore[arg-type]


def _project_changed(obj) -> bool:
    state = inspect(obj)
    return any(
        state.attrs[name].history.has_changes() for name in PROJECT_COLUMNS if name in state.attrs
    )


@event.listens_for(Session, "after_flush")
def _note_new(session, _flush_context) -> None:
    # New projects have their ids now; nothing of theirs was summed, so nothing is taken off.
    taken = None
    for obj in session.new:
        if isinstance(obj, Project) and obj.id is not None:
            if taken is None:
                taken = _taken(session)
            if obj.id not in taken:
                taken[obj.id] = session.get_nested_transaction() or session.get_transaction()


@event.listens_for(Session, "do_orm_execute")
def _before_bulk(state) -> None:
    session = state.session
    table = changes.written_table(state)
    if state.is_insert and getattr(table, "name", None) == Project.__tablename__:
        ids = cells.bulk_projects(state, TABLES, PROJECT_COLUMNS)
        if ids:
            note_new(session, ids)
        else:  # ids the database gives (a batch import's): new ones are above today's last
            _note_last_project(session)
        return
    ids = cells.bulk_projects(state, TABLES, PROJECT_COLUMNS)
    if ids:
        _take_off(session, ids)


def _note_last_project(session) -> None:
    """Before projects are inserted with ids the database gives, note the last id there is:
    a project above it that this transaction writes to is one it inserted (nothing of it is
    summed yet). Its plan was read before, so it writes to no project another transaction
    inserted since."""
    if LAST_BEFORE not in session.info:
        last = session.connection().execute(select(func.max(Project.id))).scalar()
        session.info[LAST_BEFORE] = last or 0


def note_new(session, project_ids: Iterable[int]) -> None:
    """New projects written in `session`'s transaction: nothing of theirs is summed yet; their
    parts are added at the commit. The session notes those it writes itself; a writer past it
    (the demo's COPY) says so here."""
    taken = _taken(session)
    holder = session.get_nested_transaction() or session.get_transaction()
    for project_id in project_ids:
        taken.setdefault(project_id, holder)


@event.listens_for(Session, "before_commit")
def _add_taken(session) -> None:
    if any(
        isinstance(obj, (*MODELS, SourceFunding))
        for objects in (session.new, session.dirty, session.deleted)
        for obj in objects
    ):
        session.flush()
    taken = session.info.pop(TAKEN, None)
    if taken:
        add(session.connection(), taken, 1)


def pending(session) -> bool:
    """Whether `session` took parts off that it has not added back (its sums are not whole)."""
    return bool(session.info.get(TAKEN))


@event.listens_for(Session, "after_commit")
def _forget(session) -> None:
    session.info.pop(TAKEN, None)
    session.info.pop(LAST_BEFORE, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(LAST_BEFORE, None)
    taken = session.info.get(TAKEN)
    if not taken:
        return
    if not session.in_transaction():
        session.info.pop(TAKEN, None)
        return
    # A savepoint rolled back undid its subtractions (and its changes): forget its projects.
    undone = set()
    for project_id, holder in taken.items():
        transaction = holder
        while transaction is not None:
            if transaction is previous_transaction:
                undone.add(project_id)
                break
            transaction = transaction.parent
    for project_id in undone:
        del taken[project_id]


# --- read ----------------------------------------------------------------------------------


def _key(dimension: str, text: str) -> object:
    if text == NO_KEY:
        return None
    if dimension in INTEGER_KEYS:
        return int(text)
    if dimension in BOOLEAN_KEYS:
        return text in ("true", "1")
    return text


def read(
    connection,
    dimension: str,
    measures: list[str],
    *,
    public: bool,
    year: int | None,
    year_to: int | None,
    counts: bool,
    within: str = EVERYWHERE,
) -> list[Row] | None:
    """The service's rows for `dimension` and `measures` (KEPT's) of the published projects
    (`public`) or of all, from the kept sums; None when they cannot answer (see the module).

    `within` a year filter's question (`_within`: the projects running in some of its years)
    reads every project's sums less those of the projects that do not run in them (see
    `_terms`), of its years or some of them, or over all years."""
    if dimension not in KEPT_DIMENSIONS or not set(measures) <= set(KEPT):
        return None
    last = year_to if year_to is not None else year
    if within.startswith(YEARS):
        first_year, last_year = _years(within)
        if dimension not in YEARS_WITHIN_DIMENSIONS or (
            year is not None and (year < first_year or last is None or last > last_year)
        ):
            return None
    elif within != EVERYWHERE:
        kept_within = (
            SECTOR_WITHIN_DIMENSIONS if within.startswith(SECTOR_WITHIN) else WITHIN_DIMENSIONS
        )
        if dimension not in kept_within or (year is not None and dimension != YEAR):
            return None  # kept within a province or a sector: those dimensions, over all years
    table = MoneySummary.__table__
    terms = [(sign, and_(*conditions)) for sign, conditions in _terms(table.c.within, within)]
    chosen = [table.c.dimension == dimension, or_(*(rows for _sign, rows in terms))]
    if public:
        chosen.append(table.c.published.is_(True))
    signed: Any = case(*((rows, sign) for sign, rows in terms), else_=0)

    def summed(column):
        return func.sum(column if len(terms) == 1 else signed * column)

    money_columns = [summed(table.c[m]) for m in measures]
    present_columns = [summed(table.c[f"n_{m}"]) for m in measures]
    projects_column = summed(table.c.projects)
    if dimension == YEAR:
        statement = select(table.c.key, *money_columns, *present_columns).where(
            *chosen, table.c.year == TOTAL
        )
        rows = {}
        for key, *sums in connection.execute(statement.group_by(table.c.key)):
            value = _key(dimension, key)
            if year is not None and not (isinstance(value, int) and year <= value <= (last or 0)):
                continue
            if not any(sums[len(measures) :]):
                continue
            rows[value] = _row(value, measures, sums[: len(measures)], 0)
        return list(rows.values())
    if year is None or last is None:
        span = table.c.year == TOTAL
    elif last < year:
        return None
    else:
        span = table.c.year.between(max(year, 1), last)
    statement = (
        select(table.c.key, *money_columns, *present_columns)
        .where(*chosen, span)
        .group_by(table.c.key)
    )
    found = {key: sums for key, *sums in connection.execute(statement)}
    counted: dict[str, int] = {}
    if counts:
        counted = dict(
            connection.execute(
                select(table.c.key, projects_column)
                .where(*chosen, table.c.year == TOTAL)
                .group_by(table.c.key)
            ).all()
        )
    rows = {}
    for key in {*found, *counted}:
        sums = found.get(key)
        projects = int(counted.get(key) or 0)
        present = sums is not None and any(sums[len(measures) :])
        if counts:
            if projects <= 0 and not (dimension == SOURCE_DIMENSION and key == REPORTING):
                continue
        elif not present:
            continue
        value = _key(dimension, key)
        rows[value] = _row(value, measures, sums[: len(measures)] if sums else [], projects)
    if counts and dimension == SOURCE_DIMENSION and REPORTING not in rows:
        rows[REPORTING] = Row(key=REPORTING)
    return list(rows.values())


def _years(within: str) -> tuple[int, int]:
    """A year filter's question's (`_within`) first and last years."""
    first, last = within.removeprefix(YEARS).split("-")
    return int(first), int(last)


def _terms(column, within: str) -> list[tuple[int, list]]:
    """(sign, conditions on `column`, the rows' `within`): the kept rows whose sums, each with
    its sign, add up to the answer `within` `within`.

    For a year filter's question (F to T: the projects that end in F or later and start in T or
    earlier, each bound when it has one): every project's rows, less those of the projects that
    ended before F, less those that started after T, plus those of the projects that did both
    (they start after they end), taken off twice. A project that does not run in the filter's
    years has no money in them but that of years outside its own, which is what is kept of it
    by year; so any span of the filter's years is answered, and over all years its totals."""
    if not within.startswith(YEARS):
        return [(1, [column == within])]
    first, last = (f"{year:04d}" for year in _years(within))
    lowest, highest = f"{0:04d}", f"{LAST_YEAR:04d}"
    return [
        (1, [column == EVERYWHERE]),
        (-1, [column >= ENDED + lowest, column < ENDED + first]),
        (-1, [column > STARTED + last, column <= STARTED + highest]),
        (
            1,
            [
                column >= INVERTED + lowest + lowest,
                column <= INVERTED + highest + highest,
                func.substr(column, 2, 4) > last,
                func.substr(column, 6, 4) < first,
            ],
        ),
    ]


def _row(key, measures, sums, projects: int) -> Row:
    row = Row(key=key, project_count=projects)
    for measure, cents in zip(measures, sums, strict=False):
        # The other projects' grant equivalent: the loans' part is the caller's to add.
        setattr(
            row, grants.GRANT_EQUIVALENT if measure == GRANT_COMMITMENT else measure, _cents(cents)
        )
    return row


def _within(filters: ProjectFilters) -> str | None:
    """The kept sums' `within` for `filters`: EVERYWHERE without any, a province's code or a
    sector's or category's ("s:" and the code) when that is the only filter, the year filter's
    question ("years:", its first year, "-", its last) when that is the only one; else None."""
    asked = filters.as_args()
    if not asked:
        return EVERYWHERE
    if set(asked) <= {"year_from", "year_to"}:
        first, last = filters.year_from or 0, filters.year_to or LAST_YEAR
        if min(first, last) < 0 or max(first, last) > LAST_YEAR:
            return None
        return f"{YEARS}{first:04d}-{last:04d}"
    if len(asked) > 1:
        return None
    if "province" in asked:
        return asked["province"]
    sector = asked.get("sector")
    if sector is not None and len(sector) in (3, 5):
        return SECTOR_WITHIN + sector
    return None


def kept_scope(user, filters: ProjectFilters) -> tuple[bool, str] | None:
    """Which kept sums answer `user` with `filters`: (published rows only, within a province,
    a sector or EVERYWHERE); the public reads the published rows, CDC all; None when they do
    not answer (another reader, or any other filter)."""
    within = _within(filters)
    public = {"public": True, "cdc": False}.get(visibility_key(user))
    if within is None or public is None:
        return None
    return public, within


def _unsettled(session) -> bool:
    """Whether `session` changed money it has not committed (the kept sums are not its own)."""
    return pending(session) or any(
        isinstance(obj, (*MODELS, SourceFunding))
        for objects in (session.new, session.dirty, session.deleted)
        for obj in objects
    )


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
    """The aggregate service's answer (`services.aggregate`, same arguments, same rows), read
    from the kept sums where they hold it, else worked out.

    A partner or a ministry sees the published projects and its own: the published ones are
    read from the kept sums, its own unpublished ones worked out (a few), and the two added
    (no project is in both)."""
    measures = list(measures)
    asked = {"year": year, "year_to": year_to, "measures": measures, "counts": counts}
    if _unsettled(db.session):
        return services.aggregate(user, filters, dimension, loans=loans, **asked)
    scope = kept_scope(user, filters)
    if scope is not None:
        found = _kept(user, filters, dimension, scope, loans, **asked)
        if found is not None:
            return services.ordered(found)
    elif loans is None and _own_reader(user, filters):
        within = _within(filters) or EVERYWHERE
        published = replace(filters, published="yes")
        found = _kept(user, published, dimension, (True, within), None, **asked)
        if found is not None:
            own = services.aggregate(user, replace(filters, published="no"), dimension, **asked)
            return services.ordered(_added(found, own))
    return services.aggregate(user, filters, dimension, loans=loans, **asked)


def _kept(user, filters, dimension, scope, loans, *, year, year_to, measures, counts):
    """Rows of the kept sums for `scope` (published only, within), the loans' grant
    equivalents added from `filters`' loans; None when the kept sums do not answer."""
    public, within = scope
    kept = [GRANT_COMMITMENT if m == grants.GRANT_EQUIVALENT else m for m in measures]
    found = read(
        db.session.connection(),
        dimension,
        kept,
        public=public,
        year=year,
        year_to=year_to,
        counts=counts,
        within=within,
    )
    if found is not None and grants.GRANT_EQUIVALENT in measures:
        rows = {row.key: row for row in found}
        services.add_loan_parts(
            rows, services.loan_parts(user, filters, dimension, year, year_to, loans)
        )
        found = list(rows.values())
    return found


def _own_reader(user, filters: ProjectFilters) -> bool:
    """Whether `user` is a partner or a ministry reading with no filter but a province or a
    sector."""
    return _within(filters) is not None and visibility_key(user).startswith(("partner:", "lead:"))


def _added(rows: list[Row], more: list[Row]) -> list[Row]:
    """Rows of two disjoint sets of projects, added group by group."""
    added = {row.key: row for row in rows}
    for row in more:
        mine = added.get(row.key)
        if mine is None:
            added[row.key] = row
            continue
        for name in (*KEPT[:-1], grants.GRANT_EQUIVALENT, "project_count"):
            setattr(mine, name, getattr(mine, name) + getattr(row, name))
    return list(added.values())
