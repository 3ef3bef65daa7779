"""Demo reporting rounds: two closed rounds with their snapshots, and one open round.

The closed rounds are frozen by the portal's own freeze from the demo projects; their plans for
the following years are then drawn (deterministically, from a random stream seeded by each
project) around what the projects later disbursed, some missed, some over-planned, so that
predictability shows the variance real plans have. The open round has some partners done, some
late, and the reminders of its schedule logged.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, select

from portal.accounts.models import Role, User
from portal.demo import bulk
from portal.extensions import db
from portal.projects.models import Project, ProjectFunding
from portal.rounds import freeze, services
from portal.rounds.models import (
    ReportingRound,
    RoundEvent,
    RoundProjectUpdate,
    RoundReturn,
    RoundSnapshotFunding,
    RoundSnapshotProject,
)

DEMO_SEED = 2026
CENT = Decimal("0.01")


def _when(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _cdc_user_id() -> int | None:
    return db.session.scalar(
        select(User.id).where(User.role == Role.CDC).order_by(User.id).limit(1)
    )


def _partner_user(organization_id: int) -> int | None:
    return db.session.scalar(
        select(User.id)
        .where(User.organization_id == organization_id, User.role == Role.DP)
        .limit(1)
    )


def _returns(
    round_: ReportingRound, rng: random.Random, *, share_done: float, late_share: float, until: date
):
    """Returns of the partners concerned: some on time, some late, the rest not yet submitted."""
    done = []
    for partner in services.partners_concerned(round_):
        roll = rng.random()
        if roll >= share_done:
            continue
        late = roll < share_done * late_share
        day = round_.deadline + timedelta(days=rng.randint(1, 20) if late else -rng.randint(0, 40))
        day = min(day, until)
        db.session.add(
            RoundReturn(
                round_id=round_.id,
                organization_id=partner.id,
                submitted_at=_when(day, 10),
                submitted_by_id=_partner_user(partner.id),
            )
        )
        db.session.add(
            RoundEvent(
                round_id=round_.id,
                organization_id=partner.id,
                at=_when(day, 10),
                kind="submitted",
                user_id=_partner_user(partner.id),
            )
        )
        done.append(partner.id)
    return done


def _updates(round_: ReportingRound, partners_done: list[int], rng: random.Random, share: float):
    """Mark projects updated: all of the partners done, a share of the others'."""
    rows = db.session.execute(
        select(Project.id, Project.reporting_org_id).where(services.concerned(round_))
    ).all()
    marks = [
        {
            "round_id": round_.id,
            "project_id": project_id,
            "at": _when(round_.deadline - timedelta(days=rng.randint(0, 60)), 11),
            "no_change": rng.random() < 0.4,
        }
        for project_id, partner in rows
        if partner in partners_done or rng.random() < share
    ]
    bulk.write(RoundProjectUpdate.__table__, marks)  # no money moves


def _reminders(round_: ReportingRound, until: date, rng: random.Random, done: list[int]) -> None:
    """The schedule's reminders up to `until`, to the partners not done by then."""
    waiting = [p.id for p in services.partners_concerned(round_) if p.id not in done]
    for offset in (-14, -7, 0, 7):
        day = round_.deadline + timedelta(days=offset)
        if day > until:
            break
        trigger = f"{offset:+d}" if offset else "0"
        for partner_id in waiting:
            db.session.add(
                RoundEvent(
                    round_id=round_.id,
                    organization_id=partner_id,
                    at=_when(day, 7),
                    kind="reminder",
                    trigger=trigger,
                    message_ids=[],
                )
            )


