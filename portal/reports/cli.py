"""Command line of joint review reports: `flask --app app portal report build`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.cli import fail
from portal.extensions import db

report_cli = AppGroup("report", help="Joint review reports.")


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
