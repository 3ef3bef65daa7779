"""The delivery dashboard: counts, watch lists, charts with tables, scorecards, filters."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from portal.commitments import charts, codes, queries, services
from portal.commitments.models import ProgressReport
from portal.extensions import db
from portal.organizations.models import OrgKind
from tests import factories
from tests.commitments import helpers


@pytest.fixture
def board():
    orgs = helpers.parties()
    lead_user = factories.user(role="ministry", organization=orgs["lead"])
    on_track = helpers.commitment(orgs, title_en="Alpha on track")
    helpers.report(on_track, lead_user, period="2025-S1", actual="45", rating="on_track")
    off_track = helpers.commitment(orgs, title_en="Bravo off track", principle="trust")
    helpers.report(off_track, lead_user, period="2025-S1", actual="41", rating="on_track")
    other = factories.organization(OrgKind.GOVERNMENT, acronym="OVERDUEM")
    overdue = helpers.commitment(
        {**orgs, "lead": other},
        title_en="Charlie overdue",
        target_date=date(2025, 12, 31),
        trajectory=[services.PlannedValue("2025-S2", Decimal("60"))],
    )
    fresh = helpers.commitment(orgs, title_en="Delta not reported", principle="learning")
    # Reports on time and late: period 2025-S1 is due 30 July 2025.
    db.session.execute(
        update(ProgressReport)
        .where(ProgressReport.commitment_id == on_track.id)
        .values(reported_at=datetime(2025, 7, 20, tzinfo=UTC))
    )
    db.session.execute(
        update(ProgressReport)
        .where(ProgressReport.commitment_id == off_track.id)
        .values(reported_at=datetime(2025, 9, 1, tzinfo=UTC))
    )
    db.session.expire_all()
    return {"orgs": orgs, "items": [on_track, off_track, overdue, fresh], "other": other}


def test_counts_watch_lists_and_differences(board):
    today = date(2026, 3, 1)
    rows = queries.rows(queries.load(), queries.Filters(), today)
    by_title = {r.commitment.title_en: r for r in rows}
    assert by_title["Alpha on track"].status == codes.ON_TRACK
    assert by_title["Bravo off track"].status == codes.OFF_TRACK
    assert by_title["Bravo off track"].differs  # the lead said on track
    assert by_title["Charlie overdue"].status == codes.OVERDUE
    assert by_title["Delta not reported"].status == codes.NOT_REPORTED
    summary = queries.summarise(rows)
    assert summary.by_status[codes.ON_TRACK] >= 1 and summary.differing >= 1
    assert "Charlie overdue" in [r.commitment.title_en for r in summary.overdue]
    assert "Bravo off track" in [r.commitment.title_en for r in summary.off_track]
    assert summary.by_principle["trust"][codes.OFF_TRACK] >= 1


def test_scorecard_counts_reports_on_time_late_and_missing(board):
    today = date(2026, 3, 1)  # 2025-S1 and 2025-S2 are due by then
    rows = queries.rows(queries.load(), queries.Filters(), today)
    card = next(c for c in queries.scorecards(rows, today) if c["organization"].acronym == "LEADM")
    # Alpha: S1 on time, S2 missing; Bravo: S1 late, S2 missing; Delta: S1 and S2 missing.
    assert (card["led"], card["on_track"]) == (3, 1)
    assert (card["reports_due"], card["reports_on_time"]) == (6, 1)
    assert (card["reports_late"], card["reports_missing"]) == (1, 4)
    assert card["share_on_time"] == 17 and card["share_on_track"] == 33


def test_the_trajectory_chart_plots_planned_and_actual_from_the_baseline(board):
    chart = charts.trajectory(board["items"][0])
    assert [m.label for m in chart.planned] == [
        "2024",
        "2025-S1",
        "2025-S2",
        "2026-S1",
        "2026-S2",
        "2027-S2",
    ]
    assert [m.value for m in chart.actual] == [Decimal("40"), Decimal("45")]
    assert chart.path(chart.planned).startswith("M")
    assert chart.rows[1] == {
        "period": "2025-S1",
        "planned": Decimal("44"),
        "actual": Decimal("45"),
        "source": "reported",
        "baseline": False,
    }
    assert chart.y_ticks[0][1] != chart.y_ticks[-1][1]


def test_the_page_shows_charts_with_their_tables_and_the_rule(client, login_as, board):
    login_as("ministry", organization=board["orgs"]["lead"])
    page = client.get("/commitments/").get_data(as_text=True)
    assert page.count('<svg role="img"') >= 5  # the status chart and one per commitment
    assert "Planned and actual values of “Alpha on track”" in page  # each chart's table
    assert 'id="pat-off_track"' in page  # patterns, not colour alone
    assert "How the portal computes a status" in page
    assert "(actual − baseline) ÷ (planned − baseline) ≥ 0.9" in page
    assert "Scorecard by lead institution" in page


def test_filters_narrow_the_dashboard(client, login_as, board):
    login_as("cdc")
    page = client.get("/commitments/?principle=trust").get_data(as_text=True)
    assert "Bravo off track" in page and "Alpha on track" not in page
    page = client.get(f"/commitments/?institution={board['other'].id}").get_data(as_text=True)
    assert "Charlie overdue" in page and "Alpha on track" not in page
    page = client.get("/commitments/?status=not_reported&principle=nonsense").get_data(as_text=True)
    assert "Delta not reported" in page and "Alpha on track" not in page
