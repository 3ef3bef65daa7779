"""Rows × columns × one measure over the aggregate service's dimensions, exact to the cent.

The money is the aggregate service's (portal.aggregates.services): the project list's filters
and the reader's visibility choose the projects, a commitment counts in its year of agreement,
a disbursement in its own year, and a project's money is split over its sectors and its places
by their cumulative share bounds. Crossing two or three dimensions splits one amount along
several axes at once (years, sectors, places). Each cell is the amount of a box of those axes
worked out by inclusion and exclusion of its corners, each corner rounded as the service
rounds a share (`part`, then `part` again along the next axis). Summed along any axis the
corners cancel in pairs, so every row, column and grand total is exactly what the aggregate
service gives for those dimensions, to the cent, however the shares fall.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from portal import collector
from portal.aggregates.cells import MoneyCell, settle
from portal.aggregates.services import (
    AGREED,
    CENT,
    DIMENSIONS,
    DIRECT,
    KINDS,
    NATIONWIDE,
    SHARED,
    SOURCE_DIMENSION,
    SQLITE_MATERIALIZES,
    STORED,
    UNALLOCATED,
    _every_project,
    _in_years,
    _whole_cents,
    _year_of,
    part,
)
from portal.extensions import db
from portal.projects.models import SHARE_BASIS, Project, ProjectFunding, ProjectLocation
from portal.projects.queries import ProjectFilters, filtered
from portal.projects.sources import REPORTING

# The aggregate service's dimensions, and the kind of funding source (answered from the kept
# cells only: see _answered_by_cells).
PIVOT_DIMENSIONS = (*DIMENSIONS, SOURCE_DIMENSION)
MONEY_MEASURES = ("commitment", "disbursed", "planned")
# Commitments signed by year and expenditure: the funding sources' own rows, in the kept cells.
SOURCE_MEASURES = ("signed", "expenditure")
MEASURES = (*MONEY_MEASURES, *SOURCE_MEASURES, "projects")
SHARES = ("row", "column")
MAX_ROWS, MAX_COLUMNS, MAX_DIMENSIONS = 2, 2, 3
HUNDRED = Decimal(100)


@dataclass
class Question:
    """What is asked: the dimensions of the rows and columns, one measure, and the filters."""

    rows: list[str]
    columns: list[str] = field(default_factory=list)
    measure: str = "commitment"
    share: str = ""  # "", "row" or "column": each cell as a share of its row's or column's total
    money_from: int | None = None
    money_to: int | None = None
    filters: ProjectFilters = field(default_factory=ProjectFilters)
    # A closed reporting round's year: the answer comes from its snapshot (analysis/frozen.py).
    round: int | None = None

    @property
    def dimensions(self) -> list[str]:
        return [*self.rows, *self.columns]

    def as_args(self) -> dict:
        """The question as query arguments (the API's, the page's and a saved question's)."""
        args: dict[str, Any] = {"rows": ",".join(self.rows)}
        if self.columns:
            args["columns"] = ",".join(self.columns)
        args["measure"] = self.measure
        if self.share:
            args["share"] = self.share
        if self.money_from is not None:
            args["money_from"] = self.money_from
        if self.money_to is not None:
            args["money_to"] = self.money_to
        args.update(self.filters.as_args())
        if self.round is not None:
            args["round"] = self.round
        return args


Key = tuple


@dataclass
class Pivot:
    """The answer: a value per (row key, column key), the totals, in the order to show them."""

    question: Question
    row_keys: list[Key]
    column_keys: list[Key]
    cells: dict[tuple[Key, Key], Decimal | int]
    row_totals: dict[Key, Decimal | int]
    column_totals: dict[Key, Decimal | int]
    total: Decimal | int

    def value(self, row: Key | None, column: Key | None) -> Decimal | int:
        """The measure of a cell (None for a total over that side)."""
        if row is None and column is None:
            return self.total
        if row is None:
            return self.column_totals.get(column, 0)  # type: ignore[arg-type]
        if column is None:
            return self.row_totals.get(row, 0)
        return self.cells.get((row, column), 0)

    def shown(self, row: Key | None, column: Key | None) -> Decimal | int | None:
        """The cell as asked: the measure, or its share (percent, 0.1) of its row or column."""
        amount = self.value(row, column)
        share = self.question.share
        if not share:
            return amount
        whole = self.value(row, None) if share == "row" else self.value(None, column)
        if not whole:
            return None
        return (Decimal(amount) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"))


def _tables(dimensions: list[str]) -> list[Any]:
    """The share tables the dimensions split money over, each once (sector and category share
    the sectors' rows, province and district the places')."""
    tables: list[Any] = []
    for dimension in dimensions:
        if dimension in SHARED and SHARED[dimension][0] not in tables:
            tables.append(SHARED[dimension][0])
    return tables


def _by_year(question: Question) -> bool:
    return "year" in question.dimensions or question.money_from is not None


def _span(question: Question) -> tuple[int, int] | None:
    if question.money_from is None:
        return None
    last = question.money_to if question.money_to is not None else question.money_from
    return question.money_from, last


def _money(user, question: Question):
    """SELECT (project_id[, year], low, high) of the filtered projects' money of the measure.

    Without years, a project's amount is its stored total (the project list's figure), the
    range 0 to amount. By year, the project's amounts of the years follow one another: each
    year is the range from the cents of the earlier years to those and its own.
    """
    ids = filtered(user, question.filters).with_only_columns(Project.id)
    measure, span = question.measure, _span(question)
    if measure == "projects":
        if not _by_year(question):
            return ids.with_only_columns(Project.id.label("project_id"))
        # A project counts in each year it has money of any kind.
        agreed = _year_of(AGREED)
        commitments = ids.with_only_columns(
            Project.id.label("project_id"), agreed.label("year")
        ).where(Project.commitment_usd.is_not(None))
        funding = select(
            ProjectFunding.project_id.label("project_id"), ProjectFunding.year.label("year")
        ).where(ProjectFunding.project_id.in_(ids))
        if span is not None:
            commitments = commitments.where(_in_years(AGREED, *span))
            funding = funding.where(ProjectFunding.year.between(*span))
        # Repeats kept (a year of a commitment and of disbursements, a year of several
        # currencies): every count is of distinct projects, and removing them costs more.
        return select(union_all(commitments, funding).subquery("years"))
    if not _by_year(question):
        amount = _whole_cents(STORED[measure])
        return ids.with_only_columns(
            Project.id.label("project_id"),
            literal(0, BigInteger).label("low"),
            amount.label("high"),
        ).where(STORED[measure].is_not(None))
    if measure == "commitment":
        yearly = ids.with_only_columns(
            Project.id.label("project_id"),
            _year_of(AGREED).label("year"),
            _whole_cents(Project.commitment_usd).label("amount"),
        ).where(Project.commitment_usd.is_not(None))
        if span is not None:
            yearly = yearly.where(_in_years(AGREED, *span))
    else:
        # One query: each year's cents summed over its rows (one a currency), and the running
        # sum read over those sums in the order they are grouped in.
        cents = _whole_cents(ProjectFunding.amount_usd)
        running = func.sum(func.sum(cents)).over(
            partition_by=ProjectFunding.project_id, order_by=ProjectFunding.year
        )
        money = (
            select(
                ProjectFunding.project_id.label("project_id"),
                ProjectFunding.year.label("year"),
                cast(running - func.sum(cents), BigInteger).label("low"),
                cast(running, BigInteger).label("high"),
            )
            .where(ProjectFunding.kind == KINDS[measure], ProjectFunding.project_id.in_(ids))
            .group_by(ProjectFunding.project_id, ProjectFunding.year)
        )
        if span is not None:
            # The years' ranges run from the project's first year on, as the kept cells' (so
            # a span's split is the sum of its years' splits), then only the span's are read.
            ranges = money.where(ProjectFunding.year <= span[1]).subquery("ranges")
            return select(ranges).where(ranges.c.year >= span[0])
        return money
    amounts = yearly.subquery("amounts")
    running = func.sum(amounts.c.amount).over(
        partition_by=amounts.c.project_id, order_by=amounts.c.year
    )
    return select(
        amounts.c.project_id,
        amounts.c.year,
        cast(running - amounts.c.amount, BigInteger).label("low"),
        cast(running, BigInteger).label("high"),
    )


def _materialized(cte):
    """Work a WITH query out once (SQLite and PostgreSQL would otherwise fold it into the
    query that reads it, and evaluate its expressions again at every mention)."""
    if SQLITE_MATERIALIZES:
        cte = cte.prefix_with("MATERIALIZED", dialect="sqlite")
    return cte.prefix_with("MATERIALIZED", dialect="postgresql")


def _key(dimension: str, money, nationwide=Project.nationwide) -> ColumnElement[Any]:
    if dimension == "year":
        return money.c.year
    if dimension in DIRECT:
        return DIRECT[dimension].expression
    table, code = SHARED[dimension]
    fallback: ColumnElement[Any]
    if table is ProjectLocation:
        fallback = case((nationwide, NATIONWIDE), else_=UNALLOCATED)
    else:
        fallback = literal(UNALLOCATED)
    return func.coalesce(code, fallback)


Terms = list[tuple[ColumnElement[Any], int]]


def _corners(terms: Terms, table) -> Terms:
    """Each term rounded at the share's upper bound, less it rounded at the lower bound."""
    upper = func.coalesce(table.share_to, literal_column(str(SHARE_BASIS), BigInteger))
    lower = func.coalesce(table.share_from, literal(0, BigInteger))
    return [
        corner
        for amount, sign in terms
        for corner in ((part(amount, upper), sign), (part(amount, lower), -sign))
    ]


def _signed_sum(terms: Terms) -> ColumnElement[Any]:
    total: ColumnElement[Any] | None = None
    for term, sign in terms:
        total = term if total is None else (total + term if sign > 0 else total - term)
    assert total is not None
    return total


def _grouped(user, question: Question):
    """The SELECT of (each dimension's key..., project_id[, cents]) rows (see the module).

    Crossed with two share tables, each amount is first rounded along the first table's
    shares in a query of its own, whose results the split along the second one reads: the
    corners are then plain columns, not the whole nested rounding written out (and worked out)
    again at every mention.
    """
    dimensions = question.dimensions
    money = _materialized(_money(user, question).cte("money"))
    tables = _tables(dimensions)
    terms: Terms = []
    if question.measure != "projects":
        terms = [(money.c.high, 1)]
        if _by_year(question):
            terms.append((money.c.low, -1))
    source, project_id = money, money.c.project_id
    keys = {d: _key(d, money) for d in dimensions}
    needs_project = any(d in DIRECT for d in dimensions) or ProjectLocation in tables
    to_join = tables
    if terms and len(tables) == 2:
        # The first split in a query of its own; the second reads its corners.
        first, last = tables
        first_dimensions = [d for d in dimensions if SHARED.get(d, (None,))[0] is not last]
        columns = [keys[d].label(f"k{dimensions.index(d)}") for d in first_dimensions]
        corners = _corners(terms, first)
        columns += [term.label(f"c{i}") for i, (term, _sign) in enumerate(corners)]
        if last is ProjectLocation:
            columns.append(Project.nationwide.label("nationwide"))
        split = select(project_id.label("project_id"), *columns).select_from(money)
        if needs_project:
            split = split.join(Project, Project.id == money.c.project_id)
        split = split.outerjoin(first, first.project_id == money.c.project_id)
        source = _materialized(split.cte("split"))
        project_id = source.c.project_id
        for d in first_dimensions:
            keys[d] = source.c[f"k{dimensions.index(d)}"]
        nationwide = source.c.nationwide if last is ProjectLocation else Project.nationwide
        for d in dimensions:
            if d not in first_dimensions:
                keys[d] = _key(d, source, nationwide)
        terms = [(source.c[f"c{i}"], sign) for i, (_term, sign) in enumerate(corners)]
        to_join, needs_project = [last], False
    columns = [keys[d].label(f"k{i}") for i, d in enumerate(dimensions)]
    columns.append(project_id.label("project_id"))
    if terms:
        for table in to_join:
            terms = _corners(terms, table)
        columns.append(_signed_sum(terms).label("cents"))
    statement = select(*columns).select_from(source)
    if needs_project:
        statement = statement.join(Project, Project.id == project_id)
    for table in to_join:
        statement = statement.outerjoin(table, table.project_id == project_id)
    return statement


# The dimensions the kept cells answer (portal/aggregates/cells.py), with the project row's.
CELL_DIMENSIONS = frozenset(
    {"year", "sector", "category", "province", "district", "commune", SOURCE_DIMENSION}
)


def _answered_by_cells(question: Question) -> bool:
    """Whether the kept cells hold the answer: amounts over dimensions of the cells and the
    project row, over all the years or some (a cell's year is a range of the project's cents
    from its first year on, as the service splits a span: see `_money`)."""
    dimensions = question.dimensions
    return question.measure in (*MONEY_MEASURES, *SOURCE_MEASURES) and all(
        d in CELL_DIMENSIONS or d in DIRECT for d in dimensions
    )


def source_refusal(question: Question) -> tuple[str, str] | None:
    """The field and the message refusing a question of funding sources (their dimension, or
    their measures) that the kept cells cannot answer: project counts, or budget programmes."""
    of_sources = SOURCE_DIMENSION in question.dimensions or question.measure in SOURCE_MEASURES
    if not of_sources or _answered_by_cells(question):
        return None
    if question.measure == "projects":
        return "measure", str(_l("Funding sources are compared by amounts, not project counts."))
    field = "rows" if any(d not in CELL_DIMENSIONS for d in question.rows) else "columns"
    return field, str(_l("Funding sources are not split by budget programme."))


def _cell_key(dimension: str) -> ColumnElement[Any]:
    if dimension == "year":
        return MoneyCell.year.expression
    if dimension == SOURCE_DIMENSION:
        return MoneyCell.source.expression
    if dimension in DIRECT:
        return DIRECT[dimension].expression
    if dimension in ("sector", "category"):
        code: ColumnElement[Any] = MoneyCell.sector_code.expression
        if dimension == "category":
            code = func.substr(code, 1, 3)
        return func.coalesce(code, UNALLOCATED)
    places = {
        "province": [MoneyCell.province_code],
        "district": [MoneyCell.district_code, MoneyCell.province_code],
        "commune": [MoneyCell.commune_code, MoneyCell.district_code, MoneyCell.province_code],
    }[dimension]
    fallback = case((MoneyCell.nationwide, NATIONWIDE), else_=UNALLOCATED)
    return func.coalesce(*places, fallback)


def _from_cells(user, question: Question):
    """The SELECT of (each dimension's key..., cents) rows of the kept cells (see the module):
    the same corners as `_grouped` works out, read instead of worked out, the sectors' split
    taken before the places' whatever the order of the dimensions."""
    settle(db.session)
    dimensions = question.dimensions
    columns = [_cell_key(d).label(f"k{i}") for i, d in enumerate(dimensions)]
    measure = question.measure
    statement = select(*columns, MoneyCell.cents.label("cents"))
    if SOURCE_DIMENSION not in dimensions:
        statement = statement.where(MoneyCell.measure == measure, MoneyCell.source == REPORTING)
    elif measure == "signed":  # the other sources' commitment is what they signed
        statement = statement.where(
            or_(
                (MoneyCell.source == REPORTING) & (MoneyCell.measure == "signed"),
                (MoneyCell.source != REPORTING) & (MoneyCell.measure == "commitment"),
            )
        )
    else:
        statement = statement.where(MoneyCell.measure == measure)
    span = _span(question)
    if span is not None:
        statement = statement.where(MoneyCell.year.between(*span))
    if any(d in DIRECT for d in dimensions):
        statement = statement.join(Project, Project.id == MoneyCell.project_id)
    if not _every_project(user, question.filters):
        ids = filtered(user, question.filters).with_only_columns(Project.id)
        statement = statement.where(MoneyCell.project_id.in_(ids))
    return statement


# PostgreSQL's memory for the pivot's sorts and hashes (its default of 4 MB sends the largest
# questions, 100,000 rows and more, to disk); set for the pivot's statement only.
PIVOT_WORK_MEM = "64MB"


def _execute(statement):
    """Run the pivot's statement through the connection (plain tuples, no ORM rows), with
    PostgreSQL given PIVOT_WORK_MEM for it alone, the setting put back afterwards."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return connection.execute(statement).all()
    before = connection.execute(
        select(func.set_config("work_mem", PIVOT_WORK_MEM, True))
    ).scalar_one()
    try:
        return connection.execute(statement).all()
    finally:
        connection.execute(select(func.set_config("work_mem", before, True)))


def _cells(grouped, count: int) -> list[Any]:
    """The (each dimension's key..., cents) of each cell, summed in SQL."""
    rows = grouped.subquery("grouped")
    keys = [rows.c[f"k{i}"] for i in range(count)]
    # As a whole number (PostgreSQL's sum of bigints is numeric, read back as Decimal).
    return _execute(select(*keys, cast(func.sum(rows.c.cents), BigInteger)).group_by(*keys))


def _project_counts(grouped, dimensions: list[str], groupings: list[list[int]]):
    """The projects of each group of each grouping (indexes of dimensions), in one statement.

    A project counts once a group however many rows it has there. The rows are worked out once
    (a WITH query read by every grouping), each grouping being one part of a UNION ALL. The
    first grouping holds every dimension; a grouping that leaves out only dimensions of the
    project row itself (DIRECT: a project falls in one group of each) is not asked again, its
    groups being sums of the first's (a project is in one of the groups summed).
    """
    count = len(dimensions)
    rows = _materialized(grouped.cte("grouped"))
    parts = []
    derived = [
        level > 0 and all(dimensions[i] in DIRECT for i in range(count) if i not in indexes)
        for level, indexes in enumerate(groupings)
    ]
    for level, indexes in enumerate(groupings):
        if derived[level]:
            continue
        keys = [rows.c[f"k{i}"] if i in indexes else null() for i in range(count)]
        part = select(
            literal_column(str(level)).label("level"),
            *(key.label(f"k{i}") for i, key in enumerate(keys)),
            func.count(func.distinct(rows.c.project_id)).label("projects"),
        )
        if indexes:
            part = part.group_by(*(rows.c[f"k{i}"] for i in indexes))
        parts.append(part)
    found: list[dict[Key, Any]] = [defaultdict(int) for _ in groupings]
    for level, *key, projects in _execute(union_all(*parts)):
        found[level][tuple(key[i] for i in groupings[level])] = int(projects or 0)
    for level, indexes in enumerate(groupings):
        if derived[level]:
            for key, projects in found[0].items():
                found[level][tuple(key[i] for i in indexes)] += projects
    return [dict(groups) for groups in found]


def _money_of(cents) -> Decimal:
    return Decimal(int(cents or 0)).scaleb(-2)  # exact: whole cents, two decimals


def _order(keys: set[Key], totals: dict[Key, Decimal | int], dimensions: list[str]) -> list[Key]:
    """Years in order; other groups largest first, level by level (then by key)."""
    prefix_totals: list[dict[Key, Decimal]] = [defaultdict(Decimal) for _ in dimensions]
    for key in keys:
        for level in range(len(dimensions)):
            prefix_totals[level][key[: level + 1]] += Decimal(totals.get(key, 0))

    def sort_key(key: Key):
        parts = []
        for level, dimension in enumerate(dimensions):
            value = key[level]
            if dimension == "year":
                parts.append((value is None, value or 0, ""))
            else:
                parts.append((False, -prefix_totals[level][key[: level + 1]], str(value)))
        return parts

    return sorted(keys, key=sort_key)


def pivot(user, question: Question) -> Pivot:
    """Answer `question` over what `user` may read (the public: published projects)."""
    with collector.paused():
        return _pivot(user, question)


def _pivot(user, question: Question) -> Pivot:
    for dimension in question.dimensions:
        if dimension not in PIVOT_DIMENSIONS:
            raise ValueError(f"unknown dimension {dimension!r}")
    refused = source_refusal(question)
    if refused is not None:
        raise ValueError(refused[1])
    if _answered_by_cells(question):
        grouped = _from_cells(user, question)
    else:
        grouped = _grouped(user, question)
    count = len(question.dimensions)
    rows, columns = list(range(len(question.rows))), list(range(len(question.rows), count))
    width = len(rows)
    row_totals: dict[Key, Any]
    column_totals: dict[Key, Any]
    total: Any
    cells: dict[Key, Any]
    split: dict[tuple[Key, Key], Any]
    if question.measure == "projects":
        # A project counts once a total, however many cells it has money in.
        groupings = [list(range(count)), rows, []] + ([columns] if columns else [])
        cells, row_totals, everything, *by_column = _project_counts(
            grouped, question.dimensions, groupings
        )
        total = everything.get((), 0)
        column_totals = by_column[0] if columns else {(): total}
        split = {(key[:width], key[width:]): value for key, value in cells.items()}
    else:
        # One pass over tens of thousands of cells: the totals summed in whole cents (plain
        # integers), each made money once.
        split = {}
        row_cents: dict[Key, int] = defaultdict(int)
        column_cents: dict[Key, int] = defaultdict(int)
        for record in _cells(grouped, count):
            value = int(record[count] or 0)
            row, column = tuple(record[:width]), tuple(record[width:count])
            split[row, column] = Decimal(value).scaleb(-2)  # exact: whole cents
            row_cents[row] += value
            column_cents[column] += value
        row_totals = {key: _money_of(value) for key, value in row_cents.items()}
        column_totals = {key: _money_of(value) for key, value in column_cents.items()}
        total = _money_of(sum(row_cents.values())).quantize(CENT)
        if not columns:
            column_totals[()] = total
    return Pivot(
        question=question,
        row_keys=_order(set(row_totals), row_totals, question.rows),
        column_keys=_order(set(column_totals), column_totals, question.columns),
        cells=split,
        row_totals=dict(row_totals),
        column_totals=dict(column_totals),
        total=total,
    )
