"""Shared accountability commitments: indicator, trajectory, reports, assessments, bottlenecks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.commitments import periods
from portal.db import Base, TimestampMixin, utcnow
from portal.organizations.models import Organization
from portal.reference.models import TechnicalWorkingGroup

# Indicator values: up to 14 digits before the point and 4 after (percentages, counts, days).
Value = Numeric(18, 4, asdecimal=True)


class Commitment(TimestampMixin, Base):
    """A mutually agreed undertaking, followed through one indicator and its trajectory."""

    __tablename__ = "commitment"
    __table_args__ = (
        CheckConstraint("length(title_en) > 0", name="title_not_empty"),
        CheckConstraint(
            "principle IN ('common_vision', 'shared_accountability', 'harmonized_management', "
            "'learning', 'trust')",
            name="known_principle",
        ),
        CheckConstraint("period_kind IN ('quarter', 'semester')", name="known_period_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_en: Mapped[str] = mapped_column(String(500))
    title_km: Mapped[str | None] = mapped_column(String(500))
    principle: Mapped[str] = mapped_column(String(30), index=True)
    lead_institution_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    twg_id: Mapped[int | None] = mapped_column(ForeignKey("technical_working_group.id"))
    indicator_definition: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(60))
    baseline_value: Mapped[Decimal] = mapped_column(Value)
    baseline_year: Mapped[int] = mapped_column(Integer)
    target_value: Mapped[Decimal] = mapped_column(Value)
    target_date: Mapped[date] = mapped_column(Date)
    period_kind: Mapped[str] = mapped_column(String(10), default="semester")
    # The portal measure the indicator is linked to (a key of portal.commitments.measures), and
    # the projects it is computed over: those of a partner or ministry, of a sector, or all.
    measure: Mapped[str | None] = mapped_column(String(40))
    measure_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    measure_sector: Mapped[str | None] = mapped_column(String(5))
    # CDC shows it to the public: indicator, trajectory, values, ratings, bottlenecks' titles.
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    lead_institution: Mapped[Organization] = relationship(
        lazy="joined", foreign_keys=[lead_institution_id]
    )
    measure_organization: Mapped[Organization | None] = relationship(
        foreign_keys=[measure_organization_id]
    )
    twg: Mapped[TechnicalWorkingGroup | None] = relationship()
    parties: Mapped[list[CommitmentParty]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan", lazy="selectin"
    )
    trajectory: Mapped[list[TrajectoryPoint]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan", lazy="selectin"
    )
    reports: Mapped[list[ProgressReport]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan", lazy="selectin"
    )
    bottlenecks: Mapped[list[Bottleneck]] = relationship(
        back_populates="commitment",
        cascade="all, delete-orphan",
        order_by="Bottleneck.due_date",
    )
    overrides: Mapped[list[ValueOverride]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan", lazy="selectin"
    )

    def display_name(self, locale: str = "en") -> str:
        return self.title_km if locale == "km" and self.title_km else self.title_en

    @property
    def points(self) -> list[TrajectoryPoint]:
        """The trajectory in time order."""
        return sorted(self.trajectory, key=lambda p: periods.sort_key(p.period))

    @property
    def reports_in_order(self) -> list[ProgressReport]:
        """The reports in period order."""
        return sorted(self.reports, key=lambda r: periods.sort_key(r.period))

    @property
    def latest_report(self) -> ProgressReport | None:
        """The report of the latest period, or None."""
        ordered = self.reports_in_order
        return ordered[-1] if ordered else None

    def planned_for(self, period: str) -> Decimal | None:
        """The value planned for `period`, or None when it is not in the trajectory."""
        return next((p.planned_value for p in self.trajectory if p.period == period), None)

    def override_for(self, period: str) -> ValueOverride | None:
        """CDC's override of the computed value of `period`, or None."""
        return next((o for o in self.overrides if o.period == period), None)

    def report_for(self, period: str) -> ProgressReport | None:
        """The report for `period`, or None."""
        return next((r for r in self.reports if r.period == period), None)

    def parties_in(self, role: str) -> list[Organization]:
        """The party organizations of one role (co-responsible or supporting)."""
        return [p.organization for p in self.parties if p.role == role]

    @property
    def assessing_organizations(self) -> list[Organization]:
        """The parties other than the lead: they agree or disagree with each self-rating."""
        return sorted(
            (p.organization for p in self.parties if p.organization_id != self.lead_institution_id),
            key=lambda o: o.acronym,
        )

    @property
    def party_ids(self) -> set[int]:
        """The lead and every other party."""
        return {self.lead_institution_id, *(p.organization_id for p in self.parties)}


