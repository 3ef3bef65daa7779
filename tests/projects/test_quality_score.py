"""The data-quality score separates good records from poor ones, by a rule the pages state.

Each check has its points (100 in all); a complete record earns them all, a record missing its
past disbursements or left without an update for a year falls well below it. The Data quality
page lists every check with its points, the project page what the project earned on each.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update

from portal.alignment import services as alignment_services
from portal.alignment import workflow
from portal.db import utcnow
from portal.demo.services import build_demo
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import quality, services
from portal.projects.models import Project
from portal.strategy.models import NodeKind, StrategyNode
from tests import factories

THIS_YEAR = date.today().year
FIRST, LAST = THIS_YEAR - 3, THIS_YEAR + 2  # three past years, this year and two ahead


def _people():
    partner = factories.organization(OrgKind.BILATERAL)
    ministry = factories.organization(OrgKind.GOVERNMENT)
    return {
        "partner_org": partner,
        "ministry_org": ministry,
        "partner": factories.user(role="dp", organization=partner),
        "ministry": factories.user(role="ministry", organization=ministry),
    }


def _complete_data(people, **changes) -> services.ProjectData:
    """Everything CDC asks of a project running from three years ago to two years ahead."""
    twg = db.session.execute(db.text("SELECT id FROM technical_working_group")).scalar()
    money = [
        services.YearAmount(year, "disbursement", Decimal("100000"), "USD")
        for year in range(FIRST, THIS_YEAR)
    ] + [
        services.YearAmount(year, "planned", Decimal("100000"), "USD")
        for year in range(THIS_YEAR, LAST + 1)
    ]
    data = services.ProjectData(
        title_en="Rural water supply",
        reporting_org_id=people["partner_org"].id,
        lead_national_partner_id=people["ministry_org"].id,
        description="Wells and piped water for rural communes.",
        planned_start=date(FIRST, 1, 1),
        planned_end=date(LAST, 12, 31),
        actual_start=date(FIRST, 1, 1),
        type_of_assistance="grant",
        modality="project",
        twg_id=twg,
        contact_name="A. Person",
        sectors=[services.SectorShare("14030", Decimal(100))],
        nationwide=True,
        commitment_amount=Decimal("1000000"),
        commitment_currency="USD",
        commitment_date=date(FIRST - 1, 11, 1),
        funding=money,
        documents=[services.Document("Financing agreement", "https://example.org/agreement.pdf")],
    )
    return replace(data, **changes)


def _align_and_confirm(project: Project, people) -> None:
    """The lead ministry records how the project serves the national strategy, and confirms."""
    priority = db.session.scalar(
        select(StrategyNode).where(StrategyNode.kind == NodeKind.PRIORITY).order_by(StrategyNode.id)
    )
    alignment_services.save_alignment(
        project,
        alignment_services.AlignmentData(
            primary_priority_id=priority.id,
            other_priority_ids=[],
            rationale="Serves rural water access.",
            on_plan=True,
            on_budget=False,
            lead_role_accepted=True,
        ),
        actor=people["ministry"],
    )
    workflow.transition(project, "confirm", actor=people["ministry"])


def _confirm(project: Project, people) -> None:
    workflow.transition(project, "submit", actor=people["partner"])
    _align_and_confirm(project, people)


def _age(project: Project, days: int, **values) -> None:
    """Make the project's last update `days` old (with any other `values` set beside)."""
    db.session.execute(
        update(Project)
        .where(Project.id == project.id)
        .values(updated_at=utcnow() - timedelta(days=days), **values)
    )
    db.session.refresh(project)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _earned(project: Project) -> dict[str, int]:
    return {
        check.key: earned for check, earned in quality.breakdown(quality.stored_findings(project))
    }


