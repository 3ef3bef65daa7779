"""`flask --app app portal mail send` (what is due, once) and `... mail serve` (every minute)."""

from __future__ import annotations

import signal
import sys
import threading
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from portal.mail import sender, services

mail_cli = AppGroup("mail", help="Deliver the outbox over SMTP.")

NOT_CONFIGURED = "Mail is not configured (MAIL_SERVER is unset): {queued} message(s) stay queued."


def _refuse_unconfigured() -> None:
    if sender.is_configured():
        return
    queued = services.counts_by_state()["queued"]
    click.echo(NOT_CONFIGURED.format(queued=queued), err=True)
    sys.exit(1)


@mail_cli.command("send")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Send at most this many.")
def send_command(limit: int | None) -> None:
    """Deliver the messages that are due, once, and print how many were sent."""
    _refuse_unconfigured()
    counts = sender.send_due(limit=limit)
    click.echo(f"Sent {counts.sent}, retried {counts.retried}, failed {counts.failed}.")


@mail_cli.command("serve")
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=sender.INTERVAL,
    show_default=True,
    help="Seconds between two runs.",
)
def serve_command(interval: float) -> None:
    """Deliver due messages every INTERVAL seconds until stopped (SIGTERM or Ctrl-C)."""
    _refuse_unconfigured()
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    # current_app is a LocalProxy that Flask types as the app itself.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"Sending mail through {app.config['MAIL_SERVER']} every {interval:g} s.")

    def report(counts: sender.Counts) -> None:
        moment = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        click.echo(
            f"{moment}: sent {counts.sent}, retried {counts.retried}, failed {counts.failed}."
        )

    sender.serve(app, interval=interval, stop=stop, report=report)
    click.echo("Mail sender stopped.")
