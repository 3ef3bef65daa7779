"""The OpenAPI 3.1 description of the API, served at /api/v1/openapi.json.

Written out by hand rather than generated, so that it says what a caller needs to know; a test
checks that it validates, that it names every route of the API, and that real answers match
its schemas.
"""

from __future__ import annotations

from flask import current_app, url_for

from portal.api.params import DEFAULT_PER_PAGE, MAX_PER_PAGE, PROJECT_SORTS
from portal.api.schemas import MONEY, obj, ref, schemas
from portal.projects import codes


def _query(name: str, description: str, schema: dict) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _path(name: str, description: str, schema: dict) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


PROJECT_FILTER_PARAMETERS = [
    _query(
        "q",
        "Words in the title, description, IATI identifier or partner reference.",
        {"type": "string", "maxLength": 200},
    ),
    _query("partner", "Id of the reporting development partner.", {"type": "integer"}),
    _query("ministry", "Id of the lead national partner.", {"type": "integer"}),
    _query(
        "sector",
        "A 5-digit DAC sector code, or a 3-digit category.",
        {"type": "string", "pattern": r"^\d{3}(\d{2})?$"},
    ),
    _query("province", "A 2-digit province code.", {"type": "string", "pattern": r"^\d{2}$"}),
    _query(
        "status",
        "IATI activity status code.",
        {"type": "string", "enum": list(codes.ACTIVITY_STATUS)},
    ),
    _query("year_from", "Projects still running in or after this year.", {"type": "integer"}),
    _query("year_to", "Projects started in or before this year.", {"type": "integer"}),
    _query(
        "assistance",
        "Type of assistance.",
        {"type": "string", "enum": list(codes.TYPE_OF_ASSISTANCE)},
    ),
    _query(
        "published",
        "Only published (yes) or only unpublished (no) projects.",
        {"type": "string", "enum": ["yes", "no"]},
    ),
]
PAGING_PARAMETERS = [
    _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
    _query(
        "per_page",
        "Items a page.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
    ),
]


def _errors(*statuses: int) -> dict:
    text = {
        400: "A parameter is not valid: `fields` says which and why.",
        401: "The token is malformed, unknown, revoked or expired.",
        404: "Nothing here, or nothing the caller may read.",
        429: "Too many calls: wait for the time in the Retry-After header.",
    }
    body = {"application/json": {"schema": ref("Error")}}
    return {str(s): {"description": text[s], "content": body} for s in statuses}


def _ok(description: str, schema: dict) -> dict:
    return {
        "200": {"description": description, "content": {"application/json": {"schema": schema}}}
    }


def _list_of(name: str) -> dict:
    return obj(
        {
            "data": {"type": "array", "items": ref(name)},
            "meta": ref("PageMeta"),
            "links": ref("PageLinks"),
        }
    )


def _operation(operation_id: str, summary: str, parameters: list, ok: dict, *errors) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": parameters,
            "responses": {**ok, **_errors(*errors)},
        }
    }


def _paths() -> dict:
    project_id = _path("project_id", "The project's id.", {"type": "integer"})
    organization_id = _path("organization_id", "The organization's id.", {"type": "integer"})
    dimension = _path(
        "dimension",
        "What to group the money by.",
        {"type": "string", "enum": ["province", "sector", "partner", "year"]},
    )
    money_years = [
        _query(
            "money_from",
            "Count only the money of this calendar year (commitments by the year of agreement).",
            {"type": "integer"},
        ),
        _query("money_to", "With money_from: up to this calendar year.", {"type": "integer"}),
    ]
    sort = _query(
        "sort",
        "Order of the list ('-' first for descending).",
        {
            "type": "string",
            "enum": [*PROJECT_SORTS, *(f"-{k}" for k in PROJECT_SORTS)],
            "default": "-updated",
        },
    )
    organization_filters = [
        _query("q", "Words in the name, acronym or IATI identifier.", {"type": "string"}),
        _query(
            "group",
            "National institutions or development partners.",
            {"type": "string", "enum": ["national", "partners"]},
        ),
        _query("kind", "Kind of organization.", {"type": "string"}),
    ]
    return {
        "/": _operation(
            "index",
            "The API's resources.",
            [],
            _ok("Links to the resources.", {"type": "object"}),
            401,
            429,
        ),
        "/openapi.json": _operation(
            "openapi", "This document.", [], _ok("The OpenAPI document.", {"type": "object"}), 429
        ),
        "/projects": _operation(
            "listProjects",
            "Projects the caller may read: published ones, and with a token the user's own.",
            [*PROJECT_FILTER_PARAMETERS, sort, *PAGING_PARAMETERS],
            _ok("One page of projects.", _list_of("ProjectSummary")),
            400,
            401,
            429,
        ),
        "/projects/{project_id}": _operation(
            "getProject",
            "One project with its sectors, locations, yearly money and partners.",
            [project_id],
            _ok("The project.", obj({"data": ref("Project")})),
            400,
            401,
            404,
            429,
        ),
        "/organizations": _operation(
            "listOrganizations",
            "Development partners and national institutions.",
            [*organization_filters, *PAGING_PARAMETERS],
            _ok("One page of organizations.", _list_of("Organization")),
            400,
            401,
            429,
        ),
        "/organizations/{organization_id}": _operation(
            "getOrganization",
            "One organization.",
            [organization_id],
            _ok("The organization.", obj({"data": ref("Organization")})),
            400,
            401,
            404,
            429,
        ),
        "/aggregates/{dimension}": _operation(
            "getAggregates",
            "Commitments, disbursements and planned disbursements in USD, summed by province, "
            "sector, reporting partner or year, over the projects the filters select. Money "
            "split over sectors or provinces is split by their percentages, to the cent.",
            [dimension, *PROJECT_FILTER_PARAMETERS, *money_years],
            _ok(
                "The groups, largest first, and their totals.",
                obj(
                    {
                        "dimension": {"type": "string"},
                        "data": {"type": "array", "items": ref("AggregateRow")},
                        "totals": obj(
                            {"commitment_usd": MONEY, "disbursed_usd": MONEY, "planned_usd": MONEY}
                        ),
                    }
                ),
            ),
            400,
            401,
            404,
            429,
        ),
    }


def document() -> dict:
    """Return the OpenAPI document of the API as served from this site."""
    anonymous = current_app.config.get("API_RATE_LIMIT_ANONYMOUS", "60 per minute")
    with_token = current_app.config.get("API_RATE_LIMIT_TOKEN", "600 per minute")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cambodia development cooperation portal API",
            "version": "1.0.0",
            "description": (
                "Read the portal's aid data. Published projects, organizations and aggregates "
                "need no login. A personal token, created on your account page and sent as "
                "'Authorization: Bearer <token>', also returns what your account may read "
                "(your organization's drafts). Money is a decimal string. Errors are "
                '{"error": {"status", "message", "fields"}} in the language of the '
                f"Accept-Language header. Rate limits: {anonymous} without a token, "
                f"{with_token} with one (X-RateLimit-* headers say what is left)."
            ),
        },
        "servers": [{"url": url_for("api.index", _external=True).rstrip("/")}],
        "security": [{}, {"bearerToken": []}],
        "paths": _paths(),
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (cdcp_...).",
                },
            },
        },
    }
