"""Demo funding sources: co-financed projects, government counterpart funds, signed commitments.

About a quarter of the demo projects get the government's counterpart contribution (in cash in
riel, or in kind valued in dollars) led by their ministry; most of those are co-financed by
another development partner (ADB, AFD, the World Bank, the EU, KfW...) with its commitment
signed and its disbursements by year; some have another national source; and half of them have
the reporting partner's commitment signed in tranches by year. Idempotent: a project that has
any source besides the reporting partner, or any amount kept with a source, is left alone.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, insert, select

from portal.demo import bulk
from portal.extensions import db
from portal.money.services import load_rates
from portal.organizations.models import Organization
from portal.projects.funding import ensure_reporting_sources
from portal.projects.models import Project
from portal.projects.sources import REPORTING, FundingSource, SourceFunding

CO_FINANCIERS = ("ADB", "AFD", "WB", "EU", "KfW", "JICA", "KOICA", "AIIB", "EIB")
CENT = Decimal("0.01")
SEED = 2026_20


def _candidates():
    """Demo projects with a commitment, no source besides their partner and no source money."""
    has_more = exists().where(
        FundingSource.project_id == Project.id,
        (FundingSource.kind != REPORTING)
        | exists().where(SourceFunding.source_id == FundingSource.id),
    )
    return db.session.execute(
        select(
            Project.id,
            Project.reporting_org_id,
            Project.lead_national_partner_id,
            Project.commitment_usd,
            Project.start_year,
            Project.end_year,
        )
        .where(Project.is_demo, Project.commitment_usd > 0, ~has_more)
        .where(Project.id % 4 == 1)  # a quarter of the projects, the same ones every time
        .order_by(Project.id)
    ).all()


def _spread(total: Decimal, years: list[int], rng: random.Random) -> list[tuple[int, Decimal]]:
    """`total` over `years` in uneven parts that add up to it to the cent."""
    weights = [Decimal(rng.randint(5, 15)) for _ in years]
    whole = sum(weights, Decimal(0))
    parts = [(total * w / whole).quantize(CENT) for w in weights]
    if parts:
        parts[-1] += total - sum(parts, Decimal(0))
    return list(zip(years, parts, strict=True))


def seed_sources(seed: int = SEED) -> int:
    """Add the demo's funding sources where missing; return how many projects got them."""
    ensure_reporting_sources()
    projects = _candidates()
    if not projects:
        return 0
    partners = dict(
        db.session.execute(
            select(Organization.acronym, Organization.id).where(
                Organization.acronym.in_(CO_FINANCIERS)
            )
        ).all()
    )
    reporting_ids = dict(
        db.session.execute(
            select(FundingSource.project_id, FundingSource.id).where(
                FundingSource.kind == REPORTING,
                FundingSource.project_id.in_([p.id for p in projects]),
            )
        ).all()
    )
    khr = load_rates({"KHR"})
    this_year = date.today().year
    sources: list[dict] = []
    amounts: list[list[dict]] = []  # the amounts of each source, in the same order
    reporting_rows: list[dict] = []
    signed_years: set[tuple[int, int]] = set()

    def row(year: int, kind: str, usd: Decimal, currency: str = "USD") -> dict:
        rate = Decimal(1) if currency == "USD" else Decimal(khr.get((currency, year), 4100))
        amount = (usd * rate).quantize(CENT)
        return {
            "year": year,
            "kind": kind,
            "amount": amount,
            "currency": currency,
            "rate": rate,
            "amount_usd": (amount / rate).quantize(CENT),
        }

    for project in projects:
        rng = random.Random(seed * 100_003 + project.id)
        first = project.start_year or this_year - 3
        last = max(project.end_year or first + 4, first)
        past = [y for y in range(first, min(last, this_year - 1) + 1)]
        ahead = [y for y in range(max(first, this_year), last + 1)][:3]
        commitment = Decimal(project.commitment_usd)
        signed_in = min(first, this_year - 1)  # agreements come before the money, never ahead
        position = 1
        others = [pid for acronym, pid in partners.items() if pid != project.reporting_org_id]
        if others and rng.random() < 0.7:
            share = commitment * Decimal(rng.randint(30, 100)) / 100
            money = [row(signed_in, "commitment", share.quantize(Decimal(1000)))]
            disbursed = share * Decimal(rng.randint(30, 80)) / 100
            money += [row(y, "disbursement", a) for y, a in _spread(disbursed, past, rng)]
            money += [row(y, "planned", a) for y, a in _spread(share / 5, ahead, rng)]
            sources.append(
                {
                    "project_id": project.id,
                    "kind": "cofinancier",
                    "organization_id": rng.choice(others),
                    "in_kind": False,
                    "position": position,
                }
            )
            amounts.append(money)
            position += 1
        in_kind = rng.random() < 0.4
        counterpart = commitment * Decimal(rng.randint(5, 12)) / 100
        currency = "USD" if in_kind else "KHR"
        money = [row(signed_in, "commitment", counterpart.quantize(Decimal(100)), currency)]
        spent = counterpart * Decimal(rng.randint(40, 90)) / 100
        money += [row(y, "disbursement", a, currency) for y, a in _spread(spent, past, rng)]
        if not in_kind and past:
            money += [row(past[-1], "expenditure", (spent / len(past)).quantize(CENT), "KHR")]
        sources.append(
            {
                "project_id": project.id,
                "kind": "counterpart",
                "organization_id": project.lead_national_partner_id,
                "in_kind": in_kind,
                "position": position,
            }
        )
        amounts.append(money)
        position += 1
        if rng.random() < 0.15 and past:
            sources.append(
                {
                    "project_id": project.id,
                    "kind": "national",
                    "organization_id": None,
                    "in_kind": False,
                    "position": position,
                }
            )
            amounts.append([row(past[0], "disbursement", (commitment / 50).quantize(CENT))])
        if rng.random() < 0.5 and project.id in reporting_ids:
            tranche = (commitment * Decimal(rng.randint(40, 60)) / 100).quantize(CENT)
            for year, usd in ((signed_in, tranche), (min(first + 2, this_year - 1), None)):
                usd = usd if usd is not None else commitment - tranche
                if (project.id, year) not in signed_years:
                    signed_years.add((project.id, year))
                    reporting_rows.append(
                        {"source_id": reporting_ids[project.id], **row(year, "commitment", usd)}
                    )
    table = FundingSource.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = list(db.session.execute(statement, sources).scalars())
    rows = [
        {"source_id": source_id, **money}
        for source_id, money_rows in zip(ids, amounts, strict=True)
        for money in money_rows
    ]
    rows += reporting_rows
    # The sources went through the session, whose listeners noted their projects (the money
    # kept per project is worked out again at the commit); their amounts are copied.
    bulk.write(SourceFunding.__table__, rows)
    db.session.flush()
    bulk.analyze([FundingSource.__tablename__, SourceFunding.__tablename__])
    return len(projects)
