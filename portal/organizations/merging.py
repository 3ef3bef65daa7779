"""Merging a duplicate organization into the one that stays: every reference moved, logged.

Which tables point at an organization is read from the metadata (every foreign key to
`organization.id`), so a table added later is moved too; `REFERENCE_LABELS` names each one
for people, and a test fails when a new one has no name (and so no thought about its rules).

A row of the duplicate that would repeat a row of the one that stays under a unique
constraint (a project listing both as funders) is not moved: the row that stays takes what it
lacks of it (a round's return submitted by one of the two), and the repeat is deleted. Rows
that the merge makes redundant under the domain's rules (a commitment's lead listed again as a
party, a pilot's lead listed again as a partner) are deleted too.

The projects whose references move keep their version and time of update: nothing of them
changed but the record an organization is known by.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    PrimaryKeyConstraint,
    Select,
    Table,
    UniqueConstraint,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)

from portal.accounts.models import User, role_fits_organization
from portal.audit.services import record
from portal.db import Base
from portal.extensions import db
from portal.organizations.models import Organization
from portal.organizations.services import OrganizationError

# Every column that references an organization, as people read it (with a count beside).
REFERENCE_LABELS: dict[str, Any] = {
    "project.reporting_org_id": _l("Projects it reports"),
    "project.lead_national_partner_id": _l("Projects it leads as national partner"),
    "project.external_lead_partner_id": _l("Projects it leads as external partner"),
    "project_participant.organization_id": _l("Projects it funds or implements"),
    "user_account.organization_id": _l("User accounts"),
    "commitment.lead_institution_id": _l("Commitments it leads"),
    "commitment.measure_organization_id": _l("Computed indicators counting its projects"),
    "commitment_party.organization_id": _l("Commitments it is a party to"),
    "commitment_bottleneck.owner_id": _l("Commitment bottlenecks it owns"),
    "progress_report.on_behalf_of_id": _l("Progress reports made for it"),
    "rating_assessment.organization_id": _l("Its views of self-ratings"),
    "pilot.lead_partner_id": _l("Pilots it leads"),
    "pilot.external_partner_id": _l("Pilots it leads as external partner"),
    "pilot_partner.organization_id": _l("Pilots it is a partner of"),
    "round_return.organization_id": _l("Its returns in reporting rounds"),
    "round_event.organization_id": _l("Reporting-round events about it"),
    "round_snapshot_project.reporting_org_id": _l("Closed rounds' projects it reported"),
    "round_snapshot_project.lead_national_partner_id": _l("Closed rounds' projects it led"),
    "sector_lead.organization_id": _l("Sectors it usually leads"),
    "iati_source.default_lead_id": _l("IATI sources it is the default lead of"),
    "funding_source.organization_id": _l("Projects it co-finances or contributes to"),
    "budget_node.organization_id": _l("Budget programmes of its chapter"),
}

# The fields the organization that stays takes from the duplicate when it has none.
TAKEN_FIELDS = ("iati_ref", "name_km", "iati_type")


class MergeError(OrganizationError):
    """The merge is refused; the message is for the field choosing the organization that stays."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "into")


@dataclass(frozen=True)
class Reference:
    """One column of one table that holds an organization's id."""

    table: Table
    column: Column

    @property
    def key(self) -> str:
        return f"{self.table.name}.{self.column.name}"

    @property
    def label(self) -> str:
        return str(REFERENCE_LABELS.get(self.key, self.key))


def references() -> list[Reference]:
    """Every column of every table with a foreign key to organization.id, in the labels' order
    (any column without a label last)."""
    target = Organization.__table__.c.id
    found = [
        Reference(table, fk.parent)
        for table in Base.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column is target
    ]
    order = {key: i for i, key in enumerate(REFERENCE_LABELS)}
    return sorted(found, key=lambda ref: (order.get(ref.key, len(order)), ref.key))


def reference_counts(org_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """For each organization, how many rows of each reference point at it (zeros left out)."""
    ids = sorted(set(org_ids))
    counts: dict[int, dict[str, int]] = {org_id: {} for org_id in ids}
    if not ids:
        return counts
    for ref in references():
        rows = db.session.execute(
            select(ref.column, func.count()).where(ref.column.in_(ids)).group_by(ref.column)
        )
        for org_id, count in rows:
            counts[org_id][ref.key] = count
    return counts


# --- what the merge does to each table ------------------------------------------------------


def _primary_key(table: Table) -> Column:
    columns = list(table.primary_key.columns)
    if len(columns) != 1:
        raise LookupError(f"{table.name} has no single-column primary key to merge its rows by")
    return columns[0]


def _unique_sets(ref: Reference) -> list[list[Column]]:
    """The unique column sets of the table that hold the reference column."""
    sets = [
        list(constraint.columns)
        for constraint in ref.table.constraints
        if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint)
    ]
    sets += [list(index.columns) for index in ref.table.indexes if index.unique]
    return [columns for columns in sets if ref.column in columns]


