"""What other features read of loans: the loans of a set of projects, their grant element,
grant equivalent and sums (the dashboard, the joint review report).

The grant equivalent of a loan is its commitment in USD times its grant element (rounded to
0.01 %), rounded to the cent; a sum of grant equivalents is the sum of those cents, so a total
always equals the sum over its projects. The grant element needs fractional powers: it is
worked out in Decimal (portal.loans.grant_element), and stored with each loan's terms for the
sums the database makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import (
    BigInteger,
    case,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy import cast as sql_cast

from portal.extensions import db
from portal.loans import services
from portal.loans.models import LoanTerms
from portal.projects import codes
from portal.projects.models import Project

CENT = Decimal("0.01")
ZERO = Decimal(0)


def grant_equivalent(commitment_usd: Decimal | None, grant_element: Decimal | None) -> Decimal:
    """Commitment x grant element, to the cent (0 without either)."""
    if commitment_usd is None or grant_element is None:
        return ZERO
    return (commitment_usd * grant_element / 100).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class LoanRow:
    project_id: int | None  # None: a round's snapshot of a project since deleted
    partner_id: int
    commitment_usd: Decimal | None
    has_terms: bool
    grant_element: Decimal | None
    concessional: bool | None

    @property
    def grant_equivalent_usd(self) -> Decimal:
        return grant_equivalent(self.commitment_usd, self.grant_element)


def loan_condition():
    """SQL: the project lends (type of assistance, or an IATI finance type 4xx)."""
    return or_(Project.type_of_assistance == "loan", Project.finance_type.like("4%"))


def loan_rows(projects) -> list[LoanRow]:
    """The loans among `projects` (a SELECT of Project rows), with their grant element at
    CDC's discount rate."""
    discount, threshold = services.discount_rate(), services.concessional_threshold()
    ids = projects.with_only_columns(Project.id).order_by(None)
    # Plain columns, not loaded records: the dashboard reads every loan a reader may see.
    statement = (
        select(
            Project.id,
            Project.reporting_org_id,
            Project.commitment_usd,
            LoanTerms.id.label("terms_id"),
            *services.TERMS_COLUMNS,
        )
        .outerjoin(LoanTerms, LoanTerms.project_id == Project.id)
        .where(Project.id.in_(ids), loan_condition())
        .order_by(Project.id)
    )
    return [
        _row(
            row.id,
            row.reporting_org_id,
            row.commitment_usd,
            row if row.terms_id is not None else None,
            discount,
            threshold,
        )
        # On the connection: plain rows, without the ORM's per-row work (the terms are read
        # for every loan a reader may see).
        for row in db.session.connection().execute(statement)
    ]


def _row(project_id, partner_id, commitment, loan, discount, threshold) -> LoanRow:
    terms = services.to_terms(loan) if loan is not None else None
    value = services.rounded_grant_element(terms, discount) if terms is not None else None
    return LoanRow(
        project_id,
        partner_id,
        commitment,
        loan is not None,
        value,
        None if value is None else value >= threshold,
    )


@dataclass(frozen=True)
class Held:
    """A project as another record holds it (a round's snapshot): its partner, commitment in
    USD and type of assistance as kept there."""

    project_id: int | None
    partner_id: int
    commitment_usd: Decimal | None
    type_of_assistance: str | None


def rows_of_held(held: list[Held]) -> list[LoanRow]:
    """The loans among `held` (its type of assistance, or the project's IATI finance type
    today), with the project's loan terms as recorded today at CDC's discount rate today."""
    discount, threshold = services.discount_rate(), services.concessional_threshold()
    ids = [h.project_id for h in held if h.project_id is not None]
    finance: dict[int, str | None] = {}
    terms: dict[int, LoanTerms] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for project_id, finance_type in db.session.execute(
            select(Project.id, Project.finance_type).where(Project.id.in_(chunk))
        ):
            finance[project_id] = finance_type
        terms.update(
            (loan.project_id, loan)
            for loan in db.session.scalars(select(LoanTerms).where(LoanTerms.project_id.in_(chunk)))
        )
    return [
        _row(
            h.project_id,
            h.partner_id,
            h.commitment_usd,
            terms.get(h.project_id) if h.project_id is not None else None,
            discount,
            threshold,
        )
        for h in sorted(held, key=lambda h: h.project_id or 0)
        if codes.is_loan(
            h.type_of_assistance, finance.get(h.project_id) if h.project_id is not None else None
        )
    ]


