"""Stream the cells of an .xlsx workbook within fixed bounds, stopping at the first excess.

openpyxl parses every cell of a sheet in pure Python, whatever its size, so a small crafted file
could take a worker for many seconds. This reader parses with lxml (entities, DTDs and the
network off), inflates each part through a counter that stops at its cap, counts rows and cells
as they stream by, and converts only the cells of the columns asked for.
"""

from __future__ import annotations

import functools
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"
ROW, CELL, VALUE = f"{MAIN}row", f"{MAIN}c", f"{MAIN}v"
FORMULA, INLINE = f"{MAIN}f", f"{MAIN}is"

# Sized so that reading the largest workbook accepted costs under 2 s of CPU (see
# tests/benchmarks/bench_uploads.py), with a margin for a busy server: a partner's workbook of
# 3,000 projects with every column filled, long descriptions too, unpacks to 8 MB and holds
# 132,000 cells on the sheets read, 90,000 on Projects. Every cell streamed costs some
# microseconds, so cells are capped, not only bytes.
MAX_PART_BYTES = 16 * 1024 * 1024
MAX_UNPACKED_BYTES = 24 * 1024 * 1024
MAX_SMALL_PART_BYTES = 4 * 1024 * 1024  # the workbook, its relationships, the styles
MAX_CELLS_PER_ROW = 256
MAX_CELLS_PER_SHEET = 120_000
MAX_CELLS = 150_000  # over all the sheets read
MAX_SHARED_STRINGS = 200_000


class UnreadableFile(ValueError):
    """The upload is not a workbook the portal will open; the message says why."""


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's value and its kind as openpyxl names them (s, n, b, d, e, f)."""

    value: object
    data_type: str


DAMAGED = _l("The workbook is damaged: it could not be opened.")
TOO_BIG = _l("The workbook unpacks to more data than the portal reads.")


class _Capped:
    """A part's inflated bytes, refused past `limit` (read() is what lxml calls)."""

    def __init__(self, stream, limit: int, message) -> None:
        self.stream, self.left, self.message = stream, limit, message

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(65536 if size is None or size < 0 else size)
        self.left -= len(data)
        if self.left < 0:
            raise UnreadableFile(self.message)
        return data


def check_parts(archive: zipfile.ZipFile) -> None:
    """Inflate every part to its end (its checksum is checked there), within the caps."""
    total = 0
    for part in archive.infolist():
        if part.file_size > MAX_PART_BYTES:
            raise UnreadableFile(TOO_BIG)
        with archive.open(part) as stream:
            capped = _Capped(stream, MAX_PART_BYTES, TOO_BIG)
            while chunk := capped.read(1024 * 1024):
                total += len(chunk)
                if total > MAX_UNPACKED_BYTES:
                    raise UnreadableFile(TOO_BIG)


def _parse(archive: zipfile.ZipFile, name: str, limit: int, message=TOO_BIG):
    return _events(archive, name, limit, message, events=("end",), tag=None)


def _events(archive, name: str, limit: int, message, **options):
    """iterparse over one part: no entities, no DTD, no network, no huge trees."""
    stream = _Capped(archive.open(name), limit, message)
    return etree.iterparse(
        stream,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        **options,
    )


def _tree(archive: zipfile.ZipFile, name: str):
    """The whole of a small part (workbook, relationships, styles), or None when absent."""
    if name not in archive.NameToInfo:
        return None
    root = None
    for _event, element in _parse(archive, name, MAX_SMALL_PART_BYTES):
        root = element
    return root


