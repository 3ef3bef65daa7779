"""A closed round's snapshot as the report builder reads it: plain values, money in cents.

Loaded once per round while the snapshot stays the same (a grace period's re-submission takes
a partner's part again: the stamp of the round's rows changes, and the round is read anew), and
limited to the projects a reader may read today, as the joint review counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from portal.extensions import db
from portal.projects.models import SHARE_BASIS, Project
from portal.roles import Role
from portal.rounds.models import ReportingRound, RoundSnapshotFunding, RoundSnapshotProject
from portal.rounds.scope import snapshot_stamp
from portal.security import project_visibility


@dataclass(slots=True)
class Snapshot:
    """One frozen project as plain values, its money in whole cents."""

    id: int
    project_id: int | None
    partner: int
    ministry: int | None
    status: str
    end_year: int | None
    assistance: str | None
    modality: str | None
    on_budget: bool
    nationwide: bool
    commitment: int | None
    agreed_year: int | None
    # [(code, low, high)] and [(province, district or province, low, high)]
    sectors: list[tuple[str, int, int]]
    places: list[tuple[str, str, int, int]]
    # kind ("disbursed" or "planned") -> year -> cents
    money: dict[str, dict[int, int]] = field(default_factory=dict)


# The loaded snapshots of each round, by a stamp that changes whenever a grace period's
# re-submission takes a partner's part again (its rows are deleted and written anew).
# Keyed by the database too (tests use two in one process).
_CACHE: dict[tuple[str, int], tuple[tuple, list[Snapshot]]] = {}


_stamp = snapshot_stamp


def _bounds(low, high) -> tuple[int, int]:
    return (0 if low is None else int(low), SHARE_BASIS if high is None else int(high))


def _load(round_id: int) -> list[Snapshot]:
    table, funding = RoundSnapshotProject, RoundSnapshotFunding
    snapshots: dict[int, Snapshot] = {}
    for row in db.session.execute(
        select(
            table.id,
            table.project_id,
            table.reporting_org_id,
            table.lead_national_partner_id,
            table.status,
            table.end_date,
            table.type_of_assistance,
            table.modality,
            table.on_budget,
            table.nationwide,
            table.commitment_usd,
            table.agreed_year,
            table.sectors,
            table.locations,
        )
        .where(table.round_id == round_id)
        .order_by(table.id)
    ):
        (id_, project_id, partner, ministry, status, end, assistance, modality) = row[:8]
        on_budget, nationwide, commitment, agreed, sectors, locations = row[8:]
        snapshots[id_] = Snapshot(
            id=id_,
            project_id=project_id,
            partner=partner,
            ministry=ministry,
            status=status,
            end_year=end.year if end else None,
            assistance=assistance,
            modality=modality,
            on_budget=bool(on_budget),
            nationwide=bool(nationwide),
            commitment=None if commitment is None else int(commitment * 100),
            agreed_year=agreed,
            sectors=[(str(code), *_bounds(low, high)) for code, _pct, low, high in sectors or []],
            places=[
                (province, district or province, *_bounds(low, high))
                for province, district, _pct, low, high in locations or []
            ],
        )
    for snapshot_id, year, kind, amount in db.session.execute(
        select(funding.snapshot_id, funding.year, funding.kind, funding.amount_usd)
        .join(table, table.id == funding.snapshot_id)
        .where(table.round_id == round_id)
    ):
        name = "disbursed" if kind == "disbursement" else "planned"
        years = snapshots[snapshot_id].money.setdefault(name, {})
        years[year] = years.get(year, 0) + (int(amount * 100) if amount is not None else 0)
    return list(snapshots.values())


def forget_loaded() -> None:
    """Drop what is kept (a test's rolled-back rounds may come back with the same stamps)."""
    _CACHE.clear()


def snapshots(round_: ReportingRound) -> list[Snapshot]:
    """Every frozen project of the round (loaded once while the snapshot stays the same)."""
    stamp = _stamp(round_.id)
    where = (db.engine.url.render_as_string(hide_password=True), round_.id)
    cached = _CACHE.get(where)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    loaded = _load(round_.id)
    if len(_CACHE) > 4:
        _CACHE.clear()
    _CACHE[where] = (stamp, loaded)
    return loaded


def visible(user, rows: list[Snapshot]) -> list[Snapshot]:
    """The rows whose live project `user` may read (all for CDC), as the joint review counts."""
    if getattr(user, "is_authenticated", False) and user.role is Role.CDC:
        return rows
    seen = set(db.session.scalars(select(Project.id).where(project_visibility(user, Project))))
    return [row for row in rows if row.project_id in seen]
