"""Finding projects: filters, sorting, totals and the rows of an export."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from flask import abort
from sqlalchemy import SQLColumnExpression, case, exists, func, null, or_, select
from sqlalchemy.orm import aliased, selectinload

from portal import changes
from portal.accounts.models import Role
from portal.budget.queries import projects_under_code
from portal.extensions import db
from portal.forms import as_id
from portal.organizations.models import Organization
from portal.projects.models import Project, ProjectFunding, ProjectLocation, ProjectSector
from portal.projects.source_filters import (
    SOURCE_FILTER_KINDS,
    funded_by_clause,
    read_kind,
    source_kind_clause,
)
from portal.security import (
    can_edit_project,
    can_see_internal_fields,
    can_view_project,
    internal_fields_visibility,
    project_visibility,
)


def visible_projects(user):
    """A WHERE clause for the projects `user` may read (`security.project_visibility`)."""
    return project_visibility(user, Project)


def load_project_or_404(project_id: int, user, *, for_edit: bool = False) -> Project:
    """Load a project the user may read (and edit); anything else is 404 or 403.

    A project the user may not even read answers 404, so ids cannot be probed.
    """
    project = db.session.get(Project, project_id)
    if project is None or not can_view_project(user, project):
        abort(404)
    if for_edit and not can_edit_project(user, project):
        abort(404 if not can_see_internal_fields(user, project) else 403)
    return project


@dataclass
class ProjectFilters:
    """The filters of the project list, as read from the query string."""

    q: str = ""
    partner: int | None = None
    ministry: int | None = None
    sector: str = ""
    province: str = ""
    status: str = ""
    year_from: int | None = None
    year_to: int | None = None
    assistance: str = ""
    published: str = ""
    # The workflow state (draft, submitted, ...): applied for logged-in readers only.
    state: str = ""
    # A budget code: projects mapped to that node or to a node under it (a programme's
    # sub-programmes).
    budget: str = ""
    # Funding sources (portal/projects/source_filters.py): an organization on any source, and
    # a kind of source the project has (cofinancier, counterpart, national).
    funded_by: int | None = None
    source_kind: str = ""

    @classmethod
    def from_args(cls, args) -> ProjectFilters:
        def integer(name):
            value = args.get(name, "").strip()
            return as_id(value)

        return cls(
            q=args.get("q", "").strip()[:200],
            partner=integer("partner"),
            ministry=integer("ministry"),
            sector=args.get("sector", "").strip()[:5],
            province=args.get("province", "").strip()[:2],
            status=args.get("status", "").strip()[:2],
            year_from=integer("year_from"),
            year_to=integer("year_to"),
            assistance=args.get("assistance", "").strip()[:30],
            published=args.get("published", "").strip()[:3],
            state=args.get("state", "").strip()[:12],
            budget=args.get("budget", "").strip()[:40],
            funded_by=integer("funded_by"),
            source_kind=read_kind(args.get("source_kind", "")),
        )

    def as_args(self) -> dict:
        """The non-empty filters, for links that keep them."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) not in (None, "")
        }


SORTS = {
    "title": Project.title_en,
    "status": Project.status,
    "start": Project.start_year,
    "commitment": Project.commitment_usd,
    "disbursed": Project.disbursed_usd,
    "updated": Project.updated_at,
    "quality": Project.quality_score,
}


NULLABLE_SORTS = {"start", "commitment"}
# Keys of fields the pages show only to a project's own people and CDC.
INTERNAL_SORTS = {"quality"}
DEFAULT_SORT = "-updated"


def filtered(user, filters: ProjectFilters):
    """Return the SELECT of the projects `user` may read that match `filters`."""
    statement = select(Project).where(visible_projects(user))
    if filters.q:
        like = f"%{filters.q.lower()}%"
        statement = statement.where(
            or_(
                func.lower(Project.title_en).like(like),
                Project.title_km.like(f"%{filters.q}%"),
                func.lower(Project.iati_identifier).like(like),
                func.lower(Project.partner_ref).like(like),
                func.lower(Project.description).like(like),
                Project.description_km.like(f"%{filters.q}%"),
            )
        )
    if filters.partner:
        statement = statement.where(Project.reporting_org_id == filters.partner)
    if filters.ministry:
        statement = statement.where(Project.lead_national_partner_id == filters.ministry)
    if filters.sector:
        # A 3-digit category matches every purpose code under it.
        match = (
            ProjectSector.sector_code.startswith(filters.sector)
            if len(filters.sector) == 3
            else ProjectSector.sector_code == filters.sector
        )
        statement = statement.where(exists().where(ProjectSector.project_id == Project.id, match))
    if filters.province:
        statement = statement.where(
            exists().where(
                ProjectLocation.project_id == Project.id,
                ProjectLocation.province_code == filters.province,
            )
        )
    if filters.status:
        statement = statement.where(Project.status == filters.status)
    if filters.year_from:
        statement = statement.where(
            or_(Project.end_year.is_(None), Project.end_year >= filters.year_from)
        )
    if filters.year_to:
        statement = statement.where(
            or_(Project.start_year.is_(None), Project.start_year <= filters.year_to)
        )
    if filters.assistance:
        statement = statement.where(Project.type_of_assistance == filters.assistance)
    if filters.published == "yes":
        statement = statement.where(Project.published_at.is_not(None))
    elif filters.published == "no":
        statement = statement.where(Project.published_at.is_(None))
    if filters.budget:
        statement = statement.where(Project.id.in_(projects_under_code(filters.budget)))
    if filters.funded_by:
        statement = statement.where(funded_by_clause(filters.funded_by))
    if filters.source_kind:
        statement = statement.where(source_kind_clause(filters.source_kind))
    if filters.state and getattr(user, "is_authenticated", False):
        statement = statement.where(Project.workflow_state == filters.state)
    return statement


