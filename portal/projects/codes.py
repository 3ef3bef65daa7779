"""Code lists a project uses, with labels people read.

The codes are IATI 2.03 codes (a test checks them against the `okfn-iati` enumerations); the
labels are translatable.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIVITY_STATUS = {
    "1": _l("Pipeline/identification"),
    "2": _l("Implementation"),
    "3": _l("Finalisation"),
    "4": _l("Closed"),
    "5": _l("Cancelled"),
    "6": _l("Suspended"),
}
PIPELINE, IMPLEMENTATION, FINALISATION, CLOSED, CANCELLED, SUSPENDED = "123456"

TYPE_OF_ASSISTANCE = {
    "grant": _l("Grant"),
    "loan": _l("Loan"),
    "technical_cooperation": _l("Technical cooperation"),
    "in_kind": _l("In-kind"),
}


def is_loan(type_of_assistance: str | None, finance_type: str | None) -> bool:
    """Whether a project lends: its type of assistance is a loan, or its IATI finance type is
    a debt instrument (4xx: standard, subordinated or reimbursable loans, bonds)."""
    return type_of_assistance == "loan" or (finance_type or "").startswith("4")


MODALITY = {
    "project": _l("Project"),
    "pba": _l("Program-based approach"),
    "budget_support": _l("Budget support"),
}

FINANCE_TYPE = {
    "110": _l("Standard grant"),
    "210": _l("Interest subsidy"),
    "310": _l("Capital subscription on deposit basis"),
    "421": _l("Standard loan"),
    "422": _l("Reimbursable grant"),
    "423": _l("Bonds"),
    "431": _l("Subordinated loan"),
    "510": _l("Common equity"),
    "610": _l("Debt forgiveness: ODA claims"),
    "1100": _l("Guarantees/insurance"),
}

AID_TYPE = {
    "A01": _l("General budget support"),
    "A02": _l("Sector budget support"),
    "B01": _l("Core support to NGOs and other private bodies"),
    "B02": _l("Core contributions to multilateral institutions"),
    "B03": _l("Contributions to specific-purpose programmes and funds"),
    "B04": _l("Basket funds/pooled funding"),
    "C01": _l("Project-type interventions"),
    "D01": _l("Donor country personnel"),
    "D02": _l("Other technical assistance"),
    "E01": _l("Scholarships/training in donor country"),
    "E02": _l("Imputed student costs"),
    "F01": _l("Debt relief"),
    "G01": _l("Administrative costs not included elsewhere"),
    "H01": _l("Development awareness"),
    "H02": _l("Refugees/asylum seekers in donor countries"),
}

FLOW_TYPE = {
    "10": _l("ODA"),
    "20": _l("OOF"),
    "21": _l("Non-export credit OOF"),
    "30": _l("Private Development Finance"),
    "35": _l("Private market"),
    "40": _l("Non flow"),
    "50": _l("Other flows"),
}

FUNDING_KIND = {
    "disbursement": _l("Actual disbursement"),
    "planned": _l("Planned disbursement"),
}

PARTICIPANT_ROLE = {
    "funding": _l("Funding organization (co-financier)"),
    "extending": _l("Extending organization (manages the funds)"),
    "implementing": _l("Implementing partner"),
}


def choices(codes: dict, blank: str | None = None) -> list[tuple[str, str]]:
    """Return select choices (code, label) in code order, optionally after a blank entry."""
    items = [(code, str(label)) for code, label in codes.items()]
    return ([("", blank)] if blank is not None else []) + items


def status_label(code: str | None) -> str:
    """The IATI activity status in words (a template global)."""
    if code is None:
        return ""
    return str(ACTIVITY_STATUS.get(code, code))


def code_label(codes: str, code: str | None) -> str:
    """The label of `code` in the named code list of this module (a template global)."""
    if not code:
        return ""
    return str(globals()[codes].get(code, code))
