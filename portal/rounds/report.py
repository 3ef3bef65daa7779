"""The figures of a joint review report taken from a closed round's snapshot.

The same arithmetic as the live aggregates (portal.aggregates.services): each project's money
in whole cents, split over its sectors and provinces by the stored share bounds, so the parts
of a project add up to it; nationwide projects and projects without a location keep their own
rows. Only snapshot tables are read, so the same parameters always give the same figures.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from portal.aggregates.services import NATIONWIDE, UNALLOCATED, Row
from portal.extensions import db
from portal.projects.models import SHARE_BASIS
from portal.rounds.models import ReportingRound, RoundSnapshotFunding, RoundSnapshotProject
from portal.rounds.services import closed_round

CENT = Decimal("0.01")
HALF = SHARE_BASIS // 2


@dataclass
class FrozenRate:
    """An exchange rate as the snapshot used it (the methodology lists them)."""

    year: int
    currency_code: str
    units_per_usd: Decimal
    source: str | None = None


class FrozenProject:
    """A snapshot row as the report's templates read a project."""

    def __init__(self, snapshot: Frozen) -> None:
        self.snapshot = snapshot
        self.id = snapshot.project_id
        self.reporting_org_id = snapshot.reporting_org_id
        self.title_en, self.title_km = snapshot.title_en, snapshot.title_km

    def display_name(self, locale: str = "en") -> str:
        return self.title_km if locale == "km" and self.title_km else self.title_en


def _cents(amount: Decimal | None) -> int:
    return int((amount or 0) * 100)


def to_money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def _split(cents: int, low: int, high: int) -> int:
    """The cents of an amount that fall to a share with these bounds (parts add up)."""
    return (cents * high + HALF) // SHARE_BASIS - (cents * low + HALF) // SHARE_BASIS


def matches(snapshot, params) -> bool:
    """Whether the snapshot row is in the report's scope (the project list's filters)."""
    value = params.scope_value
    if params.scope == "partner":
        return snapshot.reporting_org_id == int(value)
    if params.scope == "ministry":
        return snapshot.lead_national_partner_id == int(value)
    if params.scope == "sector":
        return any(str(code).startswith(value) for code, *_ in snapshot.sectors)
    if params.scope == "province":
        return any(province == value for province, *_ in snapshot.locations)
    return True


FROZEN_COLUMNS = (
    "id",
    "project_id",
    "title_en",
    "title_km",
    "reporting_org_id",
    "lead_national_partner_id",
    "type_of_assistance",
    "modality",
    "on_budget",
    "nationwide",
    "workflow_state",
    "quality_score",
    "commitment_usd",
    "agreed_year",
    "sectors",
    "locations",
    "government_status",
    "government_usd",
)


@dataclass(slots=True)
class FrozenFunding:
    year: int
    kind: str
    currency: str
    rate: Decimal | None  # None: the amount waited for an exchange rate when frozen
    amount_usd: Decimal | None


@dataclass(slots=True)
class Frozen:
    """One project of a snapshot, as plain values (read without the ORM: thousands of rows)."""

    id: int
    project_id: int | None
    title_en: str
    title_km: str | None
    reporting_org_id: int
    lead_national_partner_id: int | None
    type_of_assistance: str | None
    modality: str | None
    on_budget: bool
    nationwide: bool
    workflow_state: str
    quality_score: int
    commitment_usd: Decimal | None
    agreed_year: int | None
    sectors: list
    locations: list
    government_status: str | None
    government_usd: Decimal | None
    funding: list[FrozenFunding] = field(default_factory=list)


def snapshot_of(round_: ReportingRound, params) -> list[Frozen]:
    """The round's frozen projects in the report's scope, with their money."""
    table, money = RoundSnapshotProject, RoundSnapshotFunding
    rows = {
        row[0]: Frozen(*row)
        for row in db.session.execute(
            select(*(getattr(table, name) for name in FROZEN_COLUMNS))
            .where(table.round_id == round_.id)
            .order_by(table.id)
        )
    }
    for snapshot_id, year, kind, currency, rate, amount_usd in db.session.execute(
        select(
            money.snapshot_id, money.year, money.kind, money.currency, money.rate, money.amount_usd
        )
        .join(table, table.id == money.snapshot_id)
        .where(table.round_id == round_.id)
    ):
        rows[snapshot_id].funding.append(FrozenFunding(year, kind, currency, rate, amount_usd))
    return [row for row in rows.values() if matches(row, params)]


