"""Predictability: plans frozen in round Y-1 against actuals frozen in round Y, hand-made."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.rounds import predictability
from portal.rounds.models import ReportingRound, RoundSnapshotFunding, RoundSnapshotProject
from tests import factories

FROZEN = datetime(2026, 4, 1, tzinfo=UTC)


def closed_round(year: int) -> ReportingRound:
    round_ = ReportingRound(
        year=year, state="closed", deadline=date(year + 1, 3, 31), closed_at=FROZEN
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def frozen(round_, project_id, partner, ministry, **money):
    """A snapshot row with USD figures: actual=..., plan_YYYY=..."""
    snapshot = RoundSnapshotProject(
        round_id=round_.id,
        project_id=project_id,
        frozen_at=FROZEN,
        title_en=f"P{project_id}",
        reporting_org_id=partner.id,
        lead_national_partner_id=ministry.id,
        status="2",
        workflow_state="draft",
        sectors=[],
        locations=[],
    )
    for name, usd in money.items():
        kind, year = (
            ("disbursement", round_.year) if name == "actual" else ("planned", int(name[5:]))
        )
        snapshot.funding.append(
            RoundSnapshotFunding(
                year=year,
                kind=kind,
                amount=Decimal(usd),
                currency="USD",
                rate=Decimal(1),
                amount_usd=Decimal(usd),
            )
        )
    db.session.add(snapshot)


@pytest.fixture
def orgs():
    return (
        factories.organization(OrgKind.BILATERAL, acronym="ALPHA"),
        factories.organization(OrgKind.MULTILATERAL, acronym="BETA"),
        factories.organization(OrgKind.GOVERNMENT, acronym="MINA"),
        factories.organization(OrgKind.GOVERNMENT, acronym="MINB"),
    )


def test_shares_of_plans_disbursed_and_of_actuals_planned(orgs):
    alpha, beta, mina, minb = orgs
    previous, current = closed_round(2024), closed_round(2025)
    # Round 2024 froze the plans for 2025 (and actuals of 2024, which do not count here).
    frozen(previous, 1, alpha, mina, actual="999", plan_2025="200")  # under-disbursed
    frozen(previous, 2, alpha, mina, plan_2025="100")  # over-disbursed
    frozen(previous, 4, beta, minb, plan_2025="80", plan_2026="70")  # planned, then nothing
    # Round 2025 froze the actuals of 2025.
    frozen(current, 1, alpha, mina, actual="150", plan_2026="10")
    frozen(current, 2, alpha, mina, actual="130")
    frozen(current, 3, beta, minb, actual="50")  # new: never planned
    db.session.flush()

    result = predictability.measure(2025)
    national = result.national
    assert (national.planned, national.actual, national.matched) == (380, 330, 250)
    assert round(national.share_of_plans_disbursed, 2) == 65.79
    assert round(national.share_of_actuals_planned, 2) == 75.76
    partners = {g.key: g for g in result.by_partner}
    assert (partners[alpha.id].planned, partners[alpha.id].actual) == (300, 280)
    assert round(partners[alpha.id].share_of_plans_disbursed, 2) == 83.33
    assert round(partners[alpha.id].share_of_actuals_planned, 2) == 89.29
    assert partners[beta.id].share_of_plans_disbursed == 0
    assert partners[beta.id].share_of_actuals_planned == 0
    ministries = {g.key: g for g in result.by_ministry}
    assert ministries[minb.id].planned == 80 and ministries[minb.id].actual == 50


def test_predictability_needs_two_closed_rounds(orgs):
    alpha, _, mina, _ = orgs
    current = closed_round(2025)
    frozen(current, 1, alpha, mina, actual="150")
    open_previous = ReportingRound(year=2024, state="open", deadline=date(2025, 3, 31))
    db.session.add(open_previous)
    db.session.flush()
    assert predictability.measure(2025) is None
    assert predictability.years_measurable() == []
    open_previous.state = "closed"
    db.session.flush()
    assert predictability.years_measurable() == [2025]
    assert predictability.measure(2025).national.actual == 150


def test_a_partner_with_nothing_planned_or_disbursed_is_left_out(orgs):
    alpha, beta, mina, _ = orgs
    previous, current = closed_round(2024), closed_round(2025)
    frozen(previous, 1, alpha, mina, plan_2025="100")
    frozen(current, 1, alpha, mina, actual="100")
    frozen(current, 2, beta, mina, plan_2026="40")
    db.session.flush()
    result = predictability.measure(2025)
    assert [g.key for g in result.by_partner] == [alpha.id]
    assert result.national.share_of_plans_disbursed == 100


def test_a_partners_part_frozen_again_changes_the_figures_kept_for_its_round(orgs):
    """The figures are kept while both snapshots stay the same; a grace period's
    re-submission (the partner's rows deleted and frozen anew) is read at once."""
    alpha, beta, mina, minb = orgs
    previous, current = closed_round(2024), closed_round(2025)
    frozen(previous, 1, alpha, mina, plan_2025="200")
    frozen(current, 1, alpha, mina, actual="150")
    db.session.flush()
    assert predictability.measure(2025).national.actual == 150
    kept = predictability.measure(2025)
    kept.national.add(Decimal(1), Decimal(1))  # a caller's copy: what is kept stays whole
    assert predictability.measure(2025).national.actual == 150

    db.session.execute(
        RoundSnapshotProject.__table__.delete().where(RoundSnapshotProject.round_id == current.id)
    )
    again = datetime(2026, 5, 2, tzinfo=UTC)
    snapshot = RoundSnapshotProject(
        round_id=current.id,
        project_id=1,
        frozen_at=again,
        title_en="P1",
        reporting_org_id=alpha.id,
        lead_national_partner_id=mina.id,
        status="2",
        workflow_state="draft",
        sectors=[],
        locations=[],
    )
    snapshot.funding.append(
        RoundSnapshotFunding(
            year=2025,
            kind="disbursement",
            amount=Decimal(180),
            currency="USD",
            rate=Decimal(1),
            amount_usd=Decimal(180),
        )
    )
    db.session.add(snapshot)
    db.session.flush()
    assert predictability.measure(2025).national.actual == 180
