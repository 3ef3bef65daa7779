"""Project use cases: create, update, publish; USD values kept in step with rates.

Services flush and never commit; the view commits once. The rules a project must follow are in
`portal.projects.rules`; every way in saves through `save_project`, which checks them first.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from blinker import Namespace
from sqlalchemy import BigInteger, Integer, cast, func, literal, select, type_coerce, update

from portal.audit.services import record
from portal.db import Rate, utcnow
from portal.extensions import db
from portal.money.services import load_rates, rate_changed
from portal.projects import history, quality
from portal.projects.funding import apply_sources, clear_sources, snapshot_text
from portal.projects.lookups import Lookups
from portal.projects.models import (
    Project,
    ProjectDocument,
    ProjectFunding,
    ProjectLocation,
    ProjectParticipant,
    ProjectSector,
    share_bounds,
)
from portal.projects.rules import (
    UNLISTED,
    Document,
    EditConflict,
    LocationShare,
    Participant,
    ProjectData,
    ProjectInvalid,
    SectorShare,
    SourceData,
    YearAmount,
    validate,
)
from portal.projects.sources import PROJECT_FUNDING_KINDS, FundingSource, SourceFunding

# What callers read from here (the rules' types and errors are part of saving's contract).
__all__ = [
    "Document",
    "EditConflict",
    "LocationShare",
    "Participant",
    "ProjectData",
    "ProjectInvalid",
    "SectorShare",
    "SourceData",
    "UNLISTED",
    "YearAmount",
    "column_values",
    "child_rows",
    "project_saved",
    "refresh_totals",
    "save_project",
    "set_published",
    "validate",
]

# Sent after a project is saved, with the snapshot from before (the workflow listens).
project_saved = Namespace().signal("project-saved")


def _year_range(project: Project | SimpleNamespace) -> tuple[int | None, int | None]:
    start = project.actual_start or project.planned_start
    end = project.actual_end or project.planned_end
    years = [f.year for f in project.funding]
    first = min([d for d in [start.year if start else None, *years] if d], default=None)
    last = max([d for d in [end.year if end else None, *years] if d], default=None)
    return first, last


def _rate(rates: dict, currency: str, year: int) -> Decimal | None:
    """Units of `currency` per USD in `year`, or None while CDC has no rate for it (an
    imported amount waits in its currency; the rules refuse a typed one without a rate)."""
    if currency == "USD":
        return Decimal(1)
    rate = rates.get((currency, year))
    return None if rate is None else Decimal(rate)


def _in_usd(amount: Decimal, rate: Decimal | None) -> Decimal | None:
    return None if rate is None else (amount / rate).quantize(Decimal("0.01"))


# The columns a project takes from ProjectData as they are (text stripped, empty is NULL).
DATA_COLUMNS = (
    "iati_identifier",
    "partner_ref",
    "title_en",
    "title_km",
    "description",
    "description_km",
    "objectives",
    "reporting_org_id",
    "lead_national_partner_id",
    "external_lead_partner_id",
    "status",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "twg_id",
    "type_of_assistance",
    "modality",
    "finance_type",
    "aid_type",
    "flow_type",
    "on_budget",
    "on_treasury",
    "nationwide",
    "commitment_amount",
    "commitment_currency",
    "commitment_date",
    "contact_name",
    "contact_email",
    "contact_phone",
    "data_source",
)


def column_values(data: ProjectData) -> dict:
    """The project's own column values from `data`, as stored."""
    values = {}
    for name in DATA_COLUMNS:
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip() or None
        values[name] = value
    values["title_en"] = data.title_en.strip()
    return values


