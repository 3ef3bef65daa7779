"""The demo gives its projects a workflow history a person can explore: states, logs, figures."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.alignment import queries, services, workflow
from portal.alignment.models import (
    Alignment,
    FigureComment,
    GovernmentFigure,
    WorkflowTransition,
)
from portal.demo.services import build_demo
from portal.extensions import db
from portal.projects.models import Project
from portal.strategy.models import NodeKind, StrategyNode

COUNT = 60


@pytest.fixture
def demo():
    """Organizations, accounts, rates and 60 demo projects with their workflow, rolled back."""
    counts = build_demo(project_count=COUNT)
    db.session.expire_all()
    return counts


def aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def demo_projects() -> list[Project]:
    return list(db.session.scalars(select(Project).where(Project.is_demo).order_by(Project.id)))


def transition_count() -> int:
    return db.session.scalar(select(func.count()).select_from(WorkflowTransition))


def test_the_demo_spreads_its_projects_over_the_workflow(demo):
    states = Counter(p.workflow_state for p in demo_projects())
    assert demo["workflow"] == COUNT - states[workflow.DRAFT]
    for state in (
        workflow.DRAFT,
        workflow.SUBMITTED,
        workflow.RETURNED,
        workflow.CONFIRMED,
        workflow.VALIDATED,
    ):
        assert states[state] > 0, f"no demo project is {state}: {states}"


def test_published_projects_are_validated_with_an_alignment_to_a_current_priority(demo):
    framework = services.current_framework()
    priorities = set(
        db.session.scalars(
            select(StrategyNode.id).where(
                StrategyNode.framework_id == framework.id, StrategyNode.kind == NodeKind.PRIORITY
            )
        )
    )
    published = [p for p in demo_projects() if p.published_at is not None]
    assert published
    for project in published:
        assert project.workflow_state == workflow.VALIDATED, project.partner_ref
        alignment = services.alignment_of(project.id)
        assert alignment is not None, project.partner_ref
        assert alignment.framework_id == framework.id
        assert alignment.primary_priority_id in priorities
        assert alignment.rationale.strip().endswith(".")
        assert alignment.lead_role_accepted
        # CDC validated at the moment the project was published.
        last = workflow.log_of(project.id)[-1]
        assert last.to_state == workflow.VALIDATED
        assert aware(last.at) == aware(project.published_at)


def test_a_project_is_validated_only_when_published(demo):
    for project in demo_projects():
        if project.workflow_state == workflow.VALIDATED:
            assert project.published_at is not None, project.partner_ref


def test_every_log_is_in_order_and_ends_in_the_projects_state(demo):
    now = datetime.now(UTC)
    for project in demo_projects():
        log = workflow.log_of(project.id)
        if project.workflow_state == workflow.DRAFT:
            assert log == [] and project.state_changed_at is None
            continue
        assert log, project.partner_ref
        assert log[0].from_state == workflow.DRAFT and log[0].to_state == workflow.SUBMITTED
        assert log[-1].to_state == project.workflow_state
        times = [aware(step.at) for step in log]
        assert times == sorted(times) and len(set(times)) == len(times), project.partner_ref
        assert aware(project.created_at) < times[0] and times[-1] <= now
        assert aware(project.state_changed_at) == times[-1]
        assert aware(project.updated_at) >= times[-1]
        for before, after in zip(log, log[1:], strict=False):
            assert after.from_state == before.to_state, project.partner_ref
            assert after.to_state in {s.target for s in workflow.STEPS.values()} | {
                workflow.RECONFIRM
            }
            if after.to_state == workflow.CONFIRMED:
                waited = (aware(after.at) - aware(before.at)) / timedelta(days=1)
                assert 2 <= waited <= 60, (project.partner_ref, waited)


def test_each_step_is_taken_by_the_right_demo_user(demo):
    users = {u.id: u for u in db.session.scalars(select(User))}
    for project in demo_projects():
        for step in workflow.log_of(project.id):
            if step.user_id is None:
                continue
            user = users[step.user_id]
            if step.to_state in (workflow.SUBMITTED, workflow.RECONFIRM):
                assert user.role is Role.DP
                assert user.organization_id == project.reporting_org_id
            elif step.to_state in (workflow.CONFIRMED, workflow.RETURNED):
                assert user.role is Role.MINISTRY
                assert user.organization_id == project.lead_national_partner_id
            else:
                assert user.role is Role.CDC
    moh_confirmations = db.session.scalar(
        select(func.count())
        .select_from(WorkflowTransition)
        .join(User, User.id == WorkflowTransition.user_id)
        .where(User.email == "moh@demo.example", WorkflowTransition.to_state == "confirmed")
    )
    assert moh_confirmations > 0, "the MOH demo user confirmed some projects"


def test_returned_projects_say_why(demo):
    returned = [p for p in demo_projects() if p.workflow_state == workflow.RETURNED]
    assert returned
    for project in returned:
        last = workflow.log_of(project.id)[-1]
        assert last.comment and last.comment.strip(), project.partner_ref
    for step in db.session.scalars(
        select(WorkflowTransition).where(WorkflowTransition.to_state == workflow.RETURNED)
    ):
        assert step.comment and step.comment.strip()


def test_confirmed_snapshots_match_the_project_unless_it_needs_reconfirmation(demo):
    # About 1 unpublished project in 20 needs reconfirmation: a larger demo has some.
    build_demo(project_count=4 * COUNT)
    db.session.expire_all()
    projects = demo_projects()
    assert any(p.workflow_state == workflow.RECONFIRM for p in projects)
    for project in projects:
        if project.workflow_state in (workflow.CONFIRMED, workflow.VALIDATED):
            assert project.confirmed_snapshot == workflow.material_snapshot(project)
            assert workflow.changes_since_confirmation(project) == [], project.partner_ref
            assert services.alignment_of(project.id) is not None
        elif project.workflow_state == workflow.RECONFIRM:
            assert workflow.changes_since_confirmation(project), project.partner_ref
            assert services.alignment_of(project.id) is not None
        else:
            assert project.confirmed_snapshot is None
            assert services.alignment_of(project.id) is None


def test_government_figures_follow_the_partners_disbursements(demo):
    figures = list(db.session.scalars(select(GovernmentFigure)))
    assert figures, "some confirmed projects have government figures"
    by_project = {}
    for figure in figures:
        by_project.setdefault(figure.project_id, []).append(figure)
    for project_id, rows in by_project.items():
        project = db.session.get(Project, project_id)
        assert project.workflow_state in (
            workflow.CONFIRMED,
            workflow.VALIDATED,
            workflow.RECONFIRM,
        )
        reported = services.partner_figures(project)
        for figure in rows:
            assert figure.year in reported
            if figure.status == "agreed":
                assert figure.recorded_usd == reported[figure.year]
            elif figure.status == "disputed":
                assert figure.recorded_usd != reported[figure.year]
                assert 1 <= len(figure.comments) <= 2
                assert all(c.text.strip() for c in figure.comments)
            else:
                assert figure.recorded_usd in (None, reported[figure.year])
    statuses = Counter(f.status for f in figures)
    assert statuses["agreed"] > statuses["disputed"]
    # Threads only belong to disputed figures.
    orphan = db.session.scalar(
        select(func.count())
        .select_from(FigureComment)
        .join(GovernmentFigure, GovernmentFigure.id == FigureComment.figure_id)
        .where(GovernmentFigure.status != "disputed")
    )
    assert orphan == 0


def test_running_the_demo_again_adds_no_history(demo):
    before = (
        transition_count(),
        db.session.scalar(select(func.count()).select_from(Alignment)),
        db.session.scalar(select(func.count()).select_from(GovernmentFigure)),
    )
    states = {p.id: (p.workflow_state, p.state_changed_at) for p in demo_projects()}
    again = build_demo(project_count=COUNT)
    db.session.expire_all()
    assert again["workflow"] == 0
    assert before == (
        transition_count(),
        db.session.scalar(select(func.count()).select_from(Alignment)),
        db.session.scalar(select(func.count()).select_from(GovernmentFigure)),
    )
    assert states == {p.id: (p.workflow_state, p.state_changed_at) for p in demo_projects()}


def test_the_inbox_lists_the_waiting_projects_of_one_ministry_oldest_first(demo):
    waiting = Counter(
        p.lead_national_partner_id
        for p in demo_projects()
        if p.workflow_state in workflow.WAITING_FOR_MINISTRY
    )
    assert waiting, "some demo projects wait for their ministry"
    organization_id = waiting.most_common(1)[0][0]
    rows = queries.inbox(organization_id, 30)
    assert len(rows) == waiting[organization_id]
    for row in rows:
        assert row["project"].lead_national_partner_id == organization_id
        assert row["project"].workflow_state in workflow.WAITING_FOR_MINISTRY
    since = [row["since"] for row in rows]
    assert since == sorted(since)
    assert all(
        0 <= row["days"] <= 90 for row in rows if row["project"].workflow_state == "submitted"
    )


def test_some_submitted_projects_are_overdue_and_some_are_not(demo):
    now = datetime.now(UTC)
    waited = [
        (now - aware(p.state_changed_at)).days
        for p in demo_projects()
        if p.workflow_state == workflow.SUBMITTED
    ]
    assert waited and all(0 <= days <= 90 for days in waited)
    assert any(days > 30 for days in waited) and any(days <= 30 for days in waited)


def test_the_scorecards_show_shares_between_0_and_100(demo):
    cards = queries.scorecards()
    for group_by in ("lead", "partner"):
        rows = cards[group_by]
        assert rows
        for row in rows:
            assert row["organization"] is not None
            for key in ("share_confirmed", "share_returned"):
                assert row[key] is None or 0 <= row[key] <= 100, (group_by, row)
            assert row["median_days"] is None or 2 <= row["median_days"] <= 60
            assert row["open_disputes"] >= 0


def test_the_pipeline_page_renders_for_cdc(demo, client):
    from portal.demo.organizations import DEMO_PASSWORD

    response = client.post("/login", data={"email": "cdc@demo.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    response = client.get("/alignment/pipeline")
    assert response.status_code == 200
    assert "MOH" in response.get_data(as_text=True)
