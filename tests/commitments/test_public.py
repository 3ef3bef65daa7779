"""Commitments and pilots CDC makes public: what the public sees of them, and what it never sees."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask_babel import force_locale, gettext
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.commitments import reporting
from portal.commitments import services as commitment_services
from portal.extensions import db
from portal.pilots import services as pilot_services
from tests import factories
from tests.commitments import helpers
from tests.commitments.test_commitment_form import form_data
from tests.pilots import helpers as pilot_helpers

COMMENT = "Sentinel comment of the co-responsible ministry"
NARRATIVE = "What happened."  # the narrative helpers.report writes
EVIDENCE_NAME = "sentinel-evidence.pdf"
LESSON = "Pooling the support of partners behind one plan halves the reporting"
LESSON_EVIDENCE = "Sentinel lesson evidence: minutes of the review"
STAGE_REASON = "Sentinel reason for the stage change"


def _world(*, public: bool):
    """A commitment with a report, its evidence, a party's comment and a bottleneck; a pilot
    with a lesson; both public or not."""
    cdc = factories.user(role="cdc", name="Chea Sentinel")
    orgs = helpers.parties()
    item = helpers.commitment(orgs, actor=cdc, title_km="ចំណែកជំនួយតាមថវិកាជាតិ")
    lead_user = factories.user(role="ministry", organization=orgs["lead"], name="Lina Reporter")
    report = helpers.report(item, lead_user, files=[(EVIDENCE_NAME, helpers.PDF)])
    co_user = factories.user(role="ministry", organization=orgs["co"])
    reporting.assess(
        report, organization_id=orgs["co"].id, agrees=False, comment=COMMENT, actor=co_user
    )
    reporting.add_bottleneck(
        item,
        reporting.BottleneckData(
            "Late budget data", orgs["lead"].id, "Sentinel internal action", date(2027, 1, 1)
        ),
        actor=lead_user,
    )
    porgs = pilot_helpers.partners()
    pilot = pilot_helpers.pilot(porgs, actor=cdc, stage_reason=STAGE_REASON)
    pilot_services.add_lesson(
        pilot,
        pilot_services.LessonData(date(2025, 3, 1), LESSON, evidence=LESSON_EVIDENCE),
        actor=cdc,
    )
    if public:
        commitment_services.set_public(item, True, actor=cdc)
        pilot_services.set_public(pilot, True, actor=cdc)
    db.session.commit()
    return {"commitment": item, "report": report, "pilot": pilot, "cdc": cdc, "orgs": orgs}


def test_the_public_sees_a_public_commitment_without_what_is_internal(client):
    world = _world(public=True)
    item, report = world["commitment"], world["report"]
    response = client.get(f"/commitments/{item.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Share of ODA disbursed on budget" in page
    assert "ODA on budget as a share of all ODA." in page  # the indicator's definition
    assert "trajectory-table" in page and "2025-S1" in page and "2027-S2" in page
    assert "Late budget data" in page  # the bottleneck's title
    assert "Disagrees" in page  # the party's view of the rating (so: not joint)
    for internal in (COMMENT, NARRATIVE, EVIDENCE_NAME, "Lina Reporter", "Sentinel internal"):
        assert internal not in page, internal
    assert "/commitments/evidence/" not in page
    evidence_id = report.evidence[0].id
    assert client.get(f"/commitments/evidence/{evidence_id}").status_code == 404
    dashboard = client.get("/commitments/").get_data(as_text=True)
    assert "Share of ODA disbursed on budget" in dashboard
    assert "New commitment" not in dashboard


def test_the_public_sees_a_public_pilots_lessons_without_their_evidence(client):
    world = _world(public=True)
    pilot = world["pilot"]
    page = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Joint sub-national planning" in page and LESSON in page
    for internal in (LESSON_EVIDENCE, STAGE_REASON, "Chea Sentinel", "Log a lesson"):
        assert internal not in page, internal
    assert "Joint sub-national planning" in client.get("/pilots/").get_data(as_text=True)
    lessons = client.get("/pilots/lessons").get_data(as_text=True)
    assert LESSON in lessons and LESSON_EVIDENCE not in lessons
    download = client.get("/exports/lessons.csv").get_data(as_text=True)
    assert LESSON in download and LESSON_EVIDENCE not in download


def test_logged_in_users_still_see_what_is_internal(client, login_as):
    world = _world(public=True)
    login_as("dp", organization=world["orgs"]["outsider"])
    page = client.get(f"/commitments/{world['commitment'].id}").get_data(as_text=True)
    assert COMMENT in page and NARRATIVE in page and "Lina Reporter" in page
    pilot_page = client.get(f"/pilots/{world['pilot'].id}").get_data(as_text=True)
    assert LESSON_EVIDENCE in pilot_page and STAGE_REASON in pilot_page


def test_what_is_not_public_is_404_and_listed_nowhere(client):
    world = _world(public=False)
    assert client.get(f"/commitments/{world['commitment'].id}").status_code == 404
    assert client.get(f"/pilots/{world['pilot'].id}").status_code == 404
    for url in ("/commitments/", "/pilots/", "/pilots/lessons"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert "Share of ODA disbursed on budget" not in page, url
        assert "Joint sub-national planning" not in page and LESSON not in page, url
        assert "LEADM" not in page and "PLEAD" not in page, url  # not even in the filters
    assert "No public commitment yet." in client.get("/commitments/").get_data(as_text=True)
    for name in ("commitments", "pilots", "lessons"):
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/exports/{name}.{fmt}")
            assert response.status_code == 200, name
        rows = list(
            csv.reader(io.StringIO(client.get(f"/exports/{name}.csv").get_data(as_text=True)))
        )
        assert len(rows) == 1, name  # the header only


def test_the_public_menu_has_commitments_and_pilots_once_one_is_public(client):
    world = _world(public=False)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/commitments/"' not in home and 'href="/pilots/"' not in home
    commitment_services.set_public(world["commitment"], True, actor=world["cdc"])
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert 'href="/commitments/"' in home and 'href="/pilots/"' not in home
    pilot_services.set_public(world["pilot"], True, actor=world["cdc"])
    db.session.commit()
    assert 'href="/pilots/"' in client.get("/").get_data(as_text=True)


def test_cdc_makes_a_commitment_public_on_its_form_and_it_is_logged(client, login_as):
    orgs = helpers.parties()
    item = helpers.commitment(orgs)
    db.session.commit()
    assert item.public is False  # nothing is public by itself
    cdc = login_as("cdc")
    page = client.get(f"/commitments/{item.id}/edit").get_data(as_text=True)
    assert 'name="public"' in page
    data = form_data(
        orgs,
        title_en=item.title_en,
        principle="shared_accountability",
        baseline_value="40",
        baseline_year="2024",
        target_value="60",
        public="y",
        **{
            "trajectory-0-period": "2025-S1",
            "trajectory-0-planned_value": "45",
            "trajectory-1-period": "2025-S2",
            "trajectory-1-planned_value": "50",
        },
    )
    assert client.post(f"/commitments/{item.id}/edit", data=data).status_code == 302
    db.session.refresh(item)
    assert item.public is True
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "Commitment", AuditEvent.object_id == str(item.id)
        )
    ).all()
    assert "commitment.made_public" in actions
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "commitment.made_public")
    )
    assert event.user_id == cdc.id
    data.pop("public")  # an unticked box is not sent
    assert client.post(f"/commitments/{item.id}/edit", data=data).status_code == 302
    db.session.refresh(item)
    assert item.public is False
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "commitment.made_internal")
    )


def test_cdc_makes_a_pilot_public_and_others_cannot(client, login_as):
    orgs = pilot_helpers.partners()
    pilot = pilot_helpers.pilot(orgs)
    db.session.commit()
    login_as("dp", organization=orgs["external"])
    assert client.post(f"/pilots/{pilot.id}/edit", data={"public": "y"}).status_code == 403
    client.post("/logout")
    login_as("cdc")
    page = client.get(f"/pilots/{pilot.id}/edit").get_data(as_text=True)
    assert 'name="public"' in page
    data = {
        "name_en": pilot.name_en,
        "purpose": pilot.purpose,
        "priority_ids": [str(p.node_id) for p in pilot.priorities],
        "lead_partner_id": str(orgs["lead"].id),
        "external_partner_id": str(orgs["external"].id),
        "external_role": "facilitator",
        "partners-0-organization_id": str(orgs["other"].id),
        "start_date": "2024-01-01",
        "public": "y",
    }
    assert client.post(f"/pilots/{pilot.id}/edit", data=data).status_code == 302
    db.session.refresh(pilot)
    assert pilot.public is True
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "pilot.made_public"))
    assert "badge text-bg-info public-flag" in client.get(f"/pilots/{pilot.id}").get_data(
        as_text=True
    )


def test_the_khmer_public_page_is_in_khmer(client):
    world = _world(public=True)
    client.post("/language", data={"lang": "km"})
    page = client.get(f"/commitments/{world['commitment'].id}").get_data(as_text=True)
    assert '<html lang="km"' in page
    assert "ចំណែកជំនួយតាមថវិកាជាតិ" in page  # the Khmer title
    with force_locale("km"):
        trajectory, indicator = gettext("Trajectory"), gettext("Indicator")
    assert trajectory != "Trajectory" and trajectory in page
    assert indicator != "Indicator" and indicator in page
