"""The tree as a CSV file: downloaded in the import's columns, read back, and loaded by command."""

import csv
import io

from sqlalchemy import select

from portal.budget.models import BudgetNode
from portal.extensions import db


def _download(client) -> list[list[str]]:
    response = client.get("/admin/reference/budget/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _file(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def _names() -> dict[str, tuple]:
    db.session.expire_all()
    return {
        n.code: (n.level, n.parent.code if n.parent else None, n.name_en, n.name_km, n.retired)
        for n in db.session.scalars(select(BudgetNode))
    }


def test_the_download_has_the_import_columns_parents_first(client, login_as, tree):
    login_as("cdc")
    rows = _download(client)
    assert rows[0] == ["code", "parent_code", "level", "ministry", "name_en", "name_km", "retired"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["H"] == ["H", "", "ministry", "TMOH", "Health", "Health (km)", "no"]
    assert by_code["H-P1-01"][:3] == ["H-P1-01", "H-P1", "subprogramme"]
    codes = [row[0] for row in rows[1:]]
    assert codes.index("H") < codes.index("H-P1") < codes.index("H-P1-01")


def test_others_may_not_download_the_tree(client, login_as, tree):
    assert client.get("/admin/reference/budget/export.csv").status_code in (302, 401, 403)
    login_as("ministry", organization=tree["health_org"])
    assert client.get("/admin/reference/budget/export.csv").status_code == 403


def test_the_download_reads_back_unchanged_then_with_an_edit(client, login_as, tree):
    login_as("cdc")
    rows = _download(client)
    before = _names()
    upload = client.post(
        "/admin/reference/budget/import",
        data={"file": (io.BytesIO(_file(rows)), "tree.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "0 new, 0 changed, 6 unchanged" in upload.get_data(as_text=True)
    assert _names() == before
    for row in rows:
        if row[0] == "H-P2":
            row[4] = "Disease prevention and control"
    result = client.post(
        "/admin/reference/budget/import",
        data={"file": (io.BytesIO(_file(rows)), "tree.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "0 new, 1 changed, 5 unchanged" in result.get_data(as_text=True)
    assert _names()["H-P2"][2] == "Disease prevention and control"


def test_the_command_loads_a_file_all_or_nothing(app, client, login_as, tree, tmp_path):
    login_as("cdc")
    rows = _download(client)
    rows.append(["H-P3", "H", "programme", "", "Health governance", "", "no"])
    good = tmp_path / "tree.csv"
    good.write_bytes(_file(rows))
    result = app.test_cli_runner().invoke(args=["portal", "budget", "load", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 new, 0 changed, 6 unchanged" in result.output
    assert _names()["H-P3"] == ("programme", "H", "Health governance", None, False)

    before = _names()
    rows[1][4] = "Renamed, but the file is refused"
    rows.append(["H-P1-01-X", "H-P1-01", "", "", "Too deep", "", "no"])
    rows.append(["R-P9", "NOWHERE", "", "", "Lost", "", "no"])
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_file(rows))
    result = app.test_cli_runner().invoke(args=["portal", "budget", "load", str(bad)])
    assert result.exit_code != 0
    assert f"Line {len(rows) - 1}:" in result.output and f"Line {len(rows)}:" in result.output
    assert "Nothing was loaded." in result.output
    assert _names() == before
