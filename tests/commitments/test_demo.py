"""The demo holds realistic commitments and pilots, with history, and adds nothing twice."""

from datetime import date

from sqlalchemy import func, select

from portal.commitments import codes, queries
from portal.commitments.models import Commitment, ProgressReport
from portal.demo.services import build_demo
from portal.extensions import db
from portal.pilots.models import Lesson, Pilot


def test_demo_commitments_and_pilots_are_realistic_and_idempotent():
    counts = build_demo(project_count=0)
    assert counts["commitments"] >= 5 and counts["pilots"] >= 3
    titles = set(db.session.scalars(select(Commitment.title_en)))
    assert {
        "Share of ODA disbursed on budget",
        "Number of provinces with functioning sub-national planning",
        "Share of development partner projects registered and confirmed in the portal",
    } <= titles
    commitments = list(db.session.scalars(select(Commitment)))
    assert all(c.is_demo and c.title_km and c.points for c in commitments)
    assert {c.principle for c in commitments} == set(codes.PRINCIPLES)
    assert db.session.scalar(select(func.count()).select_from(ProgressReport)) >= 20
    assert (
        db.session.scalar(
            select(func.count()).select_from(ProgressReport).where(ProgressReport.by_cdc)
        )
        >= 1
    )  # CDC reported for an institution without an account
    # The dashboard has something in several statuses, and some joint ratings.
    rows = queries.rows(queries.load(), queries.Filters(), date.today())
    assert len({r.status for r in rows}) >= 4
    assert any(r.agreement == codes.JOINT for r in rows)
    assert any(r.differs for r in rows)
    pilots = list(db.session.scalars(select(Pilot)))
    assert all(p.is_demo and p.priorities and p.stage_changes for p in pilots)
    assert {p.stage for p in pilots} >= {"proposed", "active", "evaluated", "scaled_up"}
    assert db.session.scalar(select(func.count()).select_from(Lesson)) >= 4
    # Some of each are public, and some not: the public pages show both sides of the rule.
    assert {c.public for c in commitments} == {True, False}
    assert {p.public for p in pilots} == {True, False}

    again = build_demo(project_count=0)
    assert again["commitments"] == 0 and again["pilots"] == 0
    assert db.session.scalar(select(func.count()).select_from(Commitment)) == len(commitments)
