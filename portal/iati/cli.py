"""`flask --app app portal iati import FILE... [--dry-run]` and `... iati export --out FILE`.

The command line asks nothing: it prints the preview and, without --dry-run, writes the
batch, creating the proposed organizations and listing them. Activities that are not for
Cambodia are listed apart, each with its reason, and counted. A batch that fails writes
nothing and exits with status 1.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import AppGroup
from sqlalchemy import or_, select

from portal.db import commit_retrying, is_concurrent_write
from portal.extensions import db
from portal.iati import export, services
from portal.iati.parser import FileRefused
from portal.iati.preview import NEW, REFUSED, SKIPPED, UNCHANGED, UPDATE, Decisions, Plan
from portal.organizations.models import Organization
from portal.organizations.services import by_acronym
from portal.projects.models import Project

iati_cli = AppGroup("iati", help="IATI activity XML: import and export.")

# An import that meets another one writing the same activities waits and tries again; on SQLite
# each attempt waits up to five seconds for the other's write lock.
IMPORT_ATTEMPTS = 5

ACTION_WORDS = {NEW: "new", UPDATE: "update", UNCHANGED: "unchanged", REFUSED: "REFUSED"}


def _fail(message: str) -> NoReturn:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def print_plan(plan: Plan, *, verbose: bool = True) -> None:
    """Print one line per activity, its changes, errors and warnings, then the counts.

    The activities that are not for Cambodia come after the others, each with its reason.
    """
    for line in plan.cambodian:
        click.echo(f"{ACTION_WORDS[line.action]:>9}  {line.identifier}  {line.title[:70]}")
        if not verbose:
            continue
        for label, old, new in line.changes:
            click.echo(f"           ~ {label}: {old[:60] or '—'} -> {new[:60] or '—'}")
        for candidate in line.candidates:
            click.echo(
                f"           ? may be project {candidate.project_id} "
                f"({candidate.score}%): {candidate.title[:60]}"
            )
        for error in line.errors:
            click.echo(f"           ! {error}")
        for warning in line.warnings:
            click.echo(f"           - {warning}")
    skipped = plan.skipped
    if skipped:
        click.echo(f"Not for Cambodia, not imported ({len(skipped)}):")
    for line in skipped:
        click.echo(f"  skipped  {line.identifier}  {line.title[:70]}")
        if not verbose:
            continue
        click.echo(f"           - {line.reason}")
        for warning in line.warnings:
            click.echo(f"           - {warning}")
    counts = plan.counts
    click.echo(
        f"{len(plan.lines)} activities: {counts[NEW]} new, {counts[UPDATE]} changed, "
        f"{counts[UNCHANGED]} unchanged, {counts[SKIPPED]} not for Cambodia, "
        f"{counts[REFUSED]} refused."
    )


def _default_lead(acronym: str | None) -> int | None:
    if not acronym:
        return None
    organization = by_acronym(acronym)
    if organization is None or not organization.is_national:
        _fail(f"{acronym!r} is not the acronym of a national organization.")
    return organization.id


@iati_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Print the preview and write nothing.")
@click.option(
    "--lead-partner",
    "lead_acronym",
    default=None,
    help="Acronym of the national organization that leads activities naming none.",
)
@click.option("--quiet", is_flag=True, help="One line per activity, without details.")
def import_command(files, dry_run: bool, lead_acronym: str | None, quiet: bool) -> None:
    """Import IATI activity files (2.01 to 2.03); exit 1, writing nothing, if the batch fails."""
    started = time.perf_counter()
    decisions = Decisions(default_lead_id=_default_lead(lead_acronym))
    contents = [(Path(name).name, Path(name).read_bytes()) for name in files]
    try:
        activities = services.parse_files(contents)
    except FileRefused as refused:
        _fail(refused.message)
    if dry_run:
        plan = services.preview(activities, user=None, decisions=decisions)
        print_plan(plan, verbose=not quiet)
        _list_organizations(plan, created=False)
        click.echo("Dry run: nothing was written.")
        return

    def write() -> Plan:
        batch = services.create_batch(contents, user=None, activities=activities)
        return services.confirm(batch, user=None, decisions=decisions)

    try:
        # Another import writing the same activities at the same moment makes this attempt
        # fail on the database's unique keys or locks: it is then done again, and finds them.
        plan = commit_retrying(db.session, write, attempts=IMPORT_ATTEMPTS)
    except Exception as error:  # noqa: BLE001  (whatever broke, nothing of the batch stays)
        if is_concurrent_write(error):
            _fail(
                "another import kept writing the same records at the same time; nothing of "
                "this batch was written. Run the command again."
            )
        _fail(f"the batch failed and nothing was written: {error}")
    print_plan(plan, verbose=not quiet)
    _list_organizations(plan, created=True)
    click.echo(f"Written in {time.perf_counter() - started:.1f} s.")


def _list_organizations(plan: Plan, *, created: bool) -> None:
    if created:
        organizations = list(plan.created.values())
        if organizations:
            click.echo(f"Organizations created ({len(organizations)}):")
        for organization in organizations:
            click.echo(
                f"  {organization.acronym}  {organization.name_en}  "
                f"[{organization.kind.value}] {organization.iati_ref or ''}"
            )
        return
    if plan.proposals:
        click.echo(f"Organizations that would be created ({len(plan.proposals)}):")
    for proposal in plan.proposals:
        click.echo(
            f"  {proposal.acronym}  {proposal.name_en}  [{proposal.kind.value}] "
            f"{proposal.iati_ref or ''}"
        )


@iati_cli.command("export")
@click.option("--partner", "partner", default=None, help="IATI identifier or acronym of a partner.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
def export_command(partner: str | None, out: str) -> None:
    """Write the projects (of one partner, or all) as IATI 2.03 activity XML."""
    started = time.perf_counter()
    statement = select(Project)
    if partner:
        organization = db.session.scalar(
            select(Organization).where(
                or_(Organization.iati_ref == partner, Organization.acronym == partner)
            )
        )
        if organization is None:
            _fail(f"no organization has the IATI identifier or acronym {partner!r}.")
        statement = statement.where(Project.reporting_org_id == organization.id)
    count = 0

    def counted(projects):
        nonlocal count
        for project in projects:
            count += 1
            yield project

    # The operator's file of every project, drafts included: contacts stay in it. Written as
    # it is made, so that memory stays flat whatever the number of projects.
    chunks = export.iter_xml(
        counted(export.iter_projects(statement)), shows_contacts=lambda _p: True
    )
    try:
        with Path(out).open("wb") as file:
            for chunk in chunks:
                file.write(chunk)
    except BaseException:  # an unfinished file is not left behind
        Path(out).unlink(missing_ok=True)
        raise
    click.echo(f"{count} activities written to {out} in {time.perf_counter() - started:.1f} s.")


@iati_cli.command("refresh")
@click.option("--source", "source_id", type=int, default=None, help="Read this source now.")
def refresh_command(source_id: int | None) -> None:
    """Read the registered IATI sources that are due (or one, now), as the schedule would."""
    from portal.iati import sources

    if source_id is not None:
        source = db.session.get(sources.IatiSource, source_id)
        if source is None:
            _fail(f"No IATI source {source_id}.")
        chosen = [source]
    else:
        chosen = sources.due()
    for source in chosen:
        status = sources.read_source(source)
        db.session.commit()
        counts = source.last_counts or {}
        click.echo(
            f"{source.id} {source.name}: {status}"
            + (
                f" ({counts.get('new', 0)} new, {counts.get('update', 0)} changed)"
                if counts
                else ""
            )
            + (f" - {source.last_message}" if source.last_message else "")
        )
        if source.dropped:
            click.echo(f"   no longer in the file (kept): {', '.join(source.dropped)}")
    if not chosen:
        click.echo("No source is due.")
