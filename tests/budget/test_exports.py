"""The project list download writes the derived on-budget value and the budget codes."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.budget import services
from portal.budget.cells import CellInvalid, parse_codes
from tests import factories


def _rows(response) -> list[dict]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_download_derives_on_budget_and_lists_the_codes(client, login_as, tree):
    mapped = factories.project(lead=tree["health_org"], title_en="Mapped", on_budget=False)
    services.set_budget_codes(
        mapped,
        [
            services.BudgetShare("H-P1-01", Decimal("66.67")),
            services.BudgetShare("H-P2", Decimal("33.33")),
        ],
        actor=None,
    )
    factories.project(lead=tree["health_org"], title_en="Typed on", on_budget=True)
    factories.project(lead=tree["health_org"], title_en="Typed off", on_budget=False)
    login_as("cdc")
    rows = {r["Title"]: r for r in _rows(client.get("/projects/export.csv?budget=H"))}
    assert set(rows) == {"Mapped"}
    rows = {
        r["Title"]: r
        for r in _rows(client.get(f"/projects/export.csv?ministry={tree['health_org'].id}"))
    }
    on_budget = {title: row["On budget"] for title, row in rows.items()}
    assert on_budget["Mapped"] == on_budget["Typed on"] != on_budget["Typed off"]
    assert rows["Mapped"]["Budget codes"] == "H-P1-01 66.67; H-P2 33.33"
    assert rows["Typed on"]["Budget codes"] == ""
    sheet = load_workbook(
        io.BytesIO(client.get(f"/projects/export.xlsx?ministry={tree['health_org'].id}").data)
    ).active
    table = list(sheet.iter_rows(values_only=True))
    column = table[0].index("Budget codes")
    assert "H-P1-01 66.67; H-P2 33.33" in [row[column] for row in table[1:]]


def test_the_cell_reads_back_what_the_download_writes():
    shares = parse_codes("H-P1-01 66.67; H-P2 33,33%")
    assert [(s.code, s.percentage) for s in shares] == [
        ("H-P1-01", Decimal("66.67")),
        ("H-P2", Decimal("33.33")),
    ]
    assert [(s.code, s.percentage) for s in parse_codes("H-P1")] == [("H-P1", Decimal(100))]
    assert parse_codes("  ") == []


@pytest.mark.parametrize("bad", ["H-P1 sixty", "H-P1; H-P2", "H-P1 NaN"])
def test_a_cell_without_a_share_for_each_code_is_refused(bad):
    with pytest.raises(CellInvalid):
        parse_codes(bad)
