"""The national strategy framework, as an editable tree: framework → pillar → priority."""

from __future__ import annotations

import enum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, TimestampMixin


class NodeKind(enum.StrEnum):
    PILLAR = "pillar"
    PRIORITY = "priority"


class StrategyFramework(TimestampMixin, Base):
    __tablename__ = "strategy_framework"
    __table_args__ = (CheckConstraint("end_year >= start_year", name="years_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(255))
    name_km: Mapped[str | None] = mapped_column(String(255))
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    nodes: Mapped[list[StrategyNode]] = relationship(
        back_populates="framework",
        order_by="StrategyNode.position",
        cascade="all, delete-orphan",
    )

    @property
    def pillars(self) -> list[StrategyNode]:
        return [node for node in self.nodes if node.parent_id is None]

    def display_name(self, locale: str = "en") -> str:
        return self.name_km if locale == "km" and self.name_km else self.name_en


class StrategyNode(TimestampMixin, Base):
    """A pillar (no parent) or a priority (under a pillar) of a framework."""

    __tablename__ = "strategy_node"
    __table_args__ = (
        UniqueConstraint("framework_id", "code", name="uq_strategy_node_framework_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("strategy_framework.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("strategy_node.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NodeKind] = mapped_column(
        Enum(
            NodeKind,
            name="strategy_node_kind",
            native_enum=False,
            length=16,
            values_callable=lambda kinds: [k.value for k in kinds],
        )
    )
    code: Mapped[str] = mapped_column(String(20))
    name_en: Mapped[str] = mapped_column(String(255))
    name_km: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    framework: Mapped[StrategyFramework] = relationship(back_populates="nodes")
    parent: Mapped[StrategyNode | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[StrategyNode]] = relationship(
        back_populates="parent", order_by="StrategyNode.position"
    )

    def display_name(self, locale: str = "en") -> str:
        return self.name_km if locale == "km" and self.name_km else self.name_en
