"""What the kept money's tests share: a small demo to change at random."""

from __future__ import annotations

import pytest

from portal.budget.demo import seed_budget
from portal.demo.projects import seed_projects
from portal.demo.services import seed_organizations, seed_rates
from portal.demo.sources import seed_sources
from portal.extensions import db
from tests import factories


@pytest.fixture
def demo(app):
    """The demo's organizations, rates, 40 projects, funding sources and budget codes, written
    by its bulk inserts and committed; returns a CDC user."""
    seed_organizations()
    seed_rates()
    seed_projects(40, seed=7)
    seed_sources()
    seed_budget()
    db.session.commit()
    return factories.user(role="cdc")
