"""Workflow notices reach a real SMTP server: in the recipient's language, text and HTML, a link
back to the page, subjects on one line; retries after 4xx, giving up after 5xx, a server down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select, update

from portal.db import utcnow
from portal.extensions import db
from portal.mail import sender
from portal.mail.models import OutboxMessage
from portal.mail.services import clean_header, queue_mail
from portal.organizations.models import OrgKind
from portal.projects.models import Project
from tests import factories
from tests.conftest import TEST_PASSWORD
from tests.mail.conftest import SmtpServer, free_port, point_at, text_and_html

SUBMITTED = "“%(title)s” was submitted for your confirmation."


@pytest.fixture
def case():
    """A partner, its project, and the lead ministry's two focal points (Khmer and English)."""
    partner_org = factories.organization(OrgKind.BILATERAL, acronym="MLP1")
    ministry_org = factories.organization(OrgKind.GOVERNMENT, acronym="MLM1")
    return {
        "partner": factories.user(role="dp", organization=partner_org),
        "khmer": factories.user(role="ministry", organization=ministry_org, locale="km"),
        "english": factories.user(role="ministry", organization=ministry_org, locale="en"),
        "project": factories.project(
            reporting=partner_org, lead=ministry_org, title_en="Rural roads <phase 2> & bridges"
        ),
    }


def _submit(client, case) -> None:
    client.post("/login", data={"email": case["partner"].email, "password": TEST_PASSWORD})
    response = client.post(f"/alignment/projects/{case['project'].id}/step/submit")
    assert response.status_code == 302  # the partner's step succeeds, whatever the mail does
    client.post("/logout")


def _received_by(server, email: str):
    found = [m for m in server.messages() if m["To"] == email]
    assert len(found) == 1, [m["To"] for m in server.messages()]
    return found[0]


def test_a_submission_reaches_each_focal_point_in_their_language(client, mail_on, case):
    _submit(client, case)
    counts = sender.send_due()
    assert (counts.sent, counts.retried, counts.failed) == (2, 0, 0)
    project = case["project"]
    link = f"https://portal.cdc.example/alignment/projects/{project.id}/review"

    khmer = _received_by(mail_on, case["khmer"].email)
    text, html = text_and_html(khmer)
    with force_locale("km"):
        notice_km = gettext(SUBMITTED, title=project.title_en)
        open_km = gettext("Open it in the portal")
    assert notice_km != SUBMITTED % {"title": project.title_en}  # really Khmer
    assert notice_km in text and link in text
    assert open_km in html and f'href="{link}"' in html
    assert "Rural roads &lt;phase 2&gt; &amp; bridges" in html  # escaped, not markup
    assert "<phase 2>" not in html
    assert khmer["Content-Language"] == "km"
    assert khmer["From"] == "CDC Portal <portal@cdc.example>"

    english = _received_by(mail_on, case["english"].email)
    text, html = text_and_html(english)
    assert SUBMITTED % {"title": project.title_en} in text and link in text
    assert english["Subject"] == f"Development Cooperation Portal: {project.title_en}"

    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.state, r.attempts, r.last_error) for r in rows] == [("sent", 1, None)] * 2
    assert all(r.sent_at is not None for r in rows)


def test_the_partner_is_sent_to_the_project_page(client, mail_on, case):
    project = case["project"]
    queue_mail(case["partner"], subject="S", text="T", link_path=f"/projects/{project.id}")
    sender.send_due()
    text, _html = text_and_html(_received_by(mail_on, case["partner"].email))
    assert f"https://portal.cdc.example/projects/{project.id}" in text


def test_a_line_break_in_a_title_stays_out_of_the_headers(client, mail_on, case):
    project = case["project"]
    db.session.execute(
        update(Project)
        .where(Project.id == project.id)
        .values(title_en="Water\r\nBcc: intruder@evil.example\nX-Injected: yes")
    )
    db.session.expire(project)
    _submit(client, case)
    sender.send_due()
    message = _received_by(mail_on, case["english"].email)
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["Subject"] == (
        "Development Cooperation Portal: Water Bcc: intruder@evil.example X-Injected: yes"
    )
    assert all("intruder@evil.example" not in e.rcpt_tos for e in mail_on.envelopes)


def test_subjects_lose_control_characters_and_keep_khmer():
    assert clean_header("a\r\nb\tc\x00d\u2028e  f") == "a b c d e f"
    khmer = "ផ្លូវ\u200bជនបទ"  # a zero-width space separates Khmer words: it stays
    assert clean_header(khmer) == khmer
    assert len(clean_header("x" * 400)) == 255


def test_an_address_with_a_line_break_is_refused(case):
    with pytest.raises(ValueError):
        queue_mail("someone@example.org\r\nBcc: x@evil.example", subject="S", text="T")


def test_queue_mail_returns_its_row_for_the_caller_to_follow(mail_on, case):
    message = queue_mail(case["khmer"], subject="Reminder", text="Please report.")
    assert message.id is not None and message.state == "queued" and message.locale == "km"
    sender.send_due()
    db.session.refresh(message)
    assert message.state == "sent"


