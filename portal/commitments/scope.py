"""What a computed measure is taken over (`Scope`) and what it gives (`Figure`), shared by the
measures computed from projects (measures.py) and from the reporting rounds (rounds_figures.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select

from portal.projects.models import Project, ProjectSector
from portal.reference.models import Sector

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Scope:
    """The projects a computed indicator is taken over."""

    organization_id: int | None = None  # reported by, or led by, this organization
    sector: str | None = None  # a 5-digit DAC sector or a 3-digit category
    published_only: bool = False  # the public's view

    def conditions(self) -> list:
        """SQL conditions over `Project` selecting the scope's projects."""
        found: list = []
        if self.published_only:
            found.append(Project.published_at.is_not(None))
        if self.organization_id is not None:
            found.append(
                or_(
                    Project.reporting_org_id == self.organization_id,
                    Project.lead_national_partner_id == self.organization_id,
                )
            )
        if self.sector:
            in_sector = select(ProjectSector.project_id)
            if len(self.sector) == 3:
                in_sector = in_sector.join(Sector, Sector.code == ProjectSector.sector_code).where(
                    Sector.category_code == self.sector
                )
            else:
                in_sector = in_sector.where(ProjectSector.sector_code == self.sector)
            found.append(Project.id.in_(in_sector))
        return found


@dataclass(frozen=True)
class Figure:
    """A measure's value for one period, and how many projects it was computed from."""

    value: Decimal | None
    projects: int


def share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole as a percentage to the hundredth, or None when whole is not positive."""
    if not whole or whole <= 0:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)
