"""CDC records commitments through the form; every rule refuses with a message by its field."""

from sqlalchemy import func, select

from portal.commitments.models import Commitment
from portal.extensions import db
from tests import factories
from tests.commitments import helpers


def form_data(orgs, **overrides):
    data = {
        "title_en": "Number of provinces with functioning sub-national planning",
        "title_km": "ចំនួនខេត្ត",
        "principle": "common_vision",
        "lead_institution_id": str(orgs["lead"].id),
        "twg_id": "",
        "parties-0-organization_id": str(orgs["co"].id),
        "parties-0-role": "co_responsible",
        "parties-1-organization_id": str(orgs["dp1"].id),
        "parties-1-role": "supporting",
        "indicator_definition": "Provinces with plans adopted on time.",
        "unit": "provinces",
        "baseline_value": "9",
        "baseline_year": "2023",
        "target_value": "25",
        "target_date": "2027-12-31",
        "period_kind": "semester",
        "trajectory-0-period": "2024-S1",
        "trajectory-0-planned_value": "11",
        "trajectory-1-period": "2024 s2",
        "trajectory-1-planned_value": "13",
        "trajectory-2-period": "",
        "trajectory-2-planned_value": "",
    }
    data.update(overrides)
    return data


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Commitment))


def test_cdc_records_a_commitment_with_parties_and_trajectory(client, login_as):
    orgs = helpers.parties()
    login_as("cdc")
    response = client.post("/commitments/new", data=form_data(orgs))
    assert response.status_code == 302, response.get_data(as_text=True)
    item = db.session.scalar(select(Commitment).order_by(Commitment.id.desc()))
    assert item.title_km == "ចំនួនខេត្ត"
    assert [(p.period, str(p.planned_value.normalize())) for p in item.points] == [
        ("2024-S1", "11"),
        ("2024-S2", "13"),
    ]
    assert {(p.organization.acronym, p.role) for p in item.parties} == {
        ("COM", "co_responsible"),
        ("DPONE", "supporting"),
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Number of provinces with functioning sub-national planning" in page
    assert "Not reported yet" in page


def test_a_row_button_adds_a_row_without_saving(client, login_as):
    orgs = helpers.parties()
    login_as("cdc")
    before = count()
    response = client.post("/commitments/new", data={**form_data(orgs), "add_row": "trajectory"})
    assert response.status_code == 200
    assert 'name="trajectory-3-period"' in response.get_data(as_text=True)
    assert count() == before


def test_every_broken_rule_is_named_beside_its_field_and_nothing_is_saved(client, login_as):
    orgs = helpers.parties()
    login_as("cdc")
    before = count()
    response = client.post(
        "/commitments/new",
        data=form_data(
            orgs,
            lead_institution_id=str(orgs["dp1"].id),
            **{
                "parties-0-organization_id": str(orgs["dp2"].id),  # a partner as co-responsible
                "baseline_year": "twenty",
                "trajectory-0-period": "2024-Q1",  # a quarter in a semester trajectory
                "trajectory-1-planned_value": "40",  # beyond the target
            },
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "DPONE is not a national institution" in page
    assert "DPTWO is a development partner: list it as a supporting partner." in page
    assert "Not a valid integer value." in page
    assert "Write the period as 2025-S1" in page
    assert "A planned value lies between the baseline and the target." in page
    assert 'id="trajectory-0-period-error"' in page
    assert 'value="twenty"' in page  # what was typed stays in the form
    assert count() == before


def test_a_period_with_a_report_cannot_leave_the_trajectory(client, login_as):
    orgs = helpers.parties()
    item = helpers.commitment(orgs)
    lead_user = factories.user(role="ministry", organization=orgs["lead"])
    helpers.report(item, lead_user, period="2025-S1", actual="44")
    login_as("cdc")
    data = form_data(
        orgs,
        principle="shared_accountability",
        lead_institution_id=str(orgs["lead"].id),
        baseline_value="40",
        baseline_year="2024",
        target_value="60",
        **{
            "trajectory-0-period": "2025-S2",
            "trajectory-0-planned_value": "48",
            "trajectory-1-period": "2026-S1",
            "trajectory-1-planned_value": "52",
        },
    )
    response = client.post(f"/commitments/{item.id}/edit", data=data)
    assert response.status_code == 400
    assert "A progress report exists for 2025-S1" in response.get_data(as_text=True)


def test_cdc_edits_a_commitment(client, login_as):
    orgs = helpers.parties()
    item = helpers.commitment(orgs)
    login_as("cdc")
    page = client.get(f"/commitments/{item.id}/edit").get_data(as_text=True)
    assert 'value="2025-S1"' in page
    data = form_data(
        orgs,
        title_en="Share of ODA on budget (revised)",
        principle="shared_accountability",
        baseline_value="40",
        baseline_year="2024",
        target_value="60",
        **{
            "trajectory-0-period": "2025-S1",
            "trajectory-0-planned_value": "45",
            "trajectory-1-period": "2025-S2",
            "trajectory-1-planned_value": "50",
        },
    )
    assert client.post(f"/commitments/{item.id}/edit", data=data).status_code == 302
    db.session.refresh(item)
    assert item.title_en == "Share of ODA on budget (revised)"
    assert [p.period for p in item.points] == ["2025-S1", "2025-S2"]
