"""Build the demo database: reference data, real organizations, demo accounts, rates.

Every step is idempotent: running the demo twice adds nothing the first run made.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.accounts.services import AccountData, create_user, find_by_email
from portal.budget.demo import seed_budget
from portal.demo.commitments import seed_commitments
from portal.demo.organizations import (
    DEMO_PASSWORD,
    DEMO_RATE_ANCHORS,
    DEMO_USERS,
)
from portal.demo.pilots import seed_pilots
from portal.demo.projects import seed_projects
from portal.demo.rounds import seed_rounds
from portal.demo.sources import seed_sources
from portal.demo.workflow import seed_workflow
from portal.extensions import db
from portal.money.models import ExchangeRate
from portal.organizations.known import seed_organizations
from portal.organizations.services import existing_by_acronym
from portal.reference.seed import seed_reference_data
from portal.reference.services import load_sector_leads
from portal.results.demo import seed_results

DEMO_RATE_SOURCE = "Demo data: approximate yearly average, not an official rate"
DEMO_YEARS = range(1995, 2031)


def seed_users() -> int:
    """Create the demo accounts that do not exist yet; return how many."""
    added = 0
    for email, name, acronym, role in DEMO_USERS:
        if find_by_email(email) is not None:
            continue
        create_user(
            AccountData(
                email=email,
                name=name,
                organization=existing_by_acronym(acronym),
                role=Role(role),
            ),
            DEMO_PASSWORD,
        )
        added += 1
    return added


def _interpolate(anchors: dict[int, float], year: int) -> Decimal:
    years = sorted(anchors)
    if year <= years[0]:
        value = anchors[years[0]]
    elif year >= years[-1]:
        value = anchors[years[-1]]
    else:
        low = max(y for y in years if y <= year)
        high = min(y for y in years if y >= year)
        share = 0 if high == low else (year - low) / (high - low)
        value = anchors[low] + (anchors[high] - anchors[low]) * share
    return Decimal(str(round(value, 4)))


def seed_rates() -> int:
    """Fill the demo rate table for 1995-2030 where a rate is missing; return how many."""
    existing = set(db.session.execute(select(ExchangeRate.currency_code, ExchangeRate.year)))
    added = 0
    for code, anchors in DEMO_RATE_ANCHORS.items():
        for year in DEMO_YEARS:
            if (code, year) in existing:
                continue
            db.session.add(
                ExchangeRate(
                    currency_code=code,
                    year=year,
                    units_per_usd=_interpolate(anchors, year),
                    source=DEMO_RATE_SOURCE,
                )
            )
            added += 1
    db.session.flush()
    return added


def build_demo(project_count: int = 0) -> dict[str, int]:
    """Seed everything the demo needs; return what was added."""
    counts = seed_reference_data()
    counts["organizations"] = seed_organizations()
    counts["sector_leads"] = load_sector_leads()
    counts["users"] = seed_users()
    counts["exchange_rates"] = seed_rates()
    counts["projects"] = seed_projects(project_count)
    counts["funding_sources"] = seed_sources()
    counts["workflow"] = seed_workflow()
    counts["budget_codes"] = seed_budget()
    counts["commitments"] = seed_commitments()
    counts["pilots"] = seed_pilots()
    counts["results"] = seed_results()
    counts["rounds"] = seed_rounds()
    return counts


def demo_user_count() -> int:
    emails = [email for email, *_rest in DEMO_USERS]
    return len(list(db.session.scalars(select(User.id).where(User.email.in_(emails)))))
