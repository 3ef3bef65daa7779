"""The alignment workflow: transitions, the ministry's alignment, government figures, notices."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, Money, utcnow
from portal.strategy.models import StrategyNode


class WorkflowTransition(Base):
    """One step of a project's workflow: who, when, from which state, to which, why.

    The log is only ever added to; no code path edits or deletes it.
    """

    __tablename__ = "workflow_transition"
    __table_args__ = (
        Index("ix_workflow_transition_project_at", "project_id", "at"),
        # The scorecards read the projects that reached a state, and the waits of the
        # confirmations, from this index alone.
        Index("ix_workflow_transition_state_project", "to_state", "project_id", "waited_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    # On a confirmation: days since the submission it answers (for the scorecards' median).
    waited_days: Mapped[float | None] = mapped_column(Float)

    user = relationship("User", lazy="joined")


class Alignment(Base):
    """How a project serves the national strategy, as its lead ministry confirmed it."""

    __tablename__ = "alignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), unique=True
    )
    framework_id: Mapped[int] = mapped_column(ForeignKey("strategy_framework.id"))
    primary_priority_id: Mapped[int] = mapped_column(ForeignKey("strategy_node.id"))
    rationale: Mapped[str] = mapped_column(Text)
    on_plan: Mapped[bool] = mapped_column(Boolean, default=False)
    on_budget: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_role_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    primary_priority: Mapped[StrategyNode] = relationship(lazy="joined")
    other_priorities: Mapped[list[AlignmentPriority]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class AlignmentPriority(Base):
    __tablename__ = "alignment_priority"
    __table_args__ = (UniqueConstraint("alignment_id", "node_id", name="uq_alignment_priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alignment_id: Mapped[int] = mapped_column(ForeignKey("alignment.id", ondelete="CASCADE"))
    node_id: Mapped[int] = mapped_column(ForeignKey("strategy_node.id"))

    node: Mapped[StrategyNode] = relationship(lazy="joined")


FIGURE_STATES = ("pending", "agreed", "disputed")


class GovernmentFigure(Base):
    """For one year: what the government recorded as received, and whether both sides agree."""

    __tablename__ = "government_figure"
    __table_args__ = (
        UniqueConstraint("project_id", "year", name="uq_government_figure"),
        CheckConstraint("status IN ('pending', 'agreed', 'disputed')", name="known_status"),
        CheckConstraint("recorded_usd IS NULL OR recorded_usd >= 0", name="not_negative"),
        # The newest disputed figures (the pipeline) straight from the index.
        Index("ix_government_figure_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    recorded_usd: Mapped[Decimal | None] = mapped_column(Money)
    # What the reviewer typed when it was not in USD: the amount and its currency (recorded_usd
    # is its value at the year's rate, and follows the rate table when CDC corrects a rate).
    recorded_amount: Mapped[Decimal | None] = mapped_column(Money)
    recorded_currency: Mapped[str | None] = mapped_column(ForeignKey("currency.code"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    comments: Mapped[list[FigureComment]] = relationship(
        cascade="all, delete-orphan", order_by="FigureComment.at", lazy="selectin"
    )


class FigureComment(Base):
    """A message in the thread of a disputed figure; both sides write in it."""

    __tablename__ = "figure_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    figure_id: Mapped[int] = mapped_column(
        ForeignKey("government_figure.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    user = relationship("User", lazy="joined")


class Notification(Base):
    """An in-app notice to one user about a project's workflow."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict | None] = mapped_column(JSON)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewAssignment(Base):
    """Who in the lead ministry reviews a project: a focal point hands the review to a colleague.

    One row a project (the latest hand-over); each hand-over is also in the audit log.
    """

    __tablename__ = "review_assignment"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    assignee_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    assigned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    assignee = relationship("User", foreign_keys=[assignee_id], lazy="joined")
    assigned_by = relationship("User", foreign_keys=[assigned_by_id], lazy="joined")
