"""Uploads are checked by content; someone else's newer save is never overwritten."""

import io
import zipfile
from decimal import Decimal

from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services
from portal.projects.models import Project
from portal.spreadsheets.plan import data_from_project
from tests import factories
from tests.spreadsheets.conftest import (
    confirm_token,
    download,
    header_index,
    set_cell,
    to_bytes,
    upload,
)


def _someone_else_saves(project, title: str) -> None:
    data = data_from_project(project)
    data.title_en = title
    services.save_project(data, actor=None, project=project)
    db.session.flush()


def test_a_project_saved_after_the_download_is_not_overwritten(client, partner):
    health = partner["health"]
    book = download(client)
    set_cell(book["Projects"], health.id, "Objectives", "Equip three referral hospitals.")
    _someone_else_saves(health, "Hospital equipment Siem Reap (renamed by CDC)")

    preview = upload(client, to_bytes(book))
    assert preview.status_code == 400
    assert "was saved in the portal after this file was made" in preview.text
    assert "Version (do not change)" in preview.text
    db.session.expire_all()
    project = db.session.get(Project, health.id)
    assert project.title_en == "Hospital equipment Siem Reap (renamed by CDC)"
    assert project.objectives is None


def test_a_save_between_preview_and_confirm_refuses_the_whole_file(client, partner):
    health, roads = partner["health"], partner["roads"]
    book = download(client)
    set_cell(book["Projects"], health.id, "Objectives", "Equip three referral hospitals.")
    set_cell(book["Projects"], roads.id, "Objectives", "Pave 40 km.")
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 200
    _someone_else_saves(roads, "Rural roads Kampot (renamed)")

    result = client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    assert result.status_code == 409
    assert "was saved in the portal after this file was made" in result.text
    db.session.expire_all()
    assert db.session.get(Project, health.id).objectives is None
    assert db.session.get(Project, roads.id).objectives is None


def test_a_confirmation_is_used_once(client, partner):
    book = download(client)
    set_cell(book["Projects"], partner["roads"].id, "Objectives", "Pave 40 km.")
    token = confirm_token(upload(client, to_bytes(book)))
    assert client.post("/spreadsheets/confirm", data={"token": token}).status_code == 200
    again = client.post("/spreadsheets/confirm", data={"token": token}, follow_redirects=True)
    assert "expired or was already saved" in again.text


def _refusal(client, content: bytes, name: str = "projects.xlsx") -> str:
    response = upload(client, content, name)
    assert response.status_code == 400, response.status_code
    return response.text


def _with_part(content: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_files_that_are_not_plain_workbooks_are_refused(client, partner):
    real = to_bytes(download(client))
    assert "not an Excel workbook" in _refusal(client, b"id,title\n1,=cmd()\n", "projects.csv")
    assert "not an Excel workbook" in _refusal(client, b"id,title\n1,x\n", "projects.xlsx")
    assert "old-style .xls" in _refusal(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert "contains macros" in _refusal(client, _with_part(real, "xl/vbaProject.bin", b"\0" * 64))
    assert "damaged" in _refusal(client, real[: len(real) // 2])
    bomb = _with_part(real, "xl/media/huge.xml", b"<a>" + b" " * (30 * 1024 * 1024) + b"</a>")
    assert "unpacks to more data" in _refusal(client, bomb)
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    assert "XML the portal does not read" in _refusal(client, _with_part(real, "xl/extra.xml", dtd))
    assert "empty" in _refusal(client, b"")


def test_bad_cells_are_named_by_sheet_row_and_column(client, partner):
    health = partner["health"]
    book = download(client)
    sheet = book["Projects"]
    set_cell(sheet, health.id, "Planned start", "next spring")
    set_cell(sheet, health.id, "Commitment", "a lot")
    set_cell(sheet, health.id, "On budget", "maybe")
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 400
    text = preview.text
    assert "Give a date as YYYY-MM-DD" in text
    assert "Give a number, such as 125000.50." in text
    assert "Answer yes or no." in text
    letter = sheet.cell(row=1, column=header_index(sheet, "Commitment")).column_letter
    assert f"Commitment ({letter})" in text


def test_a_partner_cannot_change_another_partners_projects(client, partner):
    other = factories.project(
        reporting=factories.organization(OrgKind.BILATERAL, acronym="KOICAS"),
        lead=partner["moh"],
        title_en="KOICA school meals",
    )
    book = download(client)
    sheet = book["Projects"]
    headers = [cell.value for cell in sheet[1]]
    row = [None] * len(headers)
    row[headers.index("Portal ID")] = other.id
    row[headers.index("Title")] = "Taken over"
    row[headers.index("Version (do not change)")] = other.version
    sheet.append(row)
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 400
    assert f"There is no project {other.id}." in preview.text
    assert db.session.get(Project, other.id).title_en == "KOICA school meals"


def test_ministries_do_not_use_spreadsheets(client, login_as):
    login_as("ministry")
    assert client.get("/spreadsheets/").status_code == 403
    assert client.get("/spreadsheets/template.xlsx").status_code == 403


def test_cdc_downloads_the_workbook_of_a_chosen_partner(client, login_as):
    login_as("cdc")
    jica = factories.organization(OrgKind.BILATERAL, acronym="JICAC")
    project = factories.project(reporting=jica, title_en="CDC-visible project")
    assert client.get("/spreadsheets/template.xlsx").status_code == 302
    book = download(client, partner=jica.id)
    assert book["Projects"]["A2"].value == project.id
    assert book["Projects"]["B2"].value == "JICAC"


def test_coded_columns_offer_drop_downs_of_the_allowed_values(client, partner):
    book = download(client)
    sheet = book["Projects"]
    status = sheet.cell(row=1, column=header_index(sheet, "Status")).column_letter
    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    assert validations[f"{status}2"].type == "list"
    assert validations[f"{status}2"].formula1.startswith("'Lists'!$A$2")
    lists = book["Lists"]
    values = [row[0].value for row in lists.iter_rows(min_row=2, max_col=1) if row[0].value]
    assert "2 — Implementation" in values
    assert sheet.cell(row=2, column=header_index(sheet, "Status")).value == "2 — Implementation"
    sectors = book["Sectors"]
    share = sectors.cell(row=2, column=header_index(sectors, "Share (%)")).value
    assert Decimal(str(share)) in (Decimal(70), Decimal(30))
    assert sectors.cell(row=2, column=header_index(sectors, "Sector")).value.startswith("122")


def test_a_file_over_the_size_limit_is_refused(client, partner):
    response = upload(client, b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024 + 10))
    assert response.status_code == 413
    assert "larger than 10 MB" in response.text


def test_columns_are_found_by_their_header_in_any_order(client, partner):
    roads = partner["roads"]
    book = download(client)
    sheet = book["Projects"]
    set_cell(sheet, roads.id, "Objectives", "Pave 40 km.")
    # Headers by their key work too, and the order of the columns does not matter.
    sheet.cell(row=1, column=header_index(sheet, "Objectives")).value = "objectives"
    sheet.move_range("A1:A10", cols=40)
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 200, preview.text
    client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    db.session.expire_all()
    assert db.session.get(Project, roads.id).objectives == "Pave 40 km."


def test_a_sheet_without_its_key_column_is_refused(client, partner):
    book = download(client)
    book["Projects"].cell(row=1, column=1).value = "Something else"
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 400
    assert "The column “Portal ID” is missing from the first row." in preview.text
    assert "New projects: 0. Changed: 0. Unchanged: 0." in preview.text