def test_the_checks_add_up_to_100_and_weigh_money_and_upkeep_most():
    assert sum(check.points for check in quality.CHECKS) == 100
    points = quality.POINTS
    # What CDC relies on weighs more than any field almost every record has.
    for heavy in ("past_disbursements", "updated", "confirmed"):
        assert points[heavy] > max(points["basics"], points["commitment"], points["sectors"])


def test_a_complete_record_earns_every_point_and_a_neglected_one_falls_far_below():
    people = _people()
    complete = services.save_project(_complete_data(people), actor=people["partner"])
    _confirm(complete, people)
    assert quality.stored_findings(complete) == []
    assert quality.current_score(complete) == 100
    assert _earned(complete) == quality.POINTS

    # The same project as a partner might leave it: no disbursement reported for the past
    # years (the plan left in place), no document, never submitted, untouched for 13 months.
    neglected = services.save_project(
        _complete_data(
            people,
            funding=[
                services.YearAmount(year, "planned", Decimal("100000"), "USD")
                for year in range(FIRST, LAST + 1)
            ],
            documents=[],
        ),
        actor=people["partner"],
    )
    _age(neglected, 400)
    earned = _earned(neglected)
    assert earned == {
        **quality.POINTS,
        "past_disbursements": 0,
        "documents": 0,
        "confirmed": 0,
        "updated": 0,
    }
    score = quality.current_score(neglected)
    assert score == 100 - 24 - 8 - 12 - 20 == sum(earned.values())
    assert quality.current_score(complete) - score >= 30
    texts = [finding.text() for finding in quality.stored_findings(neglected)]
    assert f"No actual disbursement reported for {FIRST}–{THIS_YEAR - 1}." in texts
    assert "No document is attached." in texts
    assert any(text.startswith("Not updated for more than 12 months") for text in texts)


def test_each_gap_costs_the_points_the_rule_states():
    people = _people()
    data = _complete_data(people)
    cases = {
        # One of three past years without its disbursement: a third of 24.
        "past_disbursements": (
            replace(data, funding=[f for f in data.funding if f.year != THIS_YEAR - 1]),
            8,
        ),
        # Nothing planned for the last of the three years ahead: a third of 9.
        "years_ahead": (replace(data, funding=[f for f in data.funding if f.year != LAST]), 3),
        "documents": (replace(data, documents=[]), 8),
        "commitment": (replace(data, commitment_date=None), 2),
        "sectors": (replace(data, sectors=[]), 6),
        "locations": (replace(data, nationwide=False, locations=[]), 6),
        # Disbursements above the commitment: a third of 6.
        "consistent": (replace(data, commitment_amount=Decimal("150000")), 2),
        # Two of the ten other fields missing: 1 of 5 points (rounded).
        "basics": (replace(data, modality=None, contact_name=None), 1),
    }
    for check, (changed, lost) in cases.items():
        project = services.save_project(changed, actor=people["partner"])
        earned = _earned(project)
        assert earned[check] == quality.POINTS[check] - lost, check
        # Only the draft's missing confirmation besides: no other check moves.
        others = {key: value for key, value in earned.items() if key not in (check, "confirmed")}
        assert all(value == quality.POINTS[key] for key, value in others.items()), check
        expected = 100 - lost - quality.POINTS["confirmed"]
        assert quality.current_score(project) == expected, check


def test_the_score_follows_the_project_through_the_workflow():
    people = _people()
    project = services.save_project(_complete_data(people), actor=people["partner"])
    assert quality.current_score(project) == 100 - 12  # a draft: not confirmed
    workflow.transition(project, "submit", actor=people["partner"])
    assert quality.current_score(project) == 100 - 6  # waiting for the ministry: half
    texts = [f.text() for f in quality.stored_findings(project)]
    assert "Not confirmed by the lead ministry: waiting for the ministry." in texts
    _align_and_confirm(project, people)
    assert quality.current_score(project) == 100
    # A material change after the confirmation sends it back to the ministry: half again.
    changed = _complete_data(people, commitment_amount=Decimal("1200000"))
    services.save_project(changed, actor=people["partner"], project=project)
    assert project.workflow_state == workflow.RECONFIRM
    assert quality.current_score(project) == 100 - 6
    db.session.expire_all()
    assert db.session.get(Project, project.id).quality_score == 100 - 6


