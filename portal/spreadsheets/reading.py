"""Read an uploaded workbook safely: check what the file is, then turn its rows into values.

The file is checked by its content, never by its name: an .xlsx is a zip holding a workbook
part, with no macros, no DTD, and no part that inflates beyond reason (a zip bomb); every part is
inflated once to check its checksum and size. Only then are its sheets streamed
(portal.spreadsheets.xlsx), within caps on rows and cells, formulas left unevaluated (a formula
is refused).
"""

from __future__ import annotations

import functools
import io
import itertools
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl.utils import get_column_letter

from portal.exports import FORMULA_PREFIXES
from portal.forms import parse_number
from portal.spreadsheets.layout import (
    SEPARATOR,
    SHEETS,
    YES_NO,
    Column,
    Sheet,
    names_in_every_language,
)
from portal.spreadsheets.xlsx import Book, Cell, UnreadableFile, check_parts

__all__ = ["UnreadableFile", "check_file", "read_workbook"]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_RATIO = 200  # a part may inflate at most this many times
MAX_PARTS = 2000
MAX_ROWS = 20_000
MAX_COLUMNS = 80
MAX_TEXT = 10_000
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class CellError:
    """A problem at one place of the workbook (a cell, a row, or a whole sheet)."""

    sheet: str
    row: int | None
    column: str | None
    message: str
    letter: str | None = None

    @property
    def place(self) -> str:
        parts = [self.sheet]
        if self.row is not None:
            parts.append(str(_l("row %(row)s", row=self.row)))
        if self.column:
            suffix = f" ({self.letter})" if self.letter else ""
            parts.append(f"{self.column}{suffix}")
        return ", ".join(parts)


@dataclass
class SheetRow:
    """One non-blank row: its number in the sheet and its values by column key (None = blank)."""

    number: int
    values: dict[str, Any]  # each of its column's kind (see PARSERS)


@dataclass
class Workbook:
    """What an upload holds: the rows of each sheet found, and the problems met reading them."""

    rows: dict[str, list[SheetRow]] = field(default_factory=dict)
    letters: dict[tuple[str, str], str] = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)

    def error(self, sheet: Sheet, row: int | None, key: str | None, message) -> None:
        """Note a problem at a row (and column) of a sheet."""
        column = sheet.column(key) if key else None
        self.errors.append(
            CellError(
                sheet=str(sheet.title),
                row=row,
                column=str(column.label) if column else None,
                message=str(message),
                letter=self.letters.get((sheet.key, key)) if key else None,
            )
        )


