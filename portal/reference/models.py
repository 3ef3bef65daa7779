"""Reference data: the gazetteer, sectors and Technical Working Groups."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, TimestampMixin


class _Named:
    name_en: Mapped[str] = mapped_column(String(255))
    name_km: Mapped[str | None] = mapped_column(String(255))

    def display_name(self, locale: str = "en") -> str:
        if locale == "km" and self.name_km:
            return self.name_km
        return self.name_en


class Province(_Named, Base):
    """A province or the capital, keyed by its two-digit national code (01..25)."""

    __tablename__ = "province"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    districts: Mapped[list[District]] = relationship(
        back_populates="province", order_by="District.code"
    )


class District(_Named, Base):
    __tablename__ = "district"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    province: Mapped[Province] = relationship(back_populates="districts")


class Commune(_Named, Base):
    __tablename__ = "commune"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), index=True)
    district: Mapped[District] = relationship()


class _KhmerConfirmed:
    # The Khmer names shipped with the portal are unofficial translations until CDC confirms
    # them on the reference page (loading the reference data again never replaces a name).
    name_km_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class SectorCategory(_KhmerConfirmed, _Named, Base):
    """A 3-digit OECD-DAC sector category."""

    __tablename__ = "sector_category"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)


class Sector(_KhmerConfirmed, _Named, Base):
    """A 5-digit OECD-DAC purpose code."""

    __tablename__ = "sector"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    description: Mapped[str | None] = mapped_column(Text)
    category_code: Mapped[str] = mapped_column(ForeignKey("sector_category.code"), index=True)
    # Withdrawn codes stay, so older records and IATI files that use them still resolve.
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    category: Mapped[SectorCategory] = relationship(lazy="joined")


class TechnicalWorkingGroup(_Named, TimestampMixin, Base):
    """One of Cambodia's Technical Working Groups; CDC keeps the list."""

    __tablename__ = "technical_working_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class SectorLead(Base):
    """The national institution that usually leads projects of a sector, as CDC keeps it.

    Keyed by a DAC code: a 5-digit purpose code, or a 3-digit category for all its codes (the
    5-digit entry wins). An IATI import proposes it as the lead national partner of an
    activity that names no Cambodian institution, for a person to accept or change.
    """

    __tablename__ = "sector_lead"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