def _repeats(ref: Reference, source_id: int, target_id: int) -> dict[Any, Any]:
    """The duplicate's rows that repeat a row of the one that stays under a unique constraint:
    {the duplicate's row id: the id of the row that stays}."""
    found: dict[Any, Any] = {}
    key = _primary_key(ref.table)
    for columns in _unique_sets(ref):
        ours, theirs = ref.table.alias("ours"), ref.table.alias("theirs")
        same = [theirs.c[c.name] == ours.c[c.name] for c in columns if c is not ref.column]
        rows = db.session.execute(
            select(ours.c[key.name], theirs.c[key.name])
            .join(theirs, and_(theirs.c[ref.column.name] == target_id, *same))
            .where(ours.c[ref.column.name] == source_id)
        )
        for ours_id, theirs_id in rows:
            found.setdefault(ours_id, theirs_id)
    return found


def _redundant_commitment_parties(source_id: int, target_id: int) -> Select:
    """A party that is, after the merge, the commitment's lead (its rules refuse that)."""
    from portal.commitments.models import Commitment, CommitmentParty

    both = (source_id, target_id)
    return (
        select(CommitmentParty.id)
        .join(Commitment, Commitment.id == CommitmentParty.commitment_id)
        .where(CommitmentParty.organization_id.in_(both))
        .where(Commitment.lead_institution_id.in_(both))
    )


def _redundant_pilot_partners(source_id: int, target_id: int) -> Select:
    """A partner that is, after the merge, one of the pilot's two leads (its rules refuse that)."""
    from portal.pilots.models import Pilot, PilotPartner

    both = (source_id, target_id)
    return (
        select(PilotPartner.id)
        .join(Pilot, Pilot.id == PilotPartner.pilot_id)
        .where(PilotPartner.organization_id.in_(both))
        .where(or_(Pilot.lead_partner_id.in_(both), Pilot.external_partner_id.in_(both)))
    )


# reference key -> the rows of its table the merge makes redundant
REDUNDANT: dict[str, Callable[[int, int], Select]] = {
    "commitment_party.organization_id": _redundant_commitment_parties,
    "pilot_partner.organization_id": _redundant_pilot_partners,
}


@dataclass
class Move:
    """What the merge does to one reference: rows moved, and rows deleted as repeats."""

    reference: Reference
    moved: int = 0
    dropped: int = 0  # repeats of the other's rows, or made redundant by the merge


@dataclass
class MergePlan:
    """What merging `source` into `target` will do, as the confirmation page shows it."""

    source: Organization
    target: Organization
    moves: list[Move] = field(default_factory=list)
    takes: dict[str, str] = field(default_factory=dict)  # field -> the source's value
    # per reference key: {dropped row id: the row that stays, or None when none takes from it}
    drops: dict[str, dict[Any, Any]] = field(default_factory=dict)

    @property
    def moved(self) -> int:
        return sum(move.moved for move in self.moves)

    @property
    def dropped(self) -> int:
        return sum(move.dropped for move in self.moves)


def check_merge(source: Organization, target: Organization | None) -> Organization:
    """Refuse a merge the rules forbid; return the organization that stays."""
    if target is None:
        raise MergeError(str(_l("Choose the organization that stays.")))
    if target.id == source.id:
        raise MergeError(str(_l("An organization cannot be merged into itself.")))
    if source.is_national != target.is_national:
        raise MergeError(
            str(
                _l(
                    "%(source)s and %(target)s are not both national or both external: a "
                    "national institution and a development partner are never merged. If one "
                    "of them has the wrong kind, correct its kind first.",
                    source=source.acronym,
                    target=target.acronym,
                )
            )
        )
    roles = db.session.scalars(
        select(User.role).where(User.organization_id == source.id).distinct()
    )
    if any(not role_fits_organization(role, target) for role in roles):
        raise MergeError(
            str(
                _l(
                    "Some accounts of %(source)s have a role that %(target)s cannot have (CDC "
                    "staff belong to a government body): move or change those accounts first.",
                    source=source.acronym,
                    target=target.acronym,
                )
            )
        )
    return target


def plan_merge(source: Organization, target: Organization) -> MergePlan:
    """What merging `source` into `target` will move, delete and take (nothing changes)."""
    check_merge(source, target)
    plan = MergePlan(source=source, target=target)
    for ref in references():
        count = select(func.count()).select_from(ref.table).where(ref.column == source.id)
        rows = db.session.scalar(count) or 0
        drops: dict[Any, Any] = {}
        if ref.key in REDUNDANT:
            redundant = REDUNDANT[ref.key](source.id, target.id)
            drops.update(dict.fromkeys(db.session.scalars(redundant)))
        drops.update(_repeats(ref, source.id, target.id))
        of_source = count.where(_primary_key(ref.table).in_(list(drops)))
        move = Move(ref, moved=rows - (db.session.scalar(of_source) or 0), dropped=len(drops))
        if move.moved or move.dropped:
            plan.moves.append(move)
            plan.drops[ref.key] = drops
    plan.takes = {
        name: getattr(source, name)
        for name in TAKEN_FIELDS
        if getattr(source, name) and not getattr(target, name)
    }
    return plan


