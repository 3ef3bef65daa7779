"""The workflow: who may take which step from which state; the log; material changes."""

import itertools
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from portal.alignment import queries, services, workflow
from portal.alignment.models import (
    GovernmentFigure,
    Notification,
    WorkflowTransition,
)
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import OrgKind
from portal.projects import services as project_services
from portal.projects.models import Project
from portal.strategy.models import NodeKind, StrategyNode
from tests import factories

STATES = ["draft", "submitted", "confirmed", "returned", "validated", "reconfirm"]
ACTIONS = ["submit", "confirm", "return", "validate"]
ROLES = ["partner", "other_partner", "ministry", "other_ministry", "cdc"]


def allowed(role: str, action: str, state: str) -> bool:
    """The rules of the issue, stated independently of the code under test."""
    if action == "submit":
        return role == "partner" and state in ("draft", "returned")
    if action == "confirm":
        return role == "ministry" and state in ("submitted", "reconfirm")
    if action == "return":
        return (role == "ministry" and state in ("submitted", "reconfirm")) or (
            role == "cdc" and state in ("submitted", "reconfirm", "confirmed", "validated")
        )
    if action == "validate":
        return role == "cdc" and state == "confirmed"
    return False


@pytest.fixture
def people():
    partner_org = factories.organization(OrgKind.BILATERAL, acronym="WFP1")
    ministry_org = factories.organization(OrgKind.GOVERNMENT, acronym="WFM1")
    return {
        "partner": factories.user(role="dp", organization=partner_org),
        "other_partner": factories.user(role="dp"),
        "ministry": factories.user(role="ministry", organization=ministry_org),
        "other_ministry": factories.user(role="ministry"),
        "cdc": factories.user(role="cdc"),
        "partner_org": partner_org,
        "ministry_org": ministry_org,
    }


def priority() -> StrategyNode:
    return db.session.scalar(
        select(StrategyNode).where(StrategyNode.kind == NodeKind.PRIORITY).order_by(StrategyNode.id)
    )


def aligned_project(people, state: str = "draft") -> Project:
    project = factories.project(reporting=people["partner_org"], lead=people["ministry_org"])
    services.save_alignment(
        project,
        services.AlignmentData(
            primary_priority_id=priority().id,
            other_priority_ids=[],
            rationale="Serves it.",
            on_plan=True,
            on_budget=False,
            lead_role_accepted=True,
        ),
        actor=people["ministry"],
    )
    db.session.execute(update(Project).where(Project.id == project.id).values(workflow_state=state))
    db.session.expire(project)
    return project


@pytest.mark.parametrize(
    ("role", "action", "state"), list(itertools.product(ROLES, ACTIONS, STATES))
)
def test_each_step_is_allowed_only_to_its_role_and_from_its_states(people, role, action, state):
    project = aligned_project(people, state)
    steps_before = db.session.scalar(select(func.count()).select_from(WorkflowTransition))
    if allowed(role, action, state):
        target = workflow.transition(project, action, actor=people[role], comment="Reason.")
        assert project.workflow_state == target
        logged = db.session.scalar(
            select(WorkflowTransition).order_by(WorkflowTransition.id.desc())
        )
        assert (logged.from_state, logged.to_state, logged.user_id) == (
            state,
            target,
            people[role].id,
        )
    else:
        with pytest.raises(workflow.WorkflowRefused) as refused:
            workflow.transition(project, action, actor=people[role], comment="Reason.")
        assert refused.value.status in (403, 409)
        db.session.refresh(project)
        assert project.workflow_state == state
        assert (
            db.session.scalar(select(func.count()).select_from(WorkflowTransition)) == steps_before
        )


def test_a_return_needs_a_reason(people):
    project = aligned_project(people, "submitted")
    with pytest.raises(workflow.WorkflowRefused) as refused:
        workflow.transition(project, "return", actor=people["ministry"], comment="  ")
    assert refused.value.status == 400
    assert "Say why the project is returned" in str(refused.value)


