"""Benchmark the IATI import and export at the size of a national database.

Run from the project folder (not collected by pytest):

    python tests/benchmarks/bench_iati.py [--backend sqlite|postgresql|both] [--activities 10000]

For each backend it builds a fresh database (a SQLite file in a temporary folder; a PostgreSQL
database named portal_bench_iati, created through the postgres user) with the reference data,
the real partners and institutions and the demo exchange rates, generates an IATI 2.03 file of
`--activities` activities (tests/iati/generate.py), then times, as the command line does it:
parsing, the preview (every rule checked), and the writing of the batch; then the export of the
whole database to IATI XML. It prints the figures and PASS/FAIL against the issue's targets:
import at least 500 activities per second on SQLite (preview included), export under 20 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DATABASE = "portal_bench_iati"
IMPORT_PER_SECOND = 500
EXPORT_S = 20.0


def fresh_database(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'bench-iati.db'}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_BENCH_DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{PG_BENCH_DATABASE}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=PG_BENCH_DATABASE).render_as_string(False)


def drop_database(backend: str) -> None:
    if backend == "sqlite":
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_BENCH_DATABASE}" WITH (FORCE)'))
    admin.dispose()


def bench(backend: str, count: int, tmp: Path) -> dict:
    from portal import create_app
    from portal.config import TestConfig
    from portal.demo.services import seed_organizations, seed_rates
    from portal.extensions import db
    from portal.iati import export, services
    from portal.iati.preview import Decisions
    from portal.projects.models import Project
    from portal.reference.seed import seed_reference_data
    from tests.iati.generate import activities_xml

    url = fresh_database(backend, tmp)
    app = create_app(TestConfig(url))
    figures = {"backend": backend, "activities": count}
    with app.app_context(), app.test_request_context():
        db.create_all()
        seed_reference_data()
        seed_organizations()
        seed_rates()
        db.session.commit()
        data = activities_xml(count)
        figures["file_mb"] = len(data) / 1e6

        started = time.perf_counter()
        activities = services.parse_files([("bench.xml", data)])
        parsed = time.perf_counter()
        plan = services.preview(activities, user=None, decisions=Decisions())
        previewed = time.perf_counter()
        batch = services.create_batch([("bench.xml", data)], user=None)
        plan = services.confirm(batch, user=None, decisions=Decisions())
        db.session.commit()
        written = time.perf_counter()
        figures.update(
            parse_s=parsed - started,
            preview_s=previewed - parsed,
            write_s=written - previewed,
            import_s=written - started,
            counts=plan.counts,
        )
        figures["per_second"] = count / figures["import_s"]

        db.session.remove()
        projects = db.session.scalar(select(func.count()).select_from(Project))
        started = time.perf_counter()
        body = export.export_xml(export.iter_projects(select(Project)))
        figures.update(
            projects=projects,
            export_s=time.perf_counter() - started,
            export_mb=len(body) / 1e6,
        )
        db.session.remove()
        db.engine.dispose()
    drop_database(backend)
    return figures


def report(figures: dict) -> bool:
    rate_ok = figures["per_second"] >= IMPORT_PER_SECOND or figures["backend"] != "sqlite"
    export_ok = figures["export_s"] < EXPORT_S
    print(
        f"[{figures['backend']}] {figures['activities']} activities ({figures['file_mb']:.1f} MB): "
        f"parse {figures['parse_s']:.1f} s, preview {figures['preview_s']:.1f} s, "
        f"write {figures['write_s']:.1f} s -> {figures['per_second']:.0f} activities/s "
        f"{'PASS' if rate_ok else 'FAIL'} (target {IMPORT_PER_SECOND}/s on SQLite); "
        f"outcome {figures['counts']}"
    )
    print(
        f"[{figures['backend']}] export of {figures['projects']} projects: "
        f"{figures['export_s']:.1f} s, {figures['export_mb']:.1f} MB "
        f"{'PASS' if export_ok else 'FAIL'} (target < {EXPORT_S:.0f} s)"
    )
    return rate_ok and export_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--activities", type=int, default=10_000)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-iati-") as folder:
        for backend in backends:
            ok &= report(bench(backend, args.activities, Path(folder)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
