"""What other features read of loans: the loans of a set of projects, their grant element,
grant equivalent and sums (the dashboard, the joint review report).

The grant equivalent of a loan is its commitment in USD times its grant element (rounded to
0.01 %), rounded to the cent; a sum of grant equivalents is the sum of those cents, so a total
always equals the sum over its projects. The aggregate service has no grant equivalent
measure: the grant element needs fractional powers, computed here in Decimal, not in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    case,
    column,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy import cast as sql_cast

from portal import changes
from portal.extensions import db
from portal.loans import grant_element as formula
from portal.loans import services
from portal.loans.models import LoanTerms
from portal.projects import codes
from portal.projects.models import Project

CENT = Decimal("0.01")
ZERO = Decimal(0)


@lru_cache(maxsize=4096)
def _cached(terms: formula.Terms, discount: Decimal) -> Decimal | None:
    return formula.rounded(formula.grant_element(terms, discount))


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
            *TERMS_COLUMNS,
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


# The columns of the terms the formula reads (services.to_terms reads them by name).
TERMS_COLUMNS = (
    LoanTerms.interest_rate,
    LoanTerms.maturity_years,
    LoanTerms.grace_years,
    LoanTerms.repayment_type,
    LoanTerms.repayment_plan,
)


def _row(project_id, partner_id, commitment, loan, discount, threshold) -> LoanRow:
    terms = services.to_terms(loan) if loan is not None else None
    value = _cached(terms, discount) if terms is not None else None
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


# --- the same figures worked out in SQL, for every loan a reader may see -------------------
#
# The grant element depends on the terms alone (and CDC's discount rate), and loans share a
# few hundred sets of terms however many there are. So the formula runs once for each set of
# terms among the loans (in Decimal, as above), and the database joins each loan to its set's
# grant element and sums: a loan's grant equivalent is its commitment in cents times the grant
# element in hundredths of a percent, over 10,000, rounded half up, which is exactly
# `grant_equivalent`. The dashboard reads every loan this way, without a row of them in Python.


def _literal(value) -> str:
    """A term as SQL text: a number, or a code (the codes are checked by the table)."""
    if value is None:
        return "NULL"
    if isinstance(value, Decimal):
        return format(value, "f")
    return "'" + str(value).replace("'", "''") + "'"


def element_table():
    """A CTE of the distinct sets of terms recorded that give a grant element, with that
    element in hundredths of a percent (`hundredths`); None when none gives one. The terms
    change only in a transaction that raises the data's version: worked out once per version
    and discount rate."""
    discount = services.discount_rate()
    rows = changes.per_version(
        db.session, f"grant-elements:{discount}", lambda: _element_rows(discount)
    )
    if rows is None:
        return None
    names = [c.key for c in TERMS_COLUMNS]
    casts = [
        f"CAST(column{i} AS {'VARCHAR(2)' if isinstance(c.type, String) else 'NUMERIC'}) AS {name}"
        for i, (c, name) in enumerate(zip(TERMS_COLUMNS, names, strict=True), start=2)
    ]
    count = len(TERMS_COLUMNS) + 2
    table = text(
        f"SELECT CAST(column1 AS VARCHAR(200)) AS terms, {', '.join(casts)}, "
        f"CAST(column{count} AS INTEGER) AS hundredths FROM (VALUES {rows}) AS terms_values"
    ).columns(
        column("terms", String),
        *(column(name, c.type) for c, name in zip(TERMS_COLUMNS, names, strict=True)),
        column("hundredths", Integer),
    )
    return table.cte("grant_elements")


def _terms_key():
    """SQL: a loan's terms as one text, as the database writes each term (one column to join
    on, which the database can count and hash: joined on five, it guesses one match)."""
    parts: list[Any] = []
    for term in TERMS_COLUMNS:
        if parts:
            parts.append(literal("|"))
        parts.append(func.coalesce(sql_cast(term, String), ""))
    key = parts[0]
    for part in parts[1:]:
        key = key.op("||")(part)
    return key


def _element_rows(discount: Decimal) -> str | None:
    """The VALUES rows (SQL text) of each distinct set of terms, as `_terms_key` writes it,
    with its grant element."""
    rows = []
    key = _terms_key()
    for written, *terms_row in db.session.connection().execute(
        select(key, *TERMS_COLUMNS).distinct()
    ):
        terms = services.to_terms(_Terms(*terms_row))
        value = _cached(terms, discount) if terms is not None else None
        if value is not None:
            literals = ", ".join(_literal(term) for term in (written, *terms_row))
            rows.append(f"({literals}, {int(value * 100)})")
    return ", ".join(rows) if rows else None


@dataclass(frozen=True)
class _Terms:
    interest_rate: Decimal | None
    maturity_years: Decimal | None
    grace_years: Decimal | None
    repayment_type: str | None
    repayment_plan: str | None


def _cents(money):
    """SQL: an amount as its stored whole cents (portal.db.MoneyType)."""
    return type_coerce(money, BigInteger)


def joined_terms(table):
    """ON clause: a loan's terms (LoanTerms) are the set `table` (`element_table`) holds.

    PostgreSQL joins on the terms written as one text, which it can count and hash (joined on
    five columns it guesses one match, and looks each loan's project up one by one); SQLite on
    the five terms, which it looks up by an index of its own (it would write the text of each
    loan's terms again for every set)."""
    if db.engine.dialect.name == "postgresql":
        return _terms_key() == table.c.terms
    # Every term the formula needs is there (`services.to_terms`); no repayment plan is ''.
    return and_(
        *(
            func.coalesce(c, "") == func.coalesce(table.c[c.key], "")
            if c.key == "repayment_plan"
            else c == table.c[c.key]
            for c in TERMS_COLUMNS
        )
    )


def equivalent_cents(table):
    """SQL: a loan's grant equivalent in cents, its set of terms joined from `table`."""
    cents = _cents(Project.commitment_usd)
    hundredths = sql_cast(table.c.hundredths, BigInteger)
    product = cents * hundredths  # in ten-thousandths of a cent; half up is away from zero
    return case((product >= 0, (product + 5000) // 10000), else_=-((5000 - product) // 10000))


def equivalents(projects, table, label: str = "cents"):
    """SELECT (project_id, grant equivalent cents) of the loans among `projects` (a SELECT of
    Project rows) whose terms give a grant element, `table` being `element_table()`."""
    return (
        projects.with_only_columns(
            Project.id.label("project_id"),
            func.coalesce(equivalent_cents(table), 0).label(label),
        )
        .order_by(None)
        .join(LoanTerms, LoanTerms.project_id == Project.id)
        .join(table, joined_terms(table))
        .where(loan_condition())
    )


def figures_of(projects) -> LoanFigures:
    """`figures` of the loans among `projects` (a SELECT of Project rows), summed in SQL.

    Two sums: every loan, and the loans joined to their set of terms' grant element (grouped
    by it); the loans without one are the difference. Joined inner, SQLite indexes the loans'
    terms for the few hundred sets; left-joined, it scanned every set for every loan."""
    threshold = services.concessional_threshold()
    table = element_table()
    base = projects.order_by(None).where(loan_condition())
    every = base.with_only_columns(func.count(), func.sum(_cents(Project.commitment_usd)))
    count, commitment = db.session.execute(every).one()
    total = LoanFigures(loans=count, commitment_usd=Decimal(commitment or 0) / 100)
    if table is None or not count:
        return total
    joined = (
        base.with_only_columns(
            Project.id.label("project_id"),
            _cents(Project.commitment_usd).label("cents"),
            table.c.hundredths.label("hundredths"),
            equivalent_cents(table).label("equivalent"),
        )
        .join(LoanTerms, LoanTerms.project_id == Project.id)
        .join(table, joined_terms(table))
    ).subquery("loans")
    grouped = select(
        joined.c.hundredths,
        func.count(),
        func.sum(joined.c.cents),
        func.sum(joined.c.equivalent),
    ).group_by(joined.c.hundredths)
    for hundredths, count, commitment, equivalent in db.session.execute(grouped):
        money = Decimal(commitment or 0) / 100
        element = Decimal(hundredths) / 100
        total.with_grant_element += count
        total.grant_equivalent_usd += Decimal(equivalent or 0) / 100
        if element >= threshold:
            total.concessional += count
            total.concessional_commitment_usd += money
        total._weighted += element * money
        total._weight += money
    return total