def _keep_timestamps(table: Table) -> dict[str, Any]:
    """Values that keep the columns a plain UPDATE would stamp (updated_at) as they are."""
    return {column.name: column for column in table.columns if column.onupdate is not None}


def _fill_from(table: Table, source_row_id: Any, target_row_id: Any, skip: Column) -> None:
    """The row that stays takes the empty columns' values of the repeat deleted beside it."""
    key = _primary_key(table)
    ours = db.session.execute(select(table).where(key == source_row_id)).mappings().one()
    theirs = db.session.execute(select(table).where(key == target_row_id)).mappings().one()
    values = {
        column.name: ours[column.name]
        for column in table.columns
        if column is not key
        and column is not skip
        and theirs[column.name] is None
        and ours[column.name] is not None
    }
    if values:
        db.session.execute(
            update(table).where(key == target_row_id).values(**values, **_keep_timestamps(table))
        )


def _confirmed_lead(source: Organization, target: Organization) -> int:
    """Projects confirmed by their ministry under the duplicate's acronym keep that
    confirmation: their snapshot names the organization that stays."""
    from portal.projects.models import Project

    table = Project.__table__
    changed = 0
    rows = db.session.execute(
        select(table.c.id, table.c.confirmed_snapshot).where(
            table.c.lead_national_partner_id == target.id, table.c.confirmed_snapshot.is_not(None)
        )
    )
    for project_id, snapshot in rows.all():
        if (snapshot or {}).get("lead_national_partner") != source.acronym:
            continue
        db.session.execute(
            update(table)
            .where(table.c.id == project_id)
            .values(
                confirmed_snapshot={**snapshot, "lead_national_partner": target.acronym},
                **_keep_timestamps(table),
            )
        )
        changed += 1
    return changed


def _pending_imports(source_id: int, target_id: int) -> None:
    """An IATI import waiting on its preview keeps its chosen leads, now the one that stays."""
    from portal.iati.models import ImportBatch

    batches = db.session.scalars(
        select(ImportBatch).where(
            ImportBatch.status == "preview", ImportBatch.decisions.is_not(None)
        )
    )
    for batch in batches:
        decisions = dict(batch.decisions or {})
        leads = {
            k: target_id if v == source_id else v for k, v in (decisions.get("leads") or {}).items()
        }
        default = decisions.get("default_lead_id")
        if leads == (decisions.get("leads") or {}) and default != source_id:
            continue
        decisions["leads"] = leads
        if default == source_id:
            decisions["default_lead_id"] = target_id
        batch.decisions = decisions


def merge(source: Organization, target: Organization | None, *, actor=None) -> MergePlan:
    """Merge `source` into `target` in the session's transaction (flushed, not committed):
    every reference moved, repeats and redundant rows deleted, the empty fields of `target`
    filled from `source`, `source` deleted, the whole logged. Returns what was done."""
    target = check_merge(source, target)
    db.session.flush()
    plan = plan_merge(source, target)
    source_id, target_id = source.id, target.id
    by_key = {ref.key: ref for ref in references()}
    for move in plan.moves:
        ref = by_key[move.reference.key]
        drops = plan.drops[ref.key]
        key = _primary_key(ref.table)
        for dropped_id, kept_id in drops.items():
            if kept_id is not None:
                _fill_from(ref.table, dropped_id, kept_id, ref.column)
        if drops:
            db.session.execute(delete(ref.table).where(key.in_(list(drops))))
    for ref in references():
        db.session.execute(
            update(ref.table)
            .where(ref.column == source_id)
            .values({ref.column.name: target_id, **_keep_timestamps(ref.table)})
        )
    reconfirmed = _confirmed_lead(source, target)
    _pending_imports(source_id, target_id)
    left = [
        ref.key
        for ref in references()
        if db.session.scalar(select(exists().where(ref.column == source_id)))
    ]
    if left:  # never: every reference was moved above
        raise RuntimeError(f"references to organization {source_id} left in {left}")
    merged = {
        "id": source_id,
        "acronym": source.acronym,
        "name_en": source.name_en,
        "name_km": source.name_km,
        "kind": source.kind.value,
        "iati_ref": source.iati_ref,
    }
    takes = dict(plan.takes)
    db.session.delete(source)
    db.session.flush()
    db.session.expire_all()  # the rows moved above, as the database now holds them
    for name, value in takes.items():
        setattr(target, name, value)
    record(
        "organization.merged",
        user=actor,
        obj=target,
        merged=merged,
        moved={move.reference.key: move.moved for move in plan.moves if move.moved},
        dropped={move.reference.key: move.dropped for move in plan.moves if move.dropped},
        took=takes,
        reconfirmed_snapshots=reconfirmed,
    )
    db.session.flush()
    return plan
