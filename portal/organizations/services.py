"""Organization use cases: lists for forms, search, create and update."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from portal.audit.services import record
from portal.extensions import db
from portal.organizations.models import NATIONAL_KINDS, Organization, OrgKind


class OrganizationError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def organization_choices(
    national: bool | None = None, kinds: tuple[OrgKind, ...] | None = None
) -> list[tuple[int, str]]:
    """Return (id, 'ACRONYM — name') pairs for a select, optionally national or external only,
    or of some kinds only."""
    statement = select(Organization).where(Organization.active).order_by(Organization.acronym)
    if kinds is not None:
        statement = statement.where(Organization.kind.in_(kinds))
    if national is True:
        statement = statement.where(Organization.kind.in_(NATIONAL_KINDS))
    elif national is False:
        statement = statement.where(Organization.kind.not_in(NATIONAL_KINDS))
    return [(org.id, f"{org.acronym} — {org.name_en}") for org in db.session.scalars(statement)]


def by_ids(ids) -> dict[int, Organization]:
    """The organizations of these ids (None left out), by id, in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(wanted)))
    }


def by_acronym(acronym: str) -> Organization | None:
    return db.session.scalar(
        select(Organization).where(func.upper(Organization.acronym) == acronym.strip().upper())
    )


def existing_by_acronym(acronym: str) -> Organization:
    """The organization with `acronym`, which must exist (one that seeded data names)."""
    organization = by_acronym(acronym)
    if organization is None:
        raise LookupError(f"no organization has the acronym {acronym!r}")
    return organization


def search_statement(query: str = "", group: str = "", kind: str = ""):
    """Build the organization list query for a search text, group and kind."""
    statement = select(Organization)
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                func.lower(Organization.name_en).like(like),
                func.lower(Organization.acronym).like(like),
                Organization.name_km.like(f"%{query}%"),
                func.lower(Organization.iati_ref).like(like),
            )
        )
    if group == "national":
        statement = statement.where(Organization.kind.in_(NATIONAL_KINDS))
    elif group == "partners":
        statement = statement.where(Organization.kind.not_in(NATIONAL_KINDS))
    if kind in {k.value for k in OrgKind}:
        statement = statement.where(Organization.kind == OrgKind(kind))
    return statement


@dataclass
class OrganizationData:
    name_en: str
    acronym: str
    kind: OrgKind
    name_km: str | None = None
    iati_ref: str | None = None
    iati_type: str | None = None
    active: bool = True


def _check(data: OrganizationData, existing: Organization | None = None) -> None:
    other = by_acronym(data.acronym)
    if other is not None and other is not existing:
        raise OrganizationError(str(_l("Another organization uses this acronym.")), "acronym")
    if data.iati_ref:
        other = db.session.scalar(
            select(Organization).where(Organization.iati_ref == data.iati_ref.strip())
        )
        if other is not None and other is not existing:
            raise OrganizationError(
                str(
                    _l(
                        "Another organization (%(acronym)s) has this IATI identifier.",
                        acronym=other.acronym,
                    )
                ),
                "iati_ref",
            )


def _apply(org: Organization, data: OrganizationData) -> None:
    org.name_en = data.name_en.strip()
    org.name_km = (data.name_km or "").strip() or None
    org.acronym = data.acronym.strip()
    org.kind = data.kind
    org.iati_ref = (data.iati_ref or "").strip() or None
    org.iati_type = data.iati_type or None
    org.active = data.active


def create_organization(data: OrganizationData, *, actor=None) -> Organization:
    """Add an organization; refuse a taken acronym or IATI identifier."""
    _check(data)
    org = Organization()
    _apply(org, data)
    db.session.add(org)
    db.session.flush()
    record("organization.created", user=actor, obj=org)
    return org


def update_organization(org: Organization, data: OrganizationData, *, actor=None) -> None:
    """Change an organization; refuse a taken acronym or IATI identifier."""
    _check(data, existing=org)
    _apply(org, data)
    record("organization.updated", user=actor, obj=org)
    db.session.flush()
