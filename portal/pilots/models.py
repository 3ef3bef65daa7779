"""Partnership pilots: started small to learn, with their stages and a log of lessons."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, TimestampMixin, utcnow
from portal.organizations.models import Organization
from portal.projects.models import Project
from portal.strategy.models import StrategyNode

STAGES = {
    "proposed": _l("Proposed"),
    "active": _l("Active"),
    "evaluated": _l("Evaluated"),
    "scaled_up": _l("Scaled up"),
    "closed": _l("Closed"),
}

# What the external lead partner does: it supports, the national partner owns.
EXTERNAL_ROLES = {
    "catalyst": _l("Catalyst"),
    "facilitator": _l("Facilitator"),
    "technical_advisor": _l("Technical advisor"),
    "resource_advisor": _l("Resource advisor"),
}


class Pilot(TimestampMixin, Base):
    __tablename__ = "pilot"
    __table_args__ = (
        CheckConstraint("length(name_en) > 0", name="name_not_empty"),
        CheckConstraint(
            "stage IN ('proposed', 'active', 'evaluated', 'scaled_up', 'closed')",
            name="known_stage",
        ),
        CheckConstraint(
            "external_role IN ('catalyst', 'facilitator', 'technical_advisor', 'resource_advisor')",
            name="known_external_role",
        ),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name="dates_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(String(300))
    name_km: Mapped[str | None] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text)
    lead_partner_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    external_partner_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    external_role: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(12), default="proposed", index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    # CDC shows it to the public: purpose, partners, stages and lessons.
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    lead_partner: Mapped[Organization] = relationship(foreign_keys=[lead_partner_id])
    external_partner: Mapped[Organization] = relationship(foreign_keys=[external_partner_id])
    priorities: Mapped[list[PilotPriority]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    partners: Mapped[list[PilotPartner]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    projects: Mapped[list[PilotProject]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    stage_changes: Mapped[list[PilotStageChange]] = relationship(
        cascade="all, delete-orphan",
        order_by="(PilotStageChange.at, PilotStageChange.id)",
        back_populates="pilot",
    )
    lessons: Mapped[list[Lesson]] = relationship(
        cascade="all, delete-orphan",
        order_by="(Lesson.learned_on.desc(), Lesson.id.desc())",
        back_populates="pilot",
    )

    def display_name(self, locale: str = "en") -> str:
        return self.name_km if locale == "km" and self.name_km else self.name_en

    @property
    def partner_ids(self) -> set[int]:
        """The lead, the external lead and the other partners."""
        return {
            self.lead_partner_id,
            self.external_partner_id,
            *(p.organization_id for p in self.partners),
        }


class PilotPriority(Base):
    """A national priority (a StrategyNode of kind priority) the pilot serves."""

    __tablename__ = "pilot_priority"
    __table_args__ = (UniqueConstraint("pilot_id", "node_id", name="uq_pilot_priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot.id", ondelete="CASCADE"), index=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("strategy_node.id"), index=True)

    node: Mapped[StrategyNode] = relationship(lazy="joined")


class PilotPartner(Base):
    __tablename__ = "pilot_partner"
    __table_args__ = (UniqueConstraint("pilot_id", "organization_id", name="uq_pilot_partner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)

    organization: Mapped[Organization] = relationship(lazy="joined")


class PilotProject(Base):
    __tablename__ = "pilot_project"
    __table_args__ = (UniqueConstraint("pilot_id", "project_id", name="uq_pilot_project"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )

    project: Mapped[Project] = relationship(lazy="joined")


class PilotStageChange(Base):
    """A pilot moved from one stage to another: who, when, why. Only ever added to."""

    __tablename__ = "pilot_stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(12))
    to_stage: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    pilot: Mapped[Pilot] = relationship(back_populates="stage_changes")
    user = relationship("User", lazy="joined")


class Lesson(Base):
    """What a pilot taught, with its evidence; where and when it was shared is logged below."""

    __tablename__ = "pilot_lesson"
    __table_args__ = (
        CheckConstraint("length(text) > 0", name="text_not_empty"),
        Index("ix_pilot_lesson_learned_on", "learned_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot.id", ondelete="CASCADE"), index=True)
    learned_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    pilot: Mapped[Pilot] = relationship(back_populates="lessons")
    recorded_by = relationship("User", lazy="joined")
    disseminations: Mapped[list[Dissemination]] = relationship(
        cascade="all, delete-orphan",
        order_by="(Dissemination.shared_on, Dissemination.id)",
        lazy="selectin",
    )


class Dissemination(Base):
    """A lesson shared: with whom, when, and how."""

    __tablename__ = "lesson_dissemination"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("pilot_lesson.id", ondelete="CASCADE"), index=True
    )
    audience: Mapped[str] = mapped_column(String(255))
    shared_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str | None] = mapped_column(String(255))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
