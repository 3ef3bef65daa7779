"""Build the demo database: reference data, real organizations, demo accounts, rates.

Every step is idempotent: running the demo twice adds nothing the first run made.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.accounts.services import AccountData, create_user, find_by_email
from portal.aggregates.cells import MoneyCell
from portal.aggregates.summary import MoneySummary
from portal.budget.demo import seed_budget
from portal.demo.bulk import analyze, indexed_after, roomy_sorts, tally_paused
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


# The demo's steps in order: (what build_demo counts it as, the step).
STEPS: tuple[tuple[str, Callable[..., int]], ...] = (
    ("organizations", seed_organizations),
    ("sector_leads", load_sector_leads),
    ("users", seed_users),
    ("exchange_rates", seed_rates),
    ("projects", seed_projects),
    ("funding_sources", seed_sources),
    ("workflow", seed_workflow),
    ("budget_codes", seed_budget),
    ("commitments", seed_commitments),
    ("pilots", seed_pilots),
    ("results", seed_results),
    ("rounds", seed_rounds),
)


def build_demo(
    project_count: int = 0, *, on_step: Callable[[str], object] | None = None
) -> dict[str, int]:
    """Seed everything the demo needs; return what was added.

    `on_step`, if given, is called with each step's name once it is done ("reference" first):
    the benchmark of the build times the steps with it.
    """
    roomy_sorts()
    counts = seed_reference_data()
    if on_step is not None:
        on_step("reference")
    with tally_paused(), indexed_after():
        for name, step in STEPS:
            counts[name] = step(project_count) if step is seed_projects else step()
            if on_step is not None:
                on_step(name)
    if any(counts.values()):
        # Statistics of every table the steps filled, for the statements of the commit (which
        # works out the money kept per project) and the first pages.
        analyze()
        if on_step is not None:
            on_step("analyze")
    return counts


def analyze_kept() -> None:
    """Statistics of the money kept per project, which the commit of a build filled."""
    analyze([MoneyCell.__tablename__, MoneySummary.__tablename__])


def demo_user_count() -> int:
    emails = [email for email, *_rest in DEMO_USERS]
    return len(list(db.session.scalars(select(User.id).where(User.email.in_(emails)))))
