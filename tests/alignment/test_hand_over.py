"""A ministry's focal point hands a waiting review to a colleague of the same institution."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.alignment.models import Notification, ReviewAssignment
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.mail import sender
from portal.organizations.models import OrgKind
from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.mail.conftest import text_and_html


@pytest.fixture
def case():
    partner_org = factories.organization(OrgKind.BILATERAL, acronym="HOP1")
    ministry_org = factories.organization(OrgKind.GOVERNMENT, acronym="HOM1")
    other_ministry = factories.organization(OrgKind.GOVERNMENT, acronym="HOM2")
    partner = factories.user(role="dp", organization=partner_org)
    project = factories.project(
        reporting=partner_org, lead=ministry_org, title_en="Provincial referral hospitals"
    )
    return {
        "project": project,
        "partner": partner,
        "focal": factories.user(role="ministry", organization=ministry_org, name="Sok Dara"),
        "colleague": factories.user(
            role="ministry", organization=ministry_org, name="Chan Sophea", locale="km"
        ),
        "outsider": factories.user(role="ministry", organization=other_ministry, name="Kim Lee"),
    }


def _login(client, user) -> None:
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})


def _submit(client, case) -> None:
    _login(client, case["partner"])
    assert client.post(f"/alignment/projects/{case['project'].id}/step/submit").status_code == 302


def test_a_focal_point_hands_the_review_to_a_colleague_who_is_told(client, mail_on, case):
    _submit(client, case)
    sender.send_due()  # the submission's own mail, out of the way
    before = len(mail_on.messages())
    project = case["project"]
    _login(client, case["focal"])
    review = client.get(f"/alignment/projects/{project.id}/review").get_data(as_text=True)
    assert "Hand this review to a colleague" in review
    assert "Chan Sophea" in review and "Kim Lee" not in review  # colleagues only

    response = client.post(
        f"/alignment/projects/{project.id}/hand-over",
        data={"assignee_id": case["colleague"].id, "note": "You know the hospitals."},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The review is now with Chan Sophea" in page
    assert "Reviewer: Chan Sophea, handed over by Sok Dara" in page

    assignment = db.session.get(ReviewAssignment, project.id)
    assert assignment.assignee_id == case["colleague"].id
    logged = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "alignment.handed_over")
    ).all()
    assert [(e.user_id, e.object_id, e.detail["assignee"]) for e in logged] == [
        (case["focal"].id, str(project.id), case["colleague"].id)
    ]
    notices = db.session.scalars(
        select(Notification).where(Notification.user_id == case["colleague"].id)
    ).all()
    assert [n.kind for n in notices] == ["submitted", "handed_over"]

    # The email reaches the colleague through a real SMTP server, in Khmer, with the review link.
    sender.send_due()
    received = [m for m in mail_on.messages()[before:] if m["To"] == case["colleague"].email]
    assert len(received) == 1
    text, _html = text_and_html(received[0])
    assert f"/alignment/projects/{project.id}/review" in text
    assert "Sok Dara" in text and "You know the hospitals." in text
    assert received[0]["Content-Language"] == "km"

    # The colleague's inbox shows it as theirs; the focal point's "handed to me" is empty.
    _login(client, case["colleague"])
    mine = client.get("/alignment/inbox?mine=1").get_data(as_text=True)
    assert "Provincial referral hospitals" in mine
    _login(client, case["focal"])
    theirs = client.get("/alignment/inbox?mine=1").get_data(as_text=True)
    assert "Provincial referral hospitals" not in theirs
    assert "No review has been handed to you." in theirs
    everyone = client.get("/alignment/inbox").get_data(as_text=True)
    assert "Provincial referral hospitals" in everyone and "Chan Sophea" in everyone


def test_only_a_colleague_of_the_lead_institution_can_take_it(client, case):
    _submit(client, case)
    project = case["project"]
    _login(client, case["focal"])
    refused = client.post(
        f"/alignment/projects/{project.id}/hand-over", data={"assignee_id": case["outsider"].id}
    )
    assert refused.status_code == 400
    assert "Choose a colleague of your institution." in refused.get_data(as_text=True)
    assert db.session.get(ReviewAssignment, project.id) is None

    # Another institution's ministry user, the partner and CDC cannot hand it over at all.
    for user in (case["outsider"], case["partner"], factories.user(role="cdc")):
        _login(client, user)
        answer = client.post(
            f"/alignment/projects/{project.id}/hand-over",
            data={"assignee_id": case["colleague"].id},
        )
        assert answer.status_code in (403, 404), user.role
    assert db.session.get(ReviewAssignment, project.id) is None


def test_a_review_that_is_not_waiting_cannot_be_handed_over(client, case):
    project = case["project"]  # a draft: nothing waits for the ministry
    _login(client, case["focal"])
    review = client.get(f"/alignment/projects/{project.id}/review").get_data(as_text=True)
    assert "Hand this review to a colleague" not in review
    refused = client.post(
        f"/alignment/projects/{project.id}/hand-over", data={"assignee_id": case["colleague"].id}
    )
    assert refused.status_code == 400
    assert "Only a review that is waiting can be handed over." in refused.get_data(as_text=True)