def test_confirming_needs_the_alignment(people):
    project = factories.project(reporting=people["partner_org"], lead=people["ministry_org"])
    workflow.transition(project, "submit", actor=people["partner"])
    with pytest.raises(workflow.WorkflowRefused) as refused:
        workflow.transition(project, "confirm", actor=people["ministry"])
    assert refused.value.status == 400


def test_validation_publishes_and_everyone_concerned_is_told(people):
    project = aligned_project(people, "draft")
    workflow.transition(project, "submit", actor=people["partner"])
    ministry_notices = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == people["ministry"].id)
    )
    assert ministry_notices == 1
    workflow.transition(project, "confirm", actor=people["ministry"])
    workflow.transition(project, "validate", actor=people["cdc"])
    assert project.published_at is not None
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.to_email == people["partner"].email)
        )
        == 2
    )  # confirmed, validated


def test_a_stale_page_loses_the_race_cleanly(people):
    project = aligned_project(people, "submitted")
    # Someone else returns the project behind this session's back.
    db.session.execute(
        update(Project).where(Project.id == project.id).values(workflow_state="returned"),
        execution_options={"synchronize_session": False},
    )
    assert project.workflow_state == "submitted"  # what this user's page still shows
    with pytest.raises(workflow.WorkflowRefused) as refused:
        workflow.transition(project, "confirm", actor=people["ministry"])
    assert refused.value.status == 409
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(WorkflowTransition)
            .where(WorkflowTransition.project_id == project.id)
        )
        == 0
    )


def _edit(project, actor, **changes):
    current = project_services.ProjectData(
        title_en=project.title_en,
        reporting_org_id=project.reporting_org_id,
        lead_national_partner_id=project.lead_national_partner_id,
        planned_start=project.planned_start,
        planned_end=project.planned_end,
        description=project.description,
        nationwide=project.nationwide,
        sectors=[
            project_services.SectorShare(s.sector_code, s.percentage) for s in project.sectors
        ],
        commitment_amount=project.commitment_amount,
        commitment_currency=project.commitment_currency,
        commitment_date=project.commitment_date,
        funding=[
            project_services.YearAmount(f.year, f.kind, f.amount, f.currency)
            for f in project.funding
        ],
    )
    for name, value in changes.items():
        setattr(current, name, value)
    project_services.save_project(current, actor=actor, project=project)


def test_material_change_after_confirmation_needs_reconfirmation(people):
    project = aligned_project(people, "submitted")
    workflow.transition(project, "confirm", actor=people["ministry"])
    _edit(project, people["partner"], description="Typo fixed in the description.")
    assert project.workflow_state == "confirmed"
    _edit(project, people["partner"], commitment_amount=Decimal("1500000"))
    assert project.workflow_state == "reconfirm"
    changes = workflow.changes_since_confirmation(project)
    assert changes == [("commitment", "1,000,000.00 USD", "1,500,000.00 USD")]
    assert [t.to_state for t in workflow.log_of(project.id)][-1] == "reconfirm"
    # The ministry is told, and confirms again.
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == people["ministry"].id, Notification.kind == "reconfirm")
        )
        == 1
    )
    workflow.transition(project, "confirm", actor=people["ministry"])
    assert workflow.changes_since_confirmation(project) == []


def test_scorecards_count_each_project_once_on_each_side(people):
    confirmed, returned, draft = (aligned_project(people) for _ in range(3))
    for project in (confirmed, returned):
        workflow.transition(project, "submit", actor=people["partner"])
    workflow.transition(confirmed, "confirm", actor=people["ministry"])
    workflow.transition(returned, "return", actor=people["ministry"], comment="Fix the dates.")
    workflow.transition(returned, "submit", actor=people["partner"])  # submitted twice
    db.session.add_all(
        GovernmentFigure(project_id=draft.id, year=year, status="disputed") for year in (2022, 2023)
    )
    db.session.flush()

    cards = queries.scorecards()
    for side, organization in (("lead", "ministry_org"), ("partner", "partner_org")):
        (card,) = (c for c in cards[side] if c["organization"] == people[organization])
        assert (
            card["submitted"],
            card["share_confirmed"],
            card["share_returned"],
            card["open_disputes"],
        ) == (2, 50, 50, 2)
        assert card["median_days"] == 0.0  # confirmed at once
