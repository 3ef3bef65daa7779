"""Write the project workbook: a partner's projects on their sheets, with drop-downs of codes.

Written with openpyxl's streaming writer, so a large partner's workbook is built row by row.
Text that a spreadsheet could take for a formula is written with a leading apostrophe
(portal.exports.neutralise) and read back without it.
"""

from __future__ import annotations

import io
from datetime import date

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from portal.exports import neutralise
from portal.projects.models import Project
from portal.spreadsheets import loans, results, sources
from portal.spreadsheets.budget import template_codes
from portal.spreadsheets.layout import (
    BUDGET_CODES,
    BUDGET_VERSION,
    INDICATOR_VALUES,
    INDICATORS,
    LIST_TITLES,
    LISTS_TITLE,
    LOANS,
    PROJECTS,
    README_TITLE,
    SHEETS,
    SOURCE_AMOUNTS,
    SOURCES,
    YES_NO,
    Column,
    Sheet,
    choice_lists,
    shown,
)

SPARE_ROWS = 2000  # rows below the data that keep the drop-downs, for new entries
DATE_FORMAT = "yyyy-mm-dd"


def _project_values(project: Project) -> dict:
    values = {name: getattr(project, name, None) for name in (c.key for c in PROJECTS.columns)}
    values["reporting_org"] = project.reporting_org.acronym
    values["lead_national_partner"] = (
        project.lead_national_partner.acronym if project.lead_national_partner else None
    )
    values["external_lead_partner"] = (
        project.external_lead_partner.acronym if project.external_lead_partner else None
    )
    return values


def _rows(projects: list[Project]) -> dict[str, list[dict]]:
    """The values of every sheet's rows, by column key."""
    rows: dict[str, list[dict]] = {"projects": [], "funding": [], "locations": [], "sectors": []}
    budget_codes = template_codes(projects)
    for project in projects:
        codes, version = budget_codes[project.id]
        rows["projects"].append(
            {**_project_values(project), BUDGET_CODES: codes, BUDGET_VERSION: version}
        )
        common = {"project": project.id, "project_title": project.title_en}
        for f in project.funding:
            rows["funding"].append(
                {
                    **common,
                    "year": f.year,
                    "kind": f.kind,
                    "amount": f.amount,
                    "currency": f.currency,
                }
            )
        for loc in project.locations:
            rows["locations"].append(
                {
                    **common,
                    "province": loc.province_code,
                    "district": loc.district_code,
                    "percentage": loc.percentage,
                }
            )
        for share in project.sectors:
            rows["sectors"].append(
                {**common, "sector": share.sector_code, "percentage": share.percentage}
            )
    rows[SOURCES.key], rows[SOURCE_AMOUNTS.key] = sources.template_rows(projects)
    rows[LOANS.key] = loans.template_rows(projects)
    rows[INDICATORS.key], rows[INDICATOR_VALUES.key] = results.template_rows(projects)
    return rows


def _cell(sheet, column: Column, value, lists: dict):
    """A cell holding `value` as the column shows it (codes as drop-down values)."""
    if value is None:
        return None
    if column.kind == "choice":
        if column.choices is None:
            raise ValueError(f"the choice column {column.key!r} names no list")
        value = shown(lists, column.choices, value)
    elif column.kind == "yes_no":
        value = str(YES_NO["yes" if value else "no"])
    elif column.kind == "date" and isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str):
        value = neutralise(value)
    return value


def _header(sheet, columns) -> list:
    bold = Font(bold=True)
    cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.label))
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cells.append(cell)
    return cells


def _validations(column: Column, letter: str, last_row: int, ranges: dict):
    """The drop-down (or date check) of one column, down to `last_row`."""
    area = f"{letter}2:{letter}{last_row}"
    if column.kind == "date":
        validation = DataValidation(type="date", operator="greaterThan", formula1="1")
        validation.error = _("Give a date.")
    elif column.choices and column.choices in ranges:
        validation = DataValidation(type="list", formula1=ranges[column.choices])
        validation.error = _("Choose a value from the list.")
    else:
        return None
    validation.allow_blank = True
    validation.showErrorMessage = True
    validation.errorTitle = str(column.label)
    validation.add(area)
    return validation


def _write_sheet(book, sheet: Sheet, rows: list[dict], lists: dict, ranges: dict) -> None:
    worksheet = book.create_sheet(str(sheet.title)[:31])
    last_row = len(rows) + 1 + SPARE_ROWS
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        worksheet.column_dimensions[letter].width = column.width
        validation = _validations(column, letter, last_row, ranges)
        if validation is not None:
            worksheet.data_validations.append(validation)
    worksheet.freeze_panes = "B2" if sheet is PROJECTS else "A2"
    worksheet.append(_header(worksheet, sheet.columns))
    for values in rows:
        worksheet.append(
            [_cell(worksheet, column, values.get(column.key), lists) for column in sheet.columns]
        )


