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
    return {
        "partners": _count(Organization, Organization.kind.not_in(NATIONAL_KINDS)),
        "institutions": _count(Organization, Organization.kind.in_(NATIONAL_KINDS)),
        "provinces": _count(Province),
    }


def cdc_summary() -> dict:
    """Return what CDC staff need to see first: accounts and reference data health."""
    latest_year = db.session.scalar(select(func.max(ExchangeRate.year)))
    currencies_with_rate = _count(ExchangeRate, ExchangeRate.year == latest_year)
    return {
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
