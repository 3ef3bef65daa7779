"""Reminders: the schedule, once per partner and point, and mail that reaches a real server."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.mail.sender import send_due
from portal.rounds import reminders, services
from portal.rounds.models import RoundEvent
from tests.mail.conftest import text_and_html
from tests.rounds import scenario
from tests.rounds.scenario import YEAR

DEADLINE = date(2026, 3, 31)


@pytest.fixture
def world():
    return scenario.build(partner_locale="km")


@pytest.fixture
def round_(world):
    return services.open_round(YEAR, DEADLINE, actor=world.cdc_user, today=date(2026, 1, 15))


@pytest.mark.parametrize(
    ("today", "point"),
    [
        (DEADLINE - timedelta(days=20), None),
        (DEADLINE - timedelta(days=14), "-14"),
        (DEADLINE - timedelta(days=9), "-14"),
        (DEADLINE - timedelta(days=7), "-7"),
        (DEADLINE, "0"),
        (DEADLINE + timedelta(days=6), "0"),
        (DEADLINE + timedelta(days=7), "+7"),
        (DEADLINE + timedelta(days=15), "+14"),
    ],
)
def test_the_schedule_point_reached(round_, today, point):
    assert reminders.schedule_point(round_, today) == point


def reminder_events(round_):
    return db.session.scalars(
        select(RoundEvent).where(RoundEvent.round_id == round_.id, RoundEvent.kind == "reminder")
    ).all()


def test_each_point_reminds_each_partner_not_done_once(world, round_):
    services.submit_return(
        round_, world.other_partner, actor=world.other_user, explanation="Checked with the office."
    )
    before = DEADLINE - timedelta(days=14)
    assert reminders.send_due(round_, before) == 1
    assert reminders.send_due(round_, before + timedelta(days=1)) == 0  # same point
    assert reminders.send_due(round_, DEADLINE - timedelta(days=7)) == 1
    events = reminder_events(round_)
    assert {e.organization_id for e in events} == {world.partner.id}
    assert sorted(e.trigger for e in events) == ["-14", "-7"]


def test_reminders_reach_a_real_smtp_server_in_the_partner_language(app, world, round_, mail_on):
    send_due()  # the announcement of the round
    announced = mail_on.messages()
    assert {m["To"] for m in announced} == {world.partner_user.email, world.other_user.email}
    reminders.remind(
        round_, [world.partner.id], actor=world.cdc_user, today=DEADLINE + timedelta(days=3)
    )
    counts = send_due()
    assert counts.sent == 1
    reminder = mail_on.messages()[-1]
    assert reminder["To"] == world.partner_user.email
    text, html = text_and_html(reminder)
    assert "2025" in reminder["Subject"] and "Reminder" not in reminder["Subject"]  # in Khmer
    assert "https://portal.cdc.example/rounds/2025/checklist" in text
    assert "/rounds/2025/checklist" in html
    event = reminder_events(round_)[0]
    assert reminders.delivery_of([event]) == {event.id: {"sent": 1, "waiting": 0, "failed": 0}}


def test_undelivered_mail_never_blocks_the_round_and_shows_on_the_cockpit(
    client, world, round_, mail_on
):
    from tests.rounds.test_round_pages import login

    mail_on.answer = "550 No such mailbox"
    reminders.remind(round_, [world.partner.id], actor=world.cdc_user)
    send_due()
    login(client, world.cdc_user)
    page = client.get(f"/rounds/{YEAR}/").get_data(as_text=True)
    assert "mail: 0 sent, 0 waiting, 1 undelivered" in page


def test_the_continuous_mail_sender_sends_the_reminders_that_fall_due(app, world):
    from portal.mail.sender import run_tick

    round_ = services.open_round(2024, date.today(), actor=world.cdc_user)  # due today
    run_tick(app)
    run_tick(app)  # a minute later: nothing new
    events = reminder_events(round_)
    assert sorted(e.organization_id for e in events) == sorted(
        [world.partner.id, world.other_partner.id]
    )
    assert {e.trigger for e in events} == {"0"}
