"""Helpers of the spreadsheet tests: a partner with projects, and a workbook to edit and upload."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.extensions import db
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


def problems(response) -> list[tuple[str, str, str, str]]:
    """The preview's problems as (sheet, row, column, message), as the page shows them."""
    import html
    import re

    assert 'id="problems"' in response.text, "the preview lists no problem"
    table = response.text.split('id="problems"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    return [tuple(html.unescape(cell).strip() for cell in row) for row in rows]


def fill_row(sheet, values: dict) -> int:
    """Write a new row under the data of a sheet, by header; return its number."""
    headers = {cell.value: cell.column for cell in sheet[1]}
    number = sheet.max_row + 1
    for header, value in values.items():
        sheet.cell(row=number, column=headers[header]).value = value
    return number


def rows_of(sheet, project_id: int, column: str = "Project (portal ID or your reference)"):
    """The numbers of a project's rows on a sheet."""
    index = header_index(sheet, column)
    return [row[0].row for row in sheet.iter_rows(min_row=2) if row[index - 1].value == project_id]


def cell(sheet, number: int, header: str):
    return sheet.cell(row=number, column=header_index(sheet, header))


@pytest.fixture
def financed(partner):
    """The partner's roads project as a co-financed loan with terms and a result: a
    co-financier (ADBS, in JPY), the government's counterpart in kind (MEFS), the partner's
    own signed commitment, loan terms, and an indicator with two yearly periods."""
    from portal.loans import services as loans
    from portal.loans.rules import LoanData
    from portal.results import services as results
    from portal.results.rules import IndicatorData, PeriodData
    from portal.spreadsheets.compare import data_from_project

    adb = factories.organization(OrgKind.MULTILATERAL, acronym="ADBS")
    mef = factories.organization(OrgKind.GOVERNMENT, acronym="MEFS")
    roads = partner["roads"]
    data = data_from_project(roads)
    data.type_of_assistance = "loan"
    data.sources = [
        services.SourceData("cofinancier", adb.id),
        services.SourceData("counterpart", mef.id, in_kind=True),
    ]
    data.funding = [
        services.YearAmount(2023, "disbursement", Decimal("500000"), "USD"),
        services.YearAmount(2023, "commitment", Decimal("1000000"), "USD"),
        services.YearAmount(2023, "commitment", Decimal("28000000"), "JPY", 0),
        services.YearAmount(2023, "disbursement", Decimal("14000000"), "JPY", 0),
        services.YearAmount(2023, "expenditure", Decimal("50000"), "USD", 1),
    ]
    roads = services.save_project(data, actor=partner["user"], project=roads)
    loan = loans.save_terms(
        roads,
        LoanData(
            commitment_date=date(2023, 3, 1),
            currency="USD",
            rate_type="fixed",
            interest_rate=Decimal("1.25"),
            maturity_years=Decimal("30"),
            grace_years=Decimal("8"),
            repayment_type="1",
            repayment_plan="2",
        ),
        actor=partner["user"],
    )
    result = results.save_result(
        roads, results.ResultData("1", "Roads built"), actor=partner["user"]
    )
    indicator = results.save_indicator(
        result,
        IndicatorData(
            title="Km of road paved",
            measure="1",
            baseline_year=2022,
            baseline_value="0",
            periods=[
                PeriodData(date(2023, 1, 1), date(2023, 12, 31), "20", None, "18", None),
                PeriodData(date(2024, 1, 1), date(2024, 12, 31), "40", None, None, None),
            ],
        ),
        actor=partner["user"],
    )
    db.session.flush()
    return {
        **partner,
        "roads": roads,
        "adb": adb,
        "mef": mef,
        "loan": loan,
        "result": result,
        "indicator": indicator,
    }
