"""Finding projects: filters, sorting, totals and exports of exactly the filtered set."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.organizations.models import OrgKind
from portal.projects import services
from tests import factories


@pytest.fixture
def catalogue(login_as):
    cdc = login_as("cdc")
    jica = factories.organization(OrgKind.BILATERAL, acronym="JICAL")
    adb = factories.organization(OrgKind.MULTILATERAL, acronym="ADBL")
    moh = factories.organization(OrgKind.GOVERNMENT, acronym="MOHL")
    mpwt = factories.organization(OrgKind.GOVERNMENT, acronym="MPWTL")
    factories.rate("JPY", 2020, "100")
    health = factories.project(
        reporting=jica,
        lead=moh,
        title_en="Hospital equipment Siem Reap",
        sectors=[services.SectorShare("12220", Decimal(100))],
        nationwide=False,
        locations=[services.LocationShare("17", Decimal(100))],
        type_of_assistance="grant",
        commitment_amount=Decimal("500000000"),
        commitment_currency="JPY",
        commitment_date=date(2020, 5, 1),
        planned_start=date(2020, 1, 1),
        planned_end=date(2023, 12, 31),
        actor=cdc,
    )
    roads = factories.project(
        reporting=adb,
        lead=mpwt,
        title_en='=HYPERLINK("http://x") rural roads',
        sectors=[services.SectorShare("21020", Decimal(100))],
        nationwide=False,
        locations=[
            services.LocationShare("02", Decimal(60)),
            services.LocationShare("12", Decimal(40)),
        ],
        type_of_assistance="loan",
        commitment_amount=Decimal("75000000.10"),
        planned_start=date(2024, 1, 1),
        planned_end=date(2030, 12, 31),
        actor=cdc,
    )
    schools = factories.project(
        reporting=adb,
        lead=moh,
        title_en="School health nationwide",
        status="3",
        sectors=[
            services.SectorShare("12220", Decimal(50)),
            services.SectorShare("11220", Decimal(50)),
        ],
        commitment_amount=Decimal("1234.56"),
        planned_start=date(2015, 1, 1),
        planned_end=date(2018, 12, 31),
        actor=cdc,
    )
    return {
        "health": health,
        "roads": roads,
        "schools": schools,
        "jica": jica,
        "adb": adb,
        "moh": moh,
    }


def _titles(client, query: str) -> set[str]:
    page = client.get(f"/projects/?{query}").get_data(as_text=True)
    names = {"Hospital equipment Siem Reap", "rural roads", "School health nationwide"}
    return {name for name in names if name in page}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=hospital", {"Hospital equipment Siem Reap"}),
        ("sector=122", {"Hospital equipment Siem Reap", "School health nationwide"}),
        ("sector=11220", {"School health nationwide"}),
        ("province=12", {"rural roads"}),
        ("province=17&sector=122", {"Hospital equipment Siem Reap"}),
        ("status=3", {"School health nationwide"}),
        ("assistance=loan", {"rural roads"}),
        ("year_from=2025", {"rural roads"}),
        ("year_to=2019", {"School health nationwide"}),
        ("year_from=2019&year_to=2021", {"Hospital equipment Siem Reap"}),
    ],
)
def test_filters_find_the_right_projects(client, catalogue, query, expected):
    assert _titles(client, query) == expected


def test_partner_and_ministry_filters(client, catalogue):
    assert _titles(client, f"partner={catalogue['adb'].id}") == {
        "rural roads",
        "School health nationwide",
    }
    assert _titles(client, f"ministry={catalogue['moh'].id}") == {
        "Hospital equipment Siem Reap",
        "School health nationwide",
    }


def test_totals_row_sums_the_whole_filtered_set(client, catalogue):
    page = client.get(f"/projects/?partner={catalogue['adb'].id}").get_data(as_text=True)
    assert "Total of the 2 projects matching the filters" in page
    assert 'data-total="commitment">75,001,234.66<' in page


def test_sorting_by_commitment(client, catalogue):
    page = client.get("/projects/?sort=-commitment").get_data(as_text=True)
    order = [page.index(t) for t in ("rural roads", "Hospital equipment", "School health")]
    assert order == sorted(order)
    page = client.get("/projects/?sort=commitment").get_data(as_text=True)
    order = [page.index(t) for t in ("School health", "Hospital equipment", "rural roads")]
    assert order == sorted(order)


def test_csv_export_has_exactly_the_filtered_projects(client, catalogue):
    response = client.get("/projects/export.csv?sector=122&sort=title")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[2] for row in rows[1:]] == [
        "Hospital equipment Siem Reap",
        "School health nationwide",
    ]
    hospital = rows[1]
    header = rows[0]
    assert hospital[header.index("Commitment (USD)")] == "5000000.00"


def test_xlsx_export_reads_back_and_neutralises_formulas(client, catalogue):
    response = client.get(f"/projects/export.xlsx?partner={catalogue['adb'].id}&sort=title")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    titles = [row[2] for row in rows[1:]]
    assert titles[0].startswith("'=HYPERLINK")  # shown as text, never run as a formula
    assert "School health nationwide" in titles


def test_pages_of_25(client, login_as):
    login_as("cdc")
    partner = factories.organization(OrgKind.BILATERAL)
    for number in range(27):
        factories.project(reporting=partner, title_en=f"Numbered project {number:02d}")
    first = client.get("/projects/?sort=title").get_data(as_text=True)
    second = client.get("/projects/?sort=title&page=2").get_data(as_text=True)
    assert "Numbered project 00" in first and "Numbered project 25" not in first
    assert "Numbered project 25" in second and "Numbered project 26" in second
    assert "Page 2 of 2" in second


def test_empty_list_explains_what_to_do(client, login_as):
    login_as("dp")
    page = client.get("/projects/").get_data(as_text=True)
    assert "No projects yet." in page
    assert "Register the first one" in page
