"""The schemas of the API's answers, for its OpenAPI document (portal.api.openapi)."""

from __future__ import annotations

from portal.api.params import AGGREGATE_MEASURES, DIMENSIONS, ORGANIZATION_KINDS
from portal.loans.serialize import LOAN_TERMS_SCHEMA
from portal.projects import codes
from portal.projects.sources import MONEY_KIND, SOURCE_KIND

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "description": "Two decimals, exact."}
NULLABLE_MONEY = {**MONEY, "type": ["string", "null"]}
RATE = {"type": "string", "pattern": r"^\d+(\.\d+)?$", "description": "Units of currency a USD."}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
NULLABLE_MOMENT = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": "RFC 3339, in UTC (ends with Z).",
}
# What each measure of the aggregates sums (all in USD, the reporting partner's figures except in
# the source dimension's other rows).
MEASURE_TEXTS = {
    "commitment": "The projects' commitments (with money_from: those agreed in those years).",
    "disbursed": "Actual disbursements (with money_from: of those years).",
    "planned": "Planned disbursements (with money_from: of those years).",
    "signed": "Commitments signed, by the year of signature.",
    "expenditure": "Expenditure reported, by year.",
    "grant_equivalent": "The OECD DAC grant equivalent of the commitments: a grant (and "
    "technical cooperation, in kind) counts in full; a loan counts its commitment times its "
    "grant element, computed from its loan terms at CDC's discount rate by the OECD DAC "
    "method, rounded to 0.01 % and then to the cent; a loan whose terms give no grant "
    "element counts nothing. In the year of the commitment's agreement. Other sources than "
    "the reporting partner have none (0.00).",
}
ERROR_TEXTS = {
    400: "A parameter is not valid (or not known here): `fields` says which and why.",
    401: "The token is malformed, unknown, revoked or expired.",
    404: "Nothing here, or nothing the caller may read.",
    429: "Too many calls: wait for the time in the Retry-After header.",
    500: "The server failed; the call may be tried again later.",
    503: "The database cannot be reached for a moment: wait for the time in Retry-After.",
}


def measure_properties() -> dict:
    """`<measure>_usd` of every measure of the aggregates: present when asked for."""
    return {
        f"{m}_usd": {**MONEY, "description": f"{MEASURE_TEXTS[m]} Present when asked for."}
        for m in AGGREGATE_MEASURES
    }


def ref(name: str) -> dict:
    """A reference to a schema of the document."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    """An object schema; every property is required unless `required` says otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
    }


