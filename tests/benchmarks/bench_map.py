"""Benchmark the map on demo data: aggregate by province, map page, map document, SVG, province.

Run from the project folder (not collected by pytest):

    python tests/benchmarks/bench_map.py [--backend sqlite|postgresql|both] [--size 10000]
                                         [--requests 30] [--boundaries PATH]

For each backend it builds a fresh database (a SQLite file in a temporary folder; a PostgreSQL
database named portal_bench_map, created through the postgres user), runs db.create_all() and
build_demo(project_count=size), configures the real province boundaries (from the shared data
folder) and a synthetic population table, then times, as the public: the aggregate service by
province (the function itself), the map page, the map document (iframe), the SVG, the CSV
and a province page, unfiltered and filtered. It prints p50/p95 in ms, the SQL statements per
request, and PASS/FAIL against the targets below.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_BENCH_DATABASE = "portal_bench_map"
DEFAULT_BOUNDARIES = ROOT.parent / "shared" / "data" / "geo" / "khm-adm1-provinces.geojson"

# Targets (the issue's): the map page under 300 ms p95, the aggregate by province under 50 ms.
PAGE_P95_MS = 300
AGGREGATE_P95_MS = 50


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def fresh_database(backend: str, tmp: Path, admin_url: str) -> str:
    if backend == "sqlite":
        path = tmp / "bench-map.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_BENCH_DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{PG_BENCH_DATABASE}"'))
    admin.dispose()
    return make_url(admin_url).set(database=PG_BENCH_DATABASE).render_as_string(hide_password=False)


def drop_database(backend: str, admin_url: str) -> None:
    if backend != "postgresql":
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_BENCH_DATABASE}" WITH (FORCE)'))
    admin.dispose()


def _synthetic_population(db) -> None:
    """Made-up population figures (benchmark only), so the per-capita measure is on offer."""
    from portal.mapping.models import ProvincePopulation
    from portal.reference.models import Province

    codes = list(db.session.scalars(select(Province.code).order_by(Province.code)))
    rows = [
        {"province_code": code, "year": year, "population": 200_000 + 37_000 * i}
        for i, code in enumerate(codes)
        for year in (2019, 2023)
    ]
    db.session.execute(insert(ProvincePopulation), rows)


def bench(backend: str, size: int, tmp: Path, args) -> list[tuple[str, list[float], list[int]]]:
    os.environ.setdefault("PORTAL_INSTANCE_DIR", str(tmp / "instance"))
    from portal import create_app
    from portal.aggregates.services import aggregate
    from portal.config import TestConfig
    from portal.demo.services import build_demo
    from portal.extensions import db
    from portal.projects.models import Project, ProjectLocation
    from portal.projects.queries import ProjectFilters

    url = fresh_database(backend, tmp, args.pg_admin_url)
    config = TestConfig(url)
    config.BOUNDARIES_FILE = str(args.boundaries) if args.boundaries.is_file() else None
    if config.BOUNDARIES_FILE is None:
        print(f"  note: no boundary file at {args.boundaries}; the map uses circles")
    app = create_app(config)
    results = []
    try:
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            build_demo(project_count=size)
            _synthetic_population(db)
            db.session.commit()
            print(f"  built {size} demo projects in {time.perf_counter() - started:.1f} s")
            projects = db.session.scalar(select(func.count()).select_from(Project))
            located = db.session.scalar(select(func.count()).select_from(ProjectLocation))
            print(f"  rows: {projects} projects, {located} locations")

            counter = [0]

            def count_statement(*_args, **_kwargs):
                counter[0] += 1

            event.listen(db.engine, "before_cursor_execute", count_statement)
            for label, filters, years in (
                ("aggregate by province", ProjectFilters(), (None, None)),
                ("aggregate, sector 122", ProjectFilters(sector="122"), (None, None)),
                (
                    "aggregate, 2020-2024",
                    ProjectFilters(year_from=2020, year_to=2024),
                    (2020, 2024),
                ),
            ):
                times, statements = [], []
                for i in range(args.warmup + args.requests):
                    counter[0] = 0
                    started = time.perf_counter()
                    aggregate(None, filters, "province", year=years[0], year_to=years[1])
                    elapsed = (time.perf_counter() - started) * 1000
                    db.session.rollback()
                    if i >= args.warmup:
                        times.append(elapsed)
                        statements.append(counter[0])
                results.append((label, times, statements))
            db.session.remove()

        client = app.test_client()
        pages = [
            ("map page", "/map/"),
            ("map page, disbursed 2020-24", "/map/?measure=disbursed&year_from=2020&year_to=2024"),
            ("map page, sector 122", "/map/?sector=122"),
            ("map page, per capita", "/map/?measure=per_capita"),
            ("map document (iframe)", "/map/frame"),
            ("map SVG", "/map/map.svg"),
            ("map CSV", "/map/export.csv"),
            ("province page 12", "/map/province/12"),
        ]
        for label, page in pages:
            times, statements = [], []
            for i in range(args.warmup + args.requests):
                counter[0] = 0
                started = time.perf_counter()
                response = client.get(page)
                response.get_data()
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{page} answered {response.status_code}")
                if i >= args.warmup:
                    times.append(elapsed)
                    statements.append(counter[0])
            results.append((label, times, statements))
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count_statement)
            db.engine.dispose()
    finally:
        drop_database(backend, args.pg_admin_url)
    return results


def report(backend: str, size: int, results) -> bool:
    ok_all = True
    print(f"\n{backend}, {size} projects")
    header = f"{'measure':<30}{'p50 ms':>9}{'p95 ms':>9}{'SQL':>6}  {'target':<14}result"
    print(header)
    print("-" * len(header))
    for label, times, statements in results:
        target = AGGREGATE_P95_MS if label.startswith("aggregate") else PAGE_P95_MS
        ok = p95(times) < target
        ok_all &= ok
        sql = f"{min(statements)}" if min(statements) == max(statements) else "var"
        print(
            f"{label:<30}{statistics.median(times):>9.1f}{p95(times):>9.1f}{sql:>6}  "
            f"{'p95 < ' + str(target) + ' ms':<14}{'PASS' if ok else 'FAIL'}"
        )
    return ok_all


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--size", type=int, default=10000, help="demo projects (default 10000)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per measure")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES)
    parser.add_argument(
        "--pg-admin-url", default=os.environ.get("BENCH_PG_ADMIN_URL", PG_ADMIN_URL)
    )
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    ok = True
    with tempfile.TemporaryDirectory(prefix="portal-bench-map-") as directory:
        for backend in backends:
            print(f"{backend}: building and measuring ...", flush=True)
            results = bench(backend, args.size, Path(directory), args)
            ok &= report(backend, args.size, results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
