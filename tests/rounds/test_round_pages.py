"""The round's pages as each role uses them; every route refuses the roles it is not for."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.projects.models import Project
from portal.rounds import freeze, services
from portal.rounds.models import RoundProjectUpdate, RoundReturn
from tests.conftest import TEST_PASSWORD
from tests.rounds import scenario
from tests.rounds.scenario import YEAR


@pytest.fixture
def world():
    return scenario.build()


@pytest.fixture
def round_(world):
    return services.open_round(YEAR, date.today() + timedelta(days=30), actor=world.cdc_user)


def login(client, user):
    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302


ROUTES = [
    ("get", "/rounds/{year}/", {"cdc"}),
    ("post", "/rounds/{year}/remind", {"cdc"}),
    ("post", "/rounds/{year}/close", {"cdc"}),
    ("post", "/rounds/{year}/grace", {"cdc"}),
    ("post", "/rounds/open", {"cdc"}),
    ("get", "/rounds/{year}/checks", {"cdc"}),
    ("get", "/rounds/{year}/checklist", {"dp"}),
    ("post", "/rounds/{year}/checklist", {"dp"}),
    ("post", "/rounds/{year}/return", {"dp"}),
    ("get", "/rounds/{year}/checklist.xlsx", {"dp"}),
    ("post", "/rounds/{year}/checklist/upload", {"dp"}),
    ("get", "/rounds/{year}/ministry", {"ministry"}),
]


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES)
def test_each_route_refuses_the_other_roles(client, world, round_, method, path, allowed):
    users = {"cdc": world.cdc_user, "dp": world.partner_user, "ministry": world.ministry_user}
    url = path.format(year=YEAR)
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    for role, user in users.items():
        login(client, user)
        response = getattr(client, method)(url, data={})
        if role in allowed:
            assert response.status_code != 403, (role, url)
        else:
            assert response.status_code == 403, (role, url)


def test_the_menu_leads_each_role_to_its_page_of_the_round(client, world, round_):
    login(client, world.partner_user)
    assert client.get("/rounds/").location.endswith(f"/rounds/{YEAR}/checklist")
    login(client, world.ministry_user)
    assert client.get("/rounds/").location.endswith(f"/rounds/{YEAR}/ministry")
    login(client, world.cdc_user)
    page = client.get("/rounds/").get_data(as_text=True)
    assert f"Round {YEAR}" in page and "Open a round" in page


def test_cdc_opens_a_round_from_the_page_and_sees_refusals_beside_the_field(client, world):
    login(client, world.cdc_user)
    refused = client.post("/rounds/open", data={"year": "2025", "deadline": "2020-01-01"})
    assert refused.status_code == 400
    assert "The deadline is in the past." in refused.get_data(as_text=True)
    deadline = (date.today() + timedelta(days=60)).isoformat()
    opened = client.post(
        "/rounds/open", data={"year": "2025", "deadline": deadline, "message_en": "Hello"}
    )
    assert opened.status_code == 302
    cockpit = client.get(f"/rounds/{YEAR}/").get_data(as_text=True)
    assert "ALPHA" in cockpit and "BETA" in cockpit and "Round opened" in cockpit


def test_the_partner_sees_its_checklist_and_corrects_two_projects(client, world, round_):
    login(client, world.partner_user)
    page = client.get(f"/rounds/{YEAR}/checklist").get_data(as_text=True)
    assert "0 of 2 projects updated" in page
    assert "Rural roads" in page and "Clean water" in page and "Health centres" not in page
    rows = {"Clean water": world.eur_project, "Rural roads": world.usd_project}
    form = {}
    for index, project in enumerate(sorted(rows.values(), key=lambda p: p.title_en)):
        form |= {
            f"rows-{index}-project_id": str(project.id),
            f"rows-{index}-version": str(project.version),
            f"rows-{index}-status": project.status,
            f"rows-{index}-end_date": project.planned_end.isoformat(),
            f"rows-{index}-plan_1": "",
        }
    form["rows-0-actual"] = "95,000"  # Clean water, in EUR
    form["rows-1-actual"] = "-5"  # Rural roads: refused, kept, the other saved
    response = client.post(f"/rounds/{YEAR}/checklist", data=form)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "An amount cannot be negative." in text and 'value="-5"' in text
    db.session.expire_all()
    eur = db.session.get(Project, world.eur_project.id)
    assert {(f.kind, f.year): f.amount for f in eur.funding}[("disbursement", YEAR)] == Decimal(
        "95000"
    )
    assert ("planned", 2026) not in {(f.kind, f.year) for f in eur.funding}
    # One click: the other project is unchanged.
    done = client.post(f"/rounds/{YEAR}/checklist", data={"no_change": str(world.usd_project.id)})
    assert done.status_code == 302
    marks = db.session.scalars(select(RoundProjectUpdate.project_id)).all()
    assert set(marks) == {world.eur_project.id, world.usd_project.id}
    # Its plan of 2026 removed, "Clean water" fails a check: the return asks why, beside the box.
    refused = client.post(f"/rounds/{YEAR}/return", data={"explanation": "  "})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "1 project still fails the round&#39;s checks" in page
    assert (
        'id="explanation-error"' in page and "No plan for the next year: <strong>1</strong>" in page
    )
    assert db.session.scalar(select(RoundReturn)) is None
    # The same refusal in Khmer, for a partner reading the portal in Khmer.
    world.partner_user.locale = "km"
    db.session.commit()
    page = client.post(f"/rounds/{YEAR}/return", data={"explanation": ""}).get_data(as_text=True)
    assert "គម្រោង 1 នៅតែមិនឆ្លងការត្រួតពិនិត្យរបស់ជុំ៖" in page
    world.partner_user.locale = "en"
    db.session.commit()
    explained = "The 2026 plan waits for the mid-term review."
    assert client.post(f"/rounds/{YEAR}/return", data={"explanation": explained}).status_code == 302
    entry = db.session.scalar(
        select(RoundReturn).where(RoundReturn.organization_id == world.partner.id)
    )
    assert entry.submitted_by_id == world.partner_user.id
    page = client.get(f"/rounds/{YEAR}/checklist").get_data(as_text=True)
    assert "2 of 2 projects updated" in page and "Submitted on" in page
    # CDC reads the explanation with the return, in the round's log.
    client.post("/logout")
    login(client, world.cdc_user)
    log = client.get(f"/rounds/{YEAR}/").get_data(as_text=True)
    assert "Why checks still fail:" in log and explained in log


def test_a_partner_cannot_touch_another_partners_project(client, world, round_):
    login(client, world.partner_user)
    response = client.post(
        f"/rounds/{YEAR}/checklist", data={"no_change": str(world.other_project.id)}
    )
    assert response.status_code == 404
    form = {
        "rows-0-project_id": str(world.other_project.id),
        "rows-0-version": str(world.other_project.version),
        "rows-0-status": "2",
        "rows-0-actual": "1",
    }
    assert client.post(f"/rounds/{YEAR}/checklist", data=form).status_code == 404


def test_the_ministry_sees_the_round_projects_it_leads(client, world, round_):
    login(client, world.ministry_user)
    page = client.get(f"/rounds/{YEAR}/ministry").get_data(as_text=True)
    for title in ("Rural roads", "Clean water", "Health centres"):
        assert title in page
    assert "Old school meals" not in page
    assert f"/alignment/projects/{world.usd_project.id}/review" in page


def test_cdc_reminds_closes_and_the_checklist_is_then_frozen(client, world, round_):
    login(client, world.cdc_user)
    assert client.post(f"/rounds/{YEAR}/remind").status_code == 302
    page = client.get(f"/rounds/{YEAR}/").get_data(as_text=True)
    assert page.count("Reminder sent") == 2
    assert client.post(f"/rounds/{YEAR}/close").status_code == 302
    assert "3 projects frozen" in client.get(f"/rounds/{YEAR}/").get_data(as_text=True)
    again = client.post(f"/rounds/{YEAR}/close")
    assert again.status_code == 303
    login(client, world.partner_user)
    page = client.get(f"/rounds/{YEAR}/checklist").get_data(as_text=True)
    assert "The round is closed" in page and "No change" not in page
    refused = client.post(
        f"/rounds/{YEAR}/checklist", data={"no_change": str(world.usd_project.id)}
    )
    assert refused.status_code == 303


def test_an_unknown_round_is_404(client, world):
    login(client, world.cdc_user)
    assert client.get("/rounds/1999/").status_code == 404


def test_the_closed_round_report_can_be_started_from_the_cockpit(client, world, round_):
    freeze.close(round_, actor=world.cdc_user)
    login(client, world.cdc_user)
    page = client.get(f"/rounds/{YEAR}/").get_data(as_text=True)
    assert f"/reports/new?round={YEAR}" in page


def test_home_pages_say_where_the_round_stands(client, world, round_):
    login(client, world.partner_user)
    page = client.get("/").get_data(as_text=True)
    assert "Round 2025: 0 of 2 projects updated, due" in page
    login(client, world.ministry_user)
    page = client.get("/").get_data(as_text=True)
    assert "recorded for 0 of the 3 projects your institution leads" in page


def test_the_notice_of_a_round_links_to_the_checklist(client, world, round_):
    login(client, world.partner_user)
    page = client.get("/alignment/notifications").get_data(as_text=True)
    # The notice opens through its own link (marking it read) and lands on the checklist.
    import re

    link = re.search(r'href="(/alignment/notifications/\d+/open)"', page)[1]
    opened = client.get(link)
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/rounds/{YEAR}/checklist")


def test_the_dashboard_shows_each_reader_its_predictability(client, world):
    from portal.rounds import freeze

    previous = services.open_round(2024, date.today() + timedelta(days=3), actor=world.cdc_user)
    freeze.close(previous, actor=world.cdc_user)
    current = services.open_round(YEAR, date.today() + timedelta(days=3), actor=world.cdc_user)
    freeze.close(current, actor=world.cdc_user)
    assert "Predictability of 2025" not in client.get("/dashboard/?year=2025").get_data(
        as_text=True
    )
    login(client, world.cdc_user)
    page = client.get("/dashboard/?year=2025").get_data(as_text=True)
    assert "Predictability of 2025" in page and "By partner and ministry" in page
    login(client, world.partner_user)
    page = client.get("/dashboard/?year=2025").get_data(as_text=True)
    assert "Predictability of 2025 · " in page and "By partner and ministry" not in page


def test_the_round_lists_download_for_cdc_only(client, world, round_):
    login(client, world.cdc_user)
    cockpit = client.get(f"/rounds/{YEAR}/").get_data(as_text=True)
    assert f"/exports/round_partners.csv?year={YEAR}" in cockpit
    rows = client.get(f"/exports/round_partners.csv?year={YEAR}").get_data(as_text=True)
    assert "ALPHA,2,0," in rows and "BETA,1,0," in rows
    checks_page = client.get(f"/rounds/{YEAR}/checks").get_data(as_text=True)
    assert f"/exports/round_checks.xlsx?year={YEAR}" in checks_page
    assert client.get("/exports/round_partners.csv?year=1999").status_code == 404
    login(client, world.partner_user)
    assert client.get(f"/exports/round_partners.csv?year={YEAR}").status_code == 403
    assert client.get(f"/exports/round_checks.csv?year={YEAR}").status_code == 403


def test_a_failed_save_of_a_reminder_or_a_no_change_says_so_and_changes_nothing(
    client, world, round_, backend, monkeypatch
):
    from portal.errors import SAVE_FAILED
    from portal.rounds.models import RoundEvent
    from tests.core.test_faults import database_error

    db.session.commit()  # the round as set up stays when the request rolls back

    def commit_fails():
        raise database_error(backend, "gone")

    def events() -> int:
        return len(
            db.session.scalars(select(RoundEvent).where(RoundEvent.kind == "reminder")).all()
        )

    login(client, world.cdc_user)
    before = events()
    monkeypatch.setattr(db.session, "commit", commit_fails)
    reminded = client.post(f"/rounds/{YEAR}/remind")
    monkeypatch.undo()
    assert reminded.status_code == 303  # back to the round's page, not an error page
    page = client.get(reminded.headers["Location"]).get_data(as_text=True)
    assert str(SAVE_FAILED[503]) in page
    db.session.expire_all()
    assert events() == before

    login(client, world.partner_user)
    monkeypatch.setattr(db.session, "commit", commit_fails)
    unchanged = client.post(
        f"/rounds/{YEAR}/checklist", data={"no_change": str(world.usd_project.id)}
    )
    monkeypatch.undo()
    assert unchanged.status_code == 303
    page = client.get(unchanged.headers["Location"]).get_data(as_text=True)
    assert str(SAVE_FAILED[503]) in page and "marked as unchanged" not in page
    db.session.expire_all()
    assert db.session.scalars(select(RoundProjectUpdate)).all() == []
