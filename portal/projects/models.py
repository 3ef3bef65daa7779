"""Projects (IATI activities) and their sectors, locations, money, partners and history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, Money, Percent, Rate, TimestampMixin, utcnow
from portal.organizations.models import Organization
from portal.reference.models import Commune, District, Province, Sector, TechnicalWorkingGroup

# SQL of a project that lends, as loans.queries.loan_condition writes it (its partial index).
LOAN_CONDITION = "type_of_assistance = 'loan' OR finance_type LIKE '4%'"


class Project(TimestampMixin, Base):
    __tablename__ = "project"
    __table_args__ = (
        CheckConstraint(
            "planned_end IS NULL OR planned_start IS NULL OR planned_end >= planned_start",
            name="planned_dates_in_order",
        ),
        CheckConstraint(
            "actual_end IS NULL OR actual_start IS NULL OR actual_end >= actual_start",
            name="actual_dates_in_order",
        ),
        CheckConstraint(
            "commitment_amount IS NULL OR commitment_amount >= 0", name="commitment_not_negative"
        ),
        Index("ix_project_published", "published_at"),
        Index("ix_project_commitment_usd", "commitment_usd"),
        # The list sorted by amount, largest first and empty amounts last (PostgreSQL: an
        # index in that order; SQLite reads the one above backwards, its NULLs coming first).
        Index(
            "ix_project_commitment_largest",
            text("commitment_usd DESC NULLS LAST"),
            text("id DESC"),
        ).ddl_if(dialect="postgresql"),
        # The list's default order (latest change first, the id breaking ties), read from the
        # index page by page (portal/projects/listing.py), for everyone and for one partner.
        Index("ix_project_updated_at_id", "updated_at", "id"),
        Index("ix_project_partner_updated", "reporting_org_id", "updated_at", "id"),
        # A ministry's inbox: its waiting projects, longest waiting first, counted and paged.
        Index(
            "ix_project_lead_state_since",
            "lead_national_partner_id",
            "workflow_state",
            "state_changed_at",
            "id",
        ),
        # The projects of a workflow state, longest in it first (the pipeline's projects
        # waiting longest, CDC's validation queue), and how many stand in each state.
        Index("ix_project_state_since", "workflow_state", "state_changed_at", "id"),
        # A ministry's projects; and the scorecards' counts of each (lead, partner) pair by
        # state, read from the index alone.
        Index(
            "ix_project_lead_partner_state",
            "lead_national_partner_id",
            "reporting_org_id",
            "workflow_state",
        ),
        # The loans (loans.queries.loan_condition), with what the dashboard's loan figures and
        # grant equivalents read of them (money, partner, dates of agreement): the loans of any
        # size of database without a scan of every project.
        Index(
            "ix_project_loans",
            "id",
            "published_at",
            "commitment_usd",
            "reporting_org_id",
            "commitment_date",
            "actual_start",
            "planned_start",
            sqlite_where=text(LOAN_CONDITION),
            postgresql_where=text(LOAN_CONDITION),
        ),
        # Every column the aggregates and the pipeline's scorecards read of each project (keys,
        # filters, money, dates), so that both databases scan this narrow index instead of the
        # table's wide rows (descriptions, Khmer titles, JSON snapshots).
        Index(
            "ix_project_summary",
            "id",
            "published_at",
            "reporting_org_id",
            "lead_national_partner_id",
            "workflow_state",
            "status",
            "start_year",
            "end_year",
            "type_of_assistance",
            "modality",
            "on_budget",
            "nationwide",
            "commitment_usd",
            "disbursed_usd",
            "planned_usd",
            "commitment_date",
            "actual_start",
            "planned_start",
        ),
        # With that index a scan of the projects is cheap, and PostgreSQL would split it over
        # parallel workers: their start-up and duplicated hash tables cost more than they save
        # on a table this size, and take the cores of the requests running beside.
        {"postgresql_with": {"parallel_workers": 0}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    iati_identifier: Mapped[str | None] = mapped_column(String(150), unique=True)
    partner_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    title_en: Mapped[str] = mapped_column(String(500))
    title_km: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    description_km: Mapped[str | None] = mapped_column(Text)
    objectives: Mapped[str | None] = mapped_column(Text)

    reporting_org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    lead_national_partner_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    external_lead_partner_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))

    status: Mapped[str] = mapped_column(String(2), default="2", index=True)
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_end: Mapped[date | None] = mapped_column(Date)
    # The first and last calendar year the project runs (from its dates), for year filters.
    start_year: Mapped[int | None] = mapped_column(Integer, index=True)
    end_year: Mapped[int | None] = mapped_column(Integer, index=True)

    twg_id: Mapped[int | None] = mapped_column(ForeignKey("technical_working_group.id"))
    type_of_assistance: Mapped[str | None] = mapped_column(String(30), index=True)
    modality: Mapped[str | None] = mapped_column(String(30))
    finance_type: Mapped[str | None] = mapped_column(String(6))
    aid_type: Mapped[str | None] = mapped_column(String(6))
    flow_type: Mapped[str | None] = mapped_column(String(4))
    on_budget: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    on_treasury: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    nationwide: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    commitment_amount: Mapped[Decimal | None] = mapped_column(Money)
    commitment_currency: Mapped[str | None] = mapped_column(ForeignKey("currency.code"))
    commitment_date: Mapped[date | None] = mapped_column(Date)
    commitment_rate: Mapped[Decimal | None] = mapped_column(Rate)
    commitment_usd: Mapped[Decimal | None] = mapped_column(Money)
    disbursed_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")
    planned_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")

    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))

    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The alignment workflow (portal/alignment): where the project stands and since when.
    workflow_state: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    state_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The material fields as the lead ministry confirmed them, to show what changed since.
    confirmed_snapshot: Mapped[dict | None] = mapped_column(JSON)
    data_source: Mapped[str] = mapped_column(String(20), default="manual", server_default="manual")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    quality_score: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    quality_findings: Mapped[list | None] = mapped_column(JSON)

    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    reporting_org: Mapped[Organization] = relationship(foreign_keys=[reporting_org_id])
    lead_national_partner: Mapped[Organization | None] = relationship(
        foreign_keys=[lead_national_partner_id]
    )
    external_lead_partner: Mapped[Organization | None] = relationship(
        foreign_keys=[external_lead_partner_id]
    )
    twg: Mapped[TechnicalWorkingGroup | None] = relationship()
    sectors: Mapped[list[ProjectSector]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        order_by="ProjectSector.percentage.desc()",
    )
    locations: Mapped[list[ProjectLocation]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        order_by="ProjectLocation.percentage.desc()",
    )
    funding: Mapped[list[ProjectFunding]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        order_by="(ProjectFunding.year, ProjectFunding.kind)",
    )
    participants: Mapped[list[ProjectParticipant]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )
    documents: Mapped[list[ProjectDocument]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )
    # Who brings the money (portal/projects/sources.py): the reporting partner first.
    funding_sources = relationship(
        "FundingSource",
        cascade="all, delete-orphan",
        order_by="FundingSource.position",
    )
    # The loan's terms (portal/loans), named by string: the loans feature builds on this one.
    loan_terms = relationship("LoanTerms", uselist=False, viewonly=True)

    @property
    def sources(self) -> None:
        """ProjectData.sources of a project copied field by field (the IATI and spreadsheet
        updates): None, which keeps its funding sources and their money as they are."""
        return None

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def display_title(self, locale: str = "en") -> str:
        return self.title_km if locale == "km" and self.title_km else self.title_en

    def display_name(self, locale: str = "en") -> str:
        return self.display_title(locale)


# A project's shares (sectors, locations) tile the range 0 to SHARE_BASIS one after the other:
# each row keeps its cumulative bounds, so the aggregates split money with integer arithmetic
# in one join, and the parts of an amount always add up to the amount.
SHARE_BASIS = 1_000_000_000
SHARE_BOUNDS_CHECK = f"share_from >= 0 AND share_from < share_to AND share_to <= {SHARE_BASIS}"


def share_bounds(percentages: Sequence[Decimal]) -> list[tuple[int, int]]:
    """Return each share's cumulative (from, to) bounds in parts of SHARE_BASIS, in order.

    Percentages that add up to a little more or less than 100 (as the rules allow) are scaled
    to the whole, so the last share always ends at SHARE_BASIS.
    """
    whole = sum(percentages, Decimal(0))
    bounds, lower, running = [], 0, Decimal(0)
    for percentage in percentages:
        running += percentage
        upper = int((running * SHARE_BASIS / whole).to_integral_value(ROUND_HALF_UP))
        bounds.append((lower, upper))
        lower = upper
    return bounds


class ProjectSector(Base):
    __tablename__ = "project_sector"
    __table_args__ = (
        UniqueConstraint("project_id", "sector_code", name="uq_project_sector"),
        CheckConstraint("percentage > 0 AND percentage <= 100", name="percentage_range"),
        CheckConstraint(SHARE_BOUNDS_CHECK, name="share_bounds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    sector_code: Mapped[str] = mapped_column(ForeignKey("sector.code"), index=True)
    percentage: Mapped[Decimal] = mapped_column(Percent)
    share_from: Mapped[int] = mapped_column(Integer)
    share_to: Mapped[int] = mapped_column(Integer)

    project: Mapped[Project] = relationship(back_populates="sectors")
    sector: Mapped[Sector] = relationship(lazy="joined")


class ProjectLocation(Base):
    __tablename__ = "project_location"
    __table_args__ = (
        UniqueConstraint(
            "project_id",
            "province_code",
            "district_code",
            "commune_code",
            name="uq_project_location",
        ),
        # One row a place (a commune, a district or a province as a whole) in a project: the
        # constraint above lets a province without district appear twice (NULLs differ), this
        # does not. The aggregates count a commune's projects as its rows because of it.
        Index(
            "uq_project_location_place",
            "project_id",
            text("coalesce(commune_code, district_code, province_code)"),
            unique=True,
        ),
        CheckConstraint(
            "commune_code IS NULL OR district_code IS NOT NULL", name="commune_in_district"
        ),
        CheckConstraint("percentage > 0 AND percentage <= 100", name="percentage_range"),
        CheckConstraint(SHARE_BOUNDS_CHECK, name="share_bounds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    district_code: Mapped[str | None] = mapped_column(ForeignKey("district.code"))
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("commune.code"))
    percentage: Mapped[Decimal] = mapped_column(Percent)
    share_from: Mapped[int] = mapped_column(Integer)
    share_to: Mapped[int] = mapped_column(Integer)

    project: Mapped[Project] = relationship(back_populates="locations")
    province: Mapped[Province] = relationship(lazy="joined")
    district: Mapped[District | None] = relationship(lazy="joined")
    commune: Mapped[Commune | None] = relationship(lazy="joined")


class ProjectFunding(Base):
    """Money of one calendar year: actual or planned disbursement, as entered and in USD."""

    __tablename__ = "project_funding"
    __table_args__ = (
        UniqueConstraint("project_id", "year", "kind", "currency", name="uq_project_funding"),
        # No check on the sign: a year can net negative as its publisher published it (refunds,
        # reversals, de-obligations); the rules refuse a negative amount typed by a person.
        CheckConstraint("kind IN ('disbursement', 'planned')", name="known_kind"),
        # The money of some years for the aggregates, read from the index alone.
        Index("ix_project_funding_year_money", "year", "kind", "project_id", "amount_usd"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(ForeignKey("currency.code"))
    # None while CDC has no rate for the currency and year (an imported amount waits in its
    # currency); the rate table's change fills both in (portal.projects.services._reconvert).
    rate: Mapped[Decimal | None] = mapped_column(Rate)
    amount_usd: Mapped[Decimal | None] = mapped_column(Money)

    project: Mapped[Project] = relationship(back_populates="funding")


class ProjectParticipant(Base):
    """A funding organization (co-financier) or implementing partner of a project."""

    __tablename__ = "project_participant"
    __table_args__ = (
        UniqueConstraint("project_id", "organization_id", "role", name="uq_project_participant"),
        CheckConstraint("role IN ('funding', 'extending', 'implementing')", name="known_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    project: Mapped[Project] = relationship(back_populates="participants")
    organization: Mapped[Organization] = relationship(lazy="joined")


def is_web_link(url: str | None) -> bool:
    """Say whether `url` is a whole http(s) address: the only links a document may carry.

    Anything else (`javascript:`, `data:`, a bare `//host`) would run or leave unseen when
    clicked; control characters are refused because browsers drop them inside a URL.
    """
    url = (url or "").strip()
    if not url or any(ord(char) < 32 or ord(char) == 127 for char in url):
        return False
    parts = urlsplit(url)
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc) and "\\" not in url


class ProjectDocument(Base):
    __tablename__ = "project_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(1000))

    project: Mapped[Project] = relationship(back_populates="documents")

    @property
    def web_url(self) -> str | None:
        """The link to follow, or None when what is stored is not an http(s) address."""
        return self.url.strip() if is_web_link(self.url) else None


class ProjectChange(Base):
    """One field of a project changed: who, when, from what, to what. Never edited."""

    __tablename__ = "project_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    # Made after the freeze of this year's reporting round, which kept the figures before it.
    after_freeze_of: Mapped[int | None] = mapped_column(Integer)

    user = relationship("User", lazy="joined")
