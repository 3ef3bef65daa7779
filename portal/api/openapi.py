"""The OpenAPI 3.1 description of the API, served at /api/v1/openapi.json.

Written out by hand rather than generated, so that it says what a caller needs to know. Its
bounds and choices come from portal.api.params, which enforces them. Tests check that it
validates and names every route of the API, and schemathesis (tests/api/test_contract.py)
checks that the API answers exactly as it says, for valid and invalid calls alike.
"""

from __future__ import annotations

from flask import current_app, url_for

from portal.api.params import (
    AGGREGATE_MEASURES,
    BUDGET_CODE,
    DEFAULT_MEASURES,
    DEFAULT_PER_PAGE,
    DEFAULT_SORT,
    DIMENSIONS,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_ID,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_TEXT,
    MEASURE_LIST,
    ORGANIZATION_GROUPS,
    ORGANIZATION_KINDS,
    PROVINCE_CODE,
    PUBLISHED_CHOICES,
    SECTOR_CODE,
    SOURCE_KINDS,
    sort_values,
)
from portal.api.schemas import ERROR_TEXTS, MONEY, measure_properties, obj, ref, schemas
from portal.projects import codes

ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
YEAR = {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR}
# Any words, but no NUL character: the portal refuses it everywhere (400).
TEXT = {"type": "string", "maxLength": MAX_TEXT, "pattern": "^[^\\x00]*$"}


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
    _query("q", "Words in the title, description, IATI identifier or partner reference.", TEXT),
    _query("partner", "Id of the reporting development partner.", ID),
    _query("ministry", "Id of the lead national partner.", ID),
    _query(
        "sector",
        "A 5-digit DAC sector code, or a 3-digit category.",
        {"type": "string", "pattern": f"^{SECTOR_CODE}$"},
    ),
    _query(
        "province", "A 2-digit province code.", {"type": "string", "pattern": f"^{PROVINCE_CODE}$"}
    ),
    _query(
        "status",
        "IATI activity status code.",
        {"type": "string", "enum": list(codes.ACTIVITY_STATUS)},
    ),
    _query("year_from", "Projects still running in or after this year.", YEAR),
    _query("year_to", "Projects started in or before this year.", YEAR),
    _query(
        "assistance",
        "Type of assistance.",
        {"type": "string", "enum": list(codes.TYPE_OF_ASSISTANCE)},
    ),
    _query(
        "published",
        "Only published (yes) or only unpublished (no) projects.",
        {"type": "string", "enum": list(PUBLISHED_CHOICES)},
    ),
    _query(
        "budget",
        "A national budget programme or sub-programme code (as in budget_codes): the projects "
        "mapped to it or to a sub-programme under it. An unknown code selects no project.",
        {"type": "string", "pattern": f"^{BUDGET_CODE}$"},
    ),
    _query(
        "funded_by",
        "Id of an organization that funds the project: its reporting partner, or an "
        "organization named on one of its other funding sources (a co-financier, the "
        "institution of a counterpart contribution). An unknown id selects no project.",
        ID,
    ),
    _query(
        "source_kind",
        "Only projects with at least one funding source of this kind: cofinancier "
        "(co-financed), counterpart (the government's counterpart contribution, in cash or in "
        "kind), national (another national source). Combined with funded_by, both must hold, "
        "not necessarily on the same source.",
        {"type": "string", "enum": list(SOURCE_KINDS)},
    ),
]
PAGING_PARAMETERS = [
    _query(
        "page",
        "Page number, from 1.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    ),
    _query(
        "per_page",
        "Items a page.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
    ),
]
# What every call may answer besides its own: a bad parameter (every operation refuses
# unknown ones), a bad token, too many calls, and the server or its database failing.
COMMON_ERRORS = (400, 401, 429, 500, 503)
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before calling again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}
ERROR_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "How to send a token: Bearer.",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: RETRY_AFTER,
    503: RETRY_AFTER,
}


def _errors(*statuses: int) -> dict:
    body = {"application/json": {"schema": ref("Error")}}
    responses = {}
    for status in sorted({*COMMON_ERRORS, *statuses}):
        responses[str(status)] = {"description": ERROR_TEXTS[status], "content": body}
        if status in ERROR_HEADERS:
            responses[str(status)]["headers"] = ERROR_HEADERS[status]
    return responses


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


