"""The review page carries what the reviewer checks: the project's facts beside the form."""

from __future__ import annotations

import re
from decimal import Decimal

from portal.organizations.models import OrgKind
from portal.projects import services
from tests import factories


def test_the_review_shows_partner_lead_money_sectors_places_and_documents(client, login_as):
    factories.rate("EUR", 2024, "0.9")
    partner = factories.organization(OrgKind.BILATERAL, acronym="FACTSP")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="FACTSM")
    project = factories.project(
        reporting=partner,
        lead=ministry,
        title_en="Rural roads maintenance",
        nationwide=False,
        locations=[services.LocationShare("17", Decimal(100))],
        sectors=[services.SectorShare("21020", Decimal(100))],
        funding=[services.YearAmount(2024, "disbursement", Decimal("450000"), "EUR")],
        documents=[services.Document("Financing agreement", "https://example.org/fa.pdf")],
    )
    login_as("ministry", organization=ministry)
    page = client.get(f"/alignment/projects/{project.id}/review").get_data(as_text=True)
    facts = re.search(r'<aside class="card project-facts.*?</aside>', page, re.S).group(0)
    assert partner.name_en in facts and ministry.name_en in facts
    # The money in the currency the partner reported, and in US dollars at the year's rate.
    assert "450,000.00 EUR" in facts and "500,000.00" in facts
    assert "21020 Road transport" in facts and "Siemreap" in facts
    assert 'href="https://example.org/fa.pdf"' in facts and "Financing agreement" in facts


def test_other_priorities_are_ticked_by_pillar_in_the_readers_language(client, login_as):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.strategy.models import NodeKind, StrategyNode

    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="PRIOM")
    project = factories.project(lead=ministry, title_en="Teacher housing")
    priority = db.session.scalars(
        select(StrategyNode).where(StrategyNode.kind == NodeKind.PRIORITY).limit(1)
    ).one()
    user = login_as("ministry", organization=ministry)
    page = client.get(f"/alignment/projects/{project.id}/review").get_data(as_text=True)
    assert "Hold Ctrl" not in page and "<select multiple" not in page
    assert re.search(
        rf'<input class="form-check-input" type="checkbox" name="other_priority_ids" '
        rf'value="{priority.id}"',
        page,
    )
    assert "<details" in page and "<summary" in page  # one group per pillar
    # Where CDC has given a priority its Khmer name, the Khmer page shows it.
    priority.name_km = "អាទិភាពសាកល្បង"
    user.locale = "km"
    db.session.flush()
    page = client.get(f"/alignment/projects/{project.id}/review").get_data(as_text=True)
    assert f"{priority.code} អាទិភាពសាកល្បង" in page


def test_the_review_offers_only_the_steps_the_reader_may_take(client, login_as):
    from portal.extensions import db

    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="STEPM")
    project = factories.project(lead=ministry, title_en="Steps offered")
    project.workflow_state = "confirmed"
    db.session.flush()
    login_as("ministry", organization=ministry)
    page = client.get(f"/alignment/projects/{project.id}/review").get_data(as_text=True)
    # A confirmed project: the ministry has confirmed; only CDC may still return it.
    assert 'value="confirm"' not in page and 'value="return"' not in page
    client.post("/logout")
    login_as("cdc")
    page = client.get(f"/alignment/projects/{project.id}/review").get_data(as_text=True)
    assert 'value="return"' in page and 'value="confirm"' not in page


def test_government_figures_are_typed_in_the_projects_currency_at_the_rate_shown(client, login_as):
    factories.rate("EUR", 2024, "0.9")
    partner = factories.organization(OrgKind.BILATERAL, acronym="CURP1")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="CURM1")
    project = factories.project(
        reporting=partner,
        lead=ministry,
        title_en="Irrigation rehabilitation",
        funding=[services.YearAmount(2024, "disbursement", Decimal("450000"), "EUR")],
    )
    login_as("ministry", organization=ministry)
    url = f"/alignment/projects/{project.id}/review"
    page = client.get(url).get_data(as_text=True)
    assert "1 USD = 0.9 EUR in 2024" in page  # the rate the conversion uses, on the page
    assert '<option value="EUR">EUR</option>' in page

    form = {"figures-0-year": "2024", "figures-0-status": "disputed", "action": "save"}
    saved = client.post(
        url,
        data={
            **form,
            "figures-0-amount": "405,000",
            "figures-0-currency": "EUR",
            "figures-0-comment": "The treasury recorded EUR 405,000.",
        },
    )
    assert saved.status_code == 302
    from portal.alignment.models import GovernmentFigure
    from portal.extensions import db

    figure = db.session.query(GovernmentFigure).filter_by(project_id=project.id).one()
    assert (figure.recorded_amount, figure.recorded_currency) == (Decimal("405000.00"), "EUR")
    assert figure.recorded_usd == Decimal("450000.00")  # 405,000 / 0.9
    again = client.get(url).get_data(as_text=True)
    assert 'value="405000.00"' in again or 'value="405,000.00"' in again
    assert '<option selected value="EUR">EUR</option>' in again
    assert "= 450,000.00 USD" in again

    # CDC corrects the year's rate: the USD value follows; what the reviewer typed stays.
    factories.rate("EUR", 2024, "0.81")
    db.session.refresh(figure)
    assert figure.recorded_usd == Decimal("500000.00")
    assert figure.recorded_amount == Decimal("405000.00")

    # A currency the project does not use is refused beside the field; nothing is saved.
    refused = client.post(url, data={**form, "figures-0-amount": "1", "figures-0-currency": "JPY"})
    assert refused.status_code == 400
    assert "Type the amount in USD or in one of the project" in refused.get_data(as_text=True)
    db.session.refresh(figure)
    assert figure.recorded_currency == "EUR"