class CommitmentParty(Base):
    """A co-responsible institution or a supporting development partner of a commitment."""

    __tablename__ = "commitment_party"
    __table_args__ = (
        UniqueConstraint("commitment_id", "organization_id", name="uq_commitment_party"),
        CheckConstraint("role IN ('co_responsible', 'supporting')", name="known_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitment.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    commitment: Mapped[Commitment] = relationship(back_populates="parties")
    organization: Mapped[Organization] = relationship(lazy="joined")


class TrajectoryPoint(Base):
    """The value planned for one period."""

    __tablename__ = "commitment_trajectory"
    __table_args__ = (UniqueConstraint("commitment_id", "period", name="uq_commitment_trajectory"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitment.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    planned_value: Mapped[Decimal] = mapped_column(Value)

    commitment: Mapped[Commitment] = relationship(back_populates="trajectory")


class ValueOverride(Base):
    """CDC's value for a period of a linked indicator, instead of the computed one, with why."""

    __tablename__ = "commitment_value_override"
    __table_args__ = (
        UniqueConstraint("commitment_id", "period", name="uq_commitment_value_override"),
        CheckConstraint("length(reason) > 0", name="reason_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitment.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    value: Mapped[Decimal] = mapped_column(Value)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    commitment: Mapped[Commitment] = relationship(back_populates="overrides")
    by = relationship("User", lazy="joined")


class ProgressReport(Base):
    """What the lead reports for one period: the actual value, a narrative, a self-rating."""

    __tablename__ = "progress_report"
    __table_args__ = (
        UniqueConstraint("commitment_id", "period", name="uq_progress_report"),
        CheckConstraint(
            "self_rating IN ('on_track', 'some_risk', 'off_track', 'achieved')",
            name="known_rating",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitment.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    actual_value: Mapped[Decimal] = mapped_column(Value)
    narrative: Mapped[str] = mapped_column(Text)
    self_rating: Mapped[str] = mapped_column(String(12))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # The party the report speaks for (the lead); differs from the reporter's own
    # organization when CDC reports on its behalf.
    on_behalf_of_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    by_cdc: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    commitment: Mapped[Commitment] = relationship(back_populates="reports")
    reported_by = relationship("User", lazy="joined")
    on_behalf_of: Mapped[Organization] = relationship(lazy="joined")
    evidence: Mapped[list[EvidenceFile]] = relationship(
        back_populates="report",
        cascade="all, delete-orphan",
        order_by="EvidenceFile.id",
        lazy="selectin",
    )
    assessments: Mapped[list[RatingAssessment]] = relationship(
        back_populates="report",
        cascade="all, delete-orphan",
        order_by="(RatingAssessment.at, RatingAssessment.id)",
        lazy="selectin",
    )

    def latest_assessments(self) -> dict[int, RatingAssessment]:
        """The latest assessment of each party organization, by organization id."""
        latest: dict[int, RatingAssessment] = {}
        for assessment in self.assessments:
            latest[assessment.organization_id] = assessment
        return latest


class EvidenceFile(Base):
    """A file attached to a report, kept outside static/ under a random name."""

    __tablename__ = "commitment_evidence"
    __table_args__ = (CheckConstraint("size_bytes >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("progress_report.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    report: Mapped[ProgressReport] = relationship(back_populates="evidence")


class RatingAssessment(Base):
    """A party agrees or disagrees with a report's self-rating; the latest one counts."""

    __tablename__ = "rating_assessment"
    __table_args__ = (Index("ix_rating_assessment_report_org", "report_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_report.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    agrees: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    by_cdc: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    report: Mapped[ProgressReport] = relationship(back_populates="assessments")
    organization: Mapped[Organization] = relationship(lazy="joined")
    user = relationship("User", lazy="joined")


class Bottleneck(Base):
    """A named obstacle to a commitment: who owns it, what will be done, by when."""

    __tablename__ = "commitment_bottleneck"
    __table_args__ = (CheckConstraint("length(title) > 0", name="title_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitment.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(255))
    owner_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    action: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    resolution: Mapped[str | None] = mapped_column(Text)

    commitment: Mapped[Commitment] = relationship(back_populates="bottlenecks")
    owner: Mapped[Organization] = relationship(lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="joined")
    resolved_by = relationship("User", foreign_keys=[resolved_by_id], lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def is_late(self, today: date) -> bool:
        """Still open after its due date."""
        return self.is_open and self.due_date < today
