"""The grant equivalent measure of the aggregates: what the money is worth as a gift.

The OECD DAC's grant-equivalent measure (ODA since 2018) counts a grant at its full amount and
a loan at its amount times its grant element. Here, for each project the reader may see:

- a loan (type of assistance "loan", or an IATI finance type 4xx: `loans.queries.loan_condition`)
  counts its commitment in USD times its grant element at CDC's discount rate, computed from its
  loan terms by the OECD formula (portal/loans/grant_element.py), rounded to 0.01 %, then to the
  cent (`loans.queries.grant_equivalent`): the very figure the dashboard's and the reports' loan
  sums add up, from the loan rows a caller has read (`loans.queries.loan_rows`), or else summed
  in SQL from each distinct set of terms' grant element and rounded the same way
  (`loans.queries.equivalents`; the tests keep both equal);
- a loan whose terms give no grant element (none recorded, or incomplete) adds nothing: its
  concessionality is unknown, and the loans' note says how many loans have terms;
- every other project (grants, technical cooperation, in kind: nothing to repay) counts its
  whole commitment.

The grant element needs fractional powers, worked out in Decimal in Python, not in SQL. So
either each loan's grant equivalent is computed once, as whole cents, and handed to the SQL as
a table of (project, cents) literals, or each set of terms' grant element is (a few hundred
sets however many loans there are), and the SQL multiplies. The money is summed in two parts,
each by the aggregate's own SQL (grouped, split over shares and limited to years exactly as the
commitment is; a loan's grant equivalent counts in the year of its agreement): the other
projects' commitments, then the loans' grant equivalents, read from that table joined to the
projects by their key (a join from the projects to a table of literals would have SQLite scan
it for every project).
No float is involved: Decimal to the cent, then integers.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import BigInteger, Integer, case, cast, column, null, text, type_coerce

from portal.loans import queries as loan_queries
from portal.projects.models import Project

GRANT_EQUIVALENT = "grant_equivalent"


def loan_cents(rows: Iterable[loan_queries.LoanRow]) -> list[tuple[int, int]]:
    """(project id, grant equivalent in cents) of the loans among `rows` that have a grant
    element."""
    return [
        (row.project_id, int(row.grant_equivalent_usd * 100))
        for row in rows
        if row.project_id is not None and row.grant_element is not None
    ]


def loan_table(pairs: list[tuple[int, int]]):
    """A CTE (project_id, cents) of the loans' grant equivalents; None when there is none.

    Written as plain SQL text: the pairs are whole numbers (ints made here), and SQLAlchemy
    would take some 0.2 s to render a few thousand literals of a `values()` construct, again
    at every call (the statement changes with its data, so no compiled form is reused). Both
    databases name a VALUES list's columns column1, column2...
    """
    if not pairs:
        return None
    rows = ", ".join(f"({int(project_id)}, {int(cents)})" for project_id, cents in pairs)
    table = text(
        # Cents as BIGINT: PostgreSQL would type small literals as integer, and the split
        # over shares multiplies them past its range.
        "SELECT column1 AS project_id, CAST(column2 AS BIGINT) AS cents "
        f"FROM (VALUES {rows}) AS loan_values"
    ).columns(column("project_id", Integer), column("cents", BigInteger))
    return table.cte("loan_grant_equivalent")


def loan_pairs(statement, loans=None) -> list[tuple[int, int]]:
    """The (project id, cents) of the loans among the projects `statement` selects, from
    `loans` (the loan rows of exactly those projects) when the caller has them already."""
    rows = loans if loans is not None else loan_queries.loan_rows(statement)
    return loan_cents(rows)


def non_loan_column(commitment_cents):
    """SQL for the grant equivalent of a project that is not a loan: its whole commitment
    (NULL for a loan, whose grant equivalent comes from `loan_table`)."""
    return case((loan_queries.loan_condition(), cast(null(), BigInteger)), else_=commitment_cents)


def loan_column(table):
    """SQL for a loan's grant equivalent in cents, read from `loan_table`'s table."""
    return type_coerce(table.c.cents, BigInteger)


def loan_money(projects, loans=None):
    """SELECT (project_id, grant_equivalent cents) of the loans among `projects` (a SELECT of
    Project rows) that have a grant element; None when none has. From `loans` (the loan rows of
    exactly those projects) when the caller has them; else summed in SQL from each loan's stored
    grant element (`loan_queries.equivalents`), the same cents without a row in Python.
    """
    if loans is not None:
        table = loan_table(loan_cents(loans))
        if table is None:
            return None
        return projects.with_only_columns(
            Project.id.label("project_id"), loan_column(table).label(GRANT_EQUIVALENT)
        ).join(table, table.c.project_id == Project.id)
    return loan_queries.equivalents(projects, GRANT_EQUIVALENT)
