"""Command line of the reference data: `flask --app app portal seed`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.extensions import db


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load reference data from packaged sources and the real organizations (idempotent)."""
    from portal.organizations.known import seed_organizations
    from portal.reference.seed import seed_reference_data
    from portal.reference.services import load_sector_leads

    counts = seed_reference_data()
    # CDC, the ministries and the partners active in Cambodia: the first account needs CDC.
    counts["organizations"] = seed_organizations()
    counts["sector_leads"] = load_sector_leads()  # needs the ministries
    db.session.commit()
    click.echo("Reference data loaded: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))