def _paths(user) -> dict:
    project_id = _path("project_id", "The project's id.", ID)
    organization_id = _path("organization_id", "The organization's id.", ID)
    dimension = _path(
        "dimension",
        "What to group the money by.",
        {"type": "string", "enum": list(DIMENSIONS)},
    )
    money_years = [
        _query(
            "money_from",
            "Count only the money of this calendar year (commitments by the year of agreement).",
            YEAR,
        ),
        _query(
            "money_to",
            "Count only the money up to this calendar year: from money_from, or from the first "
            "year without it. Before money_from, no money is counted.",
            YEAR,
        ),
    ]
    measures = _query(
        "measures",
        "The measures to sum, comma-separated, each once: commitment, disbursed and planned "
        "(the default), signed (commitments signed by year), expenditure, grant_equivalent "
        "(see AggregateRow). Each comes as <measure>_usd in every group and in the totals.",
        {
            "type": "string",
            "pattern": f"^{MEASURE_LIST}$",
            "default": ",".join(DEFAULT_MEASURES),
        },
    )
    sort = _query(
        "sort",
        "Order of the list ('-' first for descending). Sorting by an internal field (quality) "
        "needs a token, and orders only the projects whose internal fields its user may read.",
        {"type": "string", "enum": sort_values(user), "default": DEFAULT_SORT},
    )
    organization_filters = [
        _query("q", "Words in the name, acronym or IATI identifier.", TEXT),
        _query(
            "group",
            "National institutions or development partners.",
            {"type": "string", "enum": list(ORGANIZATION_GROUPS)},
        ),
        _query(
            "kind", "Kind of organization.", {"type": "string", "enum": list(ORGANIZATION_KINDS)}
        ),
    ]
    return {
        "/": _operation(
            "index",
            "The API's resources.",
            [],
            _ok("Links to the resources.", ref("Index")),
        ),
        "/openapi.json": _operation(
            "openapi",
            "This document, as the caller may use the API.",
            [],
            _ok("The OpenAPI document.", {"type": "object"}),
        ),
        "/projects": _operation(
            "listProjects",
            "Projects the caller may read: published ones, and with a token the user's own.",
            [*PROJECT_FILTER_PARAMETERS, sort, *PAGING_PARAMETERS],
            _ok("One page of projects.", _list_of("ProjectSummary")),
        ),
        "/projects/{project_id}": _operation(
            "getProject",
            "One project with its sectors, locations, yearly money and partners.",
            [project_id],
            _ok("The project.", obj({"data": ref("Project")})),
            404,
        ),
        "/projects/{project_id}/results": _operation(
            "getProjectResults",
            "A project's results: indicators with their baseline, and targets and actual values "
            "by period (IATI's result element).",
            [project_id],
            _ok(
                "The project's results.",
                obj({"data": {"type": "array", "items": ref("Result")}}),
            ),
            404,
        ),
        "/organizations": _operation(
            "listOrganizations",
            "Development partners and national institutions.",
            [*organization_filters, *PAGING_PARAMETERS],
            _ok("One page of organizations.", _list_of("Organization")),
        ),
        "/organizations/{organization_id}": _operation(
            "getOrganization",
            "One organization.",
            [organization_id],
            _ok("The organization.", obj({"data": ref("Organization")})),
            404,
        ),
        "/aggregates/{dimension}": _operation(
            "getAggregates",
            "Money in USD (commitments, disbursements and planned disbursements, or the "
            "measures asked for), summed by province, sector, reporting partner, year or kind "
            "of funding source, over the projects the filters select and the caller may read. "
            "Money split over sectors or provinces is split by their percentages, to the cent. "
            "Every measure is the reporting partner's (the project's own figures), except in "
            "the source dimension: its 'reporting' row is those figures, equal to the totals "
            "of every other dimension to the cent, and its rows 'cofinancier', 'counterpart' "
            "and 'national' sum the yearly money those sources record (their commitment is "
            "what they signed; no grant equivalent). Its project_count counts each project "
            "once in each kind of source it has.",
            [dimension, *PROJECT_FILTER_PARAMETERS, *money_years, measures],
            _ok(
                "The groups, largest first, and their totals, with the measures asked for.",
                obj(
                    {
                        "dimension": {"type": "string", "enum": list(DIMENSIONS)},
                        "measures": {
                            "type": "array",
                            "items": {"type": "string", "enum": list(AGGREGATE_MEASURES)},
                        },
                        "data": {"type": "array", "items": ref("AggregateRow")},
                        "totals": obj(measure_properties(), required=[]),
                    }
                ),
            ),
            404,
        ),
        "/pivot": _pivot_operation(money_years),
    }


