"""A ministry's portfolio: its projects' states, its overdue reviews, and the dashboard's
figures for the projects it leads only. CDC opens any ministry's; partners and the public none."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services
from portal.projects.services import set_published
from tests import factories


def _world():
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="PORTM")
    other = factories.organization(OrgKind.GOVERNMENT, acronym="OTHERM")
    mine = factories.project(
        lead=ministry,
        title_en="Our clinics",
        funding=[services.YearAmount(2024, "disbursement", Decimal("2500000"), "USD")],
    )
    late = factories.project(lead=ministry, title_en="Our late review")
    late.workflow_state = "submitted"
    late.state_changed_at = utcnow() - timedelta(days=90)
    theirs = factories.project(
        lead=other,
        title_en="Their bridges",
        funding=[services.YearAmount(2024, "disbursement", Decimal("7000000"), "USD")],
    )
    for project in (mine, theirs):
        set_published(project, True, actor=None)
    db.session.flush()
    return ministry, other


def test_a_ministry_sees_its_own_portfolio(client, login_as):
    ministry, _other = _world()
    login_as("ministry", organization=ministry)
    response = client.get("/dashboard/portfolio?year=2024")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ministry.name_en in page
    assert 'data-state="submitted">1<' in page
    assert "Our late review" in page and "due on" in page  # overdue
    assert 'title="2,500,000.00">2.5 M</span>' in page  # its money, not the other's
    assert "7.0 M" not in page
    assert 'href="/dashboard/portfolio"' in page  # in the menu


def test_cdc_opens_any_ministrys_portfolio_and_partners_none(client, login_as):
    ministry, other = _world()
    login_as("cdc")
    page = client.get(f"/dashboard/portfolio?ministry={other.id}&year=2024").get_data(as_text=True)
    assert "7.0 M" in page and "2.5 M" not in page
    assert f'name="ministry" value="{other.id}"' in page  # the filters keep the ministry
    assert client.get("/dashboard/portfolio").status_code == 404
    client.post("/logout")
    login_as("dp")
    assert client.get(f"/dashboard/portfolio?ministry={ministry.id}").status_code == 403
    client.post("/logout")
    response = client.get(f"/dashboard/portfolio?ministry={ministry.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
