"""The other parties agree or disagree with a self-rating; all agreeing makes it joint."""

import pytest
from sqlalchemy import select

from portal.commitments import codes, status
from portal.commitments.models import Bottleneck, RatingAssessment
from portal.extensions import db
from tests import factories
from tests.commitments import helpers


@pytest.fixture
def case():
    orgs = helpers.parties()
    item = helpers.commitment(orgs)
    lead_user = factories.user(role="ministry", organization=orgs["lead"])
    report = helpers.report(item, lead_user, actual="44", rating="on_track")
    return {"orgs": orgs, "commitment": item, "report": report, "lead_user": lead_user}


def assess(client, report, agrees, comment="", organization_id=None):
    prefix = f"r{report.id}-"
    data = {prefix + "agrees": agrees, prefix + "comment": comment}
    if organization_id is not None:
        data[prefix + "organization_id"] = str(organization_id)
    return client.post(f"/commitments/reports/{report.id}/assess", data=data)


def agreement(case):
    db.session.expire_all()
    return status.agreement(case["commitment"], case["report"])


def test_disagreement_then_agreement_of_every_party_makes_the_rating_joint(client, login_as, case):
    report, orgs = case["report"], case["orgs"]
    assert agreement(case) == codes.AWAITING
    login_as("dp", organization=orgs["dp1"])
    response = assess(client, report, "no", "Treasury data shows 43%.")
    assert response.status_code == 302
    assert agreement(case) == codes.DISPUTED
    page = client.get(f"/commitments/{case['commitment'].id}").get_data(as_text=True)
    assert "Treasury data shows 43%." in page and "Disputed by a party" in page
    assert assess(client, report, "yes", "Corrected figures received.").status_code == 302
    assert agreement(case) == codes.AWAITING  # the others have not spoken yet
    client.post("/logout")
    login_as("dp", organization=orgs["dp2"])
    assess(client, report, "yes")
    client.post("/logout")
    login_as("ministry", organization=orgs["co"])
    assess(client, report, "yes")
    assert agreement(case) == codes.JOINT
    page = client.get(f"/commitments/{case['commitment'].id}").get_data(as_text=True)
    assert "Joint: every party agrees" in page
    assert "Every view recorded (4)" in page  # the disagreement stays in the record


def test_a_disagreement_needs_a_reason_and_a_view_is_required(client, login_as, case):
    login_as("dp", organization=case["orgs"]["dp1"])
    response = assess(client, case["report"], "no", "")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Say why you disagree, so the lead can answer." in page
    assert f'id="r{case["report"].id}-comment-error"' in page
    response = assess(client, case["report"], "")
    assert "Say whether you agree or disagree with the rating." in response.get_data(as_text=True)
    assert db.session.scalar(select(RatingAssessment)) is None


def test_cdc_records_a_view_on_behalf_of_a_party(client, login_as, case):
    login_as("cdc")
    response = assess(client, case["report"], "yes", organization_id=case["orgs"]["dp2"].id)
    assert response.status_code == 302
    view = db.session.scalar(select(RatingAssessment))
    assert view.by_cdc and view.organization.acronym == "DPTWO"
    page = client.get(f"/commitments/{case['commitment'].id}").get_data(as_text=True)
    assert "CDC on behalf of DPTWO" in page
    # CDC cannot speak for the lead (who reported) nor for an outsider.
    for org in (case["orgs"]["lead"], case["orgs"]["outsider"]):
        response = assess(client, case["report"], "yes", organization_id=org.id)
        assert response.status_code == 400
        assert "Choose the party whose view this is." in response.get_data(as_text=True)


def test_a_party_speaks_only_for_its_own_organization(client, login_as, case):
    login_as("dp", organization=case["orgs"]["dp1"])
    # A forged organization id is ignored: the view is recorded for the user's own organization.
    assess(client, case["report"], "yes", organization_id=case["orgs"]["dp2"].id)
    view = db.session.scalar(select(RatingAssessment))
    assert view.organization_id == case["orgs"]["dp1"].id and not view.by_cdc


def test_bottlenecks_are_named_owned_and_resolved(client, login_as, case):
    item = case["commitment"]
    login_as("dp", organization=case["orgs"]["dp1"])
    response = client.post(
        f"/commitments/{item.id}/bottlenecks",
        data={"title": "", "owner_id": str(case["orgs"]["outsider"].id), "action": ""},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Name the bottleneck." in page
    assert "Choose the party that owns the bottleneck." in page
    assert "Give the date the action is due." in page
    response = client.post(
        f"/commitments/{item.id}/bottlenecks",
        data={
            "title": "Disbursement plans arrive late",
            "owner_id": str(case["orgs"]["dp2"].id),
            "action": "Agree a common deadline.",
            "due_date": "2020-06-30",
        },
    )
    assert response.status_code == 302
    bottleneck = db.session.scalar(select(Bottleneck))
    assert bottleneck.is_open and bottleneck.owner.acronym == "DPTWO"
    dashboard = client.get("/commitments/").get_data(as_text=True)
    assert "(1 late)" in dashboard
    assert client.post(f"/commitments/bottlenecks/{bottleneck.id}/resolve").status_code == 302
    db.session.refresh(bottleneck)
    assert bottleneck.is_open  # a resolution needs a word on how
    client.post(
        f"/commitments/bottlenecks/{bottleneck.id}/resolve",
        data={"resolution": "Deadline of 30 June agreed at the GDCC."},
    )
    db.session.refresh(bottleneck)
    assert not bottleneck.is_open and bottleneck.resolution.startswith("Deadline")