def test_computing_the_scores_again_changes_neither_version_nor_time_of_update():
    people = _people()
    project = services.save_project(_complete_data(people), actor=people["partner"])
    _age(project, 30, quality_score=0)  # as scored by an older rule
    before = (project.version, _aware(project.updated_at))
    assert quality.rescore([project.id]) == 1
    db.session.expire_all()
    again = db.session.get(Project, project.id)
    assert again.quality_score == 100 - 12
    assert (again.version, _aware(again.updated_at)) == before


def test_the_data_quality_page_states_each_check_and_its_points(client, login_as):
    people = _people()
    services.save_project(_complete_data(people), actor=people["partner"])
    login_as("cdc")
    page = client.get("/projects/quality").get_data(as_text=True)
    rule = page[page.index("How the score is computed") :]
    for check in quality.CHECKS:
        row = re.search(re.escape(str(check.label)) + r'</th><td class="num">(\d+)</td>', rule)
        assert row and int(row.group(1)) == check.points, check.key
    assert "A third lost for each problem" in rule
    assert "Half while the project waits for the ministry" in rule
    assert re.search(r'Total</th><td class="num">100</td>', rule)
    # The partners' table counts, for each check, the projects that lose points on it.
    for check in quality.CHECKS:
        assert f'<th scope="col" class="num">{check.heading}</th>' in page


def test_the_project_page_shows_the_points_earned_on_the_same_checks(client, login_as):
    people = _people()
    project = services.save_project(_complete_data(people, documents=[]), actor=people["partner"])
    login_as("dp", organization=people["partner_org"])
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    shown = dict(
        re.findall(
            r'<th scope="row" class="fw-normal">([^<]+)</th><td class="num text-nowrap">'
            r"(\d+) / \d+</td>",
            page,
        )
    )
    assert list(shown) == [str(check.label) for check in quality.CHECKS]
    assert int(shown[str(quality.CHECKS[4].label)]) == 0  # documents
    score = int(re.search(r'<span class="quality-score">(\d+)</span>', page).group(1))
    assert score == sum(int(points) for points in shown.values()) == 100 - 8 - 12
    assert "No document is attached." in page


def test_on_the_demo_data_scores_spread_and_rank_partners_apart():
    build_demo(project_count=200)
    projects = list(db.session.scalars(select(Project).where(Project.is_demo).order_by(Project.id)))
    assert len(projects) == 200
    scores = [quality.current_score(p) for p in projects]
    q1, _median, q3 = statistics.quantiles(scores, n=4)
    assert q3 - q1 >= 15 or statistics.pstdev(scores) >= 10, (q1, q3, statistics.pstdev(scores))
    assert min(scores) <= 60 and max(scores) == 100

    # Records left stale or without their past disbursements score well below the others.
    neglected, kept = [], []
    for project, score in zip(projects, scores, strict=True):
        checks = {f.check for f in quality.stored_findings(project)}
        (neglected if checks & {"updated", "past_disbursements"} else kept).append(score)
    assert neglected and kept
    assert statistics.mean(kept) - statistics.mean(neglected) >= 15

    # The partners' averages are far enough apart for the ranking to say something.
    by_partner = defaultdict(list)
    for project, score in zip(projects, scores, strict=True):
        by_partner[project.reporting_org_id].append(score)
    averages = [statistics.mean(s) for s in by_partner.values() if len(s) >= 5]
    assert max(averages) - min(averages) >= 10

    # Each project page adds up to the score it shows.
    for project in projects:
        earned = quality.breakdown(quality.stored_findings(project))
        assert sum(points for _check, points in earned) == quality.current_score(project)
