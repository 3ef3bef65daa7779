"""CDC's validation queue: confirmed projects, oldest first, validated several at once, each
logged as its own step; pipeline tiles lead to the lists they count."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.alignment.models import WorkflowTransition
from portal.db import utcnow
from portal.extensions import db
from portal.projects.models import Project
from tests import factories


def _in_state(title: str, state: str, days_ago: int) -> Project:
    project = factories.project(title_en=title)
    project.workflow_state = state
    project.state_changed_at = utcnow() - timedelta(days=days_ago)
    db.session.flush()
    return project


def test_cdc_validates_several_confirmed_projects_at_once(client, login_as):
    older = _in_state("Confirmed long ago", "confirmed", 30)
    newer = _in_state("Confirmed yesterday", "confirmed", 1)
    _in_state("Still a draft", "draft", 50)
    cdc = login_as("cdc")
    page = client.get("/alignment/validation").get_data(as_text=True)
    assert "Still a draft" not in page
    assert page.index("Confirmed long ago") < page.index("Confirmed yesterday")  # oldest first

    # Meanwhile the newer one was returned by someone else: it is refused alone.
    newer.workflow_state = "returned"
    db.session.flush()
    response = client.post(
        "/alignment/validation", data={"project_id": [str(older.id), str(newer.id)]}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 project validated and published." in page
    assert "Confirmed yesterday: This project is now" in page
    db.session.expire_all()
    assert db.session.get(Project, older.id).workflow_state == "validated"
    assert db.session.get(Project, older.id).published_at is not None
    assert db.session.get(Project, newer.id).workflow_state == "returned"
    steps = db.session.scalars(
        select(WorkflowTransition).where(WorkflowTransition.to_state == "validated")
    ).all()
    assert [(s.project_id, s.user_id) for s in steps] == [(older.id, cdc.id)]


def test_nothing_ticked_says_so(client, login_as):
    login_as("cdc")
    response = client.post("/alignment/validation", data={})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tick the projects to validate first." in page


def test_pipeline_tiles_lead_to_the_lists_they_count(client, login_as):
    _in_state("Waiting at the ministry", "submitted", 3)
    _in_state("Another draft", "draft", 3)
    login_as("cdc")
    page = client.get("/alignment/pipeline").get_data(as_text=True)
    assert 'href="/alignment/validation"' in page
    assert 'href="/projects/?state=submitted&amp;partner="' in page
    listed = client.get("/projects/?state=submitted&partner=").get_data(as_text=True)
    assert "Waiting at the ministry" in listed and "Another draft" not in listed
    assert "Submitted, waiting for the ministry" in listed  # the workflow column


def test_the_public_cannot_filter_by_the_workflow(client):
    from portal.projects.services import set_published

    shown = _in_state("Validated and public", "validated", 3)
    set_published(shown, True, actor=None)
    page = client.get("/projects/?state=draft").get_data(as_text=True)
    assert "Validated and public" in page and 'name="state"' not in page


def test_cdc_sees_one_way_to_publish_a_confirmed_project_and_returning_apart(client, login_as):
    project = _in_state("Confirmed, to publish", "confirmed", 2)
    login_as("cdc")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Validate and publish" in page
    assert ">Publish</button>" not in page  # no second way to publish
    fold = page[page.index('<details class="mb-3 return-step">') :]
    assert "Reasons for returning" in fold[: fold.index("</details>")]
