"""The XLSX round trip as a partner does it: download, edit, upload, preview, confirm."""

from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.projects.models import Project
from tests.spreadsheets.conftest import confirm_token, download, set_cell, to_bytes, upload


def test_an_edited_cell_is_previewed_then_saved(client, partner):
    health = partner["health"]
    book = download(client)
    assert {"Projects", "Yearly funding", "Locations", "Sectors", "Lists"} <= set(book.sheetnames)
    set_cell(book["Projects"], health.id, "Title", "Hospital equipment Siem Reap, phase 2")

    preview = upload(client, to_bytes(book))
    assert preview.status_code == 200, preview.text
    assert "Hospital equipment Siem Reap, phase 2" in preview.text
    assert "Changed" in preview.text
    assert db.session.get(Project, health.id).title_en == "Hospital equipment Siem Reap"

    result = client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    assert result.status_code == 200
    assert "1 project was saved." in result.text
    db.session.expire_all()
    assert db.session.get(Project, health.id).title_en == "Hospital equipment Siem Reap, phase 2"


def test_blank_cells_keep_the_values_the_project_has(client, partner):
    health = partner["health"]
    book = download(client)
    sheet = book["Projects"]
    for header in ("Description", "Contact email", "Commitment", "Lead national partner", "Status"):
        set_cell(sheet, health.id, header, None)
    set_cell(sheet, health.id, "Title in Khmer", "ឧបករណ៍មន្ទីរពេទ្យ")

    preview = upload(client, to_bytes(book))
    assert preview.status_code == 200
    client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})

    db.session.expire_all()
    project = db.session.get(Project, health.id)
    assert project.title_km == "ឧបករណ៍មន្ទីរពេទ្យ"
    assert project.description == "A project made for a test."
    assert project.contact_email == "focal@jica.example"
    assert project.commitment_amount == Decimal("1000000.00")
    assert project.lead_national_partner.acronym == "MOHS"
    assert project.status == "2"


def test_a_file_that_changes_nothing_says_so(client, partner):
    preview = upload(client, to_bytes(download(client)))
    assert preview.status_code == 200
    assert "The file changes nothing" in preview.text
    assert 'name="token"' not in preview.text


def test_an_invalid_row_refuses_everything_and_says_where(client, partner):
    health, roads = partner["health"], partner["roads"]
    version = roads.version
    book = download(client)
    set_cell(book["Projects"], roads.id, "Title", "Rural roads Kampot and Kep")
    set_cell(book["Projects"], health.id, "Lead national partner", "NOPE")
    set_cell(
        book["Sectors"], health.id, "Share (%)", 150, column="Project (portal ID or your reference)"
    )

    preview = upload(client, to_bytes(book))
    assert preview.status_code == 400
    assert 'name="token"' not in preview.text
    problems = preview.text.split('id="problems"')[1].split("</table>")[0]
    assert "No organization has the acronym NOPE." in problems
    assert "Lead national partner (J)" in problems
    assert "Sectors" in problems and "Share (%)" in problems
    # Nothing was written, not even the valid change of the other project.
    db.session.expire_all()
    assert db.session.get(Project, roads.id).title_en == "Rural roads Kampot"
    assert db.session.get(Project, roads.id).version == version


def test_rule_errors_are_placed_at_their_row(client, partner):
    health = partner["health"]
    book = download(client)
    ref = "Project (portal ID or your reference)"
    set_cell(book["Sectors"], health.id, "Share (%)", 50, column=ref)  # 50 + 30 is not 100
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 400
    assert "Sector percentages must add up to 100; they add up to 80." in preview.text


def test_sector_location_and_funding_rows_replace_the_projects_own(client, partner):
    health = partner["health"]
    book = download(client)
    ref = "Project (portal ID or your reference)"
    sectors = book["Sectors"]
    set_cell(sectors, health.id, "Share (%)", 60, column=ref)  # the first row: 12220
    sectors.cell(row=3, column=4).value = 40
    locations = book["Locations"]
    locations.append([health.id, None, "12 — Phnom Penh", None, 50])
    set_cell(locations, health.id, "Share (%)", 50, column=ref)
    book["Yearly funding"].append(
        [health.id, None, 2026, "planned — Planned disbursement", 500000, "USD"]
    )

    preview = upload(client, to_bytes(book))
    assert preview.status_code == 200, preview.text
    client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    db.session.expire_all()
    project = db.session.get(Project, health.id)
    assert {(s.sector_code, s.percentage) for s in project.sectors} == {
        ("12220", Decimal("60.00")),
        ("12230", Decimal("40.00")),
    }
    assert {(loc.province_code, loc.percentage) for loc in project.locations} == {
        ("17", Decimal("50.00")),
        ("12", Decimal("50.00")),
    }
    assert {(f.year, f.kind, f.amount) for f in project.funding} == {
        (2023, "disbursement", Decimal("14000000.00")),
        (2026, "planned", Decimal("500000.00")),
    }
    assert project.planned_usd == Decimal("500000.00")


def test_a_row_without_an_id_registers_a_new_project(client, partner):
    book = download(client)
    projects = book["Projects"]
    headers = [cell.value for cell in projects[1]]
    row = [None] * len(headers)
    values = {
        "Partner's own reference": "JICA-NEW-9",
        "Title": "Clean water Kratie",
        "Lead national partner": "MOES",
        "Status": "1 — Pipeline/identification",
        "Nationwide": "No",
        "Planned start": "2025-01-01",
    }
    for header, value in values.items():
        row[headers.index(header)] = value
    projects.append(row)
    book["Sectors"].append(["JICA-NEW-9", None, "14030 — Basic drinking water supply", 100])
    book["Locations"].append(["JICA-NEW-9", None, "10 — Kratie", None, 100])

    preview = upload(client, to_bytes(book))
    assert preview.status_code == 200, preview.text
    assert "New" in preview.text and "Clean water Kratie" in preview.text
    result = client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    assert "registered" in result.text
    created = db.session.scalar(select(Project).where(Project.partner_ref == "JICA-NEW-9"))
    assert created.reporting_org_id == partner["jica"].id
    assert created.lead_national_partner.acronym == "MOES"
    assert [s.sector_code for s in created.sectors] == ["14030"]
    assert [loc.province_code for loc in created.locations] == ["10"]
    assert created.data_source == "spreadsheet"


def test_text_that_looks_like_a_formula_survives_the_round_trip(client, partner):
    roads = partner["roads"]
    book = download(client)
    set_cell(book["Projects"], roads.id, "Title", "=SUM(A1:A9) roads")
    preview = upload(client, to_bytes(book))
    # openpyxl writes a string starting with "=" as a formula: the upload refuses it.
    assert preview.status_code == 400
    assert "Formulas are not read" in preview.text

    set_cell(book["Projects"], roads.id, "Title", "'=SUM(A1:A9) roads")
    preview = upload(client, to_bytes(book))
    client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    db.session.expire_all()
    assert db.session.get(Project, roads.id).title_en == "=SUM(A1:A9) roads"

    again = download(client)
    cell = again["Projects"].cell(
        row=2 if again["Projects"]["A2"].value == roads.id else 3, column=5
    )
    assert cell.value == "'=SUM(A1:A9) roads"
    assert cell.data_type == "s"
