"""The OpenAPI document validates and describes every route; rate limits answer 429 in JSON."""

import re

import pytest
from jsonschema_path import SchemaPath
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from portal.api.tokens import create_token


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_openapi_document_validates(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_the_document_describes_every_api_route(app, spec):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routes.add(path)
    assert routes == set(spec["paths"])


def _check(spec, path: str, status: str, body) -> None:
    """Validate an answer against the schema the document gives for it."""
    schema = spec["paths"][path]["get"]["responses"][status]["content"]["application/json"]
    resolved = {**schema["schema"], "components": spec["components"]}
    OAS31Validator(resolved).validate(body)


def test_real_answers_match_the_documented_schemas(client, spec, registry, bearer):
    headers = bearer(registry["jica_user"])
    project = registry["published"].id
    calls = [
        ("/projects", "/api/v1/projects?per_page=2", "200"),
        ("/projects/{project_id}", f"/api/v1/projects/{project}", "200"),
        ("/projects/{project_id}", "/api/v1/projects/999999", "404"),
        ("/projects", "/api/v1/projects?page=x", "400"),
        ("/organizations", "/api/v1/organizations", "200"),
        ("/organizations/{organization_id}", f"/api/v1/organizations/{registry['moh'].id}", "200"),
        ("/aggregates/{dimension}", "/api/v1/aggregates/province", "200"),
        ("/aggregates/{dimension}", "/api/v1/aggregates/sector", "200"),
        ("/aggregates/{dimension}", "/api/v1/aggregates/partner", "200"),
        ("/aggregates/{dimension}", "/api/v1/aggregates/year", "200"),
    ]
    for path, url, status in calls:
        response = client.get(url, headers=headers)
        assert str(response.status_code) == status, url
        _check(spec, path, status, response.get_json())
    own = client.get(f"/api/v1/projects/{registry['jica_draft'].id}", headers=headers)
    _check(spec, "/projects/{project_id}", "200", own.get_json())
    assert "internal" in own.get_json()["data"]


def test_anonymous_calls_are_limited_with_a_json_429(app, client):
    app.config["API_RATE_LIMIT_ANONYMOUS"] = "3 per minute"
    try:
        answers = [client.get("/api/v1/organizations") for _ in range(4)]
    finally:
        app.config["API_RATE_LIMIT_ANONYMOUS"] = "60 per minute"
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.is_json
    assert refused.get_json()["error"]["status"] == 429
    assert "at most 3" in refused.get_json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) > 0
    assert answers[0].headers["X-RateLimit-Limit"] == "3"


def test_a_token_has_its_own_budget(app, client, registry):
    headers = {"Authorization": f"Bearer {create_token(registry['jica_user'], 'x').secret}"}
    app.config["API_RATE_LIMIT_ANONYMOUS"] = "1 per minute"
    app.config["API_RATE_LIMIT_TOKEN"] = "2 per minute"
    try:
        assert client.get("/api/v1/").status_code == 200
        assert client.get("/api/v1/").status_code == 429
        assert client.get("/api/v1/", headers=headers).status_code == 200
        assert client.get("/api/v1/", headers=headers).status_code == 200
        assert client.get("/api/v1/", headers=headers).status_code == 429
    finally:
        app.config["API_RATE_LIMIT_ANONYMOUS"] = "60 per minute"
        app.config["API_RATE_LIMIT_TOKEN"] = "600 per minute"


def test_the_document_is_a_spec_path(spec):
    # jsonschema-path resolves every $ref of the document (no dangling reference).
    path = SchemaPath.from_dict(spec)
    with (path / "components" / "schemas" / "Project").open() as project:
        assert "allOf" in project
