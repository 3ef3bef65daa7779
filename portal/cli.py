"""Command line: `flask --app app portal ...`."""

from __future__ import annotations

import sys
import time
from decimal import Decimal, InvalidOperation
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


@portal_cli.command("seed")
def seed_command() -> None:
    """Load reference data from packaged sources and the real organizations (idempotent)."""
    from portal.demo.services import seed_organizations
    from portal.reference.seed import seed_reference_data
    from portal.reference.services import load_sector_leads

    counts = seed_reference_data()
    # CDC, the ministries and the partners active in Cambodia: the first account needs CDC.
    counts["organizations"] = seed_organizations()
    counts["sector_leads"] = load_sector_leads()  # needs the ministries
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
@click.option("--password", default=None, help="For scripts; without it, the person is invited.")
@click.option(
    "--prompt", is_flag=True, help="Ask for the password here instead of sending an invitation."
)
def create_user_command(
    email: str,
    name: str | None,
    role: str,
    org_acronym: str,
    password: str | None,
    prompt: bool,
) -> None:
    """Create an account; refuses an unknown organization or role with exit status 1.

    Without --password (or --prompt), the person gets an invitation by email to choose it.
    """
    from portal.accounts.forms import password_problem
    from portal.accounts.models import Role
    from portal.accounts.passwords import send_invitation
    from portal.accounts.services import AccountData, AccountError, create_user
    from portal.organizations.services import by_acronym

    try:
        role_value = Role(role.strip().lower())
    except ValueError:
        fail(f"unknown role {role!r}; use one of: {', '.join(r.value for r in Role)}.")
    organization = by_acronym(org_acronym)
    if organization is None:
        fail(f"no organization has the acronym {org_acronym!r}.")
    if password is None and prompt:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if password is not None:
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
    if password is None:
        send_invitation(user, actor=None)
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}, {organization.acronym}).")
    if password is None:
        click.echo(
            f"An invitation to choose a password (valid seven days) is queued for {user.email}; "
            "the mail sender delivers it (portal mail send)."
        )


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


@portal_cli.command("load-rates")
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


@portal_cli.command("rescore")
def rescore_command() -> None:
    """Compute every project's data-quality score again (after an upgrade that changes the
    rule, and once a year has ended, which asks for its disbursements)."""
    from portal.projects.quality import rescore

    count = rescore()
    db.session.commit()
    click.echo(f"Data-quality scores computed again for {count} projects.")


report_cli = AppGroup("report", help="Joint review reports.")
portal_cli.add_command(report_cli)


@report_cli.command("build")
@click.option("--year", type=int, default=None, help="The (first) year of the period.")
@click.option(
    "--round",
    "round_year",
    type=int,
    default=None,
    help="Read the snapshot of this closed reporting round (its year) instead of live data.",
)
@click.option("--year-to", type=int, default=None, help="The last year, for a range.")
@click.option("--lang", "language", type=click.Choice(["en", "km", "both"]), default="en")
@click.option("--partner", default=None, help="Scope: one development partner (acronym).")
@click.option("--ministry", default=None, help="Scope: one lead ministry (acronym).")
@click.option("--sector", default=None, help="Scope: one DAC 3-digit sector category.")
@click.option("--province", default=None, help="Scope: one province (gazetteer code, e.g. 12).")
@click.option(
    "--section",
    "sections",
    multiple=True,
    help="A section to include (repeat the option); all sections when left out.",
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--issue-as", default=None, help="Also issue the report as this CDC user (email).")
@click.option(
    "--audience",
    type=click.Choice(["public", "internal"]),
    default="internal",
    show_default=True,
    help="public: published projects only, without the internal sections (publishable); "
    "internal: as CDC sees the data (never publishable).",
)
def report_build_command(
    year: int | None,
    round_year: int | None,
    year_to: int | None,
    language: str,
    partner: str | None,
    ministry: str | None,
    sector: str | None,
    province: str | None,
    sections: tuple[str, ...],
    out: str,
    issue_as: str | None,
    audience: str,
) -> None:
    """Build a joint review report as PDF (and optionally issue it)."""
    from portal.accounts.models import Role, User
    from portal.organizations.services import by_acronym
    from portal.reports import services
    from portal.reports.models import ReportJob
    from portal.reports.params import SECTIONS, ReportParams

    if round_year is not None:
        from portal.rounds.services import by_year

        found = by_year(round_year)
        if found is None:
            fail(f"there is no reporting round for {round_year}.")
        if found.is_open:
            fail(f"the round of {round_year} is not closed; close it first.")
        if year not in (None, round_year) or year_to is not None:
            fail("a report from a round covers the round's year alone.")
        year = round_year
    if year is None:
        fail("give --year (live data) or --round (a closed round's snapshot).")
    scopes = {
        k: v
        for k, v in {
            "partner": partner,
            "ministry": ministry,
            "sector": sector,
            "province": province,
        }.items()
        if v
    }
    if len(scopes) > 1:
        fail("choose at most one scope (--partner, --ministry, --sector or --province).")
    scope, value = next(iter(scopes.items()), ("country", ""))
    if scope in ("partner", "ministry"):
        organization = by_acronym(value)
        if organization is None:
            fail(f"no organization has the acronym {value!r}.")
        value = str(organization.id)
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        fail(f"unknown section(s) {', '.join(unknown)}; choose from: {', '.join(SECTIONS)}.")
    issuer = None
    if issue_as:
        issuer = db.session.scalar(db.select(User).where(User.email == issue_as.lower()))
        if issuer is None or issuer.role is not Role.CDC:
            fail(f"{issue_as} is not a CDC account.")
    try:
        params = ReportParams(
            year=year,
            year_to=year_to,
            scope=scope,
            scope_value=value,
            language=language,
            sections=tuple(sections) or tuple(SECTIONS),
            round_year=round_year,
            audience=audience,
        )
    except ValueError as error:
        fail(str(error))

    def progress(step: str, percent: int) -> None:
        click.echo(f"{percent:3d} % {step}", err=True)

    built = services.build(params, progress)
    with open(out, "wb") as file:
        file.write(built.pdf)
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in built.timings.items())
    click.echo(f"Wrote {out}: {built.pages} pages, {len(built.pdf):,} bytes ({timing}).")
    if issuer:
        job = ReportJob(
            params=params.as_json(),
            created_by_id=issuer.id,
            state="done",
            progress=100,
            pdf=built.pdf,
            page_count=built.pages,
            data_time=built.data_time,
        )
        db.session.add(job)
        db.session.flush()
        report = services.issue(job, issuer)
        click.echo(f"Issued as report {report.id}, SHA-256 {report.sha256}.")


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
