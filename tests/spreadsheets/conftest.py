"""Helpers of the spreadsheet tests: a partner with projects, and a workbook to edit and upload."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.organizations.models import OrgKind
from portal.projects import services
from tests import factories


@pytest.fixture
def partner(login_as):
    """A development partner focal point (logged in) whose organization has two projects."""
    jica = factories.organization(OrgKind.BILATERAL, acronym="JICAS")
    moh = factories.organization(OrgKind.GOVERNMENT, acronym="MOHS")
    factories.organization(OrgKind.GOVERNMENT, acronym="MOES")
    user = login_as("dp", organization=jica)
    factories.rate("JPY", 2023, "140")
    health = factories.project(
        reporting=jica,
        lead=moh,
        title_en="Hospital equipment Siem Reap",
        partner_ref="JICA-H-1",
        nationwide=False,
        locations=[services.LocationShare("17", Decimal(100))],
        sectors=[
            services.SectorShare("12220", Decimal(70)),
            services.SectorShare("12230", Decimal(30)),
        ],
        type_of_assistance="grant",
        commitment_amount=Decimal("1000000"),
        commitment_currency="USD",
        commitment_date=date(2023, 3, 1),
        funding=[services.YearAmount(2023, "disbursement", Decimal("14000000"), "JPY")],
        contact_email="focal@jica.example",
        actor=user,
    )
    roads = factories.project(
        reporting=jica, lead=moh, title_en="Rural roads Kampot", partner_ref="JICA-R-2", actor=user
    )
    return {"user": user, "jica": jica, "moh": moh, "health": health, "roads": roads}


def download(client, **args):
    """Download the template; return it opened with openpyxl (editable)."""
    response = client.get("/spreadsheets/template.xlsx", query_string=args)
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data))


def to_bytes(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, content: bytes, name: str = "projects.xlsx"):
    return client.post(
        "/spreadsheets/upload",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def header_index(sheet, header: str) -> int:
    """The 1-based column of a header on the first row."""
    for cell in sheet[1]:
        if cell.value == header:
            return cell.column
    raise AssertionError(f"no column {header!r} on {sheet.title}")


def row_of(sheet, project_id: int, column: str = "Portal ID") -> int:
    """The row of a project on a sheet (the first one, for the other sheets)."""
    index = header_index(sheet, column)
    for row in sheet.iter_rows(min_row=2):
        if row[index - 1].value == project_id:
            return row[0].row
    raise AssertionError(f"project {project_id} not on {sheet.title}")


def set_cell(sheet, project_id: int, header: str, value, column: str = "Portal ID") -> None:
    sheet.cell(
        row=row_of(sheet, project_id, column), column=header_index(sheet, header)
    ).value = value


def confirm_token(response) -> str:
    text = response.text
    marker = 'name="token" type="hidden" value="'
    assert marker in text, "the preview offers no confirmation"
    return text.split(marker)[1].split('"')[0]
