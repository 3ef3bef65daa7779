"""The report's funding by source: each kind of funding source's money, year by year.

The figures are the aggregate service's `source` dimension (portal/aggregates/services.py),
read as the report's reader for the report's scope: per year of the period, and for the whole
period when it spans several years, the commitments signed, actual and planned disbursements
and expenditure of the reporting partners, the co-financiers, the government's counterpart and
other national sources. The reporting partners' disbursements are those of every other section;
the other sources' money is never counted in them.

A round's snapshot keeps no funding sources: a report from a closed round reads them as they
are recorded when the report is made, and says so (as the loans section does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from portal.aggregates.services import SOURCE_DIMENSION, Row, aggregate, totals
from portal.projects.sources import SOURCE_KIND
from portal.reports.common import ReportData, reader_for

MEASURES = ("signed", "disbursed", "planned", "expenditure")
KINDS = tuple(SOURCE_KIND)


@dataclass
class Period:
    """The money of one year (or of the whole period) by kind of source, in KINDS' order."""

    label: str
    rows: list[Row]
    total: Row


@dataclass
class SourceSection:
    years: list[Period]
    # The whole period, when it spans several years.
    period: Period | None = None
    # A report from a closed round: when the sources were read (the snapshot keeps none).
    read_at: datetime | None = None
    kinds: tuple[str, ...] = field(default_factory=lambda: KINDS)


def _period(data: ReportData, label: str, first: int, last: int) -> Period:
    params = data.params
    found = {
        r.key: r
        for r in aggregate(
            reader_for(params),
            params.filters(),
            SOURCE_DIMENSION,
            year=first,
            year_to=last,
            measures=MEASURES,
            counts=False,
        )
    }
    rows = [found[kind] for kind in KINDS if kind in found]
    return Period(label, rows, totals(rows))


def collect(data: ReportData) -> None:
    """The funding by source of the report's period (per year, and in all)."""
    params = data.params
    years = [
        _period(data, str(year), year, year) for year in range(params.year, params.last_year + 1)
    ]
    period = (
        _period(data, f"{params.year}–{params.last_year}", params.year, params.last_year)
        if params.is_range
        else None
    )
    data.sources = SourceSection(
        years, period, read_at=datetime.now(UTC) if params.round_year is not None else None
    )
