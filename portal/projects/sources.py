"""A project's funding sources and the yearly money each records.

Every project has one *reporting* source: the development partner that reports the project
(`Project.reporting_org`). Its actual and planned disbursements stay in `project_funding`, the
money the whole portal reads as the project's (its stored totals, the list, the aggregates, the
reporting round, the reports, IATI). Everything else a source records lives in `source_funding`:
the other sources' money (co-financiers, the government's counterpart contribution in cash or in
kind, other national sources) of every kind, and the commitments signed and the expenditure by
year of every source, the reporting partner's included. So a co-financier's disbursement never
counts as the reporting partner's aid, and every page that read `project_funding` keeps its
meaning without a filter.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, Money, Rate
from portal.organizations.models import Organization

REPORTING, COFINANCIER, COUNTERPART, NATIONAL = (
    "reporting",
    "cofinancier",
    "counterpart",
    "national",
)
SOURCE_KIND = {
    REPORTING: _l("Reporting partner"),
    COFINANCIER: _l("Co-financier"),
    COUNTERPART: _l("Government counterpart"),
    NATIONAL: _l("Other national source"),
}
# The kinds a person adds on the form (the reporting source is always there).
ADDED_KINDS = (COFINANCIER, COUNTERPART, NATIONAL)

# Money of a year: commitments signed in that year, actual and planned disbursements, expenditure.
# In the form's order: a new yearly row is an actual disbursement unless the person says
# otherwise (as before sources existed); signed commitments and expenditure come after.
MONEY_KIND = {
    "disbursement": _l("Actual disbursement"),
    "planned": _l("Planned disbursement"),
    "commitment": _l("Commitment signed in the year"),
    "expenditure": _l("Expenditure"),
}
# The kinds of the reporting partner kept in project_funding; the rest go to source_funding.
PROJECT_FUNDING_KINDS = ("disbursement", "planned")


class FundingSource(Base):
    """Who brings money to a project: the reporting partner, a co-financier, the government."""

    __tablename__ = "funding_source"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('reporting', 'cofinancier', 'counterpart', 'national')", name="known_kind"
        ),
        # The reporting partner is the project's reporting organization, read from the project
        # (never a copy that could drift); a co-financier is always named.
        CheckConstraint("kind <> 'reporting' OR organization_id IS NULL", name="reporting_unnamed"),
        CheckConstraint(
            "kind <> 'cofinancier' OR organization_id IS NOT NULL", name="cofinancier_named"
        ),
        CheckConstraint("NOT in_kind OR kind = 'counterpart'", name="in_kind_counterpart"),
        # Exactly one reporting source a project (the services create it with the project).
        Index(
            "uq_funding_source_reporting",
            "project_id",
            unique=True,
            sqlite_where=sql_text("kind = 'reporting'"),
            postgresql_where=sql_text("kind = 'reporting'"),
        ),
        # The project filter "with a source of kind" (portal/projects/source_filters.py).
        Index("ix_funding_source_kind_project", "kind", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    in_kind: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    organization: Mapped[Organization | None] = relationship(lazy="joined")
    amounts: Mapped[list[SourceFunding]] = relationship(
        back_populates="source",
        cascade="all, delete-orphan",
        order_by="(SourceFunding.year, SourceFunding.kind, SourceFunding.currency)",
    )


class SourceFunding(Base):
    """One year's money of a source, as entered and in USD (see the module for which)."""

    __tablename__ = "source_funding"
    __table_args__ = (
        UniqueConstraint("source_id", "year", "kind", "currency", name="uq_source_funding"),
        CheckConstraint(
            "kind IN ('commitment', 'disbursement', 'planned', 'expenditure')", name="known_kind"
        ),
        # The money of some years for the aggregates, read from the index alone.
        Index("ix_source_funding_year_money", "year", "kind", "source_id", "amount_usd"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("funding_source.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(ForeignKey("currency.code"))
    # None while CDC has no rate for the currency and year (portal.projects.services._reconvert).
    rate: Mapped[Decimal | None] = mapped_column(Rate)
    amount_usd: Mapped[Decimal | None] = mapped_column(Money)

    source: Mapped[FundingSource] = relationship(back_populates="amounts")
