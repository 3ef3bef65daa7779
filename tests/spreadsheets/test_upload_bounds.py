"""A crafted workbook is refused at its first excess, with the reason; a large real one is read."""

from decimal import Decimal

import pytest

from portal.spreadsheets import xlsx
from portal.spreadsheets.reading import UnreadableFile, read_workbook
from tests.benchmarks.bench_uploads import (
    bad_crc,
    broken_xml,
    deep_xml,
    empty_cells,
    far_row,
    inflating_part,
    many_strings,
    one_wide_row,
    realistic,
    tiny_cells,
)
from tests.spreadsheets.conftest import download, to_bytes, upload


def _refusal(app, content: bytes) -> str:
    with app.test_request_context(), pytest.raises(UnreadableFile) as refused:
        read_workbook(content)
    return str(refused.value)


def test_a_row_of_too_many_cells_is_refused_naming_the_sheet(app):
    assert _refusal(app, one_wide_row(100_000)) == (
        "The sheet “Projects” has a row of more than 256 cells."
    )
    assert "has a row of more than 256 cells" in _refusal(app, empty_cells(20, 400))


def test_a_sheet_of_too_many_cells_is_refused(app):
    assert _refusal(app, tiny_cells(12_000, 20)) == (
        "The sheet “Projects” has more than 120000 cells."
    )


def test_the_cells_of_all_sheets_read_are_capped_together(app, client, partner, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_CELLS", 40)
    response = upload(client, to_bytes(download(client)))
    assert response.status_code == 400
    assert "have more than 40 cells in all" in response.text


def test_parts_that_unpack_to_too_much_are_refused(app):
    too_much = "The workbook unpacks to more data than the portal reads."
    # 30 MB that inflates less than 200 times: within the ratio, over the cap.
    assert _refusal(app, inflating_part(30)) == too_much
    assert _refusal(app, many_strings(xlsx.MAX_SHARED_STRINGS + 1)) == too_much


def test_damaged_xml_is_refused_naming_the_sheet(app):
    damaged = "The workbook is damaged: the sheet “Projects” could not be read."
    assert _refusal(app, broken_xml()) == damaged
    assert _refusal(app, deep_xml(10_000)) == damaged


def test_a_cell_far_down_stops_the_reading_at_the_row_limit(app):
    with app.test_request_context():
        book = read_workbook(far_row())
    assert [e.message for e in book.errors] == ["At most 20000 rows are read."]
    assert book.rows.get("projects", []) == []


def test_a_bad_checksum_is_a_clear_refusal_not_a_server_error(client, partner):
    assert _refusal(client.application, bad_crc()) == (
        "The workbook is damaged: it could not be opened."
    )
    response = upload(client, bad_crc())
    assert response.status_code == 400
    assert "The workbook is damaged: it could not be opened." in response.text


def test_a_large_real_workbook_is_still_read(app):
    with app.test_request_context():
        content = realistic(3000)
        book = read_workbook(content)
    assert book.errors == []
    assert {key: len(rows) for key, rows in book.rows.items()} == {
        "projects": 3000,
        "funding": 3000,
        "locations": 3000,
        "sectors": 3000,
    }
    first = book.rows["projects"][0].values
    assert first["id"] == 1
    assert first["on_budget"] is True
    assert first["commitment_amount"] == Decimal("125000.50")
    assert first["planned_start"].isoformat() == "2024-01-15"
