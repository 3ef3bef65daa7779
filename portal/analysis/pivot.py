"""Rows × columns × one measure over the aggregate service's dimensions, exact to the cent.

The money is the aggregate service's (portal.aggregates.services): the project list's filters
and the reader's visibility choose the projects, a commitment counts in its year of agreement,
a disbursement in its own year, and a project's money is split over its sectors and its places
by their cumulative share bounds. Crossing two or three dimensions splits one amount along
several axes at once (years, sectors, places). Each cell is the amount of a box of those axes
worked out by inclusion and exclusion of its corners, each corner rounded as the service
rounds a share (`_part`, then `_part` again along the next axis). Summed along any axis the
corners cancel in pairs, so every row, column and grand total is exactly what the aggregate
service gives for those dimensions, to the cent, however the shares fall.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import product
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    union,
)

from portal.aggregates.services import (
    AGREED,
    CENT,
    DIMENSIONS,
    DIRECT,
    KINDS,
    NATIONWIDE,
    SHARED,
    SQLITE_MATERIALIZES,
    STORED,
    UNALLOCATED,
    _in_years,
    _whole_cents,
    _year_of,
)
from portal.extensions import db
from portal.projects.models import SHARE_BASIS, Project, ProjectFunding, ProjectLocation
from portal.projects.queries import ProjectFilters, filtered

MONEY_MEASURES = ("commitment", "disbursed", "planned")
MEASURES = (*MONEY_MEASURES, "projects")
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


def _part(amount, bound):
    """SQL: the cents of `amount` up to `bound` (in parts of SHARE_BASIS), rounded half up.

    The same integer arithmetic as the aggregate service's split (its share is this at the
    upper bound less this at the lower one), taken as multiple * SHARE_BASIS + rest so that no
    product overflows.
    """
    basis = literal_column(str(SHARE_BASIS), BigInteger)
    half = literal_column(str(SHARE_BASIS // 2), BigInteger)
    return (amount // basis) * bound + ((amount % basis) * bound + half) // basis


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
        return select(union(commitments, funding).subquery("years"))
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
        yearly = (
            select(
                ProjectFunding.project_id.label("project_id"),
                ProjectFunding.year.label("year"),
                cast(func.sum(_whole_cents(ProjectFunding.amount_usd)), BigInteger).label("amount"),
            )
            .where(ProjectFunding.kind == KINDS[measure], ProjectFunding.project_id.in_(ids))
            .group_by(ProjectFunding.project_id, ProjectFunding.year)
        )
        if span is not None:
            yearly = yearly.where(ProjectFunding.year.between(*span))
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


def _key(dimension: str, money) -> ColumnElement[Any]:
    if dimension == "year":
        return money.c.year
    if dimension in DIRECT:
        return DIRECT[dimension].expression
    table, code = SHARED[dimension]
    fallback: ColumnElement[Any]
    if table is ProjectLocation:
        fallback = case((Project.nationwide, NATIONWIDE), else_=UNALLOCATED)
    else:
        fallback = literal(UNALLOCATED)
    return func.coalesce(code, fallback)


def _cell(money, tables: list[Any], by_year: bool) -> ColumnElement[Any]:
    """SQL: the cents of one box of years × sector shares × place shares (see the module)."""
    basis = literal_column(str(SHARE_BASIS), BigInteger)
    corners = [(money.c.high, 1)]
    if by_year:
        corners.append((money.c.low, -1))
    axes = [
        [
            (func.coalesce(table.share_to, basis), 1),
            (func.coalesce(table.share_from, literal(0, BigInteger)), -1),
        ]
        for table in tables
    ]
    total: ColumnElement[Any] | None = None
    for (amount, sign), bounds in product(corners, product(*axes)):
        term = amount
        for bound, bound_sign in bounds:
            term = _part(term, bound)
            sign *= bound_sign
        total = term if total is None else (total + term if sign > 0 else total - term)
    assert total is not None
    return total


def _grouped(user, question: Question):
    """The SELECT of (each dimension's key..., project_id, cents) rows, and the key labels."""
    dimensions = question.dimensions
    money = _money(user, question).cte("money")
    if SQLITE_MATERIALIZES:
        money = money.prefix_with("MATERIALIZED", dialect="sqlite")
    tables = _tables(dimensions)
    needs_project = any(d in DIRECT for d in dimensions) or ProjectLocation in tables
    keys = [_key(d, money).label(f"k{i}") for i, d in enumerate(dimensions)]
    columns = [*keys, money.c.project_id.label("project_id")]
    if question.measure != "projects":
        columns.append(_cell(money, tables, _by_year(question)).label("cents"))
    statement = select(*columns).select_from(money)
    if needs_project:
        statement = statement.join(Project, Project.id == money.c.project_id)
    for table in tables:
        statement = statement.outerjoin(table, table.project_id == money.c.project_id)
    return statement.subquery("grouped")


def _sums(grouped, indexes: list[int], measure: str) -> dict[Key, Decimal | int]:
    keys = [grouped.c[f"k{i}"] for i in indexes]
    value = (
        func.count(func.distinct(grouped.c.project_id))
        if measure == "projects"
        else func.sum(grouped.c.cents)
    )
    statement = select(*keys, value)
    if keys:
        statement = statement.group_by(*keys)
    found: dict[Key, Decimal | int] = {}
    for *key, amount in db.session.execute(statement):
        found[tuple(key)] = int(amount or 0) if measure == "projects" else _money_of(amount)
    return found


def _money_of(cents) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(CENT)


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
    for dimension in question.dimensions:
        if dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dimension!r}")
    grouped = _grouped(user, question)
    count = len(question.dimensions)
    rows, columns = list(range(len(question.rows))), list(range(len(question.rows), count))
    cells = _sums(grouped, list(range(count)), question.measure)
    split = {(key[: len(rows)], key[len(rows) :]): value for key, value in cells.items()}
    row_totals: dict[Key, Any]
    column_totals: dict[Key, Any]
    total: Any
    if question.measure == "projects":
        # A project counts once a total, however many cells it has money in.
        row_totals = _sums(grouped, rows, "projects")
        total = _sums(grouped, [], "projects").get((), 0)
        column_totals = _sums(grouped, columns, "projects") if columns else {(): total}
    else:
        row_totals, column_totals = defaultdict(Decimal), defaultdict(Decimal)
        for (row, column), value in split.items():
            row_totals[row] += value
            column_totals[column] += value
        total = sum(row_totals.values(), Decimal(0)).quantize(CENT)
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
