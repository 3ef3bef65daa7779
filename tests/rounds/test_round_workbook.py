"""The checklist as a workbook: download, edit offline, upload; every row saved or none."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.projects.models import Project
from portal.rounds import services
from portal.rounds.models import RoundProjectUpdate
from tests.rounds import scenario
from tests.rounds.scenario import YEAR
from tests.rounds.test_round_pages import login


@pytest.fixture
def world():
    return scenario.build()


@pytest.fixture
def round_(world):
    return services.open_round(YEAR, date.today() + timedelta(days=30), actor=world.cdc_user)


def download(client):
    response = client.get(f"/rounds/{YEAR}/checklist.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def upload(client, book):
    out = io.BytesIO()
    book.save(out)
    return client.post(
        f"/rounds/{YEAR}/checklist/upload",
        data={"file": (io.BytesIO(out.getvalue()), "round.xlsx")},
        content_type="multipart/form-data",
    )


def rows_by_title(sheet):
    header = [c.value for c in sheet[1]]
    rows = {}
    for number, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if cells[0] is None:
            continue
        rows[cells[header.index("Title")]] = (number, dict(zip(header, cells, strict=False)))
    return header, rows


def test_the_workbook_holds_the_round_and_saves_a_correction(client, world, round_):
    login(client, world.partner_user)
    book = download(client)
    sheet = book["Round 2025"]
    header, rows = rows_by_title(sheet)
    assert header[:8] == [
        "Portal ID",
        "Title",
        "Currency",
        "Actual 2025",
        "Plan 2026",
        "Plan 2027",
        "Plan 2028",
        "Status",
    ]
    assert set(rows) == {"Rural roads", "Clean water"}
    number, water = rows["Clean water"]
    assert water["Currency"] == "EUR" and Decimal(str(water["Actual 2025"])) == 90000
    sheet.cell(number, header.index("Plan 2027") + 1, 12345)
    roads_number, _ = rows["Rural roads"]
    sheet.cell(roads_number, header.index("No change") + 1, "Yes")
    response = upload(client, book)
    assert response.status_code == 302
    db.session.expire_all()
    eur = db.session.get(Project, world.eur_project.id)
    money = {(f.kind, f.year): (f.amount, f.currency) for f in eur.funding}
    assert money[("planned", 2027)] == (Decimal("12345"), "EUR")
    assert money[("disbursement", YEAR)] == (Decimal("90000"), "EUR")  # kept
    marks = set(db.session.scalars(select(RoundProjectUpdate.project_id)))
    assert marks == {world.eur_project.id, world.usd_project.id}


def test_one_bad_row_saves_nothing_and_says_where(client, world, round_):
    login(client, world.partner_user)
    book = download(client)
    sheet = book["Round 2025"]
    header, rows = rows_by_title(sheet)
    sheet.cell(rows["Clean water"][0], header.index("Plan 2027") + 1, 500)
    sheet.cell(rows["Rural roads"][0], header.index("Actual 2025") + 1, -3)
    extra = sheet.max_row + 1
    sheet.cell(extra, 1, world.other_project.id)  # another partner's project
    response = upload(client, book)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Nothing of the file was saved" in text
    assert f"row {rows['Rural roads'][0]}" in text and "An amount cannot be negative." in text
    assert f"row {extra}" in text and "No project of yours in this round has this ID." in text
    db.session.expire_all()
    eur = db.session.get(Project, world.eur_project.id)
    assert ("planned", 2027) not in {(f.kind, f.year) for f in eur.funding}
    assert db.session.scalar(select(RoundProjectUpdate.id)) is None


def test_a_project_saved_after_the_download_is_not_overwritten(client, world, round_):
    from portal.projects import services as project_services
    from portal.spreadsheets.compare import data_from_project

    login(client, world.partner_user)
    book = download(client)
    data = data_from_project(world.usd_project)
    data.title_en = "Rural roads (renamed)"
    project_services.save_project(data, actor=world.partner_user, project=world.usd_project)
    sheet = book["Round 2025"]
    header, rows = rows_by_title(sheet)
    sheet.cell(rows["Rural roads"][0], header.index("Actual 2025") + 1, 1)
    response = upload(client, book)
    assert response.status_code == 400
    assert "download it again" in response.get_data(as_text=True)


def test_a_file_that_is_not_a_workbook_is_refused_clearly(client, world, round_):
    login(client, world.partner_user)
    response = client.post(
        f"/rounds/{YEAR}/checklist/upload",
        data={"file": (io.BytesIO(b"hello"), "round.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "This is not an Excel workbook (.xlsx)." in response.get_data(as_text=True)
