"""Who may do what on a pilot: every object route, each role, partners and others."""

from datetime import date

import pytest

from portal.extensions import db
from portal.pilots.services import LessonData, add_lesson
from tests import factories
from tests.pilots import helpers


@pytest.fixture
def world():
    orgs = helpers.partners()
    pilot = helpers.pilot(orgs)
    lesson = add_lesson(
        pilot, LessonData(date(2025, 1, 1), "A lesson"), actor=factories.user(role="cdc")
    )
    return {"orgs": orgs, "pilot": pilot, "lesson": lesson}


WHO = {
    "anonymous": (None, None),
    "anonymous_public": (None, None),  # the same pilot, once CDC made it public
    "lead": ("ministry", "lead"),
    "external": ("dp", "external"),
    "other_partner": ("dp", "other"),
    "outsider": ("dp", "outsider"),
    "other_ministry": ("ministry", None),
    "cdc": ("cdc", None),
}

# who -> GET detail, GET edit, POST stage, POST lesson, POST dissemination
EXPECTED = {
    "anonymous": (404, 302, 302, 302, 302),
    "anonymous_public": (200, 302, 302, 302, 302),
    "lead": (200, 403, 403, 400, 400),
    "external": (200, 403, 403, 400, 400),
    "other_partner": (200, 403, 403, 400, 400),
    "outsider": (200, 403, 403, 403, 403),
    "other_ministry": (200, 403, 403, 403, 403),
    "cdc": (200, 200, 400, 400, 400),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_pilot_routes_answer_each_role(client, login_as, world, who):
    role, org_key = WHO[who]
    if who == "anonymous_public":
        world["pilot"].public = True
        db.session.commit()
    if role:
        login_as(role, organization=world["orgs"][org_key] if org_key else None)
    pilot_id, lesson_id = world["pilot"].id, world["lesson"].id
    answers = (
        client.get(f"/pilots/{pilot_id}").status_code,
        client.get(f"/pilots/{pilot_id}/edit").status_code,
        client.post(f"/pilots/{pilot_id}/stage", data={}).status_code,
        client.post(f"/pilots/{pilot_id}/lessons", data={}).status_code,
        client.post(f"/pilots/lessons/{lesson_id}/disseminations", data={}).status_code,
    )
    assert answers == EXPECTED[who]


def test_only_cdc_records_and_edits_pilots(client, login_as, world):
    login_as("dp", organization=world["orgs"]["external"])
    assert client.get("/pilots/new").status_code == 403
    assert client.post("/pilots/new", data={"name_en": "x"}).status_code == 403
    page = client.get("/pilots/").get_data(as_text=True)
    assert "New pilot" not in page
    assert client.get("/pilots/999999").status_code == 404
