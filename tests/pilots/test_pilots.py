"""Pilots: recorded by CDC, moved between stages with reasons, lessons logged and filtered."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.pilots.models import Dissemination, Lesson, Pilot, PilotStageChange
from portal.projects.services import set_published
from tests import factories
from tests.pilots import helpers


def form_data(orgs, **overrides):
    first, second = helpers.priorities(2)
    data = {
        "name_en": "Programme-based approach for rural water supply",
        "name_km": "វិធីសាស្ត្រផ្អែកលើកម្មវិធី",
        "purpose": "Pool partners' support behind the ministry's plan.",
        "priority_ids": [str(first.id), str(second.id)],
        "lead_partner_id": str(orgs["lead"].id),
        "external_partner_id": str(orgs["external"].id),
        "external_role": "resource_advisor",
        "partners-0-organization_id": str(orgs["other"].id),
        "start_date": "2024-01-01",
        "end_date": "2027-12-31",
        "projects": "",
        "stage": "proposed",
    }
    data.update(overrides)
    return data


def test_cdc_records_a_pilot_and_its_first_stage_is_logged(client, login_as):
    orgs = helpers.partners()
    project = factories.project(lead=orgs["lead"], title_en="Rural water in Takeo")
    cdc = login_as("cdc")
    response = client.post("/pilots/new", data=form_data(orgs, projects=f"{project.id}"))
    assert response.status_code == 302, response.get_data(as_text=True)
    pilot = db.session.scalar(select(Pilot))
    assert len(pilot.priorities) == 2 and pilot.partner_ids == {
        orgs["lead"].id,
        orgs["external"].id,
        orgs["other"].id,
    }
    assert [p.project_id for p in pilot.projects] == [project.id]
    assert [(c.from_stage, c.to_stage, c.user_id) for c in pilot.stage_changes] == [
        (None, "proposed", cdc.id)
    ]
    page = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Rural water in Takeo" in page and "Resource advisor" in page


def test_the_lead_is_national_and_the_external_partner_is_not(client, login_as):
    orgs = helpers.partners()
    login_as("cdc")
    response = client.post(
        "/pilots/new",
        data=form_data(
            orgs,
            lead_partner_id=str(orgs["external"].id),
            external_partner_id=str(orgs["lead"].id),
            external_role="owner",
            priority_ids=[],
            projects="999999, XM-NOPE-1",
            end_date="2020-01-01",
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "PEXT is not a national organization. The lead partner is always national." in page
    assert "The external lead partner is a development partner, not a national one." in page
    assert "Choose the external lead partner&#39;s role." in page
    assert "Choose at least one national priority the pilot serves." in page
    assert "No project has the number or IATI identifier 999999, XM-NOPE-1." in page
    assert "The end date is before the start date." in page
    assert db.session.scalar(select(func.count()).select_from(Pilot)) == 0


def test_stage_changes_are_recorded_with_who_when_and_why(client, login_as):
    orgs = helpers.partners()
    pilot = helpers.pilot(orgs)
    cdc = login_as("cdc")
    response = client.post(f"/pilots/{pilot.id}/stage", data={"stage": "evaluated", "reason": ""})
    assert response.status_code == 400
    assert "Say why the pilot moves to this stage." in response.get_data(as_text=True)
    response = client.post(
        f"/pilots/{pilot.id}/stage",
        data={"stage": "evaluated", "reason": "Independent evaluation completed."},
    )
    assert response.status_code == 302
    db.session.refresh(pilot)
    assert pilot.stage == "evaluated"
    last = db.session.scalar(select(PilotStageChange).order_by(PilotStageChange.id.desc()))
    assert (last.from_stage, last.to_stage, last.user_id) == ("active", "evaluated", cdc.id)
    assert last.reason == "Independent evaluation completed."
    again = client.post(f"/pilots/{pilot.id}/stage", data={"stage": "evaluated", "reason": "x"})
    assert "The pilot is already at this stage." in again.get_data(as_text=True)


def test_partners_log_lessons_and_where_they_were_shared(client, login_as):
    orgs = helpers.partners()
    pilot = helpers.pilot(orgs)
    login_as("dp", organization=orgs["external"])
    bad = client.post(f"/pilots/{pilot.id}/lessons", data={"text": "", "audience": "TWG"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Give the date the lesson was learned." in page
    assert "Say what was learned." in page and "Give the date it was shared." in page
    response = client.post(
        f"/pilots/{pilot.id}/lessons",
        data={
            "learned_on": "2025-03-15",
            "text": "Line departments at the district workshop double funded priorities.",
            "evidence": "Monitoring of 48 commune plans.",
            "audience": "TWG on D&D",
            "shared_on": "2025-04-10",
            "channel": "meeting",
        },
    )
    assert response.status_code == 302
    lesson = db.session.scalar(select(Lesson))
    assert [(d.audience, d.channel) for d in lesson.disseminations] == [("TWG on D&D", "meeting")]
    response = client.post(
        f"/pilots/lessons/{lesson.id}/disseminations",
        data={f"l{lesson.id}-audience": "Provincial governors", f"l{lesson.id}-shared_on": ""},
    )
    assert response.status_code == 400
    client.post(
        f"/pilots/lessons/{lesson.id}/disseminations",
        data={
            f"l{lesson.id}-audience": "Provincial governors",
            f"l{lesson.id}-shared_on": "2025-05-02",
        },
    )
    assert db.session.scalar(select(func.count()).select_from(Dissemination)) == 2
    page = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Shared with Provincial governors on" in page


def test_lessons_are_filtered_across_pilots_by_priority_and_partner(client, login_as):
    first, second = helpers.priorities(2)
    orgs = helpers.partners()
    other_lead = factories.organization(OrgKind.GOVERNMENT, acronym="PLEAD2")
    water = helpers.pilot(orgs, name_en="Water pilot", priority_ids=[first.id])
    health = helpers.pilot(
        {**orgs, "lead": other_lead},
        name_en="Health pilot",
        priority_ids=[second.id],
        partner_ids=[],
    )
    author = factories.user(role="cdc")
    from datetime import date

    from portal.pilots.services import LessonData, add_lesson

    add_lesson(water, LessonData(date(2025, 1, 1), "Water lesson"), actor=author)
    add_lesson(health, LessonData(date(2025, 2, 1), "Health lesson"), actor=author)
    login_as("dp", organization=orgs["outsider"])
    everything = client.get("/pilots/lessons").get_data(as_text=True)
    assert "Water lesson" in everything and "Health lesson" in everything
    by_priority = client.get(f"/pilots/lessons?priority={second.id}").get_data(as_text=True)
    assert "Health lesson" in by_priority and "Water lesson" not in by_priority
    by_partner = client.get(f"/pilots/lessons?partner={orgs['other'].id}").get_data(as_text=True)
    assert "Water lesson" in by_partner and "Health lesson" not in by_partner
    by_lead = client.get(f"/pilots/lessons?partner={other_lead.id}").get_data(as_text=True)
    assert "Health lesson" in by_lead and "Water lesson" not in by_lead


def test_linked_projects_show_only_to_those_who_may_read_them(client, login_as):
    orgs = helpers.partners()
    hidden = factories.project(lead=orgs["lead"], title_en="Unpublished draft")
    public = factories.project(lead=orgs["lead"], title_en="Published water project")
    set_published(public, True, actor=None)
    pilot = helpers.pilot(orgs, projects=f"{hidden.id}, {public.id}")
    login_as("dp", organization=orgs["outsider"])
    page = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Published water project" in page and "Unpublished draft" not in page
    assert "1 project you cannot open" in page


@pytest.mark.parametrize("stage", ["", "active", "nonsense"])
def test_the_list_filters_by_stage(client, login_as, stage):
    orgs = helpers.partners()
    helpers.pilot(orgs, name_en="An active pilot")
    helpers.pilot(orgs, name_en="A proposed pilot", stage="proposed")
    login_as("ministry")
    page = client.get(f"/pilots/?stage={stage}").get_data(as_text=True)
    assert "An active pilot" in page
    assert ("A proposed pilot" in page) == (stage != "active")
