"""The tree's admin pages and a project's budget codes page, for every role."""

from decimal import Decimal

import pytest

from portal.budget import queries, services
from portal.budget.models import BudgetNode
from portal.extensions import db
from portal.organizations.models import OrgKind
from tests import factories


@pytest.mark.parametrize("role", [None, "dp", "ministry", "cdc"])
def test_tree_pages_are_cdc_only(client, login_as, tree, role):
    if role:
        login_as(role)
    node_id = tree["h1"].id
    urls = [
        ("GET", "/admin/reference/budget/"),
        ("GET", "/admin/reference/budget/new"),
        ("GET", f"/admin/reference/budget/{node_id}"),
        ("GET", "/admin/reference/budget/import"),
        ("POST", f"/admin/reference/budget/{tree['r1'].id}/delete"),
    ]
    for method, url in urls:
        response = client.open(url, method=method, data={})
        if role == "cdc":
            assert response.status_code in (200, 302), url
        elif role is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            assert response.status_code == 403, url


def test_cdc_renames_in_khmer_and_sees_it_on_the_tree(client, login_as, tree):
    login_as("cdc")
    response = client.post(
        f"/admin/reference/budget/{tree['h1'].id}",
        data={
            "code": "H-P1",
            "name_en": "Health services",
            "name_km": "សេវាសុខាភិបាល",
            "parent_code": "H",
            "organization_id": "0",
        },
    )
    assert response.status_code == 302
    page = client.get("/admin/reference/budget/").get_data(as_text=True)
    assert "សេវាសុខាភិបាល" in page
    refused = client.post(
        f"/admin/reference/budget/{tree['h1'].id}",
        data={"code": "H-P1", "name_en": "x", "parent_code": "R-P1", "organization_id": "0"},
    )
    assert refused.status_code == 400
    assert "keeps its level" in refused.get_data(as_text=True)


def test_a_bad_csv_is_listed_by_line_on_the_page(client, login_as, tree):
    import io

    login_as("cdc")
    response = client.post(
        "/admin/reference/budget/import",
        data={"file": (io.BytesIO(b"code,parent_code,name_en\nA-1,NOPE,x\n"), "tree.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Line 2:" in response.get_data(as_text=True)
    assert db.session.query(BudgetNode).filter_by(code="A-1").first() is None


@pytest.mark.parametrize(
    ("who", "page", "edit"),
    [
        ("public", 302, False),
        ("other dp", 404, False),
        ("own dp", 403, False),
        ("lead ministry", 200, True),
        ("other ministry", 404, False),
        ("cdc", 200, True),
    ],
)
def test_who_edits_a_projects_codes(client, login_as, tree, who, page, edit):
    partner = factories.organization(OrgKind.BILATERAL)
    project = factories.project(reporting=partner, lead=tree["health_org"])
    users = {
        "other dp": ("dp", factories.organization(OrgKind.BILATERAL)),
        "own dp": ("dp", partner),
        "lead ministry": ("ministry", tree["health_org"]),
        "other ministry": ("ministry", tree["roads_org"]),
        "cdc": ("cdc", None),
    }
    if who in users:
        login_as(users[who][0], organization=users[who][1])
    url = f"/projects/{project.id}/budget"
    assert client.get(url).status_code == page
    response = client.post(
        url, data={"version": "0", "lines-0-code": "H-P1", "lines-0-percentage": "100"}
    )
    assert response.status_code == (302 if edit else page)
    assert bool(queries.mapping_of(project.id)) is edit


def test_the_form_refuses_beside_the_row_and_the_page_states_the_rule(client, login_as, tree):
    project = factories.project(lead=tree["health_org"], on_budget=False)
    login_as("ministry", organization=tree["health_org"])
    url = f"/projects/{project.id}/budget"
    refused = client.post(
        url,
        data={
            "version": "0",
            "lines-0-code": "H-P1",
            "lines-0-percentage": "70",
            "lines-1-code": "H-P2",
            "lines-1-percentage": "20",
        },
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "they add up to 90" in text and 'value="70' in text
    saved = client.post(
        url,
        data={
            "version": "0",
            "lines-0-code": "H-P1",
            "lines-0-percentage": "70",
            "lines-1-code": "H-P2",
            "lines-1-percentage": "30",
        },
    )
    assert saved.status_code == 302
    detail = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "H-P2" in detail and "from its budget codes" in detail
    assert "a project without budget codes keeps the on-budget field as typed" in detail
    # The same version again: someone saved in between, nothing overwritten.
    stale = client.post(
        url, data={"version": "0", "lines-0-code": "H-P1-01", "lines-0-percentage": "100"}
    )
    assert stale.status_code == 409
    assert [line.node.code for line in queries.mapping_of(project.id).lines] == ["H-P1", "H-P2"]


def test_khmer_names_on_khmer_pages(client, login_as, tree):
    project = factories.project(lead=tree["health_org"])
    services.set_budget_codes(project, [services.BudgetShare("H-P1", Decimal(100))], actor=None)
    login_as("cdc")
    client.post("/language", data={"lang": "km"})
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Health services (km)" in page


def test_the_data_quality_page_states_the_on_budget_rule(client, login_as):
    login_as("cdc")
    page = client.get("/projects/quality").get_data(as_text=True)
    assert "a project without budget codes keeps the on-budget field as typed" in page
