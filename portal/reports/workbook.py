"""The complete lists of a joint review as an XLSX workbook, attached to its PDF.

The PDF shows the first entries of each long list (portal/reports/lists.py); the workbook has
every entry, with the same columns, in the same order and in the report's language. It is made
from the same collected data as the PDF, for the same reader: a public edition has no internal
section, so its workbook has none either, and nothing the PDF leaves out of a list's columns is
added here. Stored with the draft and, once issued, with the issued report, beside the PDF.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import cast

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from portal.reports import render
from portal.reports.common import ReportData
from portal.reports.loans import Loan, LoanSection
from portal.reports.params import ReportParams

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The sections with a long list, in the report's order.
LISTED = ("loans", "reconciliation", "quality")
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00"
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def has_lists(params: ReportParams) -> bool:
    """Whether a report with these parameters has a long list (and so a workbook)."""
    return any(section in params.sections for section in LISTED)


def filename(params: ReportParams) -> str:
    period = str(params.year) if not params.is_range else f"{params.year}-{params.last_year}"
    return f"joint-review-{period}-complete-lists.xlsx"


class _Sheets:
    def __init__(self, book: Workbook, gettext) -> None:
        self.book, self.gettext = book, gettext
        self.bold = Font(bold=True)

    def sheet(self, title: str, caption: str, headers: list[str]) -> WriteOnlyWorksheet:
        sheet = self.book.create_sheet(_SHEET_NAME.sub(" ", title)[:31])
        sheet.append([self._cell(sheet, caption, bold=True)])
        sheet.append([self._cell(sheet, h, bold=True) for h in headers])
        sheet.freeze_panes = "A3"
        return sheet

    def _cell(self, sheet, value, *, bold=False, number_format=None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        if bold:
            cell.font = self.bold
        if number_format:
            cell.number_format = number_format
        return cell

    def money(self, sheet, value) -> WriteOnlyCell | None:
        return None if value is None else self._cell(sheet, value, number_format=MONEY_FORMAT)

    def percent(self, sheet, value) -> WriteOnlyCell | None:
        return None if value is None else self._cell(sheet, value, number_format=PERCENT_FORMAT)


def _about(sheets: _Sheets, params: ReportParams, data: ReportData, counts: list) -> None:
    g = sheets.gettext
    sheet = sheets.sheet(g("About"), render.title(params, g), [])
    sheet.append([render.scope_label(params, data, g)])
    for _locale, line in render.audience_lines(params):
        sheet.append([line])
    sheet.append([g("Data as of %(time)s", time=data.data_time.strftime("%Y-%m-%d %H:%M UTC"))])
    sheet.append([])
    sheet.append([g("Complete lists of the report (the PDF shows their first entries)")])
    for title, count in counts:
        sheet.append([title, count])


def _partner(data: ReportData, partner_id) -> str:
    organization = data.organizations.get(partner_id)
    if organization is None:
        return ""
    return organization.acronym or render.local_name(organization, data.params.language)


def _loan_list(data: ReportData) -> list[Loan]:
    section = cast(LoanSection | None, data.loans)
    return section.loans if section is not None else []


def _loans(sheets: _Sheets, data: ReportData, name, title: str, period: str) -> None:
    g = sheets.gettext
    sheet = sheets.sheet(
        title,
        g("Loans, largest commitment first"),
        [
            g("Project"),
            g("Development partner"),
            g("Loan commitment (USD)"),
            f"{g('Grant element')} (%)",
            g("Concessional"),
            g("Grant equivalent (USD)"),
        ],
    )
    loans = _loan_list(data)
    for loan in loans:
        concessional = (
            "—" if loan.concessional is None else (g("Yes") if loan.concessional else g("No"))
        )
        sheet.append(
            [
                name(loan.project),
                _partner(data, loan.partner_id),
                sheets.money(sheet, loan.commitment_usd),
                sheets.percent(sheet, loan.grant_element),
                concessional,
                sheets.money(sheet, loan.grant_equivalent_usd),
            ]
        )


def _disputes(sheets: _Sheets, data: ReportData, name, title: str, period: str) -> None:
    g = sheets.gettext
    sheet = sheets.sheet(
        title,
        g("Disputed figures, %(period)s, largest difference first", period=period),
        [
            g("Project"),
            g("Year"),
            g("Partner reported (USD)"),
            g("Government recorded (USD)"),
            g("Difference (USD)"),
            g("Latest comment"),
        ],
    )
    for d in data.disputes:
        sheet.append(
            [
                name(d["project"]),
                d["year"],
                sheets.money(sheet, d["partner_usd"]),
                sheets.money(sheet, d["government_usd"]),
                sheets.money(sheet, d["difference"]),
                d["comment"].text if d["comment"] else None,
            ]
        )


def _stale(sheets: _Sheets, data: ReportData, name, title: str, period: str) -> None:
    g = sheets.gettext
    sheet = sheets.sheet(
        title,
        g("Projects not updated for more than a year (oldest first)"),
        [g("Project"), g("Development partner"), g("Last updated")],
    )
    for project in data.stale:
        updated = sheets._cell(sheet, project.updated_at.date(), number_format="yyyy-mm-dd")
        sheet.append([name(project), _partner(data, project.reporting_org_id), updated])


def build(params: ReportParams, data: ReportData) -> bytes | None:
    """The workbook of the report's complete lists; None when the report has no long list."""
    if not has_lists(params):
        return None
    locale = "km" if params.language == "km" else "en"
    with force_locale(locale):
        gettext = render.both if params.language == "both" else _
        book = Workbook(write_only=True)
        book.properties.created = book.properties.modified = data.data_time.replace(tzinfo=None)
        sheets = _Sheets(book, gettext)

        def name(obj) -> str:
            return render.local_name(obj, params.language)

        period = str(params.year) if not params.is_range else f"{params.year}–{params.last_year}"
        writers: dict[str, tuple[str, list, Callable]] = {
            "loans": (gettext("Loans"), _loan_list(data), _loans),
            "reconciliation": (gettext("Disputed figures"), data.disputes, _disputes),
            "quality": (gettext("Not updated for a year"), data.stale, _stale),
        }
        chosen = [writers[s] for s in LISTED if s in params.sections]
        _about(sheets, params, data, [(title, len(entries)) for title, entries, _w in chosen])
        for title, _entries, write in chosen:
            write(sheets, data, name, title, period)
        buffer = io.BytesIO()
        book.save(buffer)
    return buffer.getvalue()
