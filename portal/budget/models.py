"""The national budget's classification tree and the codes a project maps to."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, Percent, TimestampMixin, utcnow
from portal.organizations.models import Organization

MINISTRY, PROGRAMME, SUBPROGRAMME = "ministry", "programme", "subprogramme"
LEVELS = (MINISTRY, PROGRAMME, SUBPROGRAMME)
# The level a node's parent has; a ministry (budget chapter) has none.
PARENT_LEVEL = {MINISTRY: None, PROGRAMME: MINISTRY, SUBPROGRAMME: PROGRAMME}
# Projects map to programmes or sub-programmes, never to a whole ministry.
MAPPABLE = (PROGRAMME, SUBPROGRAMME)


class BudgetNode(TimestampMixin, Base):
    """A ministry (budget chapter), programme or sub-programme of the national budget.

    `organization_id` is the ministry's institution on every node of its branch (kept when a
    branch moves), so that a project's codes are checked against its lead ministry at once.
    Nodes are retired, not deleted, once a project uses them.
    """

    __tablename__ = "budget_node"
    __table_args__ = (
        CheckConstraint("level IN ('ministry', 'programme', 'subprogramme')", name="known_level"),
        CheckConstraint(
            "(level = 'ministry') = (parent_id IS NULL)", name="only_ministries_are_roots"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    level: Mapped[str] = mapped_column(String(12))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("budget_node.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name_en: Mapped[str] = mapped_column(String(255))
    name_km: Mapped[str | None] = mapped_column(String(255))
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Seeded by the portal as a starter tree for the demo: CDC replaces it with the real one.
    starter: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    parent: Mapped[BudgetNode | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[BudgetNode]] = relationship(
        back_populates="parent", order_by="BudgetNode.code"
    )
    organization: Mapped[Organization] = relationship()

    def display_name(self, locale: str = "en") -> str:
        if locale == "km" and self.name_km:
            return self.name_km
        return self.name_en

    @property
    def programme_id(self) -> int | None:
        """The programme this node counts under (itself, or a sub-programme's parent)."""
        if self.level == PROGRAMME:
            return self.id
        return self.parent_id if self.level == SUBPROGRAMME else None


class ProjectBudget(TimestampMixin, Base):
    """A project's budget mapping as a whole: who changed it last and its version.

    The version lets two people editing the mapping at once find out instead of overwriting
    each other; the project's own version is left alone (the project form is not concerned).
    """

    __tablename__ = "project_budget"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __mapper_args__ = {"version_id_col": version}

    lines: Mapped[list[ProjectBudgetLine]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectBudgetLine.share_from"
    )


class ProjectBudgetLine(Base):
    """One programme or sub-programme of a project, with its share of the project's money.

    Shares tile 0..SHARE_BASIS like sectors (portal.projects.models.share_bounds), so the
    aggregates split money over programmes to the cent. `programme_id` is the programme the
    line counts under (kept when a sub-programme moves).
    """

    __tablename__ = "project_budget_line"
    __table_args__ = (
        UniqueConstraint("project_id", "node_id", name="uq_project_budget_line"),
        CheckConstraint("percentage > 0 AND percentage <= 100", name="percentage_range"),
        CheckConstraint(
            "share_from >= 0 AND share_from < share_to AND share_to <= 1000000000",
            name="share_bounds",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project_budget.project_id", ondelete="CASCADE"), index=True
    )
    node_id: Mapped[int] = mapped_column(ForeignKey("budget_node.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("budget_node.id"), index=True)
    percentage: Mapped[Decimal] = mapped_column(Percent)
    share_from: Mapped[int] = mapped_column(Integer)
    share_to: Mapped[int] = mapped_column(Integer)

    node: Mapped[BudgetNode] = relationship(foreign_keys=[node_id], lazy="joined")
