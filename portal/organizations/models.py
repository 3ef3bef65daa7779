"""Organizations: development partners and national institutions."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, TimestampMixin


class OrgKind(enum.StrEnum):
    GOVERNMENT = "government"
    SUBNATIONAL = "subnational"
    BILATERAL = "bilateral"
    MULTILATERAL = "multilateral"
    UN_AGENCY = "un_agency"
    INTERNATIONAL_NGO = "international_ngo"
    NATIONAL_NGO = "national_ngo"
    PRIVATE_SECTOR = "private_sector"

    @property
    def label(self) -> str:
        return str(ORG_KIND_LABELS[self])

    @property
    def is_national(self) -> bool:
        return self in NATIONAL_KINDS


ORG_KIND_LABELS = {
    OrgKind.GOVERNMENT: _l("Government ministry or agency"),
    OrgKind.SUBNATIONAL: _l("Sub-national administration"),
    OrgKind.BILATERAL: _l("Bilateral partner"),
    OrgKind.MULTILATERAL: _l("Multilateral partner"),
    OrgKind.UN_AGENCY: _l("UN agency"),
    OrgKind.INTERNATIONAL_NGO: _l("International NGO"),
    OrgKind.NATIONAL_NGO: _l("National NGO"),
    OrgKind.PRIVATE_SECTOR: _l("National private sector"),
}

# The lead national partner of a partnership is always one of these (domain rule).
NATIONAL_KINDS = frozenset(
    {OrgKind.GOVERNMENT, OrgKind.SUBNATIONAL, OrgKind.NATIONAL_NGO, OrgKind.PRIVATE_SECTOR}
)
# The institutions whose focal points confirm alignment and act for government.
GOVERNMENT_KINDS = frozenset({OrgKind.GOVERNMENT, OrgKind.SUBNATIONAL})
PARTNER_KINDS = frozenset(set(OrgKind) - NATIONAL_KINDS)

# IATI OrganisationType codes, with the one each kind defaults to.
IATI_ORG_TYPES = {
    "10": _l("Government"),
    "11": _l("Local Government"),
    "15": _l("Other Public Sector"),
    "21": _l("International NGO"),
    "22": _l("National NGO"),
    "23": _l("Regional NGO"),
    "24": _l("Partner Country based NGO"),
    "30": _l("Public Private Partnership"),
    "40": _l("Multilateral"),
    "60": _l("Foundation"),
    "70": _l("Private Sector"),
    "71": _l("Private Sector in Provider Country"),
    "72": _l("Private Sector in Aid Recipient Country"),
    "73": _l("Private Sector in Third Country"),
    "80": _l("Academic, Training and Research"),
    "90": _l("Other"),
}
DEFAULT_IATI_TYPE = {
    OrgKind.GOVERNMENT: "10",
    OrgKind.SUBNATIONAL: "11",
    OrgKind.BILATERAL: "10",
    OrgKind.MULTILATERAL: "40",
    OrgKind.UN_AGENCY: "40",
    OrgKind.INTERNATIONAL_NGO: "21",
    OrgKind.NATIONAL_NGO: "22",
    OrgKind.PRIVATE_SECTOR: "72",
}


class Organization(TimestampMixin, Base):
    __tablename__ = "organization"
    __table_args__ = (
        CheckConstraint("length(acronym) > 0", name="acronym_not_empty"),
        CheckConstraint("length(name_en) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(String(255))
    name_km: Mapped[str | None] = mapped_column(String(255))
    acronym: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[OrgKind] = mapped_column(
        Enum(
            OrgKind,
            name="org_kind",
            native_enum=False,
            length=24,
            values_callable=lambda kinds: [k.value for k in kinds],
        )
    )
    iati_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    iati_type: Mapped[str | None] = mapped_column(String(4))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")

    @property
    def is_national(self) -> bool:
        """A national organization can lead a partnership; derived from its kind."""
        return self.kind.is_national

    def display_name(self, locale: str = "en") -> str:
        if locale == "km" and self.name_km:
            return self.name_km
        return self.name_en

    def __repr__(self) -> str:
        return f"<Organization {self.acronym}>"
