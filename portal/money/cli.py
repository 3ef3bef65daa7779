"""Command line of exchange rates: `flask --app app portal set-rate` and `load-rates`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import click
from flask.cli import with_appcontext

from portal.cli import fail
from portal.extensions import db


@click.command("set-rate")
@with_appcontext
@click.option("--currency", required=True)
@click.option("--year", required=True, type=int)
@click.option("--units-per-usd", "units", required=True)
@click.option("--source", default=None)
def set_rate_command(currency: str, year: int, units: str, source: str | None) -> None:
    """Set one yearly exchange rate; refuses an unknown currency with exit status 1."""
    from portal.money.services import RateError, set_rate

    try:
        value = Decimal(units)
    except InvalidOperation:
        fail(f"{units!r} is not a number.")
    try:
        set_rate(currency, year, value, source=source)
    except RateError as error:
        fail(str(error))
    db.session.commit()
    click.echo(f"{currency.upper()} {year}: {value} per USD.")


@click.command("load-rates")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", default=None, help="Where the rates come from, for rows without one.")
def load_rates_command(path: str, source: str | None) -> None:
    """Load a yearly rate table from a CSV file (columns currency, year, units_per_usd and
    optionally source); one wrong row changes nothing and exits with status 1."""
    from portal.money.table import TableInvalid, load_table

    with open(path, "rb") as handle:
        data = handle.read()
    try:
        count = load_table(data, source=source)
    except TableInvalid as invalid:
        db.session.rollback()
        for line, message in invalid.problems:
            click.echo(f"line {line}: {message}", err=True)
        fail("Nothing was loaded.")
    db.session.commit()
    click.echo(f"{count} rates loaded.")
