"""The annual reporting round: the data call, partners' returns, reminders and the freeze.

A round for year Y asks every development partner for the actual disbursements of Y and the
plans of Y+1 to Y+3 of each project active in Y or later. When CDC closes it, the figures of
every concerned project are copied into the snapshot tables below, which nothing changes
afterwards (except a partner's re-submission during a grace period CDC granted, logged).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, Money, Rate, utcnow
from portal.organizations.models import Organization

OPEN, CLOSED = "open", "closed"

EVENT_LABELS = {
    "opened": _l("Round opened"),
    "reminder": _l("Reminder sent"),
    "submitted": _l("Return submitted"),
    "resubmitted": _l("Return submitted again"),
    "reopened": _l("Reopened for a grace period"),
    "refrozen": _l("Snapshot taken again for the partner"),
    "closed": _l("Round closed and frozen"),
}
# How many years of plans a round asks for, after its year.
PLAN_YEARS = 3


class ReportingRound(Base):
    """The data call for one calendar year."""

    __tablename__ = "reporting_round"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'closed')", name="known_state"),
        CheckConstraint("year BETWEEN 1990 AND 2100", name="plausible_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    state: Mapped[str] = mapped_column(String(10), default=OPEN)
    deadline: Mapped[date] = mapped_column(Date)
    message_en: Mapped[str | None] = mapped_column(Text)
    message_km: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    @property
    def is_open(self) -> bool:
        return self.state == OPEN

    @property
    def plan_years(self) -> list[int]:
        return [self.year + i for i in range(1, PLAN_YEARS + 1)]

    def message(self, locale: str = "en") -> str:
        if locale == "km" and self.message_km:
            return self.message_km
        return self.message_en or ""


class RoundReturn(Base):
    """A partner's declaration that its data for the round are complete, and any grace period."""

    __tablename__ = "round_return"
    __table_args__ = (UniqueConstraint("round_id", "organization_id", name="uq_round_return"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # A closed round reopened for this partner alone, until this day, for a logged reason.
    grace_until: Mapped[date | None] = mapped_column(Date)
    grace_reason: Mapped[str | None] = mapped_column(Text)

    organization: Mapped[Organization] = relationship(lazy="joined")
    submitted_by = relationship("User", lazy="joined", foreign_keys=[submitted_by_id])


class RoundProjectUpdate(Base):
    """A project the partner updated (or confirmed unchanged) in the round."""

    __tablename__ = "round_project_update"
    __table_args__ = (UniqueConstraint("round_id", "project_id", name="uq_round_project_update"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    no_change: Mapped[bool] = mapped_column(Boolean, default=False)


class RoundEvent(Base):
    """One step of a round: opened, reminded, submitted, reopened, closed. Never edited."""

    __tablename__ = "round_event"
    __table_args__ = (Index("ix_round_event_round_at", "round_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id", ondelete="CASCADE"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    # Reminders: which point of the schedule ("manual", "-14", "-7", "0", "+7", ...).
    trigger: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    # The mails the step queued (outbox ids), to show whether they were delivered.
    message_ids: Mapped[list | None] = mapped_column(JSON)

    organization: Mapped[Organization | None] = relationship(lazy="joined")
    user = relationship("User", lazy="joined")


class RoundSnapshotProject(Base):
    """A concerned project's figures as they stood when the round closed."""

    __tablename__ = "round_snapshot_project"
    __table_args__ = (
        UniqueConstraint("round_id", "project_id", name="uq_round_snapshot_project"),
        Index("ix_round_snapshot_org", "round_id", "reporting_org_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reporting_round.id", ondelete="CASCADE"))
    # The live project may be deleted later; the snapshot keeps its own copy of what it shows.
    project_id: Mapped[int | None] = mapped_column(Integer, index=True)
    frozen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    iati_identifier: Mapped[str | None] = mapped_column(String(150))
    title_en: Mapped[str] = mapped_column(String(500))
    title_km: Mapped[str | None] = mapped_column(String(500))
    reporting_org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    lead_national_partner_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    status: Mapped[str] = mapped_column(String(2))
    end_date: Mapped[date | None] = mapped_column(Date)
    type_of_assistance: Mapped[str | None] = mapped_column(String(30))
    modality: Mapped[str | None] = mapped_column(String(30))
    on_budget: Mapped[bool] = mapped_column(Boolean, default=False)
    nationwide: Mapped[bool] = mapped_column(Boolean, default=False)
    workflow_state: Mapped[str] = mapped_column(String(20))
    quality_score: Mapped[int] = mapped_column(Integer, default=0)
    commitment_amount: Mapped[Decimal | None] = mapped_column(Money)
    commitment_currency: Mapped[str | None] = mapped_column(String(3))
    commitment_rate: Mapped[Decimal | None] = mapped_column(Rate)
    commitment_usd: Mapped[Decimal | None] = mapped_column(Money)
    # The year the commitment counts in (of its agreement, else of the project's start).
    agreed_year: Mapped[int | None] = mapped_column(Integer)
    # [[sector code, percentage, share_from, share_to], ...] and
    # [[province code, district code or null, percentage, share_from, share_to], ...]
    sectors: Mapped[list] = mapped_column(JSON, default=list)
    locations: Mapped[list] = mapped_column(JSON, default=list)
    # The government's view of the round year's disbursement: status and recorded USD.
    government_status: Mapped[str | None] = mapped_column(String(10))
    government_usd: Mapped[Decimal | None] = mapped_column(Money)
    updated_in_round: Mapped[bool] = mapped_column(Boolean, default=False)

    funding: Mapped[list[RoundSnapshotFunding]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class RoundSnapshotFunding(Base):
    """The actual disbursement of the round's year, or a plan of it or a later year, as frozen."""

    __tablename__ = "round_snapshot_funding"
    __table_args__ = (
        CheckConstraint("kind IN ('disbursement', 'planned')", name="known_kind"),
        # As the project holds it: a year can net negative as its publisher published it.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("round_snapshot_project.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    # None where the project waited for an exchange rate when the round was frozen.
    rate: Mapped[Decimal | None] = mapped_column(Rate)
    amount_usd: Mapped[Decimal | None] = mapped_column(Money)
