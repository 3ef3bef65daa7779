"""Command line: `flask --app app portal ...`."""

from __future__ import annotations

import sys
import time
from decimal import Decimal, InvalidOperation

import click
from flask.cli import AppGroup

from portal.extensions import db

portal_cli = AppGroup("portal", help="Portal administration: reference data, demo, accounts.")


def fail(message: str) -> None:
    """Print `message` to standard error and exit with status 1 (nothing is written)."""
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@portal_cli.command("seed")
def seed_command() -> None:
    """Load reference data from packaged sources (idempotent)."""
    from portal.demo.services import seed_reference_data

    counts = seed_reference_data()
    db.session.commit()
    click.echo("Reference data loaded: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))


@portal_cli.command("demo")
@click.option(
    "--projects",
    "project_count",
    type=click.IntRange(min=0),
    default=300,
    show_default=True,
    help="How many synthetic projects to generate.",
)
def demo_command(project_count: int) -> None:
    """Fill the database with demo data a person can log into (idempotent)."""
    from portal.demo.services import build_demo

    started = time.perf_counter()
    counts = build_demo(project_count=project_count)
    db.session.commit()
    summary = ", ".join(f"{name} +{count}" for name, count in counts.items())
    click.echo(f"Demo data ready in {time.perf_counter() - started:.1f} s: {summary}")


@portal_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", default=None, help="Full name (defaults to the part before @).")
@click.option("--role", required=True, help="dp, ministry or cdc")
@click.option("--org", "org_acronym", required=True, help="Acronym of the organization")
@click.option("--password", default=None, help="Prompted for when left out.")
def create_user_command(
    email: str, name: str | None, role: str, org_acronym: str, password: str | None
) -> None:
    """Create an account; refuses an unknown organization or role with exit status 1."""
    from portal.accounts.forms import password_problem
    from portal.accounts.models import Role
    from portal.accounts.services import AccountData, AccountError, create_user
    from portal.organizations.services import by_acronym

    try:
        role_value = Role(role.strip().lower())
    except ValueError:
        fail(f"unknown role {role!r}; use one of: {', '.join(r.value for r in Role)}.")
    organization = by_acronym(org_acronym)
    if organization is None:
        fail(f"no organization has the acronym {org_acronym!r}.")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, email)
    if problem:
        fail(problem)
    try:
        user = create_user(
            AccountData(
                email=email,
                name=name or email.split("@")[0],
                organization=organization,
                role=role_value,
            ),
            password,
        )
    except AccountError as error:
        fail(str(error))
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}, {organization.acronym}).")


@portal_cli.command("set-rate")
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
