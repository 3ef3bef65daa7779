"""Loan terms: CDC's settings for the grant element, each project's terms, saving them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, event, func, literal, select, union_all, update
from sqlalchemy.engine import Connection

from portal.audit.services import record
from portal.db import utcnow
from portal.extensions import db
from portal.loans import grant_element as formula
from portal.loans.models import LoanTerms
from portal.loans.rules import FIELDS, LoanData, validate
from portal.projects import codes, quality
from portal.projects.models import Project, ProjectChange
from portal.settings import Setting, get_setting, set_setting

DISCOUNT_KEY = "loans.discount_rate"
THRESHOLD_KEY = "loans.concessional_threshold"
# The OECD DAC's traditional 10 % discount rate; the IMF and the World Bank's 35 % threshold
# of concessionality (the DAC's older ODA test was 25 %). CDC changes both on the settings page.
DEFAULT_DISCOUNT = Decimal("10")
DEFAULT_THRESHOLD = Decimal("35")
METHOD = _l("OECD DAC method")


class EditConflict(Exception):
    """Someone saved the loan terms since the editor opened them."""


def _decimal(value: str | None, default: Decimal) -> Decimal:
    """A setting's stored text as a number; `default` when unset or not a number."""
    try:
        return Decimal(value or default)
    except InvalidOperation:
        return default


def _decimal_setting(key: str, default: Decimal) -> Decimal:
    return _decimal(get_setting(key), default)


def discount_rate() -> Decimal:
    """The discount rate CDC set for the grant element, in percent (10 unless changed)."""
    return _decimal_setting(DISCOUNT_KEY, DEFAULT_DISCOUNT)


def concessional_threshold() -> Decimal:
    """The grant element from which CDC counts a loan as concessional, in percent (35)."""
    return _decimal_setting(THRESHOLD_KEY, DEFAULT_THRESHOLD)


def save_settings(discount: Decimal, threshold: Decimal, *, actor) -> None:
    """Store CDC's discount rate and threshold (every loan's grant element worked out again at
    a new rate); the caller commits."""
    old_discount = discount_rate()
    before = {"discount_rate": str(old_discount), "threshold": str(concessional_threshold())}
    set_setting(DISCOUNT_KEY, str(discount))
    set_setting(THRESHOLD_KEY, str(threshold))
    db.session.flush()
    if discount != old_discount:
        store_grant_elements(db.session.connection(), discount)
    record(
        "loans.settings",
        user=actor,
        object_type="Setting",
        before=before,
        after={"discount_rate": str(discount), "threshold": str(threshold)},
    )


@dataclass(frozen=True)
class Concessionality:
    """A loan's grant element at CDC's rate, and whether it passes CDC's threshold."""

    grant_element: Decimal | None  # percent, two decimals; None when the terms cannot give one
    discount_rate: Decimal
    threshold: Decimal

    @property
    def concessional(self) -> bool | None:
        return None if self.grant_element is None else self.grant_element >= self.threshold


def to_terms(loan: LoanTerms | LoanData | Any) -> formula.Terms | None:
    """What the formula reads of stored or typed terms (or a row of their columns); None when
    some term is missing."""
    if (
        loan.interest_rate is None
        or loan.maturity_years is None
        or loan.grace_years is None
        or loan.repayment_type is None
    ):
        return None
    return formula.Terms(
        interest_rate=loan.interest_rate,
        maturity_years=loan.maturity_years,
        grace_years=loan.grace_years,
        repayment_type=loan.repayment_type,
        repayment_plan=loan.repayment_plan,
    )


@lru_cache(maxsize=4096)
def rounded_grant_element(terms: formula.Terms, discount: Decimal) -> Decimal | None:
    """The grant element of `terms` at `discount`, as the portal rounds it (0.01 %)."""
    return formula.rounded(formula.grant_element(terms, discount))


def grant_element_bp(loan: LoanTerms | Any, discount: Decimal) -> int | None:
    """The grant element of `loan` (stored terms or a row of their columns) at `discount`, in
    basis points; None when its terms cannot give one."""
    terms = to_terms(loan)
    value = rounded_grant_element(terms, discount) if terms is not None else None
    return None if value is None else int(value * 100)


# --- each loan's grant element, stored with its terms --------------------------------------
#
# Sums over many loans (the dashboard's loans card, the grant equivalents by partner) read the
# stored basis points instead of working the formula out for each set of terms. They are set
# whenever the ORM writes terms (below), and worked out again for every loan when CDC changes
# its discount rate, when rows were written around the ORM (the demo copies its rows) and by
# the migration that brought the column.

# The columns of the terms the formula reads (to_terms reads them by name): the four it needs,
# then the repayment plan, which may be empty.
TERMS_COLUMNS = tuple(
    LoanTerms.__table__.c[name]
    for name in (
        "interest_rate",
        "maturity_years",
        "grace_years",
        "repayment_type",
        "repayment_plan",
    )
)
TERMS, PLAN = TERMS_COLUMNS[:-1], TERMS_COLUMNS[-1]
SETS_A_STATEMENT = 400


