"""Benchmark the cost of reading uploaded workbooks, hostile ones first.

Run from the project folder (not collected by pytest):

    .venv/bin/python tests/benchmarks/bench_uploads.py [--rows 3000]

Crafts workbooks in memory, each at most 10 MB (the upload limit) and each within the checks
the reader made before its caps (200 MB unpacked, a part inflating at most 200 times): sheets of
many empty or tiny cells, a row of a million cells, a far row number, a long shared-strings
table, deep XML, a part that inflates to 150 MB, a bad CRC, a truncated zip, broken XML; and a
realistic large workbook written by the portal's own template writer (`--rows` projects, every
column filled, as many rows on each other sheet). Each is read as an upload is read
(`read_workbook`, in a request) and timed with `time.process_time`.

Prints the CPU seconds and the outcome (read, or refused with its message) of each, and
PASS/FAIL against the target: any upload the portal accepts or refuses costs < 2 s of CPU, and
the realistic workbook is accepted.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

TARGET_CPU_S = 2.0
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def column_letters(index: int) -> str:
    """The letters of a 1-based column number (1 gives A)."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def padded(xml: bytes) -> bytes:
    """The part with a random comment after its root, so it inflates less than 200 times."""
    return xml + b"<!--" + os.urandom(len(xml) // 150 + 16).hex().encode() + b"-->"


def workbook(sheet: bytes, *, strings: bytes | None = None, extra=()) -> bytes:
    """A minimal .xlsx whose one sheet, "Projects", is `sheet` (the XML of sheetData's rows)."""
    types = (
        f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{WORKBOOK_TYPE}"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}"/>'
        + (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
            if strings is not None
            else ""
        )
        + "</Types>"
    )
    root_rels = (
        f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    book = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
        f'<sheet name="Projects" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    book_rels = (
        f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" Type="{RELS}/worksheet" '
        f'Target="worksheets/sheet1.xml"/>'
        + (
            f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
            if strings is not None
            else ""
        )
        + "</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if strings is not None:
            archive.writestr("xl/sharedStrings.xml", strings)
        for name, data in extra:
            archive.writestr(name, data)
    return out.getvalue()


def sheet_xml(rows: bytes, dimension: str = "A1") -> bytes:
    head = f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>'.encode()
    header = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Portal ID</t></is></c></row>'
    return padded(head + header + rows + b"</sheetData></worksheet>")


def empty_cells(rows: int, columns: int) -> bytes:
    """`rows` rows of `columns` empty cells each."""
    letters = [column_letters(i).encode() for i in range(1, columns + 1)]
    parts = []
    for number in range(2, rows + 2):
        n = str(number).encode()
        parts.append(b'<row r="' + n + b'">')
        parts.extend(b'<c r="' + letter + n + b'"/>' for letter in letters)
        parts.append(b"</row>")
    return workbook(sheet_xml(b"".join(parts), f"A1:{column_letters(columns)}{rows + 1}"))


def tiny_cells(rows: int, columns: int) -> bytes:
    """`rows` rows of `columns` cells holding a one-digit number (no cell refs, as allowed)."""
    row = b"<row>" + b"<c><v>1</v></c>" * columns + b"</row>"
    return workbook(sheet_xml(row * rows))


def one_wide_row(cells: int) -> bytes:
    return workbook(sheet_xml(b'<row r="2">' + b"<c/>" * cells + b"</row>"))


def far_row() -> bytes:
    """A declared size of the whole grid and one cell on its last row."""
    row = b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    return workbook(sheet_xml(row, "A1:XFD1048576"))


def many_strings(count: int) -> bytes:
    items = b"".join(b"<si><t>" + str(i).encode() + b"</t></si>" for i in range(count))
    strings = padded(
        f'<sst xmlns="{MAIN}" count="{count}" uniqueCount="{count}">'.encode() + items + b"</sst>"
    )
    return workbook(sheet_xml(b'<row r="2"><c r="A2" t="s"><v>7</v></c></row>'), strings=strings)


def deep_xml(depth: int) -> bytes:
    nested = b"<x>" * depth + b"</x>" * depth
    return workbook(sheet_xml(b'<row r="2"><c r="A2"><v>1</v></c></row>' + nested))


def inflating_part(megabytes: int) -> bytes:
    data = padded(b"<a>" + b" " * (megabytes * 1024 * 1024) + b"</a>")
    return workbook(sheet_xml(b""), extra=[("xl/media/pad.xml", data)])


def bad_crc() -> bytes:
    """A sound workbook whose sheet's checksum in the central directory is wrong."""
    content = bytearray(tiny_cells(50, 10))
    entry = content.rfind(b"xl/worksheets/sheet1.xml") - 46  # its central directory entry
    content[entry + 16] ^= 0xFF  # the CRC-32 of the central directory entry
    return bytes(content)


def truncated() -> bytes:
    content = tiny_cells(2000, 10)
    return content[: len(content) * 2 // 3]


def broken_xml() -> bytes:
    rows = b'<row r="2"><c r="A2"><v>1</v></c></row>' * 5000 + b"<row><c><v>2</c></row>"
    return workbook(sheet_xml(rows))


def realistic(rows: int, every_sheet: bool = False) -> bytes:
    """A partner's workbook from the template writer: `rows` projects with every column filled
    (and, `every_sheet`, a row of each on the sources, loan and results sheets too)."""
    from portal.spreadsheets.layout import (
        FUNDING,
        INDICATOR_VALUES,
        INDICATORS,
        LOANS,
        LOCATIONS,
        PROJECTS,
        SECTORS,
        SOURCE_AMOUNTS,
        SOURCES,
    )
    from portal.spreadsheets.template import workbook_bytes

    sample = {
        "integer": 1,
        "decimal": Decimal("125000.50"),
        "rate": Decimal("1.25"),
        "date": date(2024, 1, 15),
        "yes_no": True,
        "choice": "2",
        "long_text": "Improve access to primary health care in rural districts. " * 3,
    }

    def project(number: int) -> dict:
        values = {c.key: sample.get(c.kind, f"{c.key} {number}") for c in PROJECTS.columns}
        return values | {"id": number}

    def filled(sheet, number: int) -> dict:
        values = {c.key: sample.get(c.kind, f"{c.key} {number}") for c in sheet.columns}
        return values | {"project": number, "version": 1}

    extra = [
        (sheet, [filled(sheet, n) for n in range(1, rows + 1)])
        for sheet in (SOURCES, SOURCE_AMOUNTS, LOANS, INDICATORS, INDICATOR_VALUES)
        if every_sheet
    ]
    common = {"project_title": "Hospital equipment"}
    return workbook_bytes(
        [
            (PROJECTS, [project(n) for n in range(1, rows + 1)]),
            (
                FUNDING,
                [
                    common
                    | {"project": n, "year": 2024, "kind": "disbursement"}
                    | {"amount": Decimal("1000.50"), "currency": "USD"}
                    for n in range(1, rows + 1)
                ],
            ),
            (
                LOCATIONS,
                [
                    common | {"project": n, "province": "17", "percentage": Decimal(100)}
                    for n in range(1, rows + 1)
                ],
            ),
            (
                SECTORS,
                [
                    common | {"project": n, "sector": "12220", "percentage": Decimal(100)}
                    for n in range(1, rows + 1)
                ],
            ),
            *extra,
        ],
        "Benchmark",
    )


def cases(rows: int) -> list[tuple[str, object, bool]]:
    """(name, a function making the workbook, whether the portal should accept it)."""
    return [
        ("45 KB-class: 2,000 rows x 400 empty cells", lambda: empty_cells(2000, 400), False),
        ("20,000 rows x 80 tiny numbers", lambda: tiny_cells(20000, 80), False),
        ("50,000 rows x 40 tiny numbers", lambda: tiny_cells(50000, 40), False),
        ("one row of 2,000,000 empty cells", lambda: one_wide_row(2_000_000), False),
        ("a cell on row 1,048,576 (declared XFD1048576)", far_row, False),
        ("2,000,000 shared strings", lambda: many_strings(2_000_000), False),
        ("XML 100,000 elements deep", lambda: deep_xml(100_000), False),
        ("a part inflating to 150 MB", lambda: inflating_part(150), False),
        ("bad CRC", bad_crc, False),
        ("truncated zip", truncated, False),
        ("broken XML in a sheet", broken_xml, False),
        ("12,000 rows x 20 tiny numbers", lambda: tiny_cells(12000, 20), False),
        ("6,000 projects, every column (over the cells)", lambda: realistic(6000), False),
        ("20,000 projects, every column (over the bytes)", lambda: realistic(20000), False),
        (f"realistic: {rows:,} projects, every column", lambda: realistic(rows), True),
        (
            "1,400 projects, every column of every sheet",
            lambda: realistic(1400, every_sheet=True),
            True,
        ),
        (
            "3,000 projects, every column of every sheet",
            lambda: realistic(3000, every_sheet=True),
            False,
        ),
    ]


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--rows", type=int, default=3000, help="projects of the real one")
    args = arguments.parse_args()

    from portal import create_app
    from portal.config import TestConfig
    from portal.extensions import db
    from portal.spreadsheets.reading import UnreadableFile, read_workbook

    app = create_app(TestConfig())
    ok = True
    with app.app_context(), app.test_request_context():
        db.create_all()
        header = f"{'workbook':<48}{'size KB':>9}{'CPU s':>8}  outcome"
        print(header)
        print("-" * (len(header) + 40))
        for name, make, accept in cases(args.rows):
            content = make()
            started = time.process_time()
            try:
                book = read_workbook(content)
            except UnreadableFile as error:
                outcome, accepted = f"refused: {error}", False
            except Exception as error:  # a server error: what the benchmark is looking for
                outcome, accepted = f"ERROR {type(error).__name__}: {error}", None
            else:
                rows = sum(len(r) for r in book.rows.values())
                first = f"; {book.errors[0].place}: {book.errors[0].message}" if book.errors else ""
                outcome = f"read {rows} rows, {len(book.errors)} problems{first}"
                accepted = not book.errors
            cpu = time.process_time() - started
            passed = cpu < TARGET_CPU_S and accepted is not None and (accepted or not accept)
            ok &= passed
            print(
                f"{name:<48}{len(content) / 1024:>9.0f}{cpu:>8.2f}  "
                f"{'PASS' if passed else 'FAIL'}  {outcome[:110]}",
                flush=True,
            )
    print(f"\nTarget: every workbook < {TARGET_CPU_S:g} s of CPU, the realistic one accepted.")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
