"""The demo builder fills the registry with synthetic projects a person can explore."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from portal.accounts.models import Role, User
from portal.demo import projects as demo_projects_module
from portal.demo.projects import seed_projects
from portal.demo.services import build_demo
from portal.extensions import db
from portal.money.models import ExchangeRate
from portal.money.services import to_usd
from portal.organizations.services import by_acronym
from portal.projects import services
from portal.projects.models import Project, ProjectFunding, share_bounds

COUNT = 40


@pytest.fixture
def demo():
    """Organizations, accounts, rates and 40 demo projects, rolled back after the test."""
    counts = build_demo(project_count=COUNT)
    db.session.expire_all()
    return counts


def demo_projects() -> list[Project]:
    return list(db.session.scalars(select(Project).where(Project.is_demo).order_by(Project.id)))


def demo_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Project).where(Project.is_demo))


def test_the_demo_has_the_number_of_projects_asked_for_and_adds_nothing_twice(demo):
    assert demo["projects"] == COUNT
    assert demo_count() == COUNT

    assert build_demo(project_count=COUNT)["projects"] == 0
    assert demo_count() == COUNT

    # A larger demo adds only the difference, numbered after the existing ones.
    assert build_demo(project_count=COUNT + 5)["projects"] == 5
    refs = sorted(p.partner_ref for p in demo_projects())
    assert refs == [f"DEMO-{n:06d}" for n in range(1, COUNT + 6)]


def test_every_project_is_marked_as_demo_and_has_a_title(demo):
    projects = demo_projects()
    assert all(p.is_demo and p.title_en and p.partner_ref.startswith("DEMO-") for p in projects)
    assert any(p.title_km for p in projects), "many demo projects have a Khmer title"
    # Some are published, so the public list is not empty; not all, so CDC has work to do.
    published = [p for p in projects if p.published_at is not None]
    assert 0 < len(published) < COUNT


def test_sector_and_location_shares_add_up_to_100(demo):
    for project in demo_projects():
        assert 1 <= len(project.sectors) <= 3
        assert sum(s.percentage for s in project.sectors) == 100
        assert all(not s.sector.withdrawn for s in project.sectors)
        if project.nationwide:
            assert project.locations == []
        else:
            assert 1 <= len(project.locations) <= 4
            assert sum(loc.percentage for loc in project.locations) == 100
            for loc in project.locations:
                assert loc.district is None or loc.district.province_code == loc.province_code


def test_share_bounds_are_those_the_registry_would_store(demo):
    for project in demo_projects():
        for shares in (project.sectors, project.locations):
            in_order = sorted(shares, key=lambda share: share.id)
            assert [(s.share_from, s.share_to) for s in in_order] == share_bounds(
                [s.percentage for s in in_order]
            )


def test_partners_play_their_roles(demo):
    for project in demo_projects():
        assert not project.reporting_org.is_national, project.reporting_org.acronym
        assert project.lead_national_partner is not None
        assert project.lead_national_partner.is_national, project.lead_national_partner.acronym
        if project.external_lead_partner is not None:
            assert not project.external_lead_partner.is_national


def test_demo_projects_belong_to_the_partners_demo_account(demo):
    accounts = dict(
        db.session.execute(
            select(User.organization_id, User.id).where(
                User.email.like("%@demo.example"), User.role == Role.DP
            )
        ).all()
    )
    assert accounts, "the demo has development partner accounts"
    for project in demo_projects():
        expected = accounts.get(project.reporting_org_id)
        assert project.created_by_id == project.updated_by_id == expected


def test_money_in_usd_matches_the_rate_table(demo):
    rates = {(r.currency_code, r.year) for r in db.session.scalars(select(ExchangeRate))}
    this_year = date.today().year
    for project in demo_projects():
        disbursed = [f for f in project.funding if f.kind == "disbursement"]
        planned = [f for f in project.funding if f.kind == "planned"]
        assert project.disbursed_usd == sum((f.amount_usd for f in disbursed), Decimal(0))
        assert project.planned_usd == sum((f.amount_usd for f in planned), Decimal(0))
        assert all(f.year <= this_year for f in disbursed), "no actual money in future years"
        for row in project.funding:
            assert row.currency == "USD" or (row.currency, row.year) in rates
            assert row.amount_usd == to_usd(row.amount, row.currency, row.year)
            assert row.amount >= 0
        if project.commitment_amount is not None:
            agreed = project.commitment_date or project.actual_start or project.planned_start
            assert project.commitment_usd == to_usd(
                project.commitment_amount, project.commitment_currency, agreed.year
            )


def test_stored_totals_years_and_quality_are_what_the_registry_computes(demo):
    for project in demo_projects():
        stored = (
            project.commitment_rate,
            project.commitment_usd,
            project.disbursed_usd,
            project.planned_usd,
            project.start_year,
            project.end_year,
            project.quality_score,
            project.quality_findings,
        )
        services.refresh_totals(project)
        assert stored == (
            project.commitment_rate,
            project.commitment_usd,
            project.disbursed_usd,
            project.planned_usd,
            project.start_year,
            project.end_year,
            project.quality_score,
            project.quality_findings,
        ), project.partner_ref


def test_dates_are_in_order_and_updates_spread_over_three_years(demo):
    now = datetime.now(UTC)
    updated = []
    for project in demo_projects():
        assert project.planned_start <= project.planned_end
        if project.actual_start and project.actual_end:
            assert project.actual_start <= project.actual_end
        assert date(1995, 1, 1) <= project.planned_start and project.planned_end.year <= 2030
        at = (
            project.updated_at
            if project.updated_at.tzinfo
            else project.updated_at.replace(tzinfo=UTC)
        )
        updated.append(at)
    assert all(now - timedelta(days=3 * 366) <= at <= now for at in updated)
    assert any(at < now - timedelta(days=365) for at in updated), "some projects are stale"


def test_projects_registered_after_the_demo_get_ids_of_their_own(demo):
    """The demo assigns ids itself; the database's own id counters must carry on after them."""
    jica, moh = by_acronym("JICA"), by_acronym("MOH")
    highest = db.session.scalar(select(func.max(Project.id)))
    highest_row = db.session.scalar(select(func.max(ProjectFunding.id)))
    project = services.save_project(
        services.ProjectData(
            title_en="Registered after the demo",
            reporting_org_id=jica.id,
            lead_national_partner_id=moh.id,
            planned_start=date(2024, 1, 1),
            planned_end=date(2026, 12, 31),
            nationwide=True,
            sectors=[services.SectorShare("12220", Decimal(100))],
            funding=[services.YearAmount(2024, "disbursement", Decimal(1000), "EUR")],
        ),
        actor=None,
    )
    assert project.id > highest
    assert project.funding[0].id > highest_row
    assert not project.is_demo


