"""Projects through the API: the public sees published ones, a token its owner's drafts too."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.projects.models import Project


def _titles(response) -> set[str]:
    return {item["title_en"] for item in response.get_json()["data"]}


def test_the_public_reads_published_projects_without_a_login(client, registry):
    response = client.get("/api/v1/projects")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "Hospital equipment Siem Reap" in _titles(response)
    assert not {"JICA draft water supply", "KOICA draft school meals"} & _titles(response)


def test_a_token_adds_the_partners_own_drafts_and_nobody_elses(client, registry, bearer):
    headers = bearer(registry["jica_user"])
    titles = _titles(client.get("/api/v1/projects?per_page=100", headers=headers))
    assert {"Hospital equipment Siem Reap", "JICA draft water supply"} <= titles
    assert "KOICA draft school meals" not in titles

    own = client.get(f"/api/v1/projects/{registry['jica_draft'].id}", headers=headers)
    assert own.status_code == 200
    assert own.get_json()["data"]["title_en"] == "JICA draft water supply"

    other = client.get(f"/api/v1/projects/{registry['koica_draft'].id}", headers=headers)
    assert other.status_code == 404
    assert "not public" in other.get_json()["error"]["message"]


def test_a_draft_is_not_found_without_a_token(client, registry):
    response = client.get(f"/api/v1/projects/{registry['jica_draft'].id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_a_session_cookie_does_not_open_drafts(client, registry, login_as):
    login_as("dp", organization=registry["jica"])
    assert client.get(f"/api/v1/projects/{registry['jica_draft'].id}").status_code == 404


def test_one_project_carries_shares_money_and_partners(client, registry):
    project = registry["published"]
    data = client.get(f"/api/v1/projects/{project.id}").get_json()["data"]
    assert data["reporting_org"]["acronym"] == "JICAX"
    assert data["lead_national_partner"]["acronym"] == "MOHX"
    assert {(s["code"], s["percentage"]) for s in data["sectors"]} == {
        ("12220", "70.00"),
        ("12230", "30.00"),
    }
    assert {(loc["province_code"], loc["percentage"]) for loc in data["locations"]} == {
        ("17", "60.00"),
        ("12", "40.00"),
    }
    funding = {(row["year"], row["currency"]): row for row in data["funding"]}
    assert funding[(2023, "JPY")]["amount"] == "14000000.00"
    assert funding[(2023, "JPY")]["amount_usd"] == "100000.00"
    assert data["disbursed_usd"] == "350000.00"
    assert data["commitment_usd"] == "1000000.00"
    assert data["published"] is True
    # Contacts are internal: not for the public.
    assert "internal" not in data
    assert "focal@jica.example" not in str(data)


def test_the_owner_sees_internal_fields_with_a_token(client, registry, bearer):
    project = registry["published"]
    headers = bearer(registry["jica_user"])
    data = client.get(f"/api/v1/projects/{project.id}", headers=headers).get_json()["data"]
    assert data["internal"]["contact_email"] == "focal@jica.example"
    assert data["internal"]["version"] == project.version
    other = bearer(registry["koica_user"])
    data = client.get(f"/api/v1/projects/{project.id}", headers=other).get_json()["data"]
    assert "internal" not in data


def test_filters_are_those_of_the_list_page(client, registry, bearer):
    headers = bearer(registry["cdc"])
    koica = registry["koica"].id
    titles = _titles(client.get(f"/api/v1/projects?partner={koica}", headers=headers))
    assert titles == {"KOICA draft school meals"}
    assert _titles(client.get("/api/v1/projects?q=water", headers=headers)) == {
        "JICA draft water supply"
    }
    assert _titles(
        client.get("/api/v1/projects?province=17&sector=122&published=yes", headers=headers)
    ) == {"Hospital equipment Siem Reap"}


def test_bad_parameters_are_refused_field_by_field(client, registry):
    response = client.get("/api/v1/projects?partner=abc&status=9&per_page=1000&colour=red")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400
    assert set(error["fields"]) == {"partner", "status", "per_page", "colour"}
    assert "whole number" in error["fields"]["partner"]
    assert "Unknown parameter" in error["fields"]["colour"]


def test_pages_link_to_each_other(client, registry, bearer):
    headers = bearer(registry["cdc"])
    total = client.get("/api/v1/projects", headers=headers).get_json()["meta"]["total"]
    assert total == db.session.scalar(select(func.count(Project.id)))
    first = client.get("/api/v1/projects?per_page=1&sort=title", headers=headers).get_json()
    assert first["meta"] == {"page": 1, "per_page": 1, "total": total, "pages": total}
    assert first["links"]["prev"] is None
    assert "page=2" in first["links"]["next"]
    second = client.get(first["links"]["next"], headers=headers).get_json()
    assert second["data"][0]["id"] != first["data"][0]["id"]
    assert "sort=title" in second["links"]["self"]
    beyond = client.get(f"/api/v1/projects?page={total + 5}", headers=headers).get_json()
    assert beyond["data"] == [] and beyond["links"]["next"] is None