def stored_discount(connection: Connection) -> Decimal:
    """CDC's discount rate as the database holds it (read on `connection`, as during a
    flush, where the session cannot be asked)."""
    value = connection.execute(select(Setting.value).where(Setting.key == DISCOUNT_KEY)).scalar()
    return _decimal(value, DEFAULT_DISCOUNT)


@event.listens_for(LoanTerms, "before_insert")
@event.listens_for(LoanTerms, "before_update")
def _store_grant_element(_mapper, connection: Connection, loan: LoanTerms) -> None:
    loan.grant_element_bp = grant_element_bp(loan, stored_discount(connection))


def store_grant_elements(connection: Connection, discount: Decimal | None = None) -> int:
    """Work out the grant element of every loan's terms again at `discount` (CDC's rate when
    None): once for each distinct set of terms, written by one UPDATE joined to those sets.
    Returns the number of sets that give one."""
    discount = stored_discount(connection) if discount is None else discount
    table = LoanTerms.__table__
    # A figure worked out again, not an edit: the terms' time and version stay.
    kept = {"updated_at": table.c.updated_at}
    connection.execute(update(table).values(grant_element_bp=None, **kept))
    rows = []
    for row in connection.execute(select(*TERMS, PLAN).distinct()):
        bp = grant_element_bp(row, discount)
        if bp is not None:
            rows.append((*row[: len(TERMS)], row.repayment_plan or "", bp))
    names = [c.key for c in (*TERMS, PLAN, table.c.grant_element_bp)]
    kinds = [c.type for c in (*TERMS, PLAN, table.c.grant_element_bp)]
    # The sets as a union of one-row selects (SQLite names no columns of a VALUES table),
    # a few hundred at a time (SQLite's limit of terms in a compound select is 500).
    for start in range(0, len(rows), SETS_A_STATEMENT):
        sets = union_all(
            *(
                select(
                    *(
                        literal(value, kind).label(name)
                        for value, kind, name in zip(row, kinds, names, strict=True)
                    )
                )
                for row in rows[start : start + SETS_A_STATEMENT]
            )
        ).subquery("grant_element_sets")
        connection.execute(
            update(table)
            .where(
                and_(*(c == sets.c[c.key] for c in TERMS)),
                func.coalesce(PLAN, "") == sets.c.repayment_plan,
            )
            .values(grant_element_bp=sets.c.grant_element_bp, **kept)
        )
    return len(rows)


def concessionality(
    loan: LoanTerms | LoanData | None,
    *,
    discount: Decimal | None = None,
    threshold: Decimal | None = None,
) -> Concessionality:
    """The grant element of `loan` at CDC's discount rate (or `discount`), rounded to 0.01."""
    discount = discount_rate() if discount is None else discount
    threshold = concessional_threshold() if threshold is None else threshold
    terms = to_terms(loan) if loan is not None else None
    value = rounded_grant_element(terms, discount) if terms is not None else None
    return Concessionality(value, discount, threshold)


def terms_of(project: Project) -> LoanTerms | None:
    """The project's loan terms, if any were recorded."""
    return db.session.scalar(db.select(LoanTerms).where(LoanTerms.project_id == project.id))


def is_loan(project: Project) -> bool:
    """Whether the project lends (type of assistance or IATI finance type)."""
    return codes.is_loan(project.type_of_assistance, project.finance_type)


def data_of(loan: LoanTerms | None) -> LoanData:
    """The stored terms as LoanData (empty when none)."""
    if loan is None:
        return LoanData()
    return LoanData(**{name: getattr(loan, name) for name in FIELDS})


def _text(data: LoanData) -> str:
    """The terms in one line for the project's change history."""
    parts = [f"{name}={getattr(data, name)}" for name in FIELDS if getattr(data, name) is not None]
    return "; ".join(parts)


def merge(loan: LoanTerms | None, data: LoanData) -> LoanData:
    """The stored terms with what `data` gives laid over them: a blank never erases."""
    merged = data_of(loan)
    for name in FIELDS:
        value = getattr(data, name)
        if value is not None:
            setattr(merged, name, value)
    return merged


def save_terms(
    project: Project, data: LoanData, *, actor, expected_version: int | None = None
) -> LoanTerms:
    """Check and store the project's loan terms; record the change and score the project again.

    Refuses with LoanTermsInvalid (rules) or EditConflict (someone saved in between).
    """
    loan = terms_of(project)
    if loan is not None and expected_version is not None and loan.version != expected_version:
        raise EditConflict()
    if loan is None and expected_version:
        raise EditConflict()  # the terms the editor saw were removed meanwhile
    validate(data)
    before = _text(data_of(loan))
    if loan is None:
        loan = LoanTerms(project_id=project.id)
        db.session.add(loan)
    for name in FIELDS:
        setattr(loan, name, getattr(data, name))
    loan.rate_type = data.rate_type or "fixed"
    loan.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    after = _text(data)
    if before != after:
        db.session.add(
            ProjectChange(
                project_id=project.id,
                version=project.version,
                at=utcnow(),
                user_id=getattr(actor, "id", None),
                field="loan_terms",
                old_value=before or None,
                new_value=after,
            )
        )
        record("loan_terms.saved", user=actor, obj=project)
    db.session.expire(project, ["loan_terms"])
    quality.rescore([project.id])
    return loan