def check_file(content: bytes) -> None:
    """Refuse anything that is not a plain .xlsx workbook of a sane size (UnreadableFile)."""
    if not content:
        raise UnreadableFile(_l("The file is empty."))
    if len(content) > MAX_FILE_BYTES:
        raise UnreadableFile(
            _l("The file is larger than %(mb)s MB.", mb=MAX_FILE_BYTES // (1024 * 1024))
        )
    if content.startswith(OLE2_SIGNATURE):
        raise UnreadableFile(
            _l(
                "This is an old-style .xls file (or an encrypted one). Save it as an "
                "Excel Workbook (.xlsx), without a password, and upload that."
            )
        )
    if not content.startswith(b"PK\x03\x04"):
        raise UnreadableFile(_l("This is not an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_parts(archive)
    except UnreadableFile:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        # A bad checksum, a truncated part or directory, or a method zipfile does not know.
        raise UnreadableFile(_l("The workbook is damaged: it could not be opened."))


def _check_parts(archive: zipfile.ZipFile) -> None:
    parts = archive.infolist()
    names = {part.filename for part in parts}
    if len(parts) > MAX_PARTS:
        raise UnreadableFile(_l("The workbook has too many parts to be read."))
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnreadableFile(_l("This is not an Excel workbook (.xlsx)."))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UnreadableFile(
            _l("The workbook contains macros. Save it as a plain Excel Workbook (.xlsx).")
        )
    for part in parts:
        if part.flag_bits & 0x1:
            raise UnreadableFile(_l("The workbook is encrypted. Save it without a password."))
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > 1024 * 1024 and ratio > MAX_RATIO:
            raise UnreadableFile(_l("The workbook unpacks to more data than the portal reads."))
    check_parts(archive)
    content_types = archive.read("[Content_Types].xml")
    if b"macroEnabled" in content_types:
        raise UnreadableFile(
            _l("The workbook contains macros. Save it as a plain Excel Workbook (.xlsx).")
        )
    for part in parts:
        if part.filename.endswith((".xml", ".rels")):
            with archive.open(part) as stream:
                head = stream.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise UnreadableFile(_l("The workbook holds XML the portal does not read."))


def read_workbook(content: bytes, sheets: tuple[Sheet, ...] = SHEETS) -> Workbook:
    """Check the file, then read the rows of every known sheet; problems are listed, not raised.

    The first of `sheets` must be there. Raises UnreadableFile only when the file as a whole
    cannot be read.
    """
    check_file(content)
    result = Workbook()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        book = Book(archive)
        titles = {title.casefold().strip(): title for title in book.sheets}
        for sheet in sheets:
            found = next(
                (titles[n] for n in names_in_every_language(sheet.title, sheet.key) if n in titles),
                None,
            )
            if found is None:
                if sheet is sheets[0]:
                    result.error(
                        sheet,
                        None,
                        None,
                        _l("The workbook has no sheet “%(title)s”.", title=sheet.title),
                    )
                continue
            _read_sheet(book, found, sheet, result)
    return result


def _header_map(header: dict[int, Cell], sheet: Sheet, result: Workbook) -> dict[int, Column]:
    """Match the header row to the sheet's columns; note missing required columns."""
    by_name: dict[str, Column] = {}
    for column in sheet.columns:
        for name in names_in_every_language(column.label, column.key):
            by_name[name] = column
    positions: dict[int, Column] = {}
    for index, cell in sorted(header.items()):
        text = str(cell.value).strip().casefold() if cell.value is not None else ""
        named = by_name.get(text)
        if named is not None and named not in positions.values():
            positions[index] = named
            result.letters[(sheet.key, named.key)] = get_column_letter(index + 1)
    for column in sheet.columns:
        if column.required and column not in positions.values():
            result.error(
                sheet,
                None,
                None,
                _l("The column “%(column)s” is missing from the first row.", column=column.label),
            )
    return positions


def _read_sheet(book: Book, title: str, sheet: Sheet, result: Workbook) -> None:
    # The reader converts the cells of these columns only: every header cell at first, then
    # (the set is changed in place) only the columns the header names.
    wanted = set(range(MAX_COLUMNS))
    rows = book.rows(title, wanted)
    first = next(rows, None)
    if first is None:
        if sheet.key in ("projects", "round"):
            result.error(sheet, None, None, _l("The sheet is empty."))
        return
    header = first[1] if first[0] == 1 else {}
    positions = _header_map(header, sheet, result)
    wanted.clear()
    wanted.update(i for i, column in positions.items() if not column.informational)
    found: list[SheetRow] = []
    for number, cells in itertools.chain([] if first[0] == 1 else [first], rows):
        if number > MAX_ROWS + 1:
            result.error(sheet, number, None, _l("At most %(n)s rows are read.", n=MAX_ROWS))
            break
        values = {}
        for index in wanted:
            column = positions[index]
            cell = cells.get(index)
            values[column.key] = (
                _cell_value(cell, column, sheet, number, result) if cell is not None else None
            )
        if any(v is not None for v in values.values()):
            found.append(SheetRow(number, values))
    result.rows[sheet.key] = found


def _cell_value(cell, column: Column, sheet: Sheet, number: int, result: Workbook):
    """The typed value of one cell, or None when blank; a bad value is noted and read as None."""
    value = cell.value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if cell.data_type == "f":
        result.error(sheet, number, column.key, _l("Formulas are not read: type the value."))
        return None
    if cell.data_type == "e":
        result.error(sheet, number, column.key, _l("The cell holds an error (%(v)s).", v=value))
        return None
    try:
        return PARSERS[column.kind](value)
    except ValueError as error:
        result.error(sheet, number, column.key, error.args[0] if error.args else error)
        return None


def _text(value) -> str:
    text = str(value).strip() if not isinstance(value, float) else _number_text(value)
    if len(text) > MAX_TEXT:
        raise ValueError(_l("At most %(n)s characters.", n=MAX_TEXT))
    # The template writes text that looks like a formula with a leading apostrophe.
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        text = text[1:]
    return text


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _integer(value) -> int:
    if isinstance(value, bool):
        raise ValueError(_l("Give a whole number."))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    raise ValueError(_l("Give a whole number."))


def _decimal(value, places: Decimal = Decimal("0.01")) -> Decimal:
    if isinstance(value, bool | datetime | date):
        raise ValueError(_l("Give a number."))
    try:
        number = parse_number(repr(value) if isinstance(value, float) else str(value))
    except ValueError:
        raise ValueError(_l("Give a number, such as 125000.50."))
    if abs(number) >= Decimal("1e15"):
        raise ValueError(_l("The number is too large."))
    exponent = number.as_tuple().exponent  # an int: the number is finite here
    limit = places.as_tuple().exponent
    finer = isinstance(exponent, int) and isinstance(limit, int) and exponent < limit
    return number.quantize(places) if finer else number


def _rate(value) -> Decimal:
    """A rate in percent, kept to four decimals (0.0100 % is a real loan's rate)."""
    return _decimal(value, Decimal("0.0001"))


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(_l("Give a date as YYYY-MM-DD, or pick one in the spreadsheet."))


def _choice(value) -> str:
    """The code of a drop-down value ("2 — Implementation" gives "2"); a bare code passes."""
    text = _text(value)
    return text.split(SEPARATOR.strip(), 1)[0].strip() if SEPARATOR.strip() in text else text


@functools.cache
def _yes_no_texts() -> dict[str, bool]:
    """Every text read as yes or no (in both languages), worked out once."""
    texts = {}
    for code, label in YES_NO.items():
        for text in (*names_in_every_language(label, code), code[0]):
            texts[text] = code == "yes"
    return texts


def _yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).casefold()
    if text in _yes_no_texts():
        return _yes_no_texts()[text]
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(_l("Answer yes or no."))


def _project_key(value) -> int | str:
    """A portal ID (a whole number) or a partner reference (text)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _integer(value)
    text = _text(value)
    return int(text) if text.isdigit() else text


PARSERS = {
    "text": _text,
    "long_text": _text,
    "integer": _integer,
    "decimal": _decimal,
    "rate": _rate,
    "date": _date,
    "choice": _choice,
    "yes_no": _yes_no,
    "organization": _text,
    "project": _project_key,
}
