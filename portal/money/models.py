"""Currencies and the yearly exchange-rate table that CDC keeps."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, Rate, TimestampMixin


class Currency(Base):
    """An ISO 4217 currency."""

    __tablename__ = "currency"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_km: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class ExchangeRate(TimestampMixin, Base):
    """How many units of a currency one US dollar bought, on average, in a calendar year."""

    __tablename__ = "exchange_rate"
    __table_args__ = (
        UniqueConstraint("currency_code", "year", name="uq_exchange_rate_currency_year"),
        CheckConstraint("units_per_usd > 0", name="positive_rate"),
        CheckConstraint("year BETWEEN 1950 AND 2100", name="plausible_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency_code: Mapped[str] = mapped_column(ForeignKey("currency.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    units_per_usd: Mapped[Decimal] = mapped_column(Rate)
    source: Mapped[str | None] = mapped_column(String(255))
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    currency: Mapped[Currency] = relationship()
