"""The groups of projects the database keeps current (portal/projects/tally.py).

Whatever writes a project, the groups hold what counting the projects gives; the list's totals
read from them are the counted ones for every reader and filter they answer; the migration
makes the triggers that keep them.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_login import AnonymousUserMixin
from flask_migrate import upgrade
from sqlalchemy import case, delete, func, select, text, update

from portal import create_app
from portal.config import TestConfig
from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import queries, tally
from portal.projects.models import Project
from portal.projects.tally import ProjectTally
from tests import factories
from tests.conftest import drop_scratch_database, scratch_database_url

ZERO = Decimal("0.00")


def _kept() -> dict[tuple, tuple]:
    """The groups as kept (groups left empty hold no money and are left out)."""
    rows = db.session.scalars(select(ProjectTally)).all()
    for row in rows:
        if not row.projects:
            assert (row.commitment_usd, row.disbursed_usd, row.planned_usd) == (ZERO,) * 3
    return {
        (r.published, r.reporting_org_id, r.lead_national_partner_id, r.workflow_state): (
            r.projects,
            r.commitment_usd,
            r.disbursed_usd,
            r.planned_usd,
        )
        for r in rows
        if r.projects
    }


def _counted() -> dict[tuple, tuple]:
    """The groups counted from the projects."""
    published = case((Project.published_at.is_not(None), True), else_=False)
    lead = func.coalesce(Project.lead_national_partner_id, 0)
    key = (published, Project.reporting_org_id, lead, Project.workflow_state)
    return {
        tuple(row[:4]): (row[4], row[5] or ZERO, row[6] or ZERO, row[7] or ZERO)
        for row in db.session.execute(
            select(
                *key,
                func.count(),
                func.sum(Project.commitment_usd),
                func.sum(Project.disbursed_usd),
                func.sum(Project.planned_usd),
            ).group_by(*key)
        )
    }


@pytest.fixture
def spread():
    """Projects of two partners and two ministries, in several states, some published."""
    partners = [factories.organization(OrgKind.BILATERAL, acronym=a) for a in ("TLYA", "TLYB")]
    ministries = [factories.organization(OrgKind.GOVERNMENT, acronym=a) for a in ("TLYM", "TLYN")]
    cdc = factories.user("cdc")
    states = ["draft", "submitted", "confirmed", "validated", "reconfirm"]
    projects = []
    for number in range(10):
        project = factories.project(
            reporting=partners[number % 2],
            lead=ministries[number // 5],
            commitment_amount=Decimal(1000 * (number + 1)) + Decimal("0.25")
            if number % 3
            else None,
            title_en=f"Tallied road {number}",
        )
        project.workflow_state = states[number % 5]
        project.disbursed_usd = Decimal(number * 100) + Decimal("0.10")
        if number % 4 == 0:
            project.published_at = utcnow()
        projects.append(project)
    projects[9].lead_national_partner_id = None
    db.session.flush()
    return {"partners": partners, "ministries": ministries, "cdc": cdc, "projects": projects}


def test_the_groups_follow_every_kind_of_write(spread):
    projects, partners = spread["projects"], spread["partners"]
    assert _kept() == _counted() and _counted()
    # The unit of work: a state, publication, money, another partner and ministry.
    projects[0].workflow_state = "submitted"
    projects[1].published_at = utcnow()
    projects[2].commitment_usd = Decimal("12.34")
    projects[2].planned_usd = Decimal("5.00")
    projects[3].reporting_org_id = partners[0].id
    projects[4].lead_national_partner_id = spread["ministries"][1].id
    projects[5].title_en = "Renamed only"
    db.session.flush()
    assert _kept() == _counted()
    # Bulk statements.
    db.session.execute(
        update(Project)
        .where(Project.reporting_org_id == partners[1].id)
        .values(workflow_state="returned", disbursed_usd=Decimal("7.00"))
    )
    assert _kept() == _counted()
    db.session.execute(delete(Project).where(Project.id == projects[6].id))
    db.session.delete(projects[7])
    db.session.flush()
    assert _kept() == _counted()
    # A savepoint rolled back takes its changes of the groups with it.
    before = _kept()
    savepoint = db.session.begin_nested()
    projects[8].published_at = None
    projects[8].workflow_state = "validated"
    db.session.flush()
    assert _kept() == _counted() != before
    savepoint.rollback()
    assert _kept() == before == _counted()
    # SQL by hand, and counting again from scratch gives the same.
    db.session.execute(
        text("UPDATE project SET commitment_usd = NULL WHERE id = :id"), {"id": projects[0].id}
    )
    assert _kept() == _counted()
    kept = _kept()
    tally.rebuild(db.session.connection())
    assert _kept() == kept


def _readers(spread) -> dict:
    return {
        "nobody": None,
        "public": AnonymousUserMixin(),
        "cdc": spread["cdc"],
        "partner": factories.user("dp", spread["partners"][0]),
        "ministry": factories.user("ministry", spread["ministries"][1]),
    }


@pytest.mark.parametrize(
    "asked",
    [
        {},
        {"partner": "A"},
        {"ministry": "N"},
        {"published": "yes"},
        {"published": "no"},
        {"published": "maybe"},
        {"state": "submitted"},
        {"state": "validated", "partner": "B", "ministry": "M"},
        {"partner": "A", "published": "no"},
    ],
)
def test_the_lists_totals_from_the_groups_are_the_counted_ones(spread, asked):
    names = {
        "A": spread["partners"][0].id,
        "B": spread["partners"][1].id,
        "M": spread["ministries"][0].id,
        "N": spread["ministries"][1].id,
    }
    args = {key: str(names.get(value, value)) for key, value in asked.items()}
    filters = queries.ProjectFilters.from_args(args)
    assert tally.answers(filters)
    for name, reader in _readers(spread).items():
        grouped = tally.totals(reader, filters)
        counted = queries.totals(queries.filtered(reader, filters))
        assert grouped == counted, name


def test_other_filters_count_the_projects(spread):
    for args in (
        {"province": "12"},
        {"sector": "122"},
        {"q": "road"},
        {"status": "2"},
        {"year_from": "2020"},
        {"partner": str(spread["partners"][0].id), "assistance": "grant"},
        {"funded_by": str(spread["partners"][0].id)},
    ):
        filters = queries.ProjectFilters.from_args(args)
        assert not tally.answers(filters) and tally.totals(spread["cdc"], filters) is None


def test_the_list_page_shows_the_groups_totals(client, login_as, spread):
    login_as("dp", spread["partners"][1])
    page = client.get("/projects/").get_data(as_text=True)
    mine = queries.totals(
        queries.filtered(
            factories.user("dp", spread["partners"][1]),
            queries.ProjectFilters(partner=spread["partners"][1].id),
        )
    )
    assert f"Total of the {mine.count} projects" in page
    assert f'data-total="commitment">{mine.commitment_usd:,}' in page


@pytest.mark.own_database
def test_the_migration_makes_the_triggers(backend, tmp_root):
    url = scratch_database_url(backend, "tally", tmp_root)
    app = create_app(TestConfig(url))
    try:
        with app.app_context():
            upgrade()
            from portal.reference.seed import seed_reference_data

            seed_reference_data()
            connection = db.session.connection()
            if backend == "postgresql":
                found = connection.scalars(
                    text(
                        "SELECT tgname FROM pg_trigger "
                        "WHERE tgrelid = 'project'::regclass AND NOT tgisinternal"
                    )
                ).all()
            else:
                found = connection.scalars(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                ).all()
            assert set(tally.TRIGGERS[backend]) <= set(found)
            # And they keep the groups (the migration's own statements, not the module's).
            partner = factories.organization(OrgKind.BILATERAL, acronym="TLYC")
            first, second = (factories.project(reporting=partner) for _ in range(2))
            first.workflow_state = "submitted"
            db.session.flush()
            db.session.delete(second)
            db.session.commit()
            assert _kept() == _counted() and _kept()
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_scratch_database(url)