@dataclass
class LoanFigures:
    """Sums over a set of loans."""

    loans: int = 0
    with_grant_element: int = 0
    commitment_usd: Decimal = ZERO
    grant_equivalent_usd: Decimal = ZERO
    concessional: int = 0
    concessional_commitment_usd: Decimal = ZERO
    _weighted: Decimal = field(default=ZERO, repr=False)
    _weight: Decimal = field(default=ZERO, repr=False)

    def add(self, row: LoanRow) -> None:
        self.loans += 1
        self.commitment_usd += row.commitment_usd or ZERO
        if row.grant_element is None:
            return
        self.with_grant_element += 1
        self.grant_equivalent_usd += row.grant_equivalent_usd
        if row.concessional:
            self.concessional += 1
            self.concessional_commitment_usd += row.commitment_usd or ZERO
        if row.commitment_usd:
            self._weighted += row.grant_element * row.commitment_usd
            self._weight += row.commitment_usd

    @property
    def average_grant_element(self) -> Decimal | None:
        """The grant element weighted by commitment, over the loans that have one."""
        if not self._weight:
            return None
        return (self._weighted / self._weight).quantize(CENT, ROUND_HALF_UP)

    @property
    def concessional_share(self) -> Decimal | None:
        """The share of the commitment of loans with a grant element that is concessional."""
        if not self._weight:
            return None
        return (100 * self.concessional_commitment_usd / self._weight).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )


def figures(rows: list[LoanRow]) -> LoanFigures:
    """The sums over `rows`."""
    total = LoanFigures()
    for row in rows:
        total.add(row)
    return total


def by_partner(rows: list[LoanRow]) -> dict[int, LoanFigures]:
    """The sums of each lending partner, by organization id."""
    groups: dict[int, LoanFigures] = {}
    for row in rows:
        groups.setdefault(row.partner_id, LoanFigures()).add(row)
    return groups


# --- the same figures summed in SQL, for every loan a reader may see -----------------------
#
# Each loan's terms hold its grant element at CDC's discount rate in basis points
# (`LoanTerms.grant_element_bp`, kept by portal.loans.services), so the database sums without a
# row in Python: a loan's grant equivalent is its commitment in cents times its grant element
# in basis points, over 10,000, rounded half up, which is exactly `grant_equivalent`.


def _cents(money):
    """SQL: an amount as its stored whole cents (portal.db.MoneyType)."""
    return type_coerce(money, BigInteger)


def equivalent_cents():
    """SQL: a loan's grant equivalent in cents (its LoanTerms joined)."""
    cents = _cents(Project.commitment_usd)
    bp = sql_cast(LoanTerms.grant_element_bp, BigInteger)
    product = cents * bp  # in ten-thousandths of a cent; half up is away from zero
    return case((product >= 0, (product + 5000) // 10000), else_=-((5000 - product) // 10000))


def equivalents(projects, label: str = "cents"):
    """SELECT (project_id, grant equivalent cents) of the loans among `projects` (a SELECT of
    Project rows) whose terms give a grant element."""
    return (
        projects.with_only_columns(Project.id.label("project_id"), equivalent_cents().label(label))
        .order_by(None)
        .join(LoanTerms, LoanTerms.project_id == Project.id)
        .where(loan_condition(), LoanTerms.grant_element_bp.is_not(None))
    )


def figures_of(projects) -> LoanFigures:
    """`figures` of the loans among `projects` (a SELECT of Project rows), summed in SQL.

    Two sums: every loan, and the loans whose terms give a grant element, grouped by it; the
    loans without one are the difference."""
    threshold = services.concessional_threshold()
    base = projects.order_by(None).where(loan_condition())
    every = base.with_only_columns(func.count(), func.sum(_cents(Project.commitment_usd)))
    count, commitment = db.session.execute(every).one()
    total = LoanFigures(loans=count, commitment_usd=Decimal(commitment or 0) / 100)
    if not count:
        return total
    bp = LoanTerms.grant_element_bp
    grouped = (
        base.with_only_columns(
            bp,
            func.count(),
            func.sum(_cents(Project.commitment_usd)),
            func.sum(equivalent_cents()),
        )
        .join(LoanTerms, LoanTerms.project_id == Project.id)
        .where(bp.is_not(None))
        .group_by(bp)
    )
    for basis_points, count, commitment, equivalent in db.session.execute(grouped):
        money = Decimal(commitment or 0) / 100
        element = Decimal(basis_points) / 100
        total.with_grant_element += count
        total.grant_equivalent_usd += Decimal(equivalent or 0) / 100
        if element >= threshold:
            total.concessional += count
            total.concessional_commitment_usd += money
        total._weighted += element * money
        total._weight += money
    return total
