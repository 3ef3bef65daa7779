"""The project list, its API and the builder filter by budget programme or sub-programme."""

from decimal import Decimal

import pytest

from portal.budget import services
from portal.db import utcnow
from portal.extensions import db
from portal.projects import queries
from tests import factories


@pytest.fixture
def projects(tree):
    """One project a code (primary care, disease control, rural roads) and one with none."""
    made = {}
    for name, code, lead in (
        ("Clinics in Kampot", "H-P1-01", "health_org"),
        ("Dengue control", "H-P2", "health_org"),
        ("Rural roads in Takeo", "R-P1", "roads_org"),
        ("Unmapped health project", None, "health_org"),
    ):
        project = factories.project(lead=tree[lead], title_en=name)
        project.published_at = utcnow()
        if code:
            services.set_budget_codes(
                project, [services.BudgetShare(code, Decimal(100))], actor=None
            )
        made[name] = project
    db.session.flush()
    return made


def _titles(user, **filters) -> set[str]:
    statement = queries.filtered(user, queries.ProjectFilters(**filters))
    return {p.title_en for p in db.session.scalars(statement)}


def test_a_programme_selects_its_own_and_its_sub_programmes_projects(projects):
    cdc = factories.user(role="cdc")
    assert _titles(cdc, budget="H-P1") == {"Clinics in Kampot"}
    assert _titles(cdc, budget="H-P1-01") == {"Clinics in Kampot"}
    assert _titles(cdc, budget="H-P2") == {"Dengue control"}
    # A whole ministry's chapter selects every project mapped under it.
    assert _titles(cdc, budget="H") == {"Clinics in Kampot", "Dengue control"}
    assert _titles(cdc, budget="NO-SUCH-CODE") == set()


def test_the_list_page_offers_and_applies_the_filter(app, client, login_as, projects):
    login_as("cdc")
    page = client.get("/projects/?budget=H-P1").get_data(as_text=True)
    assert 'id="f-budget"' in page
    assert '<option value="H-P1" selected>' in page
    assert "Clinics in Kampot" in page
    assert "Dengue control" not in page and "Rural roads in Takeo" not in page
    # The public reads published projects by programme too.
    public = app.test_client().get("/projects/?budget=R-P1").get_data(as_text=True)
    assert "Rural roads in Takeo" in public and "Clinics in Kampot" not in public


def test_other_pages_sharing_the_filters_are_unchanged(client, login_as, projects):
    login_as("cdc")
    for url in ("/map/", "/analysis/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'id="f-budget"' not in page.get_data(as_text=True), url


def test_the_api_accepts_the_same_filter(client, projects):
    listed = client.get("/api/v1/projects?budget=H-P1").get_json()
    assert [p["title_en"] for p in listed["data"]] == ["Clinics in Kampot"]
    assert client.get("/api/v1/projects?budget=NOPE").get_json()["data"] == []
    refused = client.get("/api/v1/projects?budget=H%20P1")
    assert refused.status_code == 400
    assert "budget" in refused.get_json()["error"]["fields"]


def test_a_round_question_cannot_filter_by_budget(client, login_as):
    login_as("cdc")
    page = client.get("/analysis/?rows=partner&round=2019&budget=H-P1")
    assert page.status_code == 400
    assert "cannot be filtered by this" in page.get_data(as_text=True)
