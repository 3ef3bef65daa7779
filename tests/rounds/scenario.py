"""A small world for the round's tests: two partners, one ministry, projects with money."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portal.organizations.models import OrgKind
from portal.projects import services
from tests import factories

YEAR = 2025


@dataclass
class World:
    partner: object
    other_partner: object
    ministry: object
    partner_user: object
    other_user: object
    ministry_user: object
    cdc_user: object
    usd_project: object
    eur_project: object
    other_project: object
    ended_project: object


def money(year: int, kind: str, amount: str, currency: str = "USD"):
    return services.YearAmount(year, kind, Decimal(amount), currency)


def build(*, partner_locale: str = "en") -> World:
    """Two partners with projects active in 2025 (one ended in 2023), and the people."""
    for year in range(2022, 2030):
        factories.rate("EUR", year, "0.9")
    partner = factories.organization(OrgKind.BILATERAL, acronym="ALPHA")
    other = factories.organization(OrgKind.MULTILATERAL, acronym="BETA")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MINX")
    usd = factories.project(
        partner,
        ministry,
        title_en="Rural roads",
        funding=[
            money(2024, "disbursement", "100000"),
            money(2025, "disbursement", "150000"),
            money(2026, "planned", "200000"),
            money(2027, "planned", "250000"),
        ],
        planned_end=date(2028, 12, 31),
    )
    eur = factories.project(
        partner,
        ministry,
        title_en="Clean water",
        commitment_currency="EUR",
        funding=[
            money(2025, "disbursement", "90000", "EUR"),
            money(2026, "planned", "45000", "EUR"),
        ],
        planned_end=date(2027, 6, 30),
    )
    other_project = factories.project(
        other, ministry, title_en="Health centres", funding=[money(2025, "disbursement", "500000")]
    )
    ended = factories.project(
        partner,
        ministry,
        title_en="Old school meals",
        planned_start=date(2020, 1, 1),
        planned_end=date(2023, 12, 31),
        commitment_date=date(2020, 1, 1),
        funding=[money(2021, "disbursement", "1000")],
    )
    return World(
        partner=partner,
        other_partner=other,
        ministry=ministry,
        partner_user=factories.user("dp", partner, locale=partner_locale),
        other_user=factories.user("dp", other),
        ministry_user=factories.user("ministry", ministry),
        cdc_user=factories.user("cdc"),
        usd_project=usd,
        eur_project=eur,
        other_project=other_project,
        ended_project=ended,
    )
