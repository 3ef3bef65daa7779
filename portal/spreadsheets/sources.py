"""Funding by source in the project workbook: the Funding sources and Money by source sheets.

The Funding sources sheet lists who brings money besides the reporting partner (a co-financier,
the government's counterpart in cash or in kind, another national source); Money by source lists
each source's yearly money (commitments signed, actual and planned disbursements, expenditure),
the reporting partner's signed commitments and expenditure included. The reporting partner's
disbursements stay on the Yearly funding sheet.

On upload, as on the other sheets: a project with rows on a sheet gets exactly those rows, and a
project with no rows there keeps what it has; a blank cell keeps the value the project has (the
in-kind mark of the same source, the amount of the same source, year, kind and currency). The
sources and their money then go through the registry's own rules and save (the USD value at the
portal's rate of the year, as everywhere), with the project's other changes, in one version.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.projects import services
from portal.projects.sources import (
    COUNTERPART,
    MONEY_KIND,
    PROJECT_FUNDING_KINDS,
    REPORTING,
    SOURCE_KIND,
)
from portal.spreadsheets.children import BLANK
from portal.spreadsheets.compare import Change, _amount
from portal.spreadsheets.layout import PROJECTS, SOURCE_AMOUNTS, SOURCES

Identity = tuple[str, int | None, bool]  # (kind, organization, in kind) of a source

# The rules' field names of a source and of a yearly amount, as the sheets' column keys.
SOURCE_CELLS = {"kind": "source_kind", "organization_id": "organization", "in_kind": "in_kind"}
AMOUNT_CELLS = {"source": "source_kind"}
LABEL = _l("Funding sources")
IN_KIND = _l("in kind")


def of_project(project) -> tuple[list[services.SourceData], list[services.YearAmount]]:
    """A project's sources besides the reporting partner, and every source's yearly money (the
    reporting partner's with source None), as the registry's rules take them."""
    added = sorted(
        (s for s in project.funding_sources if s.kind != REPORTING), key=lambda s: s.position
    )
    positions = {source.id: i for i, source in enumerate(added)}
    sources = [services.SourceData(s.kind, s.organization_id, s.in_kind) for s in added]
    amounts = [
        services.YearAmount(row.year, row.kind, row.amount, row.currency, positions.get(source.id))
        for source in sorted(project.funding_sources, key=lambda s: s.position)
        for row in source.amounts
    ]
    return sources, amounts


def template_rows(projects) -> tuple[list[dict], list[dict]]:
    """The rows of the Funding sources and Money by source sheets."""
    source_rows: list[dict] = []
    amount_rows: list[dict] = []
    for project in projects:
        common = {"project": project.id, "project_title": project.title_en}
        for source in sorted(project.funding_sources, key=lambda s: s.position):
            cells = {
                **common,
                "source_kind": source.kind,
                "organization": (
                    project.reporting_org.acronym
                    if source.kind == REPORTING
                    else source.organization.acronym
                    if source.organization is not None
                    else None
                ),
                "in_kind": source.in_kind if source.kind == COUNTERPART else None,
            }
            if source.kind != REPORTING:
                source_rows.append(cells)
            for row in source.amounts:
                amount_rows.append(
                    {
                        **cells,
                        "year": row.year,
                        "kind": row.kind,
                        "amount": row.amount,
                        "currency": row.currency,
                    }
                )
    return source_rows, amount_rows


def _text(sources, amounts, acronyms: dict) -> str:
    """Sources and their money as one comparable line (order of rows aside)."""

    def who(position: int | None) -> str:
        if position is None:
            return str(SOURCE_KIND[REPORTING])
        if not 0 <= position < len(sources):
            return "?"
        source = sources[position]
        in_kind = f" ({IN_KIND})" if source.in_kind else ""
        kind = str(SOURCE_KIND.get(source.kind, source.kind))
        return f"{kind} {acronyms.get(source.organization_id, '')}".strip() + in_kind

    listed = sorted(who(i) for i in range(len(sources)))
    money = sorted(
        f"{who(row.source)}: {row.year} {MONEY_KIND.get(row.kind, row.kind)} "
        f"{_amount(row.amount)} {row.currency}"
        for row in amounts
    )
    return "; ".join([*listed, *money])


class _Reader:
    """Reads one project's rows on the two sheets into its data."""

    def __init__(self, builder: Any, planned) -> None:
        self.builder = builder
        self.planned = planned
        if planned.project is not None:
            self.before_sources, self.before_amounts = of_project(planned.project)
        else:
            self.before_sources, self.before_amounts = [], []

    def error(self, sheet, row: int, key: str | None, message) -> None:
        self.builder.error(sheet, row, key, message, self.planned)

    def organization(self, sheet, row, key: str = "organization") -> tuple[bool, int | None]:
        """(whether the cell could be read, the organization it names)."""
        acronym = row.values.get(key)
        if acronym is None:
            return True, None
        org_id = self.builder.org_ids.get(str(acronym).casefold())
        if org_id is None:
            message = _l("No organization has the acronym %(acronym)s.", acronym=acronym)
            self.error(sheet, row.number, key, message)
            return False, None
        return True, org_id

    def sources(self, rows) -> list[services.SourceData]:
        """The sources the Funding sources rows give (the reporting partner is implicit)."""
        before = {(s.kind, s.organization_id): s.in_kind for s in self.before_sources}
        sources: list[services.SourceData] = []
        for row in rows:
            kind = row.values.get("source_kind")
            if kind is None:
                self.error(SOURCES, row.number, "source_kind", BLANK)
                continue
            ok, org_id = self.organization(SOURCES, row)
            if not ok:
                continue
            kind = str(kind)
            if kind == REPORTING:
                self._reporting_row(SOURCES, row, org_id)
                continue
            in_kind = row.values.get("in_kind")
            if in_kind is None:
                in_kind = before.get((kind, org_id), False)
            self.planned.source_places[len(sources)] = row.number
            sources.append(services.SourceData(kind, org_id, bool(in_kind)))
        return sources

    def _reporting_row(self, sheet, row, org_id: int | None) -> bool:
        """A row of the reporting partner names it, or no one; say whether it does."""
        reporting = self.planned.data.reporting_org_id
        if org_id is not None and org_id != reporting:
            self.error(
                sheet,
                row.number,
                "organization",
                _l(
                    "The reporting partner's source is the project's reporting partner: leave "
                    "the organization blank or name that partner."
                ),
            )
            return False
        return True

    def _position(self, row, sources, org_id: int | None) -> int | None | bool:
        """The position of the source a Money by source row names (None: the reporting
        partner), or False when no source of the project is that one."""
        kind = str(row.values["source_kind"])
        if kind == REPORTING:
            return None if self._reporting_row(SOURCE_AMOUNTS, row, org_id) else False
        in_kind = row.values.get("in_kind")
        matches = [
            i
            for i, s in enumerate(sources)
            if (s.kind, s.organization_id) == (kind, org_id)
            and (in_kind is None or s.in_kind == bool(in_kind))
        ]
        if in_kind is None and len(matches) > 1:  # cash and in kind: a blank cell reads cash
            matches = [i for i in matches if not sources[i].in_kind]
        if not matches:
            self.error(
                SOURCE_AMOUNTS,
                row.number,
                "source_kind",
                _l(
                    "The project has no such funding source: list it on the Funding sources "
                    "sheet (kind, organization, in kind)."
                ),
            )
            return False
        return matches[0]

    def amounts(self, rows, sources) -> list[services.YearAmount]:
        """The yearly money the Money by source rows give, keeping amounts left blank."""

        def identity(position: int | None, listed) -> Identity | None:
            if position is None:
                return None
            s = listed[position]
            return (s.kind, s.organization_id, s.in_kind)

        before = {
            (identity(a.source, self.before_sources), a.year, a.kind, a.currency): a.amount
            for a in self.before_amounts
        }
        amounts: list[services.YearAmount] = []
        for row in rows:
            absent = [
                k for k in ("source_kind", "year", "kind", "currency") if row.values.get(k) is None
            ]
            for key in absent:
                self.error(SOURCE_AMOUNTS, row.number, key, BLANK)
            if absent:
                continue
            ok, org_id = self.organization(SOURCE_AMOUNTS, row)
            if not ok:
                continue
            position = self._position(row, sources, org_id)
            if position is False:
                continue
            kind = str(row.values["kind"])
            if position is None and kind in PROJECT_FUNDING_KINDS:
                self.error(
                    SOURCE_AMOUNTS,
                    row.number,
                    "kind",
                    _l(
                        "The reporting partner's actual and planned disbursements go on the "
                        "Yearly funding sheet."
                    ),
                )
                continue
            year, currency = row.values["year"], str(row.values["currency"])
            amount = row.values.get("amount")
            if amount is None:
                amount = before.get((identity(position, sources), year, kind, currency))
            if amount is None:
                self.error(SOURCE_AMOUNTS, row.number, "amount", _l("Enter an amount."))
                continue
            self.planned.amount_places.append(row.number)
            amounts.append(services.YearAmount(year, kind, amount, currency, position))
        return amounts

    def kept_amounts(self, sources) -> list[services.YearAmount]:
        """The project's money as it is, each amount's source found in the new list (an amount
        whose source is gone is refused by the rules, never dropped)."""
        positions = {(s.kind, s.organization_id, s.in_kind): i for i, s in enumerate(sources)}
        kept = []
        for row in self.before_amounts:
            position = None
            if row.source is not None:
                s = self.before_sources[row.source]
                position = positions.get((s.kind, s.organization_id, s.in_kind), services.UNLISTED)
            kept.append(services.YearAmount(row.year, row.kind, row.amount, row.currency, position))
            self.planned.amount_places.append(None)
        return kept


def read_sources(builder: Any) -> None:
    """Put each project's rows on the two sheets into its data; a project whose sources and
    money come out as they are keeps them untouched (nothing is saved for them)."""
    grouped: dict[int, tuple[Any, list, list]] = {}
    for index, sheet in enumerate((SOURCES, SOURCE_AMOUNTS)):
        for row in builder.workbook.rows.get(sheet.key, []):
            planned = builder._owner(sheet, row)
            if planned is not None:
                grouped.setdefault(id(planned), (planned, [], []))[index + 1].append(row)
    for planned, source_rows, amount_rows in grouped.values():
        reader = _Reader(builder, planned)
        data = planned.data
        sources = reader.sources(source_rows) if source_rows else list(reader.before_sources)
        reporting = [
            f for f in data.funding if f.source is None and f.kind in PROJECT_FUNDING_KINDS
        ]
        planned.amount_places.clear()
        amounts = (
            reader.amounts(amount_rows, sources) if amount_rows else reader.kept_amounts(sources)
        )
        planned.source_rows = [r.number for r in source_rows]
        before = _text(reader.before_sources, reader.before_amounts, builder.acronyms)
        after = _text(sources, amounts, builder.acronyms)
        if before == after:
            continue  # as it is: the project's sources are left alone
        planned.reporting_count = len(reporting)
        data.sources = sources
        data.funding = [*reporting, *amounts]
        if before != after:
            planned.extra_changes.append(Change(str(LABEL), before, after))


def place(builder: Any, planned, name: str, message) -> bool:
    """Put a rule's message about a source or a source's amount at its cell; say whether it was
    one of theirs."""
    child, _sep, rest = name.partition("-")
    index_text, _sep, field_name = rest.partition("-")
    if child == "sources" and planned.reporting_count is not None:
        index = int(index_text) if index_text.isdigit() else None
        number = planned.source_places.get(index) if index is not None else None
        if number is not None:
            key = SOURCE_CELLS.get(field_name)
            builder.error(SOURCES, number, key, message, planned)
        elif planned.source_rows:
            builder.error(SOURCES, planned.source_rows[0], None, message, planned)
        else:
            builder.error(PROJECTS, planned.row, None, message, planned)
        return True
    if child != "funding" or planned.reporting_count is None or not index_text.isdigit():
        return False
    index = int(index_text) - planned.reporting_count
    if index < 0:
        return False
    number = planned.amount_places[index] if index < len(planned.amount_places) else None
    if number is not None:
        key = AMOUNT_CELLS.get(field_name, field_name)
        known = any(c.key == key for c in SOURCE_AMOUNTS.columns)
        builder.error(SOURCE_AMOUNTS, number, key if known else None, message, planned)
    else:  # an amount kept as it is, whose source the Funding sources sheet left out
        row = planned.data.funding[int(index_text)]
        said = f"{row.year} {row.kind} {_amount(row.amount)} {row.currency}: {message}"
        if planned.source_rows:
            builder.error(SOURCES, planned.source_rows[0], None, said, planned)
        else:
            builder.error(PROJECTS, planned.row, None, said, planned)
    return True
