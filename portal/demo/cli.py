"""Command line of the demo: `flask --app app portal demo`."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from portal.extensions import db


@click.command("demo")
@with_appcontext
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
    from portal.demo.services import analyze_kept, build_demo

    started = time.perf_counter()
    counts = build_demo(project_count=project_count)
    db.session.commit()
    if any(counts.values()):
        analyze_kept()
        db.session.commit()
    summary = ", ".join(f"{name} +{count}" for name, count in counts.items())
    click.echo(f"Demo data ready in {time.perf_counter() - started:.1f} s: {summary}")
