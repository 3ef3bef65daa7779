"""The rules loan terms must keep, wherever they come from (form, workbook, API, IATI)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.loans.models import HIGHEST_RATE, LONGEST_MATURITY, LOWEST_RATE

RATE_TYPES = {"fixed": _l("Fixed"), "variable": _l("Variable")}
REPAYMENT_TYPES = {  # IATI 2.03 LoanRepaymentType
    "1": _l("Equal principal payments"),
    "2": _l("Annuity"),
    "3": _l("Lump sum (bullet)"),
    "5": _l("Other"),
}
REPAYMENT_PLANS = {  # IATI 2.03 LoanRepaymentPeriod
    "1": _l("Annual"),
    "2": _l("Semi-annual"),
    "4": _l("Quarterly"),
    "12": _l("Monthly"),
    "99": _l("Other"),
}


@dataclass
class LoanData:
    """Loan terms as typed or read; None where nothing was given."""

    commitment_date: date | None = None
    currency: str | None = None
    rate_type: str | None = None  # fixed when not said
    interest_rate: Decimal | None = None
    reference_rate: str | None = None
    maturity_years: Decimal | None = None
    grace_years: Decimal | None = None
    repayment_type: str | None = None
    repayment_plan: str | None = None
    first_repayment: date | None = None
    final_repayment: date | None = None
    commitment_fee: Decimal | None = None
    service_fee: Decimal | None = None


FIELDS = tuple(field.name for field in fields(LoanData))


class LoanTermsInvalid(Exception):
    """The terms break a rule: `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def problems(data: LoanData) -> dict[str, str]:
    """Each field's problem, in the interface language; empty when the terms are possible."""
    errors: dict[str, str] = {}
    if data.rate_type is not None and data.rate_type not in RATE_TYPES:
        errors["rate_type"] = str(_l("Choose fixed or variable."))
    if data.interest_rate is not None and not LOWEST_RATE <= data.interest_rate <= HIGHEST_RATE:
        errors["interest_rate"] = str(
            _l(
                "An interest rate is between %(low)s %% and %(high)s %% a year (reference rates "
                "have gone below zero, never below -1 %%).",
                low=LOWEST_RATE,
                high=HIGHEST_RATE,
            )
        )
    if data.rate_type == "variable" and not data.reference_rate:
        errors["reference_rate"] = str(
            _l("Name the reference of a variable rate, such as 6-month SOFR + 0.5.")
        )
    if data.maturity_years is not None and not 0 < data.maturity_years <= LONGEST_MATURITY:
        errors["maturity_years"] = str(
            _l("A maturity is more than 0 and at most %(years)s years.", years=LONGEST_MATURITY)
        )
    if data.grace_years is not None:
        if data.grace_years < 0:
            errors["grace_years"] = str(_l("A grace period cannot be negative."))
        elif data.maturity_years is not None and data.grace_years > data.maturity_years:
            errors["grace_years"] = str(_l("The grace period cannot be longer than the maturity."))
    if data.repayment_type is not None and data.repayment_type not in REPAYMENT_TYPES:
        errors["repayment_type"] = str(_l("Choose a repayment type from the list."))
    if data.repayment_plan is not None and data.repayment_plan not in REPAYMENT_PLANS:
        errors["repayment_plan"] = str(_l("Choose a repayment frequency from the list."))
    if (
        data.first_repayment
        and data.final_repayment
        and data.final_repayment < data.first_repayment
    ):
        errors["final_repayment"] = str(_l("The last repayment cannot come before the first."))
    if (
        data.commitment_date
        and data.first_repayment
        and data.first_repayment < data.commitment_date
    ):
        errors["first_repayment"] = str(
            _l("The first repayment cannot come before the commitment.")
        )
    for name in ("commitment_fee", "service_fee"):
        value = getattr(data, name)
        if value is not None and not 0 <= value <= 10:
            errors[name] = str(_l("A fee is between %(low)s %% and %(high)s %%.", low=0, high=10))
    return errors


def validate(data: LoanData) -> None:
    """Refuse impossible terms with LoanTermsInvalid."""
    errors = problems(data)
    if errors:
        raise LoanTermsInvalid(errors)
