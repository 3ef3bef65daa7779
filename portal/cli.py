"""Command line: `flask --app app portal ...`."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from flask.cli import AppGroup

from portal.extensions import db

portal_cli = AppGroup("portal", help="Portal administration: reference data, demo, accounts.")


def fail(message: str) -> NoReturn:
    """Print `message` to standard error and exit with status 1 (nothing is written)."""
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@portal_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run the background worker (RQ on PORTAL_REDIS_URL) for reports and other long work."""
    from flask import current_app

    from portal import jobs

    if not current_app.config.get("REDIS_URL"):
        fail("PORTAL_REDIS_URL is not set: without it, long work runs inside the web process.")
    # current_app is a LocalProxy that Flask types as the app itself.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    jobs.work(app, burst=burst)
