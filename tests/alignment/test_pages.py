"""The workflow as people use it: inbox, review, return and resubmit, figures, pipeline."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.alignment.models import GovernmentFigure
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services as project_services
from portal.strategy.models import NodeKind, StrategyNode
from tests import factories


@pytest.fixture
def case():
    partner_org = factories.organization(OrgKind.BILATERAL, acronym="KOICAW")
    ministry_org = factories.organization(OrgKind.GOVERNMENT, acronym="MOEYSW")
    project = factories.project(
        reporting=partner_org,
        lead=ministry_org,
        title_en="Secondary school teacher training",
        funding=[
            project_services.YearAmount(2022, "disbursement", Decimal("400000"), "USD"),
            project_services.YearAmount(2023, "disbursement", Decimal("600000"), "USD"),
        ],
    )
    return {"project": project, "partner_org": partner_org, "ministry_org": ministry_org}


def _priorities():
    return list(
        db.session.scalars(
            select(StrategyNode)
            .where(StrategyNode.kind == NodeKind.PRIORITY)
            .order_by(StrategyNode.id)
            .limit(2)
        )
    )


def _review_data(**overrides):
    first, second = _priorities()
    data = {
        "primary_priority_id": str(first.id),
        "other_priority_ids": [str(second.id)],
        "rationale": "Improves the quality of education.",
        "on_plan": "y",
        "lead_role_accepted": "y",
        "figures-0-year": "2022",
        "figures-0-amount": "400000",
        "figures-0-status": "agreed",
        "figures-0-comment": "",
        "figures-1-year": "2023",
        "figures-1-amount": "550,000",
        "figures-1-status": "disputed",
        "figures-1-comment": "The treasury recorded 550,000 for 2023.",
        "action": "confirm",
    }
    data.update(overrides)
    return data


def test_the_whole_path_through_the_pages(client, login_as, case):
    project = case["project"]
    login_as("dp", organization=case["partner_org"])
    assert client.post(f"/alignment/projects/{project.id}/step/submit").status_code == 302
    client.post("/logout")

    login_as("ministry", organization=case["ministry_org"])
    inbox = client.get("/alignment/inbox").get_data(as_text=True)
    assert "Secondary school teacher training" in inbox
    no_reason = client.post(
        f"/alignment/projects/{project.id}/review",
        data=_review_data(action="return", return_reason=""),
    )
    assert no_reason.status_code == 400
    assert "Say why the project is returned" in no_reason.get_data(as_text=True)
    client.post(
        f"/alignment/projects/{project.id}/review",
        data=_review_data(
            action="return", return_reason="Add the provinces where the schools are."
        ),
    )
    assert project.workflow_state == "returned"
    client.post("/logout")

    login_as("dp", organization=case["partner_org"])
    home = client.get("/").get_data(as_text=True)
    assert "Returned to you" in home and "Add the provinces where the schools are." in home
    client.post(f"/alignment/projects/{project.id}/step/submit")
    client.post("/logout")

    login_as("ministry", organization=case["ministry_org"])
    response = client.post(f"/alignment/projects/{project.id}/review", data=_review_data())
    assert response.status_code == 302
    assert project.workflow_state == "confirmed"
    disputed = db.session.scalar(
        select(GovernmentFigure).where(
            GovernmentFigure.project_id == project.id, GovernmentFigure.year == 2023
        )
    )
    assert disputed.status == "disputed" and disputed.recorded_usd == Decimal("550000.00")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "-50,000.00" in page  # government minus partner, side by side
    assert "The treasury recorded 550,000 for 2023." in page
    client.post("/logout")

    # The partner answers in the thread; CDC validates; the public sees it.
    login_as("dp", organization=case["partner_org"])
    client.post(
        f"/alignment/figures/{disputed.id}/comments",
        data={"text": "Our 2023 figure includes a December transfer."},
    )
    assert len(disputed.comments) == 2
    client.post("/logout")
    login_as("cdc")
    pipeline = client.get("/alignment/pipeline").get_data(as_text=True)
    assert "MOEYSW" in pipeline and "Disputed figures" in pipeline
    client.post(f"/alignment/projects/{project.id}/step/validate")
    assert project.workflow_state == "validated" and project.published_at is not None
    client.post("/logout")
    assert "Secondary school teacher training" in client.get("/projects/").get_data(as_text=True)


def test_confirming_without_a_priority_or_acceptance_says_what_is_missing(client, login_as, case):
    project = case["project"]
    project.workflow_state = "submitted"
    db.session.flush()
    login_as("ministry", organization=case["ministry_org"])
    response = client.post(
        f"/alignment/projects/{project.id}/review",
        data=_review_data(primary_priority_id="0", lead_role_accepted=""),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the one priority the project serves first." in page
    assert "accepts being the lead national partner" in page
    assert project.workflow_state == "submitted"


@pytest.mark.parametrize("who", ["other_partner", "other_ministry", "lead_ministry"])
def test_others_cannot_take_the_partners_step(client, login_as, case, who):
    project = case["project"]
    if who == "other_partner":
        login_as("dp")
    elif who == "other_ministry":
        login_as("ministry")
    else:
        login_as("ministry", organization=case["ministry_org"])
    response = client.post(f"/alignment/projects/{project.id}/step/submit")
    assert response.status_code == (403 if who == "lead_ministry" else 404)
    assert project.workflow_state == "draft"


def test_overdue_items_stand_out_in_the_inbox(client, login_as, case):
    from datetime import UTC, datetime, timedelta

    project = case["project"]
    project.workflow_state = "submitted"
    project.state_changed_at = datetime.now(UTC) - timedelta(days=45)
    db.session.flush()
    login_as("ministry", organization=case["ministry_org"])
    page = client.get("/alignment/inbox").get_data(as_text=True)
    assert "Overdue" in page and "table-danger" in page
    assert ">45<" in page


def test_cdc_sets_the_service_standard(client, login_as):
    login_as("cdc")
    assert (
        client.post("/alignment/settings", data={"service_standard_days": "0"}).status_code == 400
    )
    assert (
        client.post("/alignment/settings", data={"service_standard_days": "21"}).status_code == 302
    )
    assert "Service standard: 21 days" in client.get("/alignment/pipeline").get_data(as_text=True)


def test_notifications_show_an_unread_count_and_can_be_read(client, login_as, case):
    project = case["project"]
    ministry_user = factories.user(role="ministry", organization=case["ministry_org"])
    from portal.alignment import workflow

    partner = factories.user(role="dp", organization=case["partner_org"])
    workflow.transition(project, "submit", actor=partner)
    client.post("/login", data={"email": ministry_user.email, "password": "correct horse battery"})
    header = client.get("/").get_data(as_text=True)
    assert 'aria-label="1 unread"' in header
    page = client.get("/alignment/notifications").get_data(as_text=True)
    assert "was submitted for your confirmation" in page
    client.post("/alignment/notifications/read")
    assert "unread" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "review", "comment"),
    [
        ("partner", 403, 302),
        ("other_partner", 404, 404),
        ("other_ministry", 404, 404),
        ("lead_ministry", 200, 302),
        ("cdc", 200, 302),
    ],
)
def test_review_and_threads_answer_each_role(client, login_as, case, who, review, comment):
    project = case["project"]
    figure = GovernmentFigure(project_id=project.id, year=2022, status="disputed")
    db.session.add(figure)
    db.session.flush()
    organization = {"partner": case["partner_org"], "lead_ministry": case["ministry_org"]}
    role = {
        "partner": "dp",
        "other_partner": "dp",
        "other_ministry": "ministry",
        "lead_ministry": "ministry",
        "cdc": "cdc",
    }[who]
    login_as(role, organization=organization.get(who))
    assert client.get(f"/alignment/projects/{project.id}/review").status_code == review
    response = client.post(f"/alignment/figures/{figure.id}/comments", data={"text": "Hello"})
    assert response.status_code == comment


def test_opening_a_notification_marks_it_read_and_goes_to_its_project(client, login_as, case):
    import re

    from portal.alignment import workflow

    project = case["project"]
    ministry_user = factories.user(role="ministry", organization=case["ministry_org"])
    partner = factories.user(role="dp", organization=case["partner_org"])
    workflow.transition(project, "submit", actor=partner)
    client.post("/login", data={"email": ministry_user.email, "password": "correct horse battery"})
    page = client.get("/alignment/notifications").get_data(as_text=True)
    link = re.search(r'href="(/alignment/notifications/\d+/open)"', page).group(1)
    opened = client.get(link)
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/projects/{project.id}")
    assert "unread" not in client.get("/").get_data(as_text=True)
    # Another person's notice is not theirs to open.
    client.post("/logout")
    client.post("/login", data={"email": partner.email, "password": "correct horse battery"})
    assert client.get(link).status_code == 404
