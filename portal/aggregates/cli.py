"""Command line of the kept summaries: `flask --app app portal summaries rebuild`."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from portal.aggregates import cells, summary
from portal.extensions import db


@click.group("summaries")
def summaries_cli() -> None:
    """The money split into cells by year, sector and place, and each group's money summed
    (both kept current on every change)."""


@summaries_cli.command("rebuild")
@with_appcontext
def rebuild_command() -> None:
    """Work every project's cells and every group's sums out from scratch, in one transaction."""
    started = time.perf_counter()
    count = cells.rebuild(db.session.connection())
    groups = summary.rebuild(db.session.connection())
    db.session.commit()
    click.echo(
        f"{count} cells of money and {groups} sums of groups in "
        f"{time.perf_counter() - started:.1f} s."
    )