def test_a_temporary_refusal_is_retried_later_then_delivered(mail_on, case):
    message = queue_mail(case["english"], subject="Hello", text="Body")
    mail_on.answer = "451 4.3.0 Mailbox busy, try later"
    first = utcnow()
    counts = sender.send_due(now=first)
    assert (counts.sent, counts.retried, counts.failed) == (0, 1, 0)
    db.session.refresh(message)
    assert (message.state, message.attempts) == ("queued", 1)
    assert "451" in message.last_error and "Mailbox busy" in message.last_error
    assert sender.send_due(now=first + timedelta(seconds=30)).retried == 0  # not due yet

    counts = sender.send_due(now=first + timedelta(minutes=1, seconds=1))  # due, refused again
    assert counts.retried == 1
    db.session.refresh(message)
    assert message.attempts == 2
    # Back-off doubles: the third attempt waits two minutes after the second.
    assert sender.send_due(now=first + timedelta(minutes=2, seconds=30)).retried == 0

    mail_on.answer = None
    counts = sender.send_due(now=first + timedelta(minutes=3, seconds=2))
    assert (counts.sent, counts.retried, counts.failed) == (1, 0, 0)
    db.session.refresh(message)
    assert (message.state, message.attempts) == ("sent", 3)
    assert len(mail_on.messages()) == 1


def test_back_off_doubles_up_to_an_hour():
    minutes = [sender.backoff(n) / timedelta(minutes=1) for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.parametrize("stage", ["DATA", "RCPT"])
def test_a_permanent_refusal_fails_with_the_reason(client, login_as, mail_on, case, stage):
    message = queue_mail(case["english"], subject="Hello", text="Body")
    mail_on.refuse_at = stage
    mail_on.answer = "550 5.1.1 No such mailbox here"
    counts = sender.send_due()
    assert (counts.sent, counts.retried, counts.failed) == (0, 0, 1)
    db.session.refresh(message)
    assert message.state == "failed"
    assert message.last_error == "550 5.1.1 No such mailbox here"
    assert sender.send_due(now=utcnow() + timedelta(days=1)).failed == 0  # never tried again

    login_as("cdc")
    page = client.get("/admin/mail/?state=failed").get_data(as_text=True)
    assert "550 5.1.1 No such mailbox here" in page and case["english"].email in page

    mail_on.answer = None
    response = client.post("/admin/mail/retry", data={"id": message.id})
    assert response.status_code == 302
    db.session.refresh(message)
    assert message.state == "queued"
    assert sender.send_due().sent == 1


def test_a_message_refused_for_three_days_fails(mail_on, case):
    message = queue_mail(case["english"], subject="Hello", text="Body")
    mail_on.answer = "452 4.2.2 Mailbox full"
    counts = sender.send_due(now=utcnow() + timedelta(days=3, minutes=1))
    assert counts.failed == 1
    db.session.refresh(message)
    assert message.state == "failed"
    assert message.last_error.startswith("Gave up after 1 attempts: 452")


def test_with_the_server_down_the_action_succeeds_and_mail_waits(app, client, monkeypatch, case):
    port = free_port()  # nothing listens there yet
    point_at(app, monkeypatch, port)
    _submit(client, case)
    first = utcnow()
    counts = sender.send_due(now=first)
    assert (counts.sent, counts.retried, counts.failed) == (0, 2, 0)
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert {r.state for r in rows} == {"queued"}
    assert all("Connection refused" in r.last_error for r in rows)

    # Down for days: the messages wait as long as it takes (the server is at fault, not them).
    later = first + timedelta(days=4)
    assert sender.send_due(now=later).retried == 2
    server = SmtpServer(port).start()
    try:
        counts = sender.send_due(now=later + timedelta(hours=1))
        assert (counts.sent, counts.retried, counts.failed) == (2, 0, 0)
        assert len(server.messages()) == 2
    finally:
        server.stop()


def test_without_a_mail_server_mail_stays_queued(app, case):
    assert not app.config["MAIL_SERVER"]
    message = queue_mail(case["english"], subject="Hello", text="Body")
    counts = sender.send_due()
    assert (counts.sent, counts.retried, counts.failed) == (0, 0, 0)
    db.session.refresh(message)
    assert (message.state, message.attempts) == ("queued", 0)


def test_a_message_left_sending_by_a_dead_sender_is_sent_again_later(mail_on, case):
    message = queue_mail(case["english"], subject="Hello", text="Body")
    now = utcnow()
    message.state, message.claimed_at = "sending", now - timedelta(minutes=5)
    db.session.flush()
    assert sender.send_due(now=now).sent == 0  # another sender may still be at it
    message.claimed_at = now - timedelta(minutes=11)
    db.session.flush()
    assert sender.send_due(now=now).sent == 1
    assert len(mail_on.messages()) == 1


def test_a_message_queued_before_html_bodies_still_gets_an_escaped_html_part(mail_on, case):
    message = OutboxMessage(
        to_email=case["english"].email, subject="Old", body="Line <one>\nLine two", locale="en"
    )
    db.session.add(message)
    db.session.flush()
    assert sender.send_due().sent == 1
    text, html = text_and_html(mail_on.messages()[0])
    assert text.strip() == "Line <one>\nLine two"
    assert "Line &lt;one&gt;<br>Line two" in html
