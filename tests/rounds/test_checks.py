"""The round's data-quality checks, on hand-made projects."""

from datetime import date, timedelta

from portal.rounds import checks, freeze, services
from tests import factories
from tests.rounds import scenario
from tests.rounds.scenario import YEAR, money


def test_each_check_finds_what_it_names(client):
    world = scenario.build()
    no_actual = factories.project(
        world.partner,
        world.ministry,
        title_en="No actual",
        planned_end=date(2028, 1, 1),
        funding=[money(2026, "planned", "5")],
    )
    no_plan = factories.project(
        world.partner,
        world.ministry,
        title_en="Bridge without plans",
        planned_end=date(2028, 1, 1),
        funding=[money(YEAR, "disbursement", "5")],
    )
    late_end = factories.project(
        world.partner,
        world.ministry,
        title_en="Late",
        planned_end=date.today() - timedelta(days=3),
        funding=[money(YEAR, "disbursement", "5"), money(2026, "planned", "5")],
    )
    round_ = services.open_round(YEAR, date.today() + timedelta(days=5), actor=world.cdc_user)
    found = checks.findings(round_, world.partner.id)
    assert found[no_actual.id] == ["missing_actual"]
    assert found[no_plan.id] == ["missing_plan"]
    assert found[late_end.id] == ["past_end"]
    assert world.usd_project.id not in found  # actual of 2025 and a plan of 2026: complete
    counts = checks.counts(checks.findings(round_))
    assert counts["missing_actual"] >= 1 and counts["past_end"] >= 1
    login_cdc = client.post(
        "/login", data={"email": world.cdc_user.email, "password": "correct horse battery"}
    )
    assert login_cdc.status_code == 302
    page = client.get(f"/rounds/{YEAR}/checks?check=past_end").get_data(as_text=True)
    assert "Late" in page and "Bridge without plans" not in page


def test_a_tenfold_move_from_the_previous_round_is_flagged():
    world = scenario.build()
    previous = services.open_round(2024, date.today() + timedelta(days=5), actor=world.cdc_user)
    freeze.close(previous, actor=world.cdc_user)  # froze 2024: 100,000 USD for Rural roads
    round_ = services.open_round(YEAR, date.today() + timedelta(days=5), actor=world.cdc_user)
    assert world.usd_project.id not in checks.findings(round_)  # 150,000 after 100,000
    from portal.projects import services as project_services
    from portal.spreadsheets.compare import data_from_project

    data = data_from_project(world.usd_project)
    data.funding = [
        money(2024, "disbursement", "100000"),
        money(YEAR, "disbursement", "1500000"),
        money(2026, "planned", "200000"),
    ]
    project_services.save_project(data, actor=world.partner_user, project=world.usd_project)
    assert checks.findings(round_)[world.usd_project.id] == ["tenfold"]


def test_the_data_quality_page_shows_the_round_checks_to_cdc_and_to_the_partner(client):
    world = scenario.build()
    factories.project(
        world.partner,
        world.ministry,
        title_en="No actual yet",
        planned_end=date(2028, 1, 1),
        funding=[money(2026, "planned", "5")],
    )
    services.open_round(YEAR, date.today() + timedelta(days=5), actor=world.cdc_user)
    for user, link in (
        (world.cdc_user, "/rounds/2025/checks"),
        (world.partner_user, "/rounds/2025/checklist"),
    ):
        client.post("/logout")
        client.post("/login", data={"email": user.email, "password": "correct horse battery"})
        page = client.get("/projects/quality").get_data(as_text=True)
        assert "Checks of reporting round 2025" in page and link in page
        start = page.index("Checks of reporting round")
        assert "No actual disbursement for the round's year: <strong>1</strong>" in page[start:]
