"""A loan's terms read back from IATI 2.03 `crs-add/loan-terms` (the export writes them:
portal/iati/export.py).

IATI keeps the interest (rate-1; rate-2 for a second rate), the repayment type and plan, the
commitment date and the first and last repayment dates; maturity and grace follow from the
dates. What it has no place for (the exact maturity and grace in years, a variable rate's
reference, the fees) travels in the portal's extension namespace as attributes of
<loan-terms>, which the schema allows; a file from elsewhere gives maturity and grace from its
dates (whole months, as years to two decimals).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from portal.extensions import db
from portal.loans import services
from portal.loans.rules import LoanData, LoanTermsInvalid
from portal.projects.models import Project

CDC_NS = "urn:cdc-aid-portal:iati"  # the portal's extension namespace (portal.iati.parser)
EXTENSION = ("maturity-years", "grace-years", "reference-rate", "commitment-fee", "service-fee")


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


def add_years(day: date, years: Decimal) -> date:
    """`day` plus `years` in whole months (the 31st becomes the month's last day)."""
    months = int((years * 12).to_integral_value(ROUND_HALF_UP))
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def years_between(start: date, end: date) -> Decimal:
    """Whole months from `start` to `end`, as years to two decimals."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return (Decimal(months) / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _decimal(text: str | None) -> Decimal | None:
    try:
        return None if text in (None, "") else Decimal(str(text))
    except InvalidOperation:
        return None


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def from_published(published: dict, currency: str | None) -> LoanData:
    """The terms an activity published (its extras' `loan_terms`) as LoanData."""
    extension = published.get("extension") or {}
    signed = _date(published.get("commitment_date"))
    first = _date(published.get("first_repayment"))
    final = _date(published.get("final_repayment"))
    maturity = _decimal(extension.get("maturity-years"))
    grace = _decimal(extension.get("grace-years"))
    if signed is not None and maturity is None and final is not None:
        maturity = years_between(signed, final)
    if signed is not None and grace is None and first is not None:
        grace = years_between(signed, first)
    reference = extension.get("reference-rate")
    return LoanData(
        commitment_date=signed,
        currency=currency,
        rate_type="variable" if reference else None,
        interest_rate=_decimal(published.get("rate-1")),
        reference_rate=reference,
        maturity_years=maturity,
        grace_years=grace,
        repayment_type=published.get("repayment_type"),
        repayment_plan=published.get("repayment_plan"),
        first_repayment=first,
        final_repayment=final,
        commitment_fee=_decimal(extension.get("commitment-fee")),
        service_fee=_decimal(extension.get("service-fee")),
    )


def write_from_iati(written: Iterable[tuple[int, dict]], *, actor) -> list[tuple[int, str]]:
    """Store the loan terms each written activity publishes on its project, over what the
    project has (a term the file leaves out keeps its value). Terms that break the rules are
    left out: returned as (project id, problem), the project keeps its own."""
    skipped = []
    for project_id, activity in written:
        published = (activity.get("extras") or {}).get("loan_terms")
        if not published:
            continue
        project = db.session.get(Project, project_id)
        if project is None:
            continue
        loan = services.terms_of(project)
        data = services.merge(loan, from_published(published, project.commitment_currency))
        try:
            services.save_terms(project, data, actor=actor)
        except LoanTermsInvalid as invalid:
            skipped.append((project_id, str(invalid)))
    return skipped
