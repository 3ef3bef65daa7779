"""The report's loans and their concessionality, by lending partner.

Live, the loans are those of the projects the report's reader sees in its scope, all years (as
the dashboard's loan figures: the same rows, the same sums, to the cent). From a closed round's
snapshot, the loans and their commitments are the round's, but a snapshot keeps no loan terms:
the terms, the discount rate and the threshold are those recorded when the report is made, and
the report says so. (Leaving loans out of round reports would leave them out of the joint
review itself, which reads the frozen round; the commitments and pilots sections read today's
records in the same way.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.loans import queries, services
from portal.organizations.services import by_ids
from portal.projects.models import Project
from portal.projects.queries import filtered
from portal.reports.common import ReportData, reader_for
from portal.reports.lists import NamedProject


@dataclass(frozen=True)
class Loan:
    """One loan as the report lists it: its project, lender, commitment and concessionality."""

    project: NamedProject
    partner_id: int
    commitment_usd: Decimal | None
    grant_element: Decimal | None
    concessional: bool | None
    grant_equivalent_usd: Decimal


@dataclass
class LoanSection:
    """The loans of a report: each lending partner's sums, largest commitment first, and the
    total, with the discount rate and threshold they were measured at."""

    by_partner: list[tuple[int, queries.LoanFigures]]
    total: queries.LoanFigures
    discount_rate: Decimal
    threshold: Decimal
    # A round's report: when today's terms were read (the snapshot keeps none).
    terms_read_at: datetime | None = None
    method: str = field(default_factory=lambda: str(services.METHOD))
    # Every loan, the largest commitment first (the PDF shows the first: portal.reports.lists).
    loans: list[Loan] = field(default_factory=list)


def _loans(rows: list[queries.LoanRow], projects: dict) -> list[Loan]:
    unknown = NamedProject(None, "—", None)
    loans = [
        Loan(
            projects.get(row.project_id, unknown),
            row.partner_id,
            row.commitment_usd,
            row.grant_element,
            row.concessional,
            row.grant_equivalent_usd,
        )
        for row in rows
    ]
    return sorted(loans, key=lambda loan: (-(loan.commitment_usd or 0), loan.project.title_en))


def _section(
    data: ReportData, rows: list[queries.LoanRow], projects: dict, *, from_snapshot: bool
) -> None:
    groups = queries.by_partner(rows)
    organizations = by_ids(groups)
    data.organizations.update(organizations)

    def order(item: tuple[int, queries.LoanFigures]):
        organization = organizations.get(item[0])
        return (-item[1].commitment_usd, organization.acronym if organization else "")

    data.loans = LoanSection(
        by_partner=sorted(groups.items(), key=order),
        total=queries.figures(rows),
        discount_rate=services.discount_rate(),
        threshold=services.concessional_threshold(),
        terms_read_at=datetime.now(UTC) if from_snapshot else None,
        loans=_loans(rows, projects),
    )


def collect_live(data: ReportData) -> None:
    """The loans of the projects the report's reader sees in its scope (all years)."""
    params = data.params
    in_scope = filtered(reader_for(params), params.filters())
    rows = queries.loan_rows(in_scope)
    ids = in_scope.with_only_columns(Project.id).order_by(None)
    projects = {
        row.id: NamedProject(row.id, row.title_en, row.title_km)
        for row in db.session.execute(
            select(Project.id, Project.title_en, Project.title_km).where(
                Project.id.in_(ids), queries.loan_condition()
            )
        )
    }
    _section(data, rows, projects, from_snapshot=False)


def collect_frozen(data: ReportData, frozen) -> None:
    """The loans of a round's snapshot rows (`frozen`: the rows the reader may see), measured
    with the terms and CDC's rate as recorded today."""
    held = [
        queries.Held(s.project_id, s.reporting_org_id, s.commitment_usd, s.type_of_assistance)
        for s in frozen
    ]
    projects = {
        s.project_id: NamedProject(s.project_id, s.title_en, s.title_km)
        for s in frozen
        if s.project_id is not None
    }
    _section(data, queries.rows_of_held(held), projects, from_snapshot=True)
