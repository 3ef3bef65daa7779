"""Benchmark the funding dashboard and the aggregate service on the 10,000-project demo.

    python tests/benchmarks/bench_dashboard.py [--backend sqlite|postgresql|both]
                                               [--size 10000] [--requests 30]

Builds a fresh database per backend (SQLite file; PostgreSQL database portal_bench_dash),
loads the demo with `size` projects, then times (p50/p95, ms): the dashboard as the public
and as CDC, and every aggregate dimension for one year as CDC. Targets: dashboard p95 under
200 ms; any aggregate query under 50 ms.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "portal_bench_dash"
DASHBOARD_P95_MS = 200
AGGREGATE_P95_MS = 50


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def database_url(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'dash.db'}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=PG_DATABASE).render_as_string(hide_password=False)


def timed(function, count: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        function()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(backend: str, size: int, requests: int) -> list[tuple[str, float, float, bool]]:
    from portal import create_app
    from portal.accounts.services import find_by_email
    from portal.aggregates.services import DIMENSIONS, aggregate
    from portal.config import TestConfig
    from portal.demo.services import build_demo
    from portal.extensions import db
    from portal.projects.queries import ProjectFilters

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(TestConfig(database_url(backend, Path(tmp))))
        app.config["WTF_CSRF_ENABLED"] = False
        results = []
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            build_demo(project_count=size)
            db.session.commit()
            print(
                f"{backend}: demo of {size} projects built in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
            public, cdc = app.test_client(), app.test_client()
            cdc.post("/login", data={"email": "cdc@demo.example", "password": "demo-portal-2026"})
            for name, client in (("dashboard, public", public), ("dashboard, CDC", cdc)):
                times = timed(lambda c=client: c.get("/dashboard/?year=2024").get_data(), requests)
                results.append(
                    (name, statistics.median(times), p95(times), p95(times) < DASHBOARD_P95_MS)
                )
            user = find_by_email("cdc@demo.example")
            for dimension in DIMENSIONS:
                times = timed(
                    lambda d=dimension: aggregate(user, ProjectFilters(), d, year=2024), requests
                )
                results.append(
                    (
                        f"aggregate by {dimension} (3 measures)",
                        statistics.median(times),
                        p95(times),
                        p95(times) < AGGREGATE_P95_MS,
                    )
                )
            db.session.remove()
            db.engine.dispose()
        return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    ok = True
    for backend in backends:
        print(f"\n{backend}, {args.size} projects")
        print(f"{'measure':45} {'p50 ms':>8} {'p95 ms':>8}  target")
        for name, p50, high, passed in run(backend, args.size, args.requests):
            ok &= passed
            print(f"{name:45} {p50:8.1f} {high:8.1f}  {'PASS' if passed else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
