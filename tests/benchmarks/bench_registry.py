"""Benchmark the project registry on demo data: build time, page times, SQL statements, export.

Run from the project folder (not collected by pytest):

    python tests/benchmarks/bench_registry.py [--backend sqlite|postgresql|both]
                                              [--sizes 1000,10000] [--requests 30]

For each backend and size it builds a fresh database (a SQLite file in a temporary folder; a
PostgreSQL database named portal_bench, created through the postgres user), runs
db.create_all() and build_demo(project_count=size), then, logged in as the demo CDC user,
times the project list (unfiltered, filtered by sector and province, sorted by amount), a
project page and the XLSX export of about 1,000 projects. It prints p50/p95 in ms, the SQL
statements each request runs, and PASS/FAIL against the targets below.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_BENCH_DATABASE = "portal_bench"
CDC_EMAIL = "cdc@demo.example"

# Targets.
PAGE_P95_MS = 150
EXPORT_S = 3.0
BUILD_10000_S = 120
EXPORT_ROWS = 1000


@dataclass
class Measure:
    name: str
    url: str
    times_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def statement_count(self) -> str:
        low, high = min(self.statements), max(self.statements)
        return str(low) if low == high else f"{low}-{high}"


@dataclass
class Run:
    backend: str
    size: int
    build_s: float
    projects: int
    funding_rows: int
    measures: list[Measure]
    export_rows: int
    export_filter: str
    export_ms: list[float]


# --- databases ---------------------------------------------------------------------------


def fresh_database(backend: str, tmp: Path, admin_url: str) -> str:
    if backend == "sqlite":
        path = tmp / "bench.db"
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


# --- one run -----------------------------------------------------------------------------


def _time(client, counter: list[int], url: str) -> tuple[float, int, int, bytes]:
    counter[0] = 0
    started = time.perf_counter()
    response = client.get(url)
    body = response.get_data()
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, counter[0], response.status_code, body


def _pick_sector_category(db) -> str:
    from portal.projects.models import ProjectLocation, ProjectSector

    category = func.substr(ProjectSector.sector_code, 1, 3)
    row = db.session.execute(
        select(category, func.count())
        .join(ProjectLocation, ProjectLocation.project_id == ProjectSector.project_id)
        .where(ProjectLocation.province_code == "12")
        .group_by(category)
        .order_by(func.count().desc(), category)
        .limit(1)
    ).first()
    return row[0] if row else "122"


def _pick_detail_project(db) -> int:
    """The first demo project (same at every size) with several yearly rows and partners."""
    from portal.projects.models import Project, ProjectFunding

    rows = func.count(ProjectFunding.id)
    statement = (
        select(Project.id)
        .join(ProjectFunding, ProjectFunding.project_id == Project.id)
        .where(
            Project.partner_ref <= "DEMO-001000",
            Project.external_lead_partner_id.is_not(None),
            Project.twg_id.is_not(None),
            Project.nationwide.is_(False),
        )
        .group_by(Project.id)
        .having(rows >= 8)
        .order_by(Project.id)
        .limit(1)
    )
    found = db.session.scalar(statement)
    if found is None:
        found = db.session.scalar(
            select(ProjectFunding.project_id)
            .group_by(ProjectFunding.project_id)
            .order_by(func.count().desc())
            .limit(1)
        )
    return found


def _pick_export_filter(db, user) -> tuple[str, int]:
    """A filter of the list that selects as close to 1,000 projects as the data allows."""
    from portal.organizations.models import Organization
    from portal.projects import queries

    def count(args: dict) -> int:
        filters = queries.ProjectFilters.from_args(args)
        inner = queries.filtered(user, filters).order_by(None).subquery()
        return db.session.scalar(select(func.count()).select_from(inner))

    candidates = [{}]
    partner_ids = db.session.scalars(select(Organization.id).order_by(Organization.id))
    candidates += [{"partner": str(pid)} for pid in partner_ids]
    candidates += [{"status": s} for s in "123456"]
    candidates += [
        {"year_from": str(y), "year_to": str(y + span)}
        for y in range(1996, 2030)
        for span in (0, 1, 2)
    ]
    best, best_count = {}, -1
    for args in candidates:
        n = count(args)
        if best_count < 0 or abs(n - EXPORT_ROWS) < abs(best_count - EXPORT_ROWS):
            best, best_count = args, n
    query = "&".join(f"{k}={v}" for k, v in best.items())
    return query, best_count


def bench_one(
    backend: str, size: int, tmp: Path, admin_url: str, requests: int, warmup: int
) -> Run:
    os.environ.setdefault("PORTAL_INSTANCE_DIR", str(tmp / "instance"))
    from portal import create_app
    from portal.config import TestConfig
    from portal.demo.organizations import DEMO_PASSWORD
    from portal.demo.services import build_demo
    from portal.extensions import db
    from portal.projects.models import Project, ProjectFunding

    url = fresh_database(backend, tmp, admin_url)
    app = create_app(TestConfig(url))
    app.config["TESTING"] = True
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            build_demo(project_count=size)
            db.session.commit()
            build_s = time.perf_counter() - started
            projects = db.session.scalar(select(func.count()).select_from(Project))
            funding_rows = db.session.scalar(select(func.count()).select_from(ProjectFunding))
            category = _pick_sector_category(db)
            detail_id = _pick_detail_project(db)
            db.session.remove()

            counter = [0]

            def count_statement(*_args, **_kwargs):
                counter[0] += 1

            event.listen(db.engine, "before_cursor_execute", count_statement)
            client = app.test_client()
            response = client.post("/login", data={"email": CDC_EMAIL, "password": DEMO_PASSWORD})
            if response.status_code != 302:
                raise SystemExit(f"could not log in as {CDC_EMAIL} ({response.status_code})")

        with app.app_context():
            from portal.accounts.models import User

            cdc = db.session.scalar(select(User).where(User.email == CDC_EMAIL))
            export_query, export_rows = _pick_export_filter(db, cdc)
            db.session.remove()

        measures = [
            Measure("list, unfiltered", "/projects/"),
            Measure("list, sector+province", f"/projects/?sector={category}&province=12"),
            Measure("list, sorted by amount", "/projects/?sort=-commitment"),
            Measure("project page", f"/projects/{detail_id}"),
        ]
        for measure in measures:
            for i in range(warmup + requests):
                elapsed, statements, status, _body = _time(client, counter, measure.url)
                if status != 200:
                    raise SystemExit(f"{measure.url} answered {status}")
                if i >= warmup:
                    measure.times_ms.append(elapsed)
                    measure.statements.append(statements)

        export_url = "/projects/export.xlsx" + (f"?{export_query}" if export_query else "")
        export_ms = []
        body = b""
        for i in range(1 + 5):
            elapsed, _statements, status, body = _time(client, counter, export_url)
            if status != 200:
                raise SystemExit(f"{export_url} answered {status}")
            if i >= 1:
                export_ms.append(elapsed)
        exported = _xlsx_rows(body)
        if exported != export_rows:
            print(f"  note: the export has {exported} rows, the filter counted {export_rows}")
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count_statement)
            db.engine.dispose()
    finally:
        drop_database(backend, admin_url)
    return Run(
        backend,
        size,
        build_s,
        projects,
        funding_rows,
        measures,
        exported,
        export_query or "(none)",
        export_ms,
    )


def _xlsx_rows(body: bytes) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(body), read_only=True)
    sheet = workbook.worksheets[0]
    return sum(1 for _row in sheet.iter_rows(min_row=2, values_only=True))


# --- report ------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(runs: list[Run]) -> bool:
    all_ok = True
    header = (
        f"{'backend':<11}{'size':>7}  {'measure':<26}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'SQL/req':>9}  {'target':<16}{'result':<6}"
    )
    print()
    print(header)
    print("-" * len(header))
    for run in runs:
        ok = run.size != 10000 or run.build_s < BUILD_10000_S
        target = f"< {BUILD_10000_S} s" if run.size == 10000 else "(info)"
        print(
            f"{run.backend:<11}{run.size:>7}  {'demo build (s)':<26}{run.build_s:>9.1f}"
            f"{'':>9}{'':>9}  {target:<16}{verdict(ok) if run.size == 10000 else '':<6}"
        )
        all_ok &= ok
        print(
            f"{'':<11}{'':>7}  {'rows: projects/funding':<26}{run.projects:>9}{run.funding_rows:>9}"
        )
        for m in run.measures:
            ok = m.p95 < PAGE_P95_MS
            all_ok &= ok
            print(
                f"{'':<11}{'':>7}  {m.name:<26}{m.p50:>9.1f}{m.p95:>9.1f}"
                f"{m.statement_count:>9}  {'p95 < ' + str(PAGE_P95_MS) + ' ms':<16}"
                f"{verdict(ok):<6}"
            )
        per_1000 = statistics.median(run.export_ms) / 1000 * EXPORT_ROWS / max(run.export_rows, 1)
        ok = per_1000 < EXPORT_S
        all_ok &= ok
        label = f"xlsx export {run.export_rows} rows"
        print(
            f"{'':<11}{'':>7}  {label:<26}{statistics.median(run.export_ms):>9.0f}"
            f"{max(run.export_ms):>9.0f}{'':>9}  {'< 3 s / 1000':<16}{verdict(ok):<6}"
            f"  filter {run.export_filter}; {per_1000:.2f} s per 1,000 rows"
        )
    print()
    for backend in sorted({r.backend for r in runs}):
        sized = {r.size: r for r in runs if r.backend == backend}
        if len(sized) < 2:
            continue
        sizes = sorted(sized)
        for i, name in enumerate(m.name for m in sized[sizes[0]].measures):
            counts = {s: sized[s].measures[i].statement_count for s in sizes}
            ok = len(set(counts.values())) == 1
            all_ok &= ok
            shown = ", ".join(f"{s}: {c}" for s, c in counts.items())
            print(
                f"{backend:<11} SQL statements of {name:<24} {shown:<28} "
                f"same at every size: {verdict(ok)}"
            )
    return all_ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--sizes",
        default="1000,10000",
        help="comma-separated numbers of demo projects (default 1000,10000)",
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument(
        "--pg-admin-url", default=os.environ.get("BENCH_PG_ADMIN_URL", PG_ADMIN_URL)
    )
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    runs = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as directory:
        tmp = Path(directory)
        for backend in backends:
            for size in sizes:
                print(f"{backend}, {size} projects: building and measuring ...", flush=True)
                runs.append(
                    bench_one(backend, size, tmp, args.pg_admin_url, args.requests, args.warmup)
                )
    return 0 if report(runs) else 1


if __name__ == "__main__":
    sys.exit(main())
