"""Figures for the home pages."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.money.models import Currency, ExchangeRate
from portal.organizations.models import NATIONAL_KINDS, Organization
from portal.reference.models import Province, Sector, TechnicalWorkingGroup
from portal.strategy.models import StrategyFramework


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def public_summary() -> dict:
    """Return the counts a visitor sees before logging in."""
    from portal.projects.models import Project

    return {
        "published_projects": _count(Project, Project.published_at.is_not(None)),
        "partners": _count(Organization, Organization.kind.not_in(NATIONAL_KINDS)),
        "institutions": _count(Organization, Organization.kind.in_(NATIONAL_KINDS)),
        "provinces": _count(Province),
    }


def cdc_summary() -> dict:
    """Return what CDC staff need to see first: accounts and reference data health."""
    latest_year = db.session.scalar(select(func.max(ExchangeRate.year)))
    currencies_with_rate = _count(ExchangeRate, ExchangeRate.year == latest_year)
    from portal.projects.models import Project

    return {
        "projects": _count(Project),
        "published_projects": _count(Project, Project.published_at.is_not(None)),
        "users": _count(User, User.active),
        "inactive_users": _count(User, ~User.active),
        "organizations": _count(Organization),
        "partners": _count(Organization, Organization.kind.not_in(NATIONAL_KINDS)),
        "institutions": _count(Organization, Organization.kind.in_(NATIONAL_KINDS)),
        "sectors": _count(Sector),
        "twgs": _count(TechnicalWorkingGroup, TechnicalWorkingGroup.active),
        "currencies": _count(Currency, Currency.active),
        "latest_rate_year": latest_year,
        "currencies_with_rate": currencies_with_rate,
        "framework": db.session.scalar(
            select(StrategyFramework).where(StrategyFramework.is_current)
        ),
    }


def project_summary(column, organization_id: int) -> dict:
    """Count a partner's (or ministry's) projects, published and not, with their average score."""
    from portal.projects.models import Project
    from portal.projects.quality import effective_score

    rows = db.session.execute(
        select(Project.published_at, Project.quality_score, Project.updated_at).where(
            column == organization_id
        )
    ).all()
    # The Data quality page's average: every project counts, staleness included.
    scores = [effective_score(score, updated_at) for _published, score, updated_at in rows]
    return {
        "total": len(rows),
        "published": sum(1 for published_at, _score, _updated in rows if published_at),
        "average_score": round(sum(scores) / len(scores)) if scores else None,
    }


def recent_projects(column, organization_id: int, limit: int = 5) -> list:
    """The organization's most recently updated projects."""
    from portal.projects.models import Project

    return list(
        db.session.scalars(
            select(Project)
            .where(column == organization_id)
            .order_by(Project.updated_at.desc(), Project.id.desc())
            .limit(limit)
        )
    )


def organization_summary(organization: Organization) -> dict:
    """Return what a focal point sees about their own organization."""
    colleagues = list(
        db.session.scalars(
            select(User)
            .where(User.organization_id == organization.id, User.active)
            .order_by(User.name)
        )
    )
    return {"organization": organization, "colleagues": colleagues}