class Book:
    """An opened workbook: its sheets by title, its shared strings and its date styles."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.cells_left = MAX_CELLS
        try:
            workbook = _tree(archive, "xl/workbook.xml")
            targets = self._targets(_tree(archive, "xl/_rels/workbook.xml.rels"))
            self.sheets = {
                s.get("name"): targets.get(s.get(RELATIONSHIP))
                for s in workbook.iter(f"{MAIN}sheet")
            }
            properties = workbook.find(f"{MAIN}workbookPr")
            date1904 = properties is not None and properties.get("date1904") in ("1", "true")
            self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
            self.dates = self._date_styles(_tree(archive, "xl/styles.xml"))
            strings = next((t for t in targets.values() if t.endswith("sharedStrings.xml")), None)
            self.strings = self._strings(strings) if strings in archive.NameToInfo else []
        except UnreadableFile:
            raise
        except (etree.XMLSyntaxError, zipfile.BadZipFile, zlib.error, EOFError, LookupError):
            raise UnreadableFile(DAMAGED)
        except (ValueError, AttributeError, TypeError):  # a part missing what it must hold
            raise UnreadableFile(DAMAGED)

    @staticmethod
    def _targets(rels) -> dict[str, str]:
        if rels is None:
            return {}
        found = {}
        for relation in rels.iter(f"{PACKAGE}Relationship"):
            target = relation.get("Target") or ""
            path = target[1:] if target.startswith("/") else posixpath.join("xl", target)
            found[relation.get("Id")] = posixpath.normpath(path)
        return found

    @staticmethod
    def _date_styles(styles) -> set[int]:
        """The indexes of the cell styles that show a number as a date."""
        if styles is None:
            return set()
        formats = dict(BUILTIN_FORMATS)
        for item in styles.iter(f"{MAIN}numFmt"):
            formats[int(item.get("numFmtId", -1))] = item.get("formatCode", "")
        cell_styles = styles.find(f"{MAIN}cellXfs")
        if cell_styles is None:
            return set()
        return {
            index
            for index, xf in enumerate(cell_styles.iter(f"{MAIN}xf"))
            if is_date_format(formats.get(int(xf.get("numFmtId", 0)), ""))
        }

    def _strings(self, name: str) -> list[str]:
        strings: list[str] = []
        for _event, item in _events(
            self.archive, name, MAX_PART_BYTES, TOO_BIG, events=("end",), tag=f"{MAIN}si"
        ):
            if len(strings) >= MAX_SHARED_STRINGS:
                raise UnreadableFile(TOO_BIG)
            strings.append(_text_of(item))
            item.clear(keep_tail=True)
        return strings

    def rows(self, title: str, columns: set[int]) -> Iterator[tuple[int, dict[int, Cell]]]:
        """Each row's number and its cells of `columns` (0-based), in the order of the file.

        Raises UnreadableFile at the first row or sheet with too many cells, or when the
        sheet is damaged (a bad checksum, broken XML).
        """
        name = self.sheets.get(title)
        if name not in self.archive.NameToInfo:
            raise UnreadableFile(DAMAGED)
        too_big = _l(
            "The sheet “%(sheet)s” unpacks to more data than the portal reads.", sheet=title
        )
        parser = _events(
            self.archive, name, MAX_PART_BYTES, too_big, events=("end",), tag=(ROW, CELL)
        )
        try:
            yield from self._rows(parser, title, columns)
        except UnreadableFile:
            raise
        except (
            etree.XMLSyntaxError,
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            ValueError,
            LookupError,
            ArithmeticError,
        ):
            raise UnreadableFile(
                _l("The workbook is damaged: the sheet “%(sheet)s” could not be read.", sheet=title)
            )

    def _rows(self, parser, title: str, columns: set[int]):
        sheet_cells = number = in_row = 0
        values: dict[int, Cell] = {}
        position = -1
        for _event, element in parser:
            if element.tag == CELL:
                in_row += 1
                if in_row > MAX_CELLS_PER_ROW:
                    raise UnreadableFile(
                        _l(
                            "The sheet “%(sheet)s” has a row of more than %(n)s cells.",
                            sheet=title,
                            n=MAX_CELLS_PER_ROW,
                        )
                    )
                reference = element.get("r")
                position = _column(reference) if reference else position + 1
                if position in columns:
                    values[position] = self._cell(element)
                element.clear(keep_tail=False)
                continue
            given = element.get("r")
            number = int(given) if given else number + 1
            sheet_cells += in_row
            self.cells_left -= in_row
            if sheet_cells > MAX_CELLS_PER_SHEET:
                raise UnreadableFile(
                    _l(
                        "The sheet “%(sheet)s” has more than %(n)s cells.",
                        sheet=title,
                        n=MAX_CELLS_PER_SHEET,
                    )
                )
            if self.cells_left < 0:
                raise UnreadableFile(
                    _l(
                        "The sheets read have more than %(n)s cells in all (at “%(sheet)s”).",
                        sheet=title,
                        n=MAX_CELLS,
                    )
                )
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del element.getparent()[0]
            yield number, values
            values, position, in_row = {}, -1, 0

    def _cell(self, element) -> Cell:
        kind = element.get("t")
        raw = None
        for child in element:
            tag = child.tag
            if tag == VALUE:
                raw = child.text
            elif tag == FORMULA:
                return Cell(f"={child.text or ''}", "f")
            elif tag == INLINE:
                return Cell(_text_of(child), "s")
        if raw is None:
            return Cell(None, "n")
        if kind is None or kind == "n":
            number = float(raw) if "." in raw or "E" in raw or "e" in raw else int(raw)
            style = element.get("s")
            if style is not None and self.dates and int(style) in self.dates:
                return Cell(from_excel(number, self.epoch), "d")
            return Cell(number, "n")
        if kind == "s":
            return Cell(self.strings[int(raw)], "s")
        if kind == "b":
            return Cell(raw.strip() in ("1", "true"), "b")
        if kind == "e":
            return Cell(raw, "e")
        return Cell(raw, "s")  # str (a formula's text) and d (an ISO date)


@functools.cache
def _column(reference: str) -> int:
    """The 0-based column of a cell reference ("C7" gives 2)."""
    return column_index_from_string(reference.rstrip("0123456789")) - 1


def _text_of(item) -> str:
    """The text of a string item: its runs, without phonetic guides."""
    return "".join(t.text or "" for t in item.iter(f"{MAIN}t") if t.getparent().tag != f"{MAIN}rPh")
