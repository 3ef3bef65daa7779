"""The dashboard's figures come from the aggregate service and match the project list."""

from datetime import date
from decimal import Decimal

from portal.organizations.models import OrgKind
from portal.projects import services
from portal.projects.services import set_published
from tests import factories


def _published(**fields):
    project = factories.project(**fields)
    set_published(project, True, actor=None)
    return project


def test_public_dashboard_counts_only_published_projects(client):
    partner = factories.organization(OrgKind.MULTILATERAL, acronym="DASHP")
    _published(
        reporting=partner,
        on_budget=True,
        commitment_date=date(2024, 2, 1),
        funding=[services.YearAmount(2024, "disbursement", Decimal("1500"), "USD")],
    )
    factories.project(
        reporting=partner,  # a draft: not for the public
        funding=[services.YearAmount(2024, "disbursement", Decimal("999"), "USD")],
    )
    page = client.get("/dashboard/?year=2024").get_data(as_text=True)
    assert "1,500.00" in page and "2,499.00" not in page
    assert "DASHP" in page
    assert "100 %" in page  # the one published disbursement is on budget


def test_home_page_of_the_public_shows_the_dashboard(client):
    page = client.get("/").get_data(as_text=True)
    assert "Where the money goes" in page
    assert 'id="trend-title"' in page


def test_cdc_sees_drafts_too_and_the_trend_table(client, login_as):
    login_as("cdc")
    partner = factories.organization(OrgKind.BILATERAL, acronym="DASHQ")
    factories.project(
        reporting=partner,
        funding=[
            services.YearAmount(2023, "disbursement", Decimal("700"), "USD"),
            services.YearAmount(2024, "disbursement", Decimal("300"), "USD"),
        ],
    )
    page = client.get(f"/dashboard/?year=2023&partner={partner.id}").get_data(as_text=True)
    assert "Disbursed in 2023 (USD)" in page
    assert "700.00" in page and "300.00" in page  # the trend's table lists both years
