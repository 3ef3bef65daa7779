"""Who may read and change which project: every project route, every role, own and other."""

import pytest

from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects.services import set_published
from tests import factories


@pytest.fixture
def world():
    """Two partners and two ministries, each partner with a draft; one published project."""
    partner_a = factories.organization(OrgKind.BILATERAL, acronym="PA")
    partner_b = factories.organization(OrgKind.MULTILATERAL, acronym="PB")
    ministry_a = factories.organization(OrgKind.GOVERNMENT, acronym="MA")
    ministry_b = factories.organization(OrgKind.GOVERNMENT, acronym="MB")
    draft_a = factories.project(reporting=partner_a, lead=ministry_a, title_en="Draft of A")
    draft_b = factories.project(reporting=partner_b, lead=ministry_b, title_en="Draft of B")
    published_b = factories.project(reporting=partner_b, lead=ministry_b, title_en="Public B")
    set_published(published_b, True, actor=None)
    db.session.flush()
    return {
        "partner_a": partner_a,
        "partner_b": partner_b,
        "ministry_a": ministry_a,
        "ministry_b": ministry_b,
        "draft_a": draft_a,
        "draft_b": draft_b,
        "published_b": published_b,
    }


# (who, which project) -> expected status of GET detail, GET edit, GET history, POST publish
EXPECTED = {
    ("anonymous", "draft_a"): (404, 302, 302, 302),
    ("anonymous", "published_b"): (200, 302, 302, 302),
    ("partner_a", "draft_a"): (200, 200, 200, 403),
    ("partner_a", "draft_b"): (404, 404, 404, 404),
    ("partner_a", "published_b"): (200, 404, 404, 403),
    ("ministry_a", "draft_a"): (200, 403, 200, 403),
    ("ministry_a", "draft_b"): (404, 404, 404, 404),
    ("ministry_a", "published_b"): (200, 404, 404, 403),
    ("cdc", "draft_a"): (200, 200, 200, 302),
    ("cdc", "draft_b"): (200, 200, 200, 302),
}


@pytest.mark.parametrize(("who", "which"), list(EXPECTED))
def test_project_routes_answer_each_role(client, login_as, world, who, which):
    if who == "partner_a":
        login_as("dp", organization=world["partner_a"])
    elif who == "ministry_a":
        login_as("ministry", organization=world["ministry_a"])
    elif who == "cdc":
        login_as("cdc")
    project_id = world[which].id
    answers = (
        client.get(f"/projects/{project_id}").status_code,
        client.get(f"/projects/{project_id}/edit").status_code,
        client.get(f"/projects/{project_id}/history").status_code,
        client.post(f"/projects/{project_id}/publish", data={"publish": "1"}).status_code,
    )
    assert answers == EXPECTED[(who, which)]


def test_a_partner_cannot_change_another_partners_draft_by_guessing_its_id(client, login_as, world):
    login_as("dp", organization=world["partner_a"])
    target = world["draft_b"]
    response = client.post(
        f"/projects/{target.id}/edit",
        data={
            "title_en": "Taken over",
            "reporting_org_id": world["partner_a"].id,
            "version": str(target.version),
        },
    )
    assert response.status_code == 404
    db.session.refresh(target)
    assert target.title_en == "Draft of B"


def test_lists_show_each_user_only_what_they_may_read(client, login_as, world):
    anonymous = client.get("/projects/").get_data(as_text=True)
    assert "Public B" in anonymous and "Draft of A" not in anonymous
    assert "Draft of B" not in anonymous
    login_as("dp", organization=world["partner_a"])
    # The list opens on the partner's own projects; "all projects I can see" adds the public.
    own = client.get("/projects/").get_data(as_text=True)
    assert "Draft of A" in own and "Public B" not in own and "Draft of B" not in own
    assert "Draft of A" in client.get("/projects/export.csv").get_data(as_text=True)
    page = client.get("/projects/?partner=").get_data(as_text=True)
    assert "Draft of A" in page and "Public B" in page and "Draft of B" not in page
    csv_text = client.get("/projects/export.csv?partner=").get_data(as_text=True)
    assert "Draft of A" in csv_text and "Public B" in csv_text and "Draft of B" not in csv_text


def test_ministry_reads_the_projects_it_leads(client, login_as, world):
    login_as("ministry", organization=world["ministry_a"])
    page = client.get("/projects/").get_data(as_text=True)
    assert "Draft of A" in page and "Draft of B" not in page


@pytest.mark.parametrize("role", ["ministry"])
def test_only_partners_and_cdc_register_projects(client, login_as, role):
    login_as(role)
    assert client.get("/projects/new").status_code == 403
    assert client.post("/projects/new", data={"title_en": "x"}).status_code == 403


def test_a_partner_registers_only_for_its_own_organization(client, login_as, world):
    login_as("dp", organization=world["partner_a"])
    response = client.post(
        "/projects/new",
        data={
            "title_en": "For someone else",
            "reporting_org_id": world["partner_b"].id,
            "lead_national_partner_id": world["ministry_a"].id,
            "status": "2",
        },
    )
    assert response.status_code == 400
    assert "Not a valid choice." in response.get_data(as_text=True)


def test_public_page_shows_no_internal_fields(client, world):
    project = world["published_b"]
    project.contact_name = "Secret Contact"
    db.session.flush()
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Public B" in page
    assert "Secret Contact" not in page
    assert "Change history" not in page
    assert "Data quality" not in page
