"""Command line of projects: `flask --app app portal rescore`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.extensions import db


@click.command("rescore")
@with_appcontext
def rescore_command() -> None:
    """Compute every project's data-quality score again (after an upgrade that changes the
    rule, and once a year has ended, which asks for its disbursements)."""
    from portal.projects.quality import rescore

    count = rescore()
    db.session.commit()
    click.echo(f"Data-quality scores computed again for {count} projects.")