def child_rows(data: ProjectData, rates: dict) -> dict[str, list[dict]]:
    """The rows of the project's sectors, locations, funding, partners and documents."""
    return {
        "sectors": [
            {
                "sector_code": s.sector_code,
                "percentage": s.percentage,
                "share_from": low,
                "share_to": high,
            }
            for s, (low, high) in zip(
                data.sectors, share_bounds([s.percentage for s in data.sectors]), strict=True
            )
        ],
        "locations": [
            {
                "province_code": loc.province_code,
                "district_code": loc.district_code or None,
                "commune_code": loc.commune_code or None,
                "percentage": loc.percentage,
                "share_from": low,
                "share_to": high,
            }
            for loc, (low, high) in zip(
                data.locations,
                share_bounds([loc.percentage for loc in data.locations]),
                strict=True,
            )
        ],
        # The reporting partner's disbursements; the other money goes with its source.
        "funding": [
            money_row(row, rates)
            for row in data.funding
            if row.source is None and row.kind in PROJECT_FUNDING_KINDS
        ],
        "participants": [
            {"organization_id": p.organization_id, "role": p.role} for p in data.participants
        ],
        "documents": [{"title": d.title.strip(), "url": d.url.strip()} for d in data.documents],
    }


CHILD_MODELS = {
    "sectors": ProjectSector,
    "locations": ProjectLocation,
    "funding": ProjectFunding,
    "participants": ProjectParticipant,
    "documents": ProjectDocument,
}


def _apply(project: Project, data: ProjectData, rates: dict) -> None:
    if project.id is not None:
        # Old child rows go first, so that rebuilt rows do not collide with their unique keys.
        for name in CHILD_MODELS:
            getattr(project, name).clear()
        clear_sources(project, data)
        db.session.flush()
    for name, value in column_values(data).items():
        setattr(project, name, value)
    # Relationships are replaced whole; unchanged rows are rebuilt identically.
    for name, rows in child_rows(data, rates).items():
        setattr(project, name, [CHILD_MODELS[name](**row) for row in rows])
    apply_sources(project, data, [money_row(row, rates) for row in data.funding])
    refresh_totals(project, rates)


def money_row(row: YearAmount, rates: dict) -> dict:
    """A yearly amount as stored: as entered, with the rate used and its USD value."""
    rate = _rate(rates, row.currency, row.year)
    return {
        "year": row.year,
        "kind": row.kind,
        "amount": row.amount,
        "currency": row.currency,
        "rate": rate,
        "amount_usd": _in_usd(row.amount, rate),
    }


# What refresh_totals computes from the rest of the project (besides the time of the change).
DERIVED_COLUMNS = (
    "commitment_rate",
    "commitment_usd",
    "disbursed_usd",
    "planned_usd",
    "start_year",
    "end_year",
    "quality_score",
    "quality_findings",
)


def refresh_totals(project: Project | SimpleNamespace, rates: dict | None = None) -> None:
    """Recompute the USD commitment, totals, years and stored quality of `project`.

    `project` may also be a plain object with the same attributes (a batch being written).
    """
    if project.commitment_amount is not None and project.commitment_currency:
        when = project.commitment_date or project.actual_start or project.planned_start
        if when is None:  # validate() asks for a date with every commitment amount
            raise ValueError("A commitment amount needs a date to be converted to USD.")
        rates = rates if rates is not None else load_rates({project.commitment_currency})
        rate = _rate(rates, project.commitment_currency, when.year)
        project.commitment_rate = rate
        project.commitment_usd = _in_usd(project.commitment_amount, rate)
    else:
        project.commitment_rate = project.commitment_usd = None
    # Amounts waiting for an exchange rate count once it is there.
    project.disbursed_usd = sum(
        (f.amount_usd for f in project.funding if f.kind == "disbursement" and f.amount_usd),
        Decimal(0),
    )
    project.planned_usd = sum(
        (f.amount_usd for f in project.funding if f.kind == "planned" and f.amount_usd),
        Decimal(0),
    )
    project.start_year, project.end_year = _year_range(project)
    project.updated_at = utcnow()
    score, findings = quality.assess(project, include_staleness=False)
    project.quality_score = score
    project.quality_findings = [f.as_json() for f in findings]


