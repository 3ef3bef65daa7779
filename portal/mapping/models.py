"""The population table by province and year, which CDC uploads for the per-capita measure."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, TimestampMixin


class ProvincePopulation(TimestampMixin, Base):
    """How many people lived in a province in a year (as published by the statistics office)."""

    __tablename__ = "province_population"
    __table_args__ = (
        UniqueConstraint("province_code", "year", name="uq_province_population_province_year"),
        CheckConstraint("population > 0", name="positive_population"),
        CheckConstraint("year BETWEEN 1950 AND 2100", name="plausible_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(BigInteger)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
