"""USD values follow the rate table; data quality findings and the partner summary."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import update

from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import quality, services
from portal.projects.models import Project
from tests import factories


def test_a_changed_rate_updates_stored_usd_values():
    factories.rate("EUR", 2022, "0.5")
    project = factories.project(
        commitment_amount=Decimal("100"),
        commitment_currency="EUR",
        commitment_date=date(2022, 6, 1),
        funding=[services.YearAmount(2022, "disbursement", Decimal("10"), "EUR")],
    )
    assert project.commitment_usd == Decimal("200.00")
    assert project.disbursed_usd == Decimal("20.00")
    factories.rate("EUR", 2022, "0.8")
    db.session.refresh(project)
    assert project.commitment_usd == Decimal("125.00")
    assert project.disbursed_usd == Decimal("12.50")
    assert project.funding[0].amount_usd == Decimal("12.50")
    assert project.funding[0].rate == Decimal("0.8")


def _codes(project) -> set[str]:
    return {f.code for f in quality.stored_findings(project)}


def test_findings_name_the_problems():
    project = factories.project(
        description=None,
        commitment_amount=Decimal("100"),
        planned_start=date(2018, 1, 1),
        planned_end=date(2019, 12, 31),
        commitment_date=date(2018, 1, 1),
        funding=[services.YearAmount(2021, "disbursement", Decimal("500"), "USD")],
    )
    codes = _codes(project)
    assert {"missing", "over_commitment", "after_end", "status_dates"} <= codes
    texts = [f.text() for f in quality.stored_findings(project)]
    assert "Missing: Description" in texts
    assert any("exceed the commitment" in t for t in texts)
    assert quality.current_score(project) < 60


def test_a_project_not_updated_for_a_year_is_stale():
    project = factories.project()
    db.session.execute(
        update(Project)
        .where(Project.id == project.id)
        .values(updated_at=utcnow() - timedelta(days=400))
    )
    db.session.refresh(project)
    assert "stale" in _codes(project)


def test_quality_page_ranks_partners_for_cdc_and_shows_a_partner_its_own(client, login_as):
    good = factories.organization(OrgKind.BILATERAL, acronym="GOODP")
    poor = factories.organization(OrgKind.BILATERAL, acronym="POORP")
    twg = db.session.execute(db.text("SELECT id FROM technical_working_group")).scalar()
    factories.project(
        reporting=good,
        type_of_assistance="grant",
        modality="project",
        twg_id=twg,
        contact_name="Someone",
    )
    factories.project(reporting=poor, description=None)
    login_as("cdc")
    page = client.get("/projects/quality").get_data(as_text=True)
    assert page.index("GOODP") < page.index("POORP")
    client.post("/logout")
    login_as("dp", organization=poor)
    page = client.get("/projects/quality").get_data(as_text=True)
    assert "POORP" in page and "GOODP" not in page


def test_detail_page_shows_score_and_findings(client, login_as):
    partner = factories.organization(OrgKind.BILATERAL)
    project = factories.project(reporting=partner, description=None)
    login_as("dp", organization=partner)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Missing: Description" in page
    assert f'aria-valuenow="{quality.current_score(project)}"' in page