def schemas() -> dict:
    """The component schemas: errors, pages, organizations, projects, aggregates."""
    org_ref = {"oneOf": [{"type": "null"}, ref("OrganizationRef")]}
    summary = {
        "id": {"type": "integer"},
        "iati_identifier": NULLABLE_STRING,
        "partner_ref": NULLABLE_STRING,
        "title_en": {"type": "string"},
        "title_km": NULLABLE_STRING,
        "reporting_org": ref("OrganizationRef"),
        "lead_national_partner": org_ref,
        "status": {"type": "string", "enum": list(codes.ACTIVITY_STATUS)},
        "status_label": NULLABLE_STRING,
        "start_year": NULLABLE_INTEGER,
        "end_year": NULLABLE_INTEGER,
        "type_of_assistance": NULLABLE_STRING,
        "modality": NULLABLE_STRING,
        "on_budget": {
            "type": "boolean",
            "description": "Derived: true when the project maps to national budget codes "
            "(budget_codes), else the on-budget field as typed (on_budget_declared).",
        },
        "nationwide": {"type": "boolean"},
        "commitment_amount": NULLABLE_MONEY,
        "commitment_currency": NULLABLE_STRING,
        "commitment_usd": NULLABLE_MONEY,
        "disbursed_usd": MONEY,
        "planned_usd": MONEY,
        "published": {"type": "boolean"},
        "updated_at": NULLABLE_MOMENT,
        "url": {"type": "string", "format": "uri"},
        "web_url": {"type": "string", "format": "uri"},
    }
    detail = {
        "description": NULLABLE_STRING,
        "description_km": NULLABLE_STRING,
        "objectives": NULLABLE_STRING,
        "external_lead_partner": org_ref,
        "planned_start": NULLABLE_DATE,
        "planned_end": NULLABLE_DATE,
        "actual_start": NULLABLE_DATE,
        "actual_end": NULLABLE_DATE,
        "twg": NULLABLE_STRING,
        "finance_type": NULLABLE_STRING,
        "aid_type": NULLABLE_STRING,
        "flow_type": NULLABLE_STRING,
        "on_treasury": {"type": "boolean"},
        "on_budget_declared": {
            "type": "boolean",
            "description": "The on-budget field as typed; in force only without budget codes.",
        },
        "budget_codes": {
            "type": "array",
            "description": "The national budget programmes and sub-programmes the project "
            "maps to, with shares adding up to 100.",
            "items": obj(
                {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "level": {"type": "string", "enum": ["programme", "subprogramme"]},
                    "retired": {"type": "boolean"},
                    "percentage": MONEY,
                }
            ),
        },
        "commitment_date": NULLABLE_DATE,
        "commitment_rate": {**RATE, "type": ["string", "null"]},
        "published_at": NULLABLE_MOMENT,
        "data_source": {"type": "string"},
        "sectors": {
            "type": "array",
            "items": obj(
                {"code": {"type": "string"}, "name": {"type": "string"}, "percentage": MONEY}
            ),
        },
        "locations": {
            "type": "array",
            "items": obj(
                {
                    "province_code": {"type": "string"},
                    "province": {"type": "string"},
                    "district_code": NULLABLE_STRING,
                    "district": NULLABLE_STRING,
                    "commune_code": NULLABLE_STRING,
                    "commune": NULLABLE_STRING,
                    "percentage": MONEY,
                }
            ),
        },
        "funding": {
            "type": "array",
            "description": "The reporting partner's actual and planned disbursements by year "
            "(the project's own figures; its totals are their sums).",
            "items": ref("FundingRow"),
        },
        "funding_sources": {
            "type": "array",
            "description": "Who brings the money: the reporting partner first (position 0), "
            "then co-financiers, the government's counterpart contribution (in cash or in "
            "kind) and other national sources, each with the yearly money kept with it.",
            "items": ref("FundingSource"),
        },
        "participants": {
            "type": "array",
            "items": obj(
                {
                    "organization": ref("OrganizationRef"),
                    "role": {"type": "string", "enum": list(codes.PARTICIPANT_ROLE)},
                }
            ),
        },
        "documents": {
            "type": "array",
            "items": obj({"title": {"type": "string"}, "url": {"type": "string"}}),
        },
        "loan_terms": {
            "oneOf": [{"type": "null"}, ref("LoanTerms")],
            "description": "A loan's terms and grant element; null when none are recorded.",
        },
        "internal": {
            **obj(
                {
                    "contact_name": NULLABLE_STRING,
                    "contact_email": NULLABLE_STRING,
                    "contact_phone": NULLABLE_STRING,
                    "workflow_state": {"type": "string"},
                    "quality_score": {"type": "integer"},
                    "version": {"type": "integer"},
                }
            ),
            "description": "Only for the project's own partner and ministry, and CDC.",
        },
    }
    return {
        "Error": obj(
            {
                "error": obj(
                    {
                        "status": {"type": "integer"},
                        "message": {"type": "string"},
                        "fields": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                            "description": "What is wrong with each parameter.",
                        },
                    },
                    ["status", "message"],
                )
            }
        ),
        "Index": obj(
            {
                "name": {"type": "string"},
                "version": {"type": "string"},
                "openapi": {"type": "string", "format": "uri"},
                "resources": obj(
                    {
                        "projects": {"type": "string", "format": "uri"},
                        "organizations": {"type": "string", "format": "uri"},
                        "aggregates": obj(
                            {name: {"type": "string", "format": "uri"} for name in DIMENSIONS}
                        ),
                    }
                ),
                "authenticated": {"type": "boolean"},
            }
        ),
        "PageMeta": obj(
            {
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
                "pages": {"type": "integer"},
            }
        ),
        "PageLinks": obj(
            {"self": {"type": "string"}, "next": NULLABLE_STRING, "prev": NULLABLE_STRING}
        ),
        "OrganizationRef": obj(
            {"id": {"type": "integer"}, "acronym": {"type": "string"}, "name": {"type": "string"}}
        ),
        "Organization": obj(
            {
                "id": {"type": "integer"},
                "acronym": {"type": "string"},
                "name_en": {"type": "string"},
                "name_km": NULLABLE_STRING,
                "kind": {"type": "string", "enum": list(ORGANIZATION_KINDS)},
                "kind_label": {"type": "string"},
                "national": {
                    "type": "boolean",
                    "description": "A national organization can lead a project.",
                },
                "iati_ref": NULLABLE_STRING,
                "iati_type": NULLABLE_STRING,
                "active": {"type": "boolean"},
                "url": {"type": "string", "format": "uri"},
            }
        ),
        "ProjectSummary": obj(summary),
        "LoanTerms": LOAN_TERMS_SCHEMA,
        "FundingRow": obj(
            {
                "year": {"type": "integer"},
                "kind": {
                    "type": "string",
                    "enum": list(MONEY_KIND),
                    "description": "commitment: signed in that year; disbursement: actual; "
                    "planned: a forward projection; expenditure: spent, where reported. A "
                    "project's `funding` holds disbursements and plans only.",
                },
                "amount": MONEY,
                "currency": {"type": "string", "description": "As entered (ISO 4217)."},
                "units_per_usd": {**RATE, "type": ["string", "null"]},
                "amount_usd": NULLABLE_MONEY,
                "source": {
                    "type": "integer",
                    "description": "The position of the row's funding source in "
                    "`funding_sources` (0: the reporting partner).",
                },
            }
        ),
        "FundingSource": obj(
            {
                "position": {"type": "integer", "description": "0 for the reporting partner."},
                "kind": {"type": "string", "enum": list(SOURCE_KIND)},
                "organization": {
                    "oneOf": [{"type": "null"}, ref("OrganizationRef")],
                    "description": "The reporting partner, the co-financier, or the "
                    "ministry of a counterpart contribution when named.",
                },
                "in_kind": {
                    "type": "boolean",
                    "description": "A counterpart contribution in kind (goods, staff, land).",
                },
                "funding": {"type": "array", "items": ref("FundingRow")},
            }
        ),
        "Project": {
            "allOf": [
                ref("ProjectSummary"),
                obj(detail, [k for k in detail if k != "internal"]),
            ]
        },
        **result_schemas(),
        "AggregateRow": obj(
            {
                "key": {
                    "type": ["string", "integer", "boolean", "null"],
                    "description": "Province or sector code, partner id, or year; "
                    "'nationwide' and 'unallocated' for money without a place "
                    "or sector.",
                },
                "label": NULLABLE_STRING,
                **measure_properties(),
                "project_count": {"type": "integer"},
            },
            required=["key", "label", "project_count"],
        ),
    }


