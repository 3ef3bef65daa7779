"""A project's results in the shape of IATI's `result` element: results, their indicators with a
baseline, and the indicators' periods with a target and an actual value.

Values are kept as typed (text): a qualitative indicator's values are words, a numeric one's
numbers; the rules in `rules.py` refuse a mismatch in the form and flag it on imported data.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, TimestampMixin
from portal.projects.models import Project
from portal.strategy.models import StrategyNode

# IATI ResultType and IndicatorMeasure codelists (2.03).
RESULT_TYPES = {"1": _l("Output"), "2": _l("Outcome"), "3": _l("Impact"), "9": _l("Other")}
MEASURES = {
    "1": _l("Unit"),
    "2": _l("Percentage"),
    "3": _l("Nominal"),
    "4": _l("Ordinal"),
    "5": _l("Qualitative"),
}
NUMERIC_MEASURES = {
    "1",
    "2",
    "4",
}  # values are numbers; nominal takes a category, qualitative words
PERCENTAGE = "2"
QUALITATIVE = "5"


class ProjectResult(TimestampMixin, Base):
    """One result of a project (an output, outcome or impact) and its indicators."""

    __tablename__ = "project_result"
    __table_args__ = (
        CheckConstraint("result_type IN ('1', '2', '3', '9')", name="known_result_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    result_type: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    # IATI aggregation-status: whether the data may be added up with other activities' data.
    aggregation_status: Mapped[bool | None] = mapped_column(Boolean)
    # Document links as IATI gave them ({url, format, title}); shown and exported again.
    document_links: Mapped[list | None] = mapped_column(JSON)
    from_iati: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    project: Mapped[Project] = relationship()
    indicators: Mapped[list[ResultIndicator]] = relationship(
        back_populates="result",
        cascade="all, delete-orphan",
        order_by="(ResultIndicator.position, ResultIndicator.id)",
        lazy="selectin",
    )

    @property
    def type_label(self) -> str:
        return str(RESULT_TYPES.get(self.result_type, self.result_type))


class ResultIndicator(TimestampMixin, Base):
    """An indicator of a result: what is measured, its baseline and its periods."""

    __tablename__ = "result_indicator"
    __table_args__ = (
        CheckConstraint("measure IN ('1', '2', '3', '4', '5')", name="known_measure"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("project_result.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    measure: Mapped[str] = mapped_column(String(2))
    ascending: Mapped[bool | None] = mapped_column(Boolean)
    aggregation_status: Mapped[bool | None] = mapped_column(Boolean)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    # IATI indicator references ({vocabulary, code, indicator_uri}), kept for the round trip.
    references: Mapped[list | None] = mapped_column(JSON)
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    baseline_value: Mapped[str | None] = mapped_column(Text)
    baseline_comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    result: Mapped[ProjectResult] = relationship(back_populates="indicators")
    periods: Mapped[list[IndicatorPeriod]] = relationship(
        back_populates="indicator",
        cascade="all, delete-orphan",
        order_by="(IndicatorPeriod.period_start, IndicatorPeriod.id)",
        lazy="selectin",
    )
    priorities: Mapped[list[IndicatorPriority]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def measure_label(self) -> str:
        return str(MEASURES.get(self.measure, self.measure))

    @property
    def is_numeric(self) -> bool:
        return self.measure in NUMERIC_MEASURES


class IndicatorPeriod(Base):
    """A period of an indicator, with the value targeted and the value reached."""

    __tablename__ = "indicator_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("result_indicator.id", ondelete="CASCADE"), index=True
    )
    # No CHECK on the order of the dates: an imported period out of order is kept and flagged.
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    target_value: Mapped[str | None] = mapped_column(Text)
    target_comment: Mapped[str | None] = mapped_column(Text)
    actual_value: Mapped[str | None] = mapped_column(Text)
    actual_comment: Mapped[str | None] = mapped_column(Text)

    indicator: Mapped[ResultIndicator] = relationship(back_populates="periods")


class IndicatorPriority(Base):
    """A priority of the national strategy an indicator measures progress on."""

    __tablename__ = "indicator_priority"
    __table_args__ = (UniqueConstraint("indicator_id", "node_id", name="uq_indicator_priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("result_indicator.id", ondelete="CASCADE"), index=True
    )
    node_id: Mapped[int] = mapped_column(ForeignKey("strategy_node.id"), index=True)

    node: Mapped[StrategyNode] = relationship(lazy="joined")
