"""`flask portal budget load FILE`: the budget tree from a CSV file, all or nothing."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.budget.csv_import import BudgetCsvError, import_tree
from portal.extensions import db


@click.group("budget")
def budget_cli() -> None:
    """The national budget's classification tree."""


@budget_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def load_command(path: Path) -> None:
    """Load the tree from a CSV file (the admin page's columns); any bad row refuses it all."""
    try:
        result = import_tree(path.read_bytes(), actor=None)
    except BudgetCsvError as refused:
        db.session.rollback()
        for message in refused.errors:
            click.echo(message, err=True)
        raise click.ClickException("Nothing was loaded.")
    db.session.commit()
    click.echo(
        f"Budget tree loaded: {result.created} new, {result.changed} changed, "
        f"{result.unchanged} unchanged."
    )
