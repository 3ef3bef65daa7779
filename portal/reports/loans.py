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

from portal.loans import queries, services
from portal.organizations.services import by_ids
from portal.projects.queries import filtered
from portal.reports.common import ReportData, reader_for


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


def _section(data: ReportData, rows: list[queries.LoanRow], *, from_snapshot: bool) -> None:
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
    )


def collect_live(data: ReportData) -> None:
    """The loans of the projects the report's reader sees in its scope (all years)."""
    params = data.params
    rows = queries.loan_rows(filtered(reader_for(params), params.filters()))
    _section(data, rows, from_snapshot=False)


def collect_frozen(data: ReportData, frozen) -> None:
    """The loans of a round's snapshot rows (`frozen`: the rows the reader may see), measured
    with the terms and CDC's rate as recorded today."""
    held = [
        queries.Held(s.project_id, s.reporting_org_id, s.commitment_usd, s.type_of_assistance)
        for s in frozen
    ]
    _section(data, queries.rows_of_held(held), from_snapshot=True)
