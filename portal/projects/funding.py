"""Funding by source: saving a project's sources, and their money as the project page shows it.

The models and the rule of which money lives where are in `portal.projects.sources`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from sqlalchemy import (
    CursorResult,
    Integer,
    String,
    exists,
    false,
    insert,
    literal,
    null,
    select,
)

from portal.extensions import db
from portal.projects.models import Project
from portal.projects.sources import (
    MONEY_KIND,
    PROJECT_FUNDING_KINDS,
    REPORTING,
    SOURCE_KIND,
    FundingSource,
    SourceFunding,
)

# The columns of the page's table of sources, each a kind of money.
COLUMNS = ("commitment", "disbursement", "planned", "expenditure")


def clear_sources(project: Project, data) -> None:
    """Drop the project's sources that `data` replaces (none when it names no sources), with
    the other child rows, before the project itself changes."""
    if data.sources is not None:
        project.funding_sources.clear()


def apply_sources(project: Project, data, money_rows: list[dict]) -> None:
    """Replace the project's sources and their money with `data`'s (`money_rows` are
    `data.funding` as stored, in the same order).

    `data.sources` None (an import without sources) keeps what the project has: a blank never
    erases. A project always ends with its reporting source.
    """
    if data.sources is None:
        if not project.funding_sources:
            project.funding_sources = [FundingSource(kind=REPORTING, position=0)]
        return
    sourced = [
        (row.source, stored)
        for row, stored in zip(data.funding, money_rows, strict=True)
        if not (row.source is None and row.kind in PROJECT_FUNDING_KINDS)
    ]
    if project.funding_sources:
        # Old rows go first, so that rebuilt ones do not meet the one-reporting-source index.
        # The caller clears them before it changes the project (`clear_sources`), so that this
        # flush writes no project row: one save raises the project's version once.
        project.funding_sources.clear()
        db.session.flush()

    def amounts(position: int | None) -> list[SourceFunding]:
        return [SourceFunding(**stored) for source, stored in sourced if source == position]

    project.funding_sources = [
        FundingSource(kind=REPORTING, position=0, amounts=amounts(None)),
        *(
            FundingSource(
                kind=source.kind,
                organization_id=source.organization_id,
                in_kind=source.kind == "counterpart" and bool(source.in_kind),
                position=i + 1,
                amounts=amounts(i),
            )
            for i, source in enumerate(data.sources)
        ),
    ]


def ensure_reporting_sources() -> int:
    """Give every project without one its reporting source (projects written in bulk); return
    how many were added.

    One INSERT ... SELECT: no money moves (a source without amounts has no part in the money
    kept per project), and the ids of 100,000 projects never travel to Python and back.
    """
    missing = ~exists().where(
        FundingSource.project_id == Project.id, FundingSource.kind == REPORTING
    )
    table = FundingSource.__table__
    added = db.session.execute(
        insert(table).from_select(
            ["project_id", "kind", "organization_id", "in_kind", "position"],
            select(
                Project.id,
                literal(REPORTING, String),
                null(),
                false(),
                literal(0, Integer),
            )
            .where(missing)
            .order_by(Project.id),
        )
    )
    return cast(CursorResult, added).rowcount


def source_name(source: FundingSource, project: Project) -> str:
    """Who the source is: an organization's acronym, or its kind when it names none."""
    if source.kind == REPORTING:
        return (
            project.reporting_org.acronym if project.reporting_org else str(SOURCE_KIND[REPORTING])
        )
    if source.organization is not None:
        return source.organization.acronym
    return str(SOURCE_KIND.get(source.kind, source.kind))


@dataclass
class Cell:
    """One kind of money of one source: in USD, and as entered, summed by currency."""

    usd: Decimal | None = None
    original: dict[str, Decimal] = field(default_factory=dict)

    def add(self, amount: Decimal, currency: str, usd: Decimal | None) -> None:
        self.original[currency] = self.original.get(currency, Decimal(0)) + amount
        if usd is not None:
            self.usd = (self.usd or Decimal(0)) + usd

    @property
    def waiting(self) -> bool:
        """Some amount has no exchange rate yet (its USD value is left out)."""
        return bool(self.original) and self.usd is None


@dataclass
class SourceLine:
    kind: str
    name: str
    in_kind: bool
    cells: dict[str, Cell]

    @property
    def kind_label(self) -> str:
        return str(SOURCE_KIND.get(self.kind, self.kind))


@dataclass
class BySource:
    lines: list[SourceLine]
    totals: dict[str, Decimal]  # every source together, in USD

    @property
    def co_financed(self) -> bool:
        return len(self.lines) > 1


def by_source(project: Project) -> BySource:
    """The project's money by source for its page: the reporting partner's total commitment and
    disbursements (the project's own figures), then each other source's money as recorded."""
    lines = []
    sources = sorted(project.funding_sources, key=lambda s: (s.kind != REPORTING, s.position))
    if not sources or sources[0].kind != REPORTING:
        sources.insert(0, FundingSource(kind=REPORTING, position=0))
    for source in sources:
        cells: dict[str, Cell] = defaultdict(Cell)
        if source.kind == REPORTING:
            if project.commitment_amount is not None and project.commitment_currency:
                cells["commitment"].add(
                    project.commitment_amount, project.commitment_currency, project.commitment_usd
                )
            for row in project.funding:
                cells[row.kind].add(row.amount, row.currency, row.amount_usd)
        for row in source.amounts:
            # The reporting partner's signed commitments break its total down: not added to it.
            kind = "signed" if source.kind == REPORTING and row.kind == "commitment" else row.kind
            cells[kind].add(row.amount, row.currency, row.amount_usd)
        lines.append(
            SourceLine(source.kind, source_name(source, project), source.in_kind, dict(cells))
        )
    totals = {
        kind: sum(
            (line.cells[kind].usd or Decimal(0) for line in lines if kind in line.cells),
            Decimal(0),
        )
        for kind in COLUMNS
    }
    return BySource(lines, totals)


def yearly_rows(project: Project) -> list[tuple[SourceFunding, str]]:
    """Every yearly amount kept with a source (not the reporting partner's disbursements), with
    the source's name, by year."""
    rows = [
        (row, source_name(source, project))
        for source in project.funding_sources
        for row in source.amounts
    ]
    return sorted(rows, key=lambda pair: (pair[0].year, pair[1], pair[0].kind))


def snapshot_text(project) -> str:
    """The sources and their yearly money as one line of text, for the history."""
    parts = []
    for source in sorted(getattr(project, "funding_sources", None) or [], key=lambda s: s.position):
        if source.kind == REPORTING and not source.amounts:
            continue
        label = str(SOURCE_KIND.get(source.kind, source.kind))
        who = source.organization.acronym if source.organization is not None else ""
        head = f"{who} ({label}{', in kind' if source.in_kind else ''})".strip()
        money = ", ".join(
            f"{row.year} {row.kind} {row.amount:,.2f} {row.currency}" for row in source.amounts
        )
        parts.append(f"{head}: {money}" if money else head)
    return "; ".join(parts)


def money_kind_label(kind: str) -> str:
    """A yearly amount's kind in words (a template global)."""
    return str(MONEY_KIND.get(kind, kind))
