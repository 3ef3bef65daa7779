"""A loan's terms and grant element as the JSON API answers them, and their schema."""

from __future__ import annotations

from decimal import Decimal

from portal.loans import services
from portal.loans.models import LoanTerms
from portal.loans.rules import REPAYMENT_PLANS, REPAYMENT_TYPES


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


def loan_terms_json(loan: LoanTerms | None) -> dict | None:
    """The terms with the grant element at CDC's rate; None when the project has none."""
    if loan is None:
        return None
    result = services.concessionality(loan)
    return {
        "commitment_date": loan.commitment_date.isoformat() if loan.commitment_date else None,
        "currency": loan.currency,
        "rate_type": loan.rate_type,
        "interest_rate": _number(loan.interest_rate),
        "reference_rate": loan.reference_rate,
        "maturity_years": _number(loan.maturity_years),
        "grace_years": _number(loan.grace_years),
        "repayment_type": loan.repayment_type,
        "repayment_plan": loan.repayment_plan,
        "first_repayment": loan.first_repayment.isoformat() if loan.first_repayment else None,
        "final_repayment": loan.final_repayment.isoformat() if loan.final_repayment else None,
        "commitment_fee": _number(loan.commitment_fee),
        "service_fee": _number(loan.service_fee),
        "grant_element": _number(result.grant_element),
        "discount_rate": _number(result.discount_rate),
        "concessional_threshold": _number(result.threshold),
        "concessional": result.concessional,
        "method": "OECD DAC",
    }


_STRING = {"type": ["string", "null"]}
_DATE = {"type": ["string", "null"], "format": "date"}
_PERCENT = {
    "type": ["string", "null"],
    "pattern": r"^-?\d+(\.\d+)?$",
    "description": "Percent a year, exact.",
}
_YEARS = {"type": ["string", "null"], "pattern": r"^\d+(\.\d+)?$", "description": "Years."}

LOAN_TERMS_SCHEMA = {
    "type": "object",
    "description": (
        "A loan's terms (IATI crs-add/loan-terms) and its grant element, computed with the "
        "OECD DAC formulas at the discount rate CDC sets (10 % unless CDC changed it); "
        "concessional when the grant element reaches CDC's threshold (35 % unless changed)."
    ),
    "properties": {
        "commitment_date": _DATE,
        "currency": _STRING,
        "rate_type": {"type": "string", "enum": ["fixed", "variable"]},
        "interest_rate": {
            **_PERCENT,
            "description": "Percent a year; for a variable rate, the all-in rate at signature.",
        },
        "reference_rate": {**_STRING, "description": "A variable rate's reference and margin."},
        "maturity_years": _YEARS,
        "grace_years": {**_YEARS, "description": "Years from signature to the first repayment."},
        "repayment_type": {
            "type": ["string", "null"],
            "enum": [*REPAYMENT_TYPES, None],
            "description": "IATI LoanRepaymentType: 1 equal principal, 2 annuity, 3 lump sum, "
            "5 other.",
        },
        "repayment_plan": {
            "type": ["string", "null"],
            "enum": [*REPAYMENT_PLANS, None],
            "description": "IATI LoanRepaymentPeriod: 1 annual, 2 semi-annual, 4 quarterly, "
            "12 monthly, 99 other.",
        },
        "first_repayment": _DATE,
        "final_repayment": _DATE,
        "commitment_fee": _PERCENT,
        "service_fee": _PERCENT,
        "grant_element": {
            **_PERCENT,
            "description": "Percent, two decimals; null when the terms do not give one.",
        },
        "discount_rate": {**_PERCENT, "type": "string"},
        "concessional_threshold": {**_PERCENT, "type": "string"},
        "concessional": {"type": ["boolean", "null"]},
        "method": {"type": "string", "enum": ["OECD DAC"]},
    },
}
LOAN_TERMS_SCHEMA["required"] = list(LOAN_TERMS_SCHEMA["properties"])
