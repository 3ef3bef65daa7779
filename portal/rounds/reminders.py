"""Telling partners about a round: the announcement, and reminders to those not yet done.

Each goes to every active focal point of the partner, as an in-portal notice and a mail in
the person's own language; the mail waits in the outbox, so a mail server that is down never
blocks a round step. Automatic reminders go at set points of the schedule (by default 14 and 7
days before the deadline, on the day, then every week), once per partner and point.
"""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale, format_date, gettext
from sqlalchemy import select

from portal.alignment.notify import notice
from portal.extensions import db
from portal.mail.sender import tick
from portal.mail.services import queue_mail
from portal.rounds.models import ReportingRound, RoundEvent, RoundReturn
from portal.rounds.scope import active_partner_ids, focal_points, log, partners_concerned

# Days from the deadline at which reminders go (then every REPEAT_DAYS after the deadline).
SCHEDULE = (-14, -7, 0)
REPEAT_DAYS = 7


def _tell(users, *, subject, text, link_path: str) -> list[int]:
    """Queue a notice and a mail for each user, written in their language; return mail ids."""
    ids = []
    for user in users:
        with force_locale(user.locale or "en"):
            body = text()
            message = queue_mail(
                user, subject=subject(), text=body, link_path=link_path, locale=user.locale
            )
            notice(user.id, kind="round", params={"title": body, "link": link_path})
        ids.append(message.id)
    return ids


def _deadline(round_: ReportingRound) -> str:
    return format_date(round_.deadline, "long")


def announce(round_: ReportingRound) -> list[int]:
    """Tell every focal point of every active development partner that the round is open.

    Partners without a project the round concerns are told too: they may have projects that
    started in the year and are not registered yet.
    """
    users = focal_points(active_partner_ids())

    def subject() -> str:
        return gettext("Reporting round %(year)s is open", year=round_.year)

    def text() -> str:
        lines = [
            gettext(
                "CDC asks every development partner for the actual disbursements of %(year)s "
                "and the plans of %(first)s to %(last)s, by %(deadline)s.",
                year=round_.year,
                first=round_.plan_years[0],
                last=round_.plan_years[-1],
                deadline=_deadline(round_),
            )
        ]
        from flask_babel import get_locale

        message = round_.message(str(get_locale() or "en"))
        if message:
            lines.append(message)
        return "\n\n".join(lines)

    return _tell(users, subject=subject, text=text, link_path=_checklist_path(round_))


def _checklist_path(round_: ReportingRound) -> str:
    # Built by hand: reminders also go from the command line, where no request builds URLs.
    return f"/rounds/{round_.year}/checklist"


def waiting_partners(round_: ReportingRound) -> list[int]:
    """The partners concerned by the round that have not submitted their return."""
    submitted = set(
        db.session.scalars(
            select(RoundReturn.organization_id).where(
                RoundReturn.round_id == round_.id, RoundReturn.submitted_at.is_not(None)
            )
        )
    )
    return [p.id for p in partners_concerned(round_) if p.id not in submitted]


def remind(
    round_: ReportingRound,
    organization_ids,
    *,
    actor=None,
    trigger: str = "manual",
    today: date | None = None,
) -> int:
    """Remind each of these partners' focal points now; log one event a partner; return count."""
    today = today or date.today()
    reminded = 0
    for organization_id in organization_ids:
        users = focal_points([organization_id])
        days = (round_.deadline - today).days

        def subject() -> str:
            return gettext("Reminder: reporting round %(year)s", year=round_.year)

        def text(days=days) -> str:
            if days > 0:
                when = gettext(
                    "The deadline is %(deadline)s, in %(days)s days.",
                    deadline=_deadline(round_),
                    days=days,
                )
            elif days == 0:
                when = gettext("The deadline is today, %(deadline)s.", deadline=_deadline(round_))
            else:
                when = gettext(
                    "The deadline was %(deadline)s, %(days)s days ago.",
                    deadline=_deadline(round_),
                    days=-days,
                )
            return " ".join(
                [
                    gettext(
                        "Your organization has not yet submitted its return for the reporting "
                        "round %(year)s.",
                        year=round_.year,
                    ),
                    when,
                ]
            )

        ids = _tell(users, subject=subject, text=text, link_path=_checklist_path(round_))
        log(
            round_,
            "reminder",
            actor=actor,
            organization_id=organization_id,
            trigger=trigger,
            message_ids=ids,
        )
        reminded += 1
    return reminded


def schedule_point(round_: ReportingRound, today: date) -> str | None:
    """The point of the schedule due on `today` (the latest reached), or None before the first."""
    offset = (today - round_.deadline).days
    reached = [point for point in SCHEDULE if point <= offset]
    if offset > 0:
        reached += list(range(REPEAT_DAYS, offset + 1, REPEAT_DAYS))
    if not reached:
        return None
    point = max(reached)
    return f"{point:+d}" if point else "0"


def send_due(round_: ReportingRound, today: date | None = None) -> int:
    """Send the reminders of the schedule point reached, to partners not reminded for it yet."""
    if not round_.is_open:
        return 0
    today = today or date.today()
    point = schedule_point(round_, today)
    if point is None:
        return 0
    already = set(
        db.session.scalars(
            select(RoundEvent.organization_id).where(
                RoundEvent.round_id == round_.id,
                RoundEvent.kind == "reminder",
                RoundEvent.trigger == point,
            )
        )
    )
    due = [o for o in waiting_partners(round_) if o not in already]
    return remind(round_, due, trigger=point, today=today)


def send_all_due(today: date | None = None) -> int:
    """Run the schedule of every open round (the mail sender calls this every minute)."""
    rounds = db.session.scalars(select(ReportingRound).where(ReportingRound.state == "open"))
    return sum(send_due(round_, today) for round_ in list(rounds))


@tick.connect
def _on_the_sender_clock(app, **extra) -> None:
    """Each run of the continuous mail sender queues the reminders that have fallen due."""
    send_all_due()


def delivery_of(events) -> dict[int, dict[str, int]]:
    """For each event, how many of the mails it queued were sent, wait, or were undelivered."""
    from portal.models import OutboxMessage

    ids = [i for event in events for i in (event.message_ids or [])]
    if not ids:
        return {}
    states = dict(
        db.session.execute(
            select(OutboxMessage.id, OutboxMessage.state).where(OutboxMessage.id.in_(ids))
        ).all()
    )
    summary = {}
    for event in events:
        if not event.message_ids:
            continue
        found = [states.get(i) for i in event.message_ids]
        summary[event.id] = {
            "sent": found.count("sent"),
            "waiting": sum(1 for s in found if s in ("queued", "sending")),
            "failed": found.count("failed"),
        }
    return summary