def save_project(
    data: ProjectData,
    *,
    actor,
    project: Project | None = None,
    expected_version: int | None = None,
    lookups: Lookups | None = None,
) -> Project:
    """Create or update a project after checking every rule; record each changed field.

    Refuses with ProjectInvalid (rules) or EditConflict (someone saved in between).
    """
    if project is not None and expected_version is not None and project.version != expected_version:
        raise EditConflict(project, history.changes(project.id, since_version=expected_version))
    checked = validate(data, project, lookups)
    creating = project is None
    before = {} if project is None else history.snapshot(project)
    # Kept out of the snapshot, which imports build from data without sources (they keep them).
    sources_before = "" if project is None else snapshot_text(project)
    if project is None:
        project = Project(created_by_id=getattr(actor, "id", None))
        db.session.add(project)
    _apply(project, data, checked["rates"])
    project.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    if creating:
        record("project.created", user=actor, obj=project)
        history.record_creation(project, user=actor)
    else:
        history.record_changes(project, before, user=actor, version=project.version)
        history.record_field(
            project, "funding_sources", sources_before, snapshot_text(project), user=actor
        )
    project_saved.send(None, project=project, actor=actor, before=before)
    return project


def set_published(project: Project, published: bool, *, actor) -> None:
    """Publish a project to the public pages, or withdraw it (CDC)."""
    before = history.snapshot(project)
    project.published_at = utcnow() if published else None
    db.session.flush()
    history.record_changes(project, before, user=actor, version=project.version)
    record("project.published" if published else "project.unpublished", user=actor, obj=project)


def _usd_cents(amount_column, rate: Decimal):
    """SQL for amount / rate, in whole cents, where the column holds cents."""
    cents = type_coerce(amount_column, BigInteger)
    return cast(func.round(cents * literal(Decimal(1), Rate) / literal(rate, Rate)), BigInteger)


@rate_changed.connect
def _reconvert(sender, currency: str, year: int, units_per_usd: Decimal, **extra) -> None:
    """Bring stored USD values in line with a new or changed exchange rate, and the stored
    data-quality findings that read them (waiting for a rate, signed commitments or
    disbursements above the commitment)."""
    rate = Decimal(units_per_usd)
    agreed = func.coalesce(Project.commitment_date, Project.actual_start, Project.planned_start)
    touched = (
        select(ProjectFunding.project_id)
        .where(ProjectFunding.currency == currency, ProjectFunding.year == year)
        .union(
            select(FundingSource.project_id)
            .join(SourceFunding, SourceFunding.source_id == FundingSource.id)
            .where(SourceFunding.currency == currency, SourceFunding.year == year),
            select(Project.id).where(
                Project.commitment_currency == currency,
                agreed.is_not(None),
                _year_of(agreed) == year,
            ),
        )
    )
    rescored = list(db.session.scalars(touched))
    db.session.execute(
        update(SourceFunding)
        .where(SourceFunding.currency == currency, SourceFunding.year == year)
        .values(
            rate=rate, amount_usd=type_coerce(_usd_cents(SourceFunding.amount, rate), BigInteger)
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(ProjectFunding)
        .where(ProjectFunding.currency == currency, ProjectFunding.year == year)
        .values(
            rate=rate, amount_usd=type_coerce(_usd_cents(ProjectFunding.amount, rate), BigInteger)
        ),
        execution_options={"synchronize_session": False},
    )
    affected = select(ProjectFunding.project_id).where(
        ProjectFunding.currency == currency, ProjectFunding.year == year
    )
    for column, kind in ((Project.disbursed_usd, "disbursement"), (Project.planned_usd, "planned")):
        total = (
            select(func.coalesce(func.sum(type_coerce(ProjectFunding.amount_usd, BigInteger)), 0))
            .where(ProjectFunding.project_id == Project.id, ProjectFunding.kind == kind)
            .scalar_subquery()
        )
        db.session.execute(
            update(Project)
            .where(Project.id.in_(affected))
            .values({column: type_coerce(total, BigInteger)}),
            execution_options={"synchronize_session": False},
        )
    db.session.execute(
        update(Project)
        .where(
            Project.commitment_currency == currency, agreed.is_not(None), _year_of(agreed) == year
        )
        .values(
            commitment_rate=rate,
            commitment_usd=type_coerce(_usd_cents(Project.commitment_amount, rate), BigInteger),
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()
    quality.rescore(rescored)


def _year_of(column):
    """The calendar year of a date column, on SQLite and PostgreSQL alike."""
    if db.engine.dialect.name == "sqlite":
        return cast(func.strftime("%Y", column), Integer)
    return cast(func.extract("year", column), Integer)