def result_schemas() -> dict:
    """A project's results, in the shape of IATI's result element (values as published)."""
    nullable_boolean = {"type": ["boolean", "null"]}
    value = {
        "type": ["string", "null"],
        "description": "As recorded: a number for unit, percentage and ordinal indicators "
        "(percentages 0 to 100), a category for nominal ones, none for qualitative ones; values "
        "imported from IATI are kept as published.",
    }
    return {
        "IndicatorPeriod": obj(
            {
                "period_start": NULLABLE_DATE,
                "period_end": NULLABLE_DATE,
                "target_value": value,
                "target_comment": NULLABLE_STRING,
                "actual_value": value,
                "actual_comment": NULLABLE_STRING,
            }
        ),
        "Indicator": obj(
            {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "description": NULLABLE_STRING,
                "measure": {
                    "type": "string",
                    "enum": ["1", "2", "3", "4", "5"],
                    "description": "IATI IndicatorMeasure: 1 unit, 2 percentage, 3 nominal, "
                    "4 ordinal, 5 qualitative.",
                },
                "measure_label": {"type": "string"},
                "ascending": {**nullable_boolean, "description": "Whether higher is better."},
                "aggregation_status": {
                    **nullable_boolean,
                    "description": "Whether the figures may be added up across projects.",
                },
                "references": {
                    "type": "array",
                    "items": obj(
                        {
                            "vocabulary": NULLABLE_STRING,
                            "code": {"type": "string"},
                            "indicator_uri": NULLABLE_STRING,
                        }
                    ),
                },
                "priorities": {
                    "type": "array",
                    "description": "Priorities of the national strategy the indicator measures.",
                    "items": obj({"id": {"type": "integer"}, "code": {"type": "string"}}),
                },
                "baseline": obj(
                    {"year": NULLABLE_INTEGER, "value": value, "comment": NULLABLE_STRING}
                ),
                "periods": {"type": "array", "items": ref("IndicatorPeriod")},
            }
        ),
        "Result": obj(
            {
                "id": {"type": "integer"},
                "type": {
                    "type": "string",
                    "enum": ["1", "2", "3", "9"],
                    "description": "IATI ResultType: 1 output, 2 outcome, 3 impact, 9 other.",
                },
                "type_label": {"type": "string"},
                "title": {"type": "string"},
                "description": NULLABLE_STRING,
                "aggregation_status": {"type": ["boolean", "null"]},
                "from_iati": {
                    "type": "boolean",
                    "description": "Imported from the partner's IATI data.",
                },
                "indicators": {"type": "array", "items": ref("Indicator")},
            }
        ),
    }
