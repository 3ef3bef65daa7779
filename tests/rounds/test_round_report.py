"""The joint review from a closed round reads its snapshot: later changes do not move it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.money.services import set_rate
from portal.projects import services as project_services
from portal.reports import content
from portal.reports import services as report_services
from portal.reports.params import ReportParams
from portal.rounds import checklist, freeze, services
from portal.spreadsheets.compare import data_from_project
from tests.reports import pdf
from tests.rounds import scenario
from tests.rounds.scenario import YEAR

SECTIONS = (
    "key_figures",
    "partners",
    "sectors",
    "provinces",
    "trend",
    "alignment",
    "reconciliation",
    "coverage",
    "predictability",
    "quality",
    "methodology",
)


@pytest.fixture
def closed(world_round):
    world, round_ = world_round
    freeze.close(round_, actor=world.cdc_user)
    return world, round_


@pytest.fixture
def world_round():
    world = scenario.build()
    round_ = services.open_round(YEAR, date.today() + timedelta(days=20), actor=world.cdc_user)
    checklist.confirm_unchanged(round_, world.usd_project, actor=world.partner_user)
    services.submit_return(
        round_, world.partner, actor=world.partner_user, explanation="Checked with the office."
    )
    return world, round_


def figures(params):
    data = content.collect(params)
    return (
        data.key,
        sorted((r.key, r.disbursed, r.planned, r.commitment) for r in data.rows["partner"]),
        sorted((str(r.key), r.disbursed) for r in data.rows["category"]),
        sorted((str(r.key), r.disbursed) for r in data.rows["province"]),
        [(r.key, r.disbursed, r.planned) for r in data.trend],
        data.data_time,
    )


def test_the_report_of_a_round_keeps_its_figures_after_live_changes(closed):
    world, round_ = closed
    params = ReportParams(year=YEAR, round_year=YEAR, sections=SECTIONS)
    before = figures(params)
    key = before[0]
    # 150,000 USD + 90,000 EUR at 0.9 (100,000 USD) + 500,000 USD disbursed in 2025.
    assert key["disbursed"] == Decimal("750000.00")
    assert before[-1] == round_.closed_at
    set_rate("EUR", YEAR, Decimal("0.45"))
    data = data_from_project(world.other_project)
    data.funding = [scenario.money(YEAR, "disbursement", "7")]
    project_services.save_project(data, actor=world.other_user, project=world.other_project)
    assert figures(params) == before
    live = content.collect(ReportParams(year=YEAR, sections=SECTIONS))
    assert live.key["disbursed"] != key["disbursed"]  # the live report did move


def test_the_report_states_the_freeze_and_the_coverage(closed, app):
    world, round_ = closed
    built = report_services.build(ReportParams(year=YEAR, round_year=YEAR, sections=SECTIONS))
    text = " ".join(pdf.text(built.pdf).split())
    assert "Reporting round 2025, frozen on" in text
    assert "1 of 2 development partners submitted their return (50 %)" in text
    assert "Predictability needs the closed rounds of 2025 and 2024" in text
    assert "750,000" in text


def test_a_report_of_an_open_round_is_refused(world_round):
    with pytest.raises(ValueError):
        content.collect(ReportParams(year=YEAR, round_year=YEAR))


def test_a_report_of_a_round_covers_the_round_year_alone():
    with pytest.raises(ValueError):
        ReportParams(year=2024, round_year=2025)
    with pytest.raises(ValueError):
        ReportParams(year=2025, year_to=2026, round_year=2025)
    assert "coverage" not in ReportParams(year=2025).sections
    assert "coverage" in ReportParams(year=2025, round_year=2025).sections
