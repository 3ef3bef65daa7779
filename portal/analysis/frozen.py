"""The report builder over a closed reporting round's snapshot, exact to the cent.

A question naming a round (`round=<year>`) is answered from the figures frozen when that round
closed (portal.rounds.models: RoundSnapshotProject and RoundSnapshotFunding), never from live
data, so its answer never changes. The arithmetic is the live builder's (analysis/pivot.py)
and the joint review's (rounds/report.py): a project's money in whole cents, a commitment in its
year of agreement, a disbursement or plan in its own year, split over the frozen sectors and
places by their share bounds, each cell a box of years × sector shares × place shares worked
out from its corners, so every row, column and total adds up to the joint review's figures.

A reader counts the snapshot rows of the projects they may read today, as the joint review
does (reports/frozen.py): CDC all of them, a partner or a ministry the published ones and their
own, the public the published ones, with their figures as they were frozen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from itertools import product
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.aggregates.services import CENT, NATIONWIDE, UNALLOCATED
from portal.analysis.labels import dimension_label
from portal.analysis.pivot import (
    PIVOT_DIMENSIONS,
    SOURCE_MEASURES,
    Key,
    Pivot,
    Question,
    _order,
    pivot,
)
from portal.analysis.snapshot import Snapshot, snapshots, visible
from portal.projects.models import SHARE_BASIS
from portal.rounds.models import ReportingRound
from portal.rounds.scope import all_rounds, by_year

# What a snapshot keeps: the builder's dimensions but these, and these of the project list's
# filters. It lacks communes, technical working groups, budget programmes (it freezes no budget
# codes) and funding sources, so those are refused beside the field.
LACKS = ("commune", "twg", "budget", "source")
LACKS_MEASURES = SOURCE_MEASURES
DIMENSIONS = tuple(d for d in PIVOT_DIMENSIONS if d not in LACKS)
FILTERS = ("partner", "ministry", "sector", "province", "status", "year_from", "assistance")
# The filters a snapshot cannot answer: it keeps no description, start date, publication or
# budget code.
UNAVAILABLE_FILTERS = ("q", "year_to", "published", "budget", "funded_by", "source_kind")
HALF = SHARE_BASIS // 2
SECTORS, PLACES = "sectors", "places"
AXIS = {"sector": SECTORS, "category": SECTORS, "province": PLACES, "district": PLACES}
DIRECT = {
    "partner": "partner",
    "ministry": "ministry",
    "assistance": "assistance",
    "modality": "modality",
    "status": "status",
    "on_budget": "on_budget",
}


def closed_rounds() -> list[ReportingRound]:
    """The closed rounds, newest year first (the page's choice)."""
    return [r for r in all_rounds() if not r.is_open]


def round_refusal(year: int) -> Any:
    """Why the round of `year` cannot be asked (None when it is closed)."""
    found = by_year(year)
    if found is None:
        return _l("There is no reporting round for %(year)s.", year=year)
    if found.is_open:
        return _l(
            "The round of %(year)s is still open: its figures are frozen only when it closes.",
            year=year,
        )
    return None


def refusals(question: Question) -> dict[str, Any]:
    """The message of each part of `question` that a round's snapshot cannot answer."""
    if question.round is None:
        return {}
    errors: dict[str, Any] = {}
    refused = round_refusal(question.round)
    if refused is not None:
        errors["round"] = refused
    for name, chosen in (("rows", question.rows), ("columns", question.columns)):
        missing = [d for d in chosen if d not in DIMENSIONS]
        if missing:
            errors[name] = _l(
                "A round's snapshot does not keep this: %(names)s. Choose another dimension, "
                "or live data.",
                names=", ".join(dimension_label(d) for d in missing),
            )
    if question.measure in LACKS_MEASURES:
        errors["measure"] = _l(
            "A round's snapshot does not keep this measure: choose another one, or live data."
        )
    given = question.filters.as_args()
    for name in UNAVAILABLE_FILTERS:
        if name in given:
            errors[name] = _l(
                "A round's snapshot cannot be filtered by this: remove it, or choose live data."
            )
    return errors


def answer(user, question: Question) -> Pivot:
    """The answer to `question`: from its round's snapshot when it names one, else live."""
    if question.round is None:
        return pivot(user, question)
    return frozen_pivot(user, question)


def round_of(question: Question) -> ReportingRound | None:
    """The closed round a question names (None for live data or a round not closed)."""
    if question.round is None:
        return None
    found = by_year(question.round)
    return found if found is not None and not found.is_open else None


def _matches(row: Snapshot, question: Question) -> bool:
    """The project list's filters, over the frozen fields."""
    filters = question.filters
    if filters.partner and row.partner != filters.partner:
        return False
    if filters.ministry and row.ministry != filters.ministry:
        return False
    if filters.sector:
        code = filters.sector
        if len(code) == 3:
            if not any(s.startswith(code) for s, _low, _high in row.sectors):
                return False
        elif not any(s == code for s, _low, _high in row.sectors):
            return False
    if filters.province and not any(p == filters.province for p, *_ in row.places):
        return False
    if filters.status and row.status != filters.status:
        return False
    if filters.year_from and row.end_year is not None and row.end_year < filters.year_from:
        return False
    return not (filters.assistance and row.assistance != filters.assistance)


def _span(question: Question) -> tuple[int, int] | None:
    if question.money_from is None:
        return None
    last = question.money_to if question.money_to is not None else question.money_from
    return question.money_from, last


def _ranges(row: Snapshot, question: Question) -> list[tuple[Any, int, int]]:
    """(year or None, low, high) of the row's money of the measure: as pivot._money does."""
    span = _span(question)
    by_year = "year" in question.dimensions or span is not None

    def within(year) -> bool:
        return span is None or (year is not None and span[0] <= year <= span[1])

    if question.measure == "projects":
        if not by_year:
            return [(None, 0, 0)]
        years: set[int | None] = {year for kind in row.money.values() for year in kind}
        if row.commitment is not None:
            years.add(row.agreed_year)
        return [(year, 0, 0) for year in years if within(year)]
    if question.measure == "commitment":
        if row.commitment is None:
            return []
        if not by_year:
            return [(None, 0, row.commitment)]
        return [(row.agreed_year, 0, row.commitment)] if within(row.agreed_year) else []
    yearly = row.money.get(question.measure)
    if not yearly:
        return []
    if not by_year:
        return [(None, 0, sum(yearly.values()))]
    ranges, running = [], 0
    for year in sorted(yearly):
        if not within(year):
            continue
        ranges.append((year, running, running + yearly[year]))
        running += yearly[year]
    return ranges


def _part(amount: int, bound: int) -> int:
    """The cents of `amount` up to `bound` (in parts of SHARE_BASIS), rounded half up."""
    return (amount * bound + HALF) // SHARE_BASIS


def _axis(row: Snapshot, axis: str) -> list[tuple[tuple[Any, Any], int, int]]:
    """((sector, category) or (province, district) keys, low, high) of one share axis."""
    if axis == SECTORS:
        if not row.sectors:
            return [((UNALLOCATED, UNALLOCATED), 0, SHARE_BASIS)]
        return [((code, code[:3]), low, high) for code, low, high in row.sectors]
    if row.nationwide:
        return [((NATIONWIDE, NATIONWIDE), 0, SHARE_BASIS)]
    if not row.places:
        return [((UNALLOCATED, UNALLOCATED), 0, SHARE_BASIS)]
    return [((province, district), low, high) for province, district, low, high in row.places]


def _cell(corners: list[tuple[int, int]], boxes: Iterable[tuple[int, int]]) -> int:
    """The cents of one box (see the module): each corner cut along each axis in turn."""
    total = 0
    for amount, sign in corners:
        terms = [(amount, sign)]
        for low, high in boxes:
            terms = [
                (_part(term, bound), term_sign * bound_sign)
                for term, term_sign in terms
                for bound, bound_sign in ((high, 1), (low, -1))
            ]
        total += sum(term * term_sign for term, term_sign in terms)
    return total


def _keys_of(row: Snapshot, dimensions: list[str], year, shares: dict[str, tuple]) -> Key:
    keys = []
    for dimension in dimensions:
        if dimension == "year":
            keys.append(year)
        elif dimension in DIRECT:
            keys.append(getattr(row, DIRECT[dimension]))
        else:
            pair = shares[AXIS[dimension]]
            keys.append(pair[0] if dimension in ("sector", "province") else pair[1])
    return tuple(keys)


def frozen_pivot(user, question: Question) -> Pivot:
    """Answer `question` from its closed round's snapshot, over what `user` may read.

    Refuses (ValueError) a round that is not closed, or a dimension the snapshot does not keep.
    """
    round_ = round_of(question)
    if round_ is None:
        raise ValueError(f"the round of {question.round} is not closed")
    dimensions = question.dimensions
    unknown = [d for d in dimensions if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"not kept in a snapshot: {unknown}")
    axes = []
    for dimension in dimensions:
        if dimension in AXIS and AXIS[dimension] not in axes:
            axes.append(AXIS[dimension])
    by_year = "year" in dimensions or question.money_from is not None
    rows_count = len(question.rows)
    counting = question.measure == "projects"
    cents: dict[Key, int] = defaultdict(int)
    members: dict[Key, set] = defaultdict(set)
    row_members: dict[Key, set] = defaultdict(set)
    column_members: dict[Key, set] = defaultdict(set)
    everyone: set = set()
    for row in visible(user, snapshots(round_)):
        if not _matches(row, question):
            continue
        ranges = _ranges(row, question)
        if not ranges:
            continue
        share_axes = [_axis(row, axis) for axis in axes]
        for year, low, high in ranges:
            corners = [(high, 1), (low, -1)] if by_year else [(high, 1)]
            for combination in product(*share_axes):
                shares = {axes[i]: combination[i][0] for i in range(len(axes))}
                key = _keys_of(row, dimensions, year, shares)
                if counting:
                    members[key].add(row.id)
                    row_members[key[:rows_count]].add(row.id)
                    column_members[key[rows_count:]].add(row.id)
                    everyone.add(row.id)
                else:
                    cents[key] += _cell(corners, [(c[1], c[2]) for c in combination])
    return _assemble(question, cents, members, row_members, column_members, everyone)


def _money(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(CENT)


def _assemble(question, cents, members, row_members, column_members, everyone) -> Pivot:
    rows_count = len(question.rows)
    row_totals: dict[Key, Any]
    column_totals: dict[Key, Any]
    if question.measure == "projects":
        cells: dict[tuple[Key, Key], Any] = {
            (key[:rows_count], key[rows_count:]): len(ids) for key, ids in members.items()
        }
        row_totals = {key: len(ids) for key, ids in row_members.items()}
        column_totals = {key: len(ids) for key, ids in column_members.items()}
        total: Any = len(everyone)
        if not question.columns:
            column_totals = {(): total}
    else:
        cells = {(key[:rows_count], key[rows_count:]): _money(v) for key, v in cents.items()}
        row_sums: dict[Key, int] = defaultdict(int)
        column_sums: dict[Key, int] = defaultdict(int)
        for key, value in cents.items():
            row_sums[key[:rows_count]] += value
            column_sums[key[rows_count:]] += value
        row_totals = {key: _money(v) for key, v in row_sums.items()}
        column_totals = {key: _money(v) for key, v in column_sums.items()}
        total = _money(sum(cents.values()))
        if not question.columns:
            column_totals = {(): total}
    return Pivot(
        question=question,
        row_keys=_order(set(row_totals), row_totals, question.rows),
        column_keys=_order(set(column_totals), column_totals, question.columns),
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        total=total,
    )