def measures(snapshot: Frozen, year: int) -> dict[str, int]:
    cents = {"commitment": 0, "disbursed": 0, "planned": 0}
    if snapshot.agreed_year == year:
        cents["commitment"] = _cents(snapshot.commitment_usd)
    for funding in snapshot.funding:
        if funding.year != year:
            continue
        name = "disbursed" if funding.kind == "disbursement" else "planned"
        cents[name] += _cents(funding.amount_usd or Decimal(0))
    return cents


class _Groups:
    """Rows of one dimension, summed in cents, with the distinct projects of each group."""

    def __init__(self) -> None:
        self.cents: dict[object, Counter] = defaultdict(Counter)
        self.projects: dict[object, set] = defaultdict(set)

    def add(self, key, project_key, cents: dict[str, int]) -> None:
        self.cents[key].update(cents)
        self.projects[key].add(project_key)

    def rows(self) -> list[Row]:
        return [
            Row(
                key,
                commitment=to_money(c["commitment"]),
                disbursed=to_money(c["disbursed"]),
                planned=to_money(c["planned"]),
                project_count=len(self.projects[key]),
            )
            for key, c in self.cents.items()
        ]


def _shares(cents: dict[str, int], low: int, high: int) -> dict[str, int]:
    return {name: _split(value, low, high) for name, value in cents.items()}


def money_rows(snapshots: list[Frozen], year: int) -> dict[str, list[Row]]:
    """The report's money by partner, category, province, assistance, modality, on budget."""
    direct = {
        "partner": "reporting_org_id",
        "assistance": "type_of_assistance",
        "modality": "modality",
        "on_budget": "on_budget",
    }
    groups = {name: _Groups() for name in (*direct, "category", "province")}
    for snapshot in snapshots:
        cents = measures(snapshot, year)
        if not any(cents.values()):
            continue
        key = snapshot.id
        for name, attribute in direct.items():
            groups[name].add(getattr(snapshot, attribute), key, cents)
        if snapshot.sectors:
            for code, _pct, low, high in snapshot.sectors:
                groups["category"].add(str(code)[:3], key, _shares(cents, low, high))
        else:
            groups["category"].add(None, key, cents)
        if snapshot.nationwide:
            groups["province"].add(NATIONWIDE, key, cents)
        elif not snapshot.locations:
            groups["province"].add(UNALLOCATED, key, cents)
        else:
            for province, _district, _pct, low, high in snapshot.locations:
                groups["province"].add(province, key, _shares(cents, low, high))
    return {name: group.rows() for name, group in groups.items()}


def trend(round_: ReportingRound, params, frozen: list[Frozen]) -> list[Row]:
    """Actual disbursements of every closed round up to this one, and this round's plans."""
    from portal.rounds.services import all_rounds

    rows = []
    for other in sorted(all_rounds(), key=lambda r: r.year):
        if other.is_open or other.year > round_.year:
            continue
        total: Counter = Counter()
        for snapshot in frozen if other.id == round_.id else snapshot_of(other, params):
            total.update(measures(snapshot, other.year))
        if total["disbursed"] or total["planned"]:
            rows.append(
                Row(
                    other.year,
                    disbursed=to_money(total["disbursed"]),
                    planned=to_money(total["planned"]),
                )
            )
    for year in round_.plan_years:
        plans: Counter = Counter()
        for snapshot in frozen:
            plans.update(measures(snapshot, year))
        if plans["planned"]:
            rows.append(Row(year, planned=to_money(plans["planned"])))
    return rows


def rates(snapshots: list[Frozen]) -> list[FrozenRate]:
    """The distinct rates the snapshot's money was converted with."""
    seen = {}
    for snapshot in snapshots:
        for funding in snapshot.funding:
            if funding.rate is not None:  # an amount frozen while it waited for a rate
                seen[(funding.year, funding.currency)] = funding.rate
    return [FrozenRate(year, code, rate, None) for (year, code), rate in sorted(seen.items())]


def round_for(params) -> ReportingRound:
    """The closed round a report reads; refuses (ValueError) a round that is not closed."""
    round_ = closed_round(params.round_year)
    if round_ is None:
        raise ValueError(f"the round of {params.round_year} is not closed")
    return round_
