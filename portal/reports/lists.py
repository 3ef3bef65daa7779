"""The long lists of a joint review: how they are ordered, and how much of them the PDF shows.

A section with a line per project (the disputed figures, the projects not updated for a year,
the loans) would grow with the database, page after page. A joint review is read in a meeting:
the PDF shows the first `SHOWN` entries, in the order the section's reader needs (the largest
sums, or the oldest records, as its caption says), then "and N more"; the complete lists go
into the workbook attached to the PDF and downloadable beside it (portal/reports/workbook.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# Entries of a long list the PDF shows.
SHOWN = 15


def more(entries) -> int:
    """How many entries of a list the PDF leaves to the workbook."""
    return max(0, len(entries) - SHOWN)


def shown(entries) -> list:
    """The entries the PDF shows."""
    return list(entries[:SHOWN])


@dataclass(frozen=True)
class NamedProject:
    """A project as a list names it: its titles, partner and last update, without the record."""

    id: int | None
    title_en: str
    title_km: str | None
    reporting_org_id: int | None = None
    updated_at: datetime | None = None

    def display_name(self, locale: str = "en") -> str:
        return self.title_km if locale == "km" and self.title_km else self.title_en


def disputes_by_money(disputes: list[dict]) -> list[dict]:
    """Disputed figures, the largest difference between partner and government first (then
    the largest amount reported, the year and the title): the gaps that matter most on top."""

    def order(d: dict):
        difference = d["difference"]
        reported = d["partner_usd"] if d["partner_usd"] is not None else d["government_usd"]
        return (
            difference is None,
            -abs(difference or Decimal(0)),
            -(reported or Decimal(0)),
            d["year"],
            d["project"].title_en,
        )

    return sorted(disputes, key=order)