def _draw_plans(round_: ReportingRound, rng_seed: int) -> None:
    """Replace the snapshot's plans with plans drawn around what the projects later disbursed."""
    snapshots = db.session.execute(
        select(RoundSnapshotProject.id, RoundSnapshotProject.project_id)
        .where(RoundSnapshotProject.round_id == round_.id)
        .order_by(RoundSnapshotProject.id)  # the plans numbered in the snapshot's order
    ).all()
    # (project, year) -> (amount, currency, rate, USD), looked up by a snapshot's project id
    # (None once the project is deleted).
    later: dict[tuple[int | None, int], tuple[Decimal, str, Decimal | None, Decimal | None]] = {}
    for funded_id, year, amount, currency, rate, usd in db.session.execute(
        select(
            ProjectFunding.project_id,
            ProjectFunding.year,
            ProjectFunding.amount,
            ProjectFunding.currency,
            ProjectFunding.rate,
            ProjectFunding.amount_usd,
        ).where(ProjectFunding.year.between(round_.year + 1, round_.plan_years[-1]))
    ):
        later.setdefault((funded_id, year), (amount, currency, rate, usd))
    ids = select(RoundSnapshotProject.id).where(RoundSnapshotProject.round_id == round_.id)
    db.session.execute(
        delete(RoundSnapshotFunding).where(
            RoundSnapshotFunding.snapshot_id.in_(ids), RoundSnapshotFunding.kind == "planned"
        )
    )
    rows = []
    for snapshot_id, project_id in snapshots:
        rng = random.Random(f"{rng_seed}:{round_.year}:{project_id}")
        for year in round_.plan_years:
            found = later.get((project_id, year))
            if found is None or rng.random() < 0.12:  # some projects plan nothing ahead
                continue
            amount, currency, rate, _usd = found
            if rate is None:  # an amount waiting for its exchange rate: no plan is invented
                continue
            factor = Decimal(
                str(round(rng.choice((rng.uniform(0.55, 1.0), rng.uniform(0.8, 1.45))), 3))
            )
            planned = (amount * factor).quantize(CENT)
            rows.append(
                {
                    "snapshot_id": snapshot_id,
                    "year": year,
                    "kind": "planned",
                    "amount": planned,
                    "currency": currency,
                    "rate": rate,
                    "amount_usd": (planned / rate).quantize(CENT),
                }
            )
    bulk.write(RoundSnapshotFunding.__table__, rows)  # a snapshot's: no money kept moves


def _round(year: int, opened: date, deadline: date) -> ReportingRound:
    round_ = ReportingRound(
        year=year,
        deadline=deadline,
        opened_at=_when(opened, 8),
        opened_by_id=_cdc_user_id(),
        message_en=(
            f"Please report the disbursements of {year} and your plans for the next three years."
        ),
        message_km=f"សូមរាយការណ៍អំពីការផ្តល់មូលនិធិក្នុងឆ្នាំ {year} និងផែនការសម្រាប់បីឆ្នាំបន្ទាប់។",
        is_demo=True,
    )
    db.session.add(round_)
    db.session.flush()
    db.session.add(
        RoundEvent(
            round_id=round_.id,
            at=round_.opened_at,
            kind="opened",
            user_id=round_.opened_by_id,
            message_ids=[],
        )
    )
    return round_


def seed_rounds(today: date | None = None, *, seed: int = DEMO_SEED) -> int:
    """Add the demo rounds (two closed, one open) unless rounds exist; return how many."""
    if db.session.scalar(select(ReportingRound.id).limit(1)) is not None:
        return 0
    if db.session.scalar(select(Project.id).where(Project.is_demo).limit(1)) is None:
        return 0
    today = today or date.today()
    open_year = today.year - 1
    added = 0
    for year in (open_year - 2, open_year - 1):
        rng = random.Random(f"{seed}:round:{year}")
        round_ = _round(year, date(year + 1, 1, 15), date(year + 1, 3, 31))
        done = _returns(round_, rng, share_done=0.85, late_share=0.2, until=date(year + 1, 4, 29))
        _updates(round_, done, rng, share=0.5)
        _reminders(round_, round_.deadline + timedelta(days=7), rng, done)
        db.session.flush()
        # Closed when the round closed, its snapshot frozen then (not written again after).
        freeze.close(round_, actor=None, at=_when(date(year + 1, 4, 30), 17))
        round_.closed_by_id = _cdc_user_id()
        _draw_plans(round_, seed)
        added += 1
    rng = random.Random(f"{seed}:round:{open_year}")
    deadline = today - timedelta(days=12)
    round_ = _round(open_year, deadline - timedelta(days=90), deadline)
    done = _returns(round_, rng, share_done=0.5, late_share=0.3, until=today)
    _updates(round_, done, rng, share=0.35)
    _reminders(round_, today, rng, done)
    db.session.flush()
    return added + 1
