"""Command line of the reporting round: `flask --app app portal round ...`.

Each command refuses clearly (exit status 1, nothing written) what the round's rules refuse.
"""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from portal.cli import fail
from portal.extensions import db

round_cli = AppGroup("round", help="The annual reporting round: open, follow, remind, close.")


def _round(year: int):
    from portal.rounds.services import by_year

    found = by_year(year)
    if found is None:
        fail(f"there is no reporting round for {year}.")
    return found


@round_cli.command("open")
@click.option("--year", required=True, type=int, help="The year whose figures are asked for.")
@click.option("--deadline", required=True, help="YYYY-MM-DD")
@click.option("--message", default=None, help="A message to the partners (English).")
@click.option("--message-km", default=None, help="The message in Khmer.")
def open_command(year: int, deadline: str, message: str | None, message_km: str | None) -> None:
    """Open the round of YEAR and tell every partner's focal points."""
    from portal.rounds.services import RoundError, open_round

    try:
        due = date.fromisoformat(deadline)
    except ValueError:
        fail(f"{deadline!r} is not a date (YYYY-MM-DD).")
    try:
        round_ = open_round(year, due, actor=None, message_en=message, message_km=message_km)
    except RoundError as error:
        fail(str(error))
    db.session.commit()
    click.echo(f"Round {round_.year} is open until {round_.deadline.isoformat()}.")


@round_cli.command("status")
@click.option("--year", required=True, type=int)
def status_command(year: int) -> None:
    """One line per partner: acronym, projects, updated, submitted, days late; then the total."""
    from portal.rounds import progress

    found = progress.measure(_round(year))
    click.echo(f"{'partner':<16} {'projects':>8} {'updated':>8} {'submitted':>9} {'days late':>9}")
    for p in found.partners:
        click.echo(
            f"{p.organization.acronym:<16} {p.projects:>8} {p.updated:>8} "
            f"{'yes' if p.submitted else 'no':>9} {p.days_late:>9}"
        )
    click.echo(
        f"{'TOTAL':<16} {found.projects:>8} {found.updated:>8} "
        f"{found.submitted:>5}/{len(found.partners):<3} {len(found.late):>5} late"
    )


@round_cli.command("remind")
@click.option("--year", required=True, type=int)
def remind_command(year: int) -> None:
    """Queue reminders to every partner that has not submitted its return, now."""
    from portal.rounds import reminders

    round_ = _round(year)
    if not round_.is_open:
        fail(f"the round of {year} is closed.")
    count = reminders.remind(round_, reminders.waiting_partners(round_))
    db.session.commit()
    click.echo(f"Reminded {count} partner(s).")


@round_cli.command("remind-due")
def remind_due_command() -> None:
    """Send the reminders of every open round's schedule that are due today (idempotent)."""
    from portal.rounds import reminders

    count = reminders.send_all_due()
    db.session.commit()
    click.echo(f"Reminded {count} partner(s).")


@round_cli.command("close")
@click.option("--year", required=True, type=int)
def close_command(year: int) -> None:
    """Freeze the round: snapshot every concerned project; print how many."""
    from portal.rounds.freeze import close
    from portal.rounds.services import RoundError

    round_ = _round(year)
    try:
        frozen = close(round_, actor=None)
    except RoundError as error:
        fail(str(error))
    db.session.commit()
    click.echo(f"Round {year} closed: {frozen} projects frozen.")
