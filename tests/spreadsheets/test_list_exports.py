"""Every list of the portal downloads as CSV and XLSX, for the people who see its page."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.strategy.models import StrategyFramework
from tests import factories
from tests.commitments import helpers as commitment_helpers
from tests.pilots import helpers as pilot_helpers

# list -> (who may download it, a text the download must hold, the page that links to it)
LISTS = {
    "users": ("cdc", "Email", "/admin/users/"),
    "organizations": ("cdc", "Acronym", "/admin/organizations/"),
    "sectors": ("cdc", "12220", "/admin/reference/sectors"),
    "twgs": ("cdc", "Acronym", "/admin/reference/twgs"),
    "provinces": ("cdc", "Siemreap", "/admin/reference/geography"),
    "districts": ("cdc", "1201", "/admin/reference/geography/12"),
    "exchange_rates": ("cdc", "Units per USD", "/admin/exchange-rates/"),
    "frameworks": ("cdc", "Start year", "/admin/strategy/"),
    "strategy_nodes": ("cdc", "Part of", None),
    "inbox": ("ministry", "Days waiting", "/alignment/inbox"),
    "scorecards": ("cdc", "Median days to confirm", "/alignment/pipeline"),
    "commitments": ("dp", "Share of ODA disbursed on budget", "/commitments/"),
    "pilots": ("dp", "Joint sub-national planning", "/pilots/"),
    "lessons": ("dp", "Learned on", "/pilots/lessons"),
    "quality": ("dp", "Average score", "/projects/quality"),
    # A round's lists need a round (tests/rounds/test_round_pages.py): here, their headings.
    "round_partners": ("cdc", "Days late", None),
    "round_checks": ("cdc", "Checks failed", None),
}


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _xlsx(response) -> list[list]:
    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def records():
    orgs = commitment_helpers.parties()
    commitment_helpers.commitment(orgs)
    pilot_helpers.pilot(pilot_helpers.partners())


@pytest.mark.parametrize("name", sorted(LISTS))
def test_each_list_downloads_in_both_formats(client, login_as, records, name):
    role, expected, page = LISTS[name]
    login_as(role)
    args = {}
    if name == "strategy_nodes":
        args["framework"] = db.session.scalar(select(StrategyFramework.id))
    rows = _csv(client.get(f"/exports/{name}.csv", query_string=args))
    assert expected in str(rows), (name, rows[:3])
    cells = _xlsx(client.get(f"/exports/{name}.xlsx", query_string=args))
    assert cells[0] == rows[0]
    assert len(cells) == len(rows)
    if page:
        assert f"/exports/{name}.xlsx" in client.get(page).text, f"{page} lacks its export link"


@pytest.mark.parametrize("role", [None, "dp", "ministry"])
def test_cdc_lists_are_refused_to_others(client, login_as, role):
    if role:
        login_as(role)
    response = client.get("/exports/users.csv")
    if role is None:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403
    assert client.get("/exports/nothing.csv").status_code in (302, 404)


def test_the_inbox_is_the_ministrys_own(client, login_as):
    login_as("dp")
    assert client.get("/exports/inbox.csv").status_code == 403


def test_filters_of_the_page_apply_to_its_download(client, login_as):
    login_as("cdc")
    factories.organization(acronym="FILTERME")
    rows = _csv(client.get("/exports/organizations.csv?q=filterme"))
    assert [row[0] for row in rows[1:]] == ["FILTERME"]


def test_a_project_history_downloads_for_its_own_people_only(client, login_as):
    user = login_as("dp")
    project = factories.project(reporting=user.organization, actor=user)
    rows = _csv(client.get(f"/exports/project_history.csv?project={project.id}"))
    assert rows[0][:3] == ["Version", "When", "Who"]
    assert (
        f"/exports/project_history.xlsx?project={project.id}"
        in client.get(f"/projects/{project.id}/history").text
    )
    client.post("/logout")
    login_as("dp")
    assert client.get(f"/exports/project_history.csv?project={project.id}").status_code == 404


def test_text_that_looks_like_a_formula_is_neutralised(client, login_as):
    login_as("cdc")
    factories.organization(acronym="EVIL", name_en='=HYPERLINK("http://x","y")')
    rows = _csv(client.get("/exports/organizations.csv?q=evil"))
    assert rows[1][1] == '\'=HYPERLINK("http://x","y")'
    cells = _xlsx(client.get("/exports/organizations.xlsx?q=evil"))
    assert cells[1][1] == '\'=HYPERLINK("http://x","y")'


def test_the_map_table_downloads_as_xlsx_too(client):
    page = client.get("/map/")
    assert "/map/export.xlsx" in page.text
    cells = _xlsx(client.get("/map/export.xlsx"))
    assert cells[0][0] and len(cells) > 25  # a row per province, and the totals
