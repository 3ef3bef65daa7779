"""The inbox a page at a time, and the pipeline's figures kept per data version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.alignment import queries
from portal.alignment.models import ReviewAssignment
from portal.extensions import db
from portal.organizations.models import OrgKind
from tests import factories


@pytest.fixture
def waiting():
    """Twelve projects waiting for one ministry, some long (overdue), some handed over."""
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="INBX")
    reviewer = factories.user("ministry", ministry)
    now = datetime.now(UTC)
    projects = []
    for number in range(12):
        project = factories.project(lead=ministry, title_en=f"Waiting bridge {number}")
        project.workflow_state = "reconfirm" if number % 5 == 0 else "submitted"
        # Four with no time (waiting since now), and two on the same day.
        days = None if number % 3 == 0 else (number * 7 if number != 4 else 14)
        project.state_changed_at = None if days is None else now - timedelta(days=days)
        projects.append(project)
    db.session.flush()
    for project in projects[::4]:
        db.session.add(ReviewAssignment(project_id=project.id, assignee_id=reviewer.id))
    db.session.flush()
    return {"ministry": ministry, "reviewer": reviewer, "projects": projects, "now": now}


@pytest.mark.parametrize("mine", [False, True])
def test_inbox_pages_are_the_slices_of_the_whole_inbox(waiting, mine):
    ministry, reviewer, now = waiting["ministry"], waiting["reviewer"], waiting["now"]
    whole = queries.inbox(ministry.id, 30, now=now)
    if mine:
        handed = {p.id for p in waiting["projects"][::4]}
        whole = [row for row in whole if row["project"].id in handed]
    assignee = reviewer.id if mine else None
    for number in (1, 2, 3):
        page, overdue = queries.inbox_page(
            ministry.id, 30, number, 5, assignee_id=assignee, now=now
        )
        expected = whole[(number - 1) * 5 : number * 5] or whole[-(len(whole) % 5 or 5) :]
        assert [row["project"].id for row in page.items] == [r["project"].id for r in expected]
        assert [row["days"] for row in page.items] == [r["days"] for r in expected]
        assert page.total == len(whole)
        assert overdue == sum(1 for row in whole if row["overdue"]) > 0


def test_the_inbox_page_shows_the_count_and_overdue_of_all_its_pages(client, login_as, waiting):
    login_as("ministry", organization=waiting["ministry"])
    page = client.get("/alignment/inbox").get_data(as_text=True)
    whole = queries.inbox(waiting["ministry"].id, 30)
    overdue = sum(1 for row in whole if row["overdue"])
    assert f"12 projects are waiting, {overdue} of them overdue." in page


def test_the_pipelines_figures_follow_a_committed_change(client, login_as):
    login_as("cdc")
    partner = factories.organization(OrgKind.BILATERAL, acronym="PIPE")
    project = factories.project(reporting=partner)
    project.workflow_state = "submitted"
    db.session.commit()
    first = queries.pipeline_figures()
    submitted = first[0].get("submitted", 0)
    again = queries.pipeline_figures()
    assert again == first
    other = factories.project(reporting=partner)
    other.workflow_state = "submitted"
    db.session.commit()
    counts, cards = queries.pipeline_figures()
    assert counts["submitted"] == submitted + 1
    # The scorecards name their organizations as records of this session.
    named = [row["organization"] for rows in cards.values() for row in rows]
    assert all(org is None or org in db.session for org in named)
    assert b"Pipeline" in client.get("/alignment/pipeline").data


def test_the_projects_waiting_longest_are_those_of_every_waiting_state_in_order(waiting):
    """Both waiting states, undated ones first (as the inbox orders), then by date and id; a
    project in another state never."""
    elsewhere = factories.project(lead=waiting["ministry"], title_en="Confirmed long ago")
    elsewhere.workflow_state = "confirmed"
    elsewhere.state_changed_at = waiting["now"] - timedelta(days=900)
    db.session.flush()
    ordered = sorted(
        (p for p in waiting["projects"]),
        key=lambda p: (p.state_changed_at is not None, p.state_changed_at or 0, p.id),
    )
    for limit in (1, 5, 12):
        stuck = queries.stuck_longest(limit, now=waiting["now"])
        assert [row["project"].id for row in stuck] == [p.id for p in ordered[:limit]]
    assert {p.workflow_state for p in ordered[:5]} == {"submitted", "reconfirm"}