def _fingerprint():
    return [
        (
            p.partner_ref,
            p.title_en,
            p.commitment_amount,
            p.commitment_currency,
            [(f.year, f.kind, f.amount) for f in p.funding],
            [(s.sector_code, s.percentage) for s in p.sectors],
        )
        for p in demo_projects()
    ]


def _remove_demo_projects() -> None:
    db.session.execute(
        delete(ProjectFunding).where(
            ProjectFunding.project_id.in_(select(Project.id).where(Project.is_demo))
        )
    )
    db.session.execute(delete(Project).where(Project.is_demo))
    db.session.expire_all()


def test_the_same_projects_come_back_after_being_removed(demo):
    before = _fingerprint()
    _remove_demo_projects()
    assert seed_projects(COUNT) == COUNT
    db.session.expire_all()
    assert _fingerprint() == before


def test_projects_drawn_by_other_processes_are_the_same(demo, monkeypatch):
    before = _fingerprint()
    _remove_demo_projects()
    # Batches of 4, drawn by other processes from 2 batches (a large demo's way).
    monkeypatch.setattr(demo_projects_module, "BATCH", 4)
    monkeypatch.setattr(demo_projects_module, "PROCESS_FROM", 2)
    assert seed_projects(COUNT) == COUNT
    db.session.expire_all()
    assert _fingerprint() == before


def test_the_public_list_shows_published_demo_projects_only(demo, client):
    projects = demo_projects()
    latest = max((p for p in projects if p.published_at), key=lambda p: (p.updated_at, p.id))
    unpublished = [p for p in projects if p.published_at is None]
    response = client.get("/projects/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Demo data" in page
    assert f'href="/projects/{latest.id}"' in page
    assert not any(f'href="/projects/{p.id}"' in page for p in unpublished)