def _list_ranges(lists: dict) -> dict[str, str]:
    """Where each list sits on the Lists sheet, as a formula range for a drop-down."""
    title = quote_sheetname(str(LISTS_TITLE)[:31])
    ranges = {}
    for index, (name, items) in enumerate(lists.items(), start=1):
        if items:
            letter = get_column_letter(index)
            ranges[name] = f"{title}!${letter}$2:${letter}${len(items) + 1}"
    return ranges


def _write_lists(book, lists: dict) -> None:
    worksheet = book.create_sheet(str(LISTS_TITLE)[:31])
    names = list(lists)
    for index in range(1, len(names) + 1):
        worksheet.column_dimensions[get_column_letter(index)].width = 28
    worksheet.append([str(LIST_TITLES[name]) for name in names])
    longest = max((len(items) for items in lists.values()), default=0)
    for row in range(longest):
        worksheet.append(
            [lists[name][row][1] if row < len(lists[name]) else None for name in names]
        )


def _write_readme(book, title: str, lines=None) -> None:
    worksheet = book.create_sheet(str(README_TITLE)[:31])
    worksheet.column_dimensions["A"].width = 120
    bold = WriteOnlyCell(worksheet, value=title)
    bold.font = Font(bold=True, size=13)
    worksheet.append([bold])
    for line in lines or _project_readme():
        worksheet.append([line])


def _project_readme() -> tuple[str, ...]:
    return (
        _(
            "Edit the projects on the sheets Projects, Yearly funding, Locations, Sectors, "
            "Funding sources, Money by source, Loan terms, Result indicators and Indicator "
            "values."
        ),
        _(
            "Then upload the file on the portal's spreadsheet page: you will see every change, "
            "and every problem row by row, before anything is saved."
        ),
        _("Either every project of the file is saved, or none is."),
        _(
            "A blank cell never erases a value: the project keeps what it has. To clear a value, "
            "use the project's form on the portal."
        ),
        _(
            "A project with rows on the Yearly funding, Locations or Sectors sheet gets exactly "
            "those rows; a project with no rows on a sheet keeps what it has there."
        ),
        _(
            "To register a new project, add a row on the Projects sheet with no portal ID, and "
            "give it your own reference; use that reference in the Project column of the other "
            "sheets."
        ),
        _(
            "Keep the Portal ID and Version columns as they are: if someone changes a project in "
            "the portal after you downloaded this file, the upload says so instead of "
            "overwriting their work."
        ),
        _("Coded columns have drop-down lists; the Lists sheet shows every allowed value."),
        _(
            "Budget codes: each code with its share in percent, separated by semicolons "
            "(12.01 60; 12.02 40), adding up to 100. Only CDC and the project's lead ministry "
            "change them; a blank cell keeps the project's codes."
        ),
        _(
            "Keep the Budget codes version column as it is too: if someone changes the budget "
            "codes in the portal after you downloaded this file, the upload says so."
        ),
        _(
            "Funding sources: the co-financiers, the government's counterpart (in cash or in "
            "kind) and other national sources of each project; the reporting partner is always "
            "a source. Money by source: each source's money by year (commitments signed, "
            "disbursements, expenditure), in its currency; the portal converts it to USD at "
            "CDC's rate of the year. The reporting partner's actual and planned disbursements "
            "stay on the Yearly funding sheet. A project with rows on one of these sheets gets "
            "exactly those rows; a source that still has money cannot be left out."
        ),
        _(
            "Loan terms: one row a loan. Keep its Version cell as it is: terms saved in the "
            "portal after you downloaded this file are not overwritten."
        ),
        _(
            "Result indicators: a row with an indicator ID changes that indicator; a row without "
            "one adds an indicator to the result it names. Indicator values: the target and "
            "actual value of a period, found by its start and end; name a new indicator by its "
            "title. Indicators and periods left out of the file are kept: remove them on the "
            "project's results page."
        ),
        _("Dates are written as YYYY-MM-DD. Amounts are in the currency of their row."),
    )


def template_bytes(projects: list[Project], title: str) -> bytes:
    """Return the workbook of `projects` (an .xlsx file's bytes), headed with `title`."""
    rows = _rows(projects)
    return workbook_bytes([(sheet, rows[sheet.key]) for sheet in SHEETS], title)


def workbook_bytes(sheets: list[tuple[Sheet, list[dict]]], title: str, readme=None) -> bytes:
    """An .xlsx of these sheets and their rows, with a Read me (`readme` lines) and the lists."""
    lists = choice_lists()
    ranges = _list_ranges(lists)
    book = Workbook(write_only=True)
    _write_readme(book, title, readme)
    for sheet, rows in sheets:
        _write_sheet(book, sheet, rows, lists, ranges)
    _write_lists(book, lists)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