def list_filters(args, user) -> ProjectFilters:
    """The project list's filters: a partner's focal point starts on its own organization's
    projects (the list's partner filter, which the form then shows and can clear)."""
    filters = ProjectFilters.from_args(args)
    if "partner" not in args and getattr(user, "role", None) is Role.DP:
        filters.partner = user.organization_id
    return filters


def allowed_sort(user, sort: str) -> str:
    """`sort`, or the default order when it is by an internal field and `user` is the public."""
    if sort.lstrip("-") in INTERNAL_SORTS and not (user and user.is_authenticated):
        return DEFAULT_SORT
    return sort


def sorted_statement(statement, sort: str, user):
    """Order `statement` by a known column ('-' first for descending), then by id.

    An internal field orders only the rows whose internal fields `user` may see; the others
    come after them (by id), so the order reveals nothing the pages hide.
    """
    sort = allowed_sort(user, sort)
    key = sort.lstrip("-")
    column: SQLColumnExpression[Any]
    if key == "partner":
        partner = aliased(Organization)
        statement = statement.join(partner, partner.id == Project.reporting_org_id)
        column = partner.acronym
    else:
        column = SORTS.get(key, Project.updated_at)
    if key in INTERNAL_SORTS:
        column = case((internal_fields_visibility(user, Project), column), else_=null())
    descending = sort.startswith("-") or (key not in SORTS and key != "partner")
    order = column.desc() if descending else column.asc()
    if key in NULLABLE_SORTS or key in INTERNAL_SORTS:
        order = order.nulls_last()  # empty values last, whichever the direction
    return statement.order_by(order, Project.id.desc() if descending else Project.id)


def with_list_relations(statement):
    """Load what a list row shows in two small extra queries (never one per row).

    selectin keeps the page query a plain LIMIT on the project table, which the database can
    answer from an index; a join would make it join every matching row before limiting.
    """
    return statement.options(
        selectinload(Project.reporting_org), selectinload(Project.lead_national_partner)
    )


@dataclass
class Totals:
    count: int
    commitment_usd: Decimal
    disbursed_usd: Decimal
    planned_usd: Decimal


def totals(statement) -> Totals:
    """Sum the USD money of every project the statement selects (not only one page)."""
    inner = (
        statement.order_by(None)
        .with_only_columns(
            Project.id, Project.commitment_usd, Project.disbursed_usd, Project.planned_usd
        )
        .subquery()
    )
    row = db.session.execute(
        select(
            func.count(inner.c.id),
            func.coalesce(func.sum(inner.c.commitment_usd), 0),
            func.coalesce(func.sum(inner.c.disbursed_usd), 0),
            func.coalesce(func.sum(inner.c.planned_usd), 0),
        )
    ).one()
    # The sums keep the Money type: they are exact sums of cents, returned as Decimals.
    return Totals(count=row[0], commitment_usd=row[1], disbursed_usd=row[2], planned_usd=row[3])


@dataclass(frozen=True)
class Choice:
    """A province or a sector category as the filters list it (kept per data version, so not
    a database record)."""

    code: str
    name_en: str
    name_km: str | None

    def display_name(self, locale: str = "en") -> str:
        if locale == "km" and self.name_km:
            return self.name_km
        return self.name_en


def filter_options() -> dict:
    """The choices of the list filters (partners, ministries, sectors, provinces, codes,
    kinds of funding source). The records are read once per data version."""
    from portal.projects import codes

    return {
        **changes.per_version(db.session, "filter-options", _recorded_options),
        "statuses": codes.ACTIVITY_STATUS,
        "assistance": codes.TYPE_OF_ASSISTANCE,
        "source_kinds": SOURCE_FILTER_KINDS,
    }


def _recorded_options() -> dict:
    from portal.organizations.services import organization_choices
    from portal.reference.models import Province, SectorCategory

    return {
        "partners": tuple(organization_choices(False)),
        "ministries": tuple(organization_choices(True)),
        "categories": tuple(
            Choice(c.code, c.name_en, c.name_km)
            for c in db.session.scalars(select(SectorCategory).order_by(SectorCategory.code))
        ),
        "provinces": tuple(
            Choice(p.code, p.name_en, p.name_km)
            for p in db.session.scalars(select(Province).order_by(Province.name_en))
        ),
    }


def waiting_for_rates() -> list[tuple[str, int, int]]:
    """(currency, year, how many amounts) of imported money that waits for an exchange rate."""
    return [
        (currency, year, count)
        for currency, year, count in db.session.execute(
            select(ProjectFunding.currency, ProjectFunding.year, func.count())
            .where(ProjectFunding.rate.is_(None))
            .group_by(ProjectFunding.currency, ProjectFunding.year)
            .order_by(ProjectFunding.currency, ProjectFunding.year)
        )
    ]