def _pivot_operation(money_years: list) -> dict:
    """GET /pivot (portal/api/pivot.py): the report builder's rows × columns × measure."""
    from portal.analysis.frozen import DIMENSIONS as FROZEN
    from portal.analysis.frozen import UNAVAILABLE_FILTERS
    from portal.analysis.pivot import MAX_COLUMNS, MAX_DIMENSIONS, MAX_ROWS, MEASURES, SHARES
    from portal.analysis.pivot import PIVOT_DIMENSIONS as GROUPS

    names = "|".join(GROUPS)
    listing = f"^({names})(,({names}))*$"
    value = {"oneOf": [MONEY, {"type": "integer"}, {"type": "null"}]}
    keys = {
        "type": "array",
        "items": obj(
            {
                "dimension": {"type": "string", "enum": list(GROUPS)},
                "key": {"type": ["string", "integer", "boolean", "null"]},
                "label": {"type": "string"},
            }
        ),
    }
    return _operation(
        "getPivot",
        "Cross one to three dimensions (rows, then columns) with one measure, over the "
        "projects the filters select and the caller may read. Money is split over sectors, "
        "places and years to the cent, so every row, column and grand total equals the "
        "aggregates' and the project list's figure. A cell is a decimal string (USD, or a "
        "percentage with share), or a whole number of projects. The dimension source is the "
        "kind of funding source (reporting, cofinancier, counterpart, national): without it "
        "every measure is the reporting partner's, as on the project list.",
        [
            _query(
                "rows",
                f"One to {MAX_ROWS} dimensions, comma-separated (required).",
                {"type": "string", "pattern": listing},
            ),
            _query(
                "columns",
                f"Up to {MAX_COLUMNS} dimensions, comma-separated; at most {MAX_DIMENSIONS} "
                "dimensions in all, each once.",
                {"type": "string", "pattern": listing},
            ),
            _query(
                "measure",
                "What each cell holds (commitment by the year of agreement; disbursed and "
                "planned by their own year; signed, the commitments signed in each year, and "
                "expenditure, from the funding sources' rows; projects counts each project once "
                "a cell). The source dimension, signed and expenditure are answered over all "
                "years, or over money_from to money_to when no sector or place dimension is "
                "asked; otherwise, and with projects, a 400 names the parameter.",
                {"type": "string", "enum": list(MEASURES), "default": "commitment"},
            ),
            _query(
                "share",
                "Each cell as a percentage (one decimal) of its row's or column's total.",
                {"type": "string", "enum": list(SHARES)},
            ),
            _query(
                "round",
                "The year of a closed reporting round: the answer is worked out from the "
                "figures frozen when it closed (which never change), over the projects the "
                "caller may read today, instead of live data. A snapshot keeps only these "
                f"dimensions: {', '.join(FROZEN)}; the filters {', '.join(UNAVAILABLE_FILTERS)} "
                "cannot be used with it. An open round, an unknown year, another dimension "
                "or one of those filters is refused with a 400 naming the parameter.",
                {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
            ),
            *PROJECT_FILTER_PARAMETERS,
            *money_years,
        ],
        _ok(
            "The columns, the rows (each with a cell per column) and the grand total; with "
            "round, the snapshot's round and the time it closed (null for live data).",
            obj(
                {
                    "question": {"type": "object"},
                    "columns": {"type": "array", "items": obj({"keys": keys, "total": value})},
                    "rows": {
                        "type": "array",
                        "items": obj(
                            {
                                "keys": keys,
                                "cells": {"type": "array", "items": value},
                                "total": value,
                            }
                        ),
                    },
                    "total": value,
                    "snapshot": {
                        "oneOf": [
                            obj(
                                {
                                    "round": {"type": "integer"},
                                    "closed_at": {"type": "string", "format": "date-time"},
                                }
                            ),
                            {"type": "null"},
                        ]
                    },
                }
            ),
        ),
    )


def document(user) -> dict:
    """Return the OpenAPI document of the API as served from this site to `user` (a token's
    owner, or the anonymous public, who is not offered the sort keys of internal fields)."""
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
                "(your organization's drafts). Money is a decimal string; a moment is RFC 3339 "
                "in UTC. A parameter given twice, or a value this document does not allow "
                "(an empty number, say), is refused (400). Errors are "
                '{"error": {"status", "message", "fields"}} in the language of the '
                f"Accept-Language header. Rate limits: {anonymous} without a token, "
                f"{with_token} with one (X-RateLimit-* headers say what is left)."
            ),
        },
        "servers": [{"url": url_for("api.index", _external=True).rstrip("/")}],
        "security": [{}, {"bearerToken": []}],
        "paths": _paths(user),
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
