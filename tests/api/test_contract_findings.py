"""One check for each way the API and its document disagreed (found by schemathesis)."""

from datetime import UTC, datetime

import pytest

from portal.organizations.models import OrgKind


def _document(client, headers=None) -> dict:
    return client.get("/api/v1/openapi.json", headers=headers or {}).get_json()


def _parameter(document: dict, path: str, name: str) -> dict:
    parameters = document["paths"][path]["get"]["parameters"]
    return next(p for p in parameters if p["name"] == name)["schema"]


def _fields(response) -> dict:
    assert response.status_code == 400, response.get_data(as_text=True)
    return response.get_json()["error"]["fields"]


def test_moments_carry_their_time_zone(client, registry):
    data = client.get(f"/api/v1/projects/{registry['published'].id}").get_json()["data"]
    for name in ("updated_at", "published_at"):
        assert data[name].endswith("Z"), data[name]
        assert datetime.fromisoformat(data[name]).utcoffset() == UTC.utcoffset(None)
    listed = client.get("/api/v1/projects").get_json()["data"]
    assert all(p["updated_at"].endswith("Z") for p in listed)


@pytest.mark.parametrize("url", ["/api/v1/projects", "/api/v1/projects/1", "/api/v1/"])
def test_a_refused_method_says_which_are_allowed(client, url):
    response = client.delete(url)
    assert response.status_code == 405
    assert response.is_json
    assert "GET" in {m.strip() for m in response.headers["Allow"].split(",")}


def test_a_page_refusing_a_method_says_which_are_allowed_too(client):
    response = client.delete("/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", str(2**31), "9" * 40])
def test_ids_are_whole_numbers_from_one(client, value):
    assert "project_id" in _fields(client.get(f"/api/v1/projects/{value}"))
    assert "organization_id" in _fields(client.get(f"/api/v1/organizations/{value}"))
    assert "partner" in _fields(client.get(f"/api/v1/projects?partner={value}"))


def test_the_document_declares_the_bounds_of_ids_and_pages(client):
    document = _document(client)
    for path, name in [
        ("/projects/{project_id}", "project_id"),
        ("/organizations/{organization_id}", "organization_id"),
        ("/projects", "partner"),
        ("/aggregates/{dimension}", "ministry"),
    ]:
        schema = _parameter(document, path, name)
        assert (schema["minimum"], schema["maximum"]) == (1, 2**31 - 1)
    assert _parameter(document, "/organizations", "page")["maximum"] == 1_000_000
    assert client.get("/api/v1/organizations?page=1000000").status_code == 200
    assert "page" in _fields(client.get("/api/v1/organizations?page=1000001"))


@pytest.mark.parametrize("name", ["year_from", "year_to", "money_from", "money_to"])
def test_years_run_from_1900_to_2200(client, name):
    document = _document(client)
    schema = _parameter(document, "/aggregates/{dimension}", name)
    assert (schema["minimum"], schema["maximum"]) == (1900, 2200)
    assert client.get(f"/api/v1/aggregates/year?{name}=1900").status_code == 200
    assert client.get(f"/api/v1/aggregates/year?{name}=2200").status_code == 200
    assert name in _fields(client.get(f"/api/v1/aggregates/year?{name}=1899"))
    assert name in _fields(client.get(f"/api/v1/aggregates/year?{name}=2201"))


def test_organization_kinds_are_declared_and_enforced(client, registry):
    document = _document(client)
    kinds = [kind.value for kind in OrgKind]
    assert _parameter(document, "/organizations", "kind")["enum"] == kinds
    organization = document["components"]["schemas"]["Organization"]
    assert organization["properties"]["kind"]["enum"] == kinds
    for kind in kinds:
        assert client.get(f"/api/v1/organizations?kind={kind}").status_code == 200
    assert "kind" in _fields(client.get("/api/v1/organizations?kind=donor"))
    listed = client.get("/api/v1/organizations?kind=bilateral&per_page=100").get_json()["data"]
    assert {"JICAX", "KOICAX"} <= {o["acronym"] for o in listed}
    assert {o["kind"] for o in listed} == {"bilateral"}


@pytest.mark.parametrize(
    "query",
    [
        "partner=",  # empty is not a number
        "status=",  # nor one of the codes
        "status=%201",  # the code with a space
        "sector=1220",  # 4 digits
        "sector=%D9%A1%D9%A2%D9%A3",  # digits of another script
        "province=12%0A",  # a line break after the code
        "page=%2B2",  # "+2"
        "page=1_0",
        "page=1&page=2",  # twice
        "q=" + "x" * 201,
        "q=" + "x" * 200 + "%20",  # too long before the spaces are trimmed
    ],
)
def test_values_outside_the_document_are_refused(client, query):
    name = query.split("=")[0]
    assert name in _fields(client.get(f"/api/v1/projects?{query}"))


def test_values_inside_the_document_are_accepted(client, registry):
    for query in ["sector=122&province=17", "sector=12220", "q=" + "x" * 200, "page=007"]:
        assert client.get(f"/api/v1/projects?{query}").status_code == 200, query


def test_a_last_money_year_alone_or_before_the_first_is_accepted(client, registry):
    jica = registry["jica"].id
    alone = client.get(f"/api/v1/aggregates/year?partner={jica}&money_to=2023")
    assert alone.status_code == 200
    assert {row["key"] for row in alone.get_json()["data"]} == {2023}
    backwards = client.get(f"/api/v1/aggregates/year?partner={jica}&money_from=2024&money_to=2020")
    assert backwards.status_code == 200
    assert backwards.get_json()["totals"]["disbursed_usd"] == "0.00"


def test_the_public_cannot_sort_by_quality(client, registry, bearer):
    public = _parameter(_document(client), "/projects", "sort")["enum"]
    assert "quality" not in public and "-quality" not in public
    refused = _fields(client.get("/api/v1/projects?sort=-quality"))
    assert "quality" not in refused["sort"]
    headers = bearer(registry["jica_user"])
    offered = _parameter(_document(client, headers), "/projects", "sort")["enum"]
    assert {"quality", "-quality"} <= set(offered)
    assert client.get("/api/v1/projects?sort=-quality", headers=headers).status_code == 200
    answer = client.get("/api/v1/openapi.json", headers=headers)
    assert "Authorization" in answer.headers["Vary"]


def test_every_operation_documents_the_errors_it_can_answer(client):
    for path, item in _document(client)["paths"].items():
        responses = item["get"]["responses"]
        assert {"200", "400", "401", "429", "500", "503"} <= set(responses), path
        for status, response in responses.items():
            if status != "200":
                body = response["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/Error"}
        assert "Retry-After" in responses["429"]["headers"]
    for path in ("/projects/{project_id}", "/organizations/{organization_id}"):
        assert "404" in _document(client)["paths"][path]["get"]["responses"]


@pytest.mark.parametrize("url", ["/api/v1/", "/api/v1/openapi.json"])
def test_unknown_parameters_are_refused_everywhere(client, url):
    assert "colour" in _fields(client.get(f"{url}?colour=red"))


def test_a_bad_token_is_refused_on_the_document_too(client):
    response = client.get("/api/v1/openapi.json", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
