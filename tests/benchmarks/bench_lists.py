"""Benchmark the lists: the project list's views, the pipeline, the inbox and the exports.

Run from the project folder (not collected by pytest):

    .venv/bin/python tests/benchmarks/bench_lists.py [--backend sqlite|postgresql|both]
        [--size 10000] [--requests 30] [--warmup 5] [--seconds 2] [--rounds 3] [--explain]
        [--only WORDS] [--demo-database NAME]

On a fresh copy of the demo database (tests/benchmarks/common.py), with the portal started as
app.py starts it and the public pages' cache off (what is measured is the work of a page, not
the cache), times after a warm-up:

- the project list: the public default, the default of CDC, of a partner (JICA: its own
  projects) and of a ministry (MOH), CDC's list filtered by a province and a sector, sorted by
  amount, and the next page (the pager's link, as a reader follows it);
- the CDC pipeline and the ministry inbox (MOH);
- CDC's list and pipeline just after a change of the data (the pipeline for information);
- the CSV and XLSX exports of a filter of about 1,000 projects;
- the throughput of CDC's project list against a bare route in the same process (alternating
  runs of `--seconds`, `--rounds` times; logged-in pages are never cached).

Each line prints p50/p95 in ms, the SQL statements of a request and PASS/FAIL against the
targets below, with the load average before and after. `--explain` (PostgreSQL) prints the
plan (EXPLAIN ANALYZE) of every statement of one request of each page (the lists, the pipeline
and the inbox; a statement under EXPLAIN_BRIEF_MS on one line).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import create_engine, event, func, select, text  # noqa: E402

from tests.benchmarks import common  # noqa: E402
from tests.benchmarks.common import (  # noqa: E402
    ROOT,
    StatementCounter,
    demo_copy,
    each_backend,
    get,
    load_average,
    logged_in,
    measure,
    parser,
    report,
    served_app,
)

CDC_EMAIL = "cdc@demo.example"
PARTNER_EMAIL = "jica@demo.example"
MINISTRY_EMAIL = "moh@demo.example"
# Targets.
PAGE_P95_MS = 150
EXPORT_P95_MS = 1000
EXPORT_ROWS = 1000
LOGGED_IN_SHARE = 0.06
# `--explain` prints the whole plan of a statement that took at least this long, else one line.
EXPLAIN_BRIEF_MS = 0.1


def _next_link(client, url: str) -> str:
    """The pager's "Next" link of the page at `url`."""
    body = client.get(url).get_data(as_text=True)
    marker = body.find('aria-label="Pages"')
    links = [
        part.split('"', 1)[0].replace("&amp;", "&")
        for part in body[marker:].split('class="page-link" href="')[1:]
    ]
    if not links:
        raise SystemExit(f"no pager on {url}")
    return links[-1]


def _export_filter(user) -> tuple[str, int]:
    """A filter of the list selecting as close to EXPORT_ROWS projects as the data allow."""
    from portal.extensions import db
    from portal.organizations.models import Organization
    from portal.projects import queries

    def count(args: dict) -> int:
        statement = queries.filtered(user, queries.ProjectFilters.from_args(args))
        return db.session.scalar(select(func.count()).select_from(statement.subquery()))

    candidates = [{"partner": str(i)} for i in db.session.scalars(select(Organization.id))]
    candidates += [{"province": p} for p in ("12", "17", "03", "08", "01", "02")]
    candidates += [{"year_from": str(y), "year_to": str(y)} for y in range(2015, 2030)]
    best, best_count = candidates[0], -1
    for args in candidates:
        n = count(args)
        if best_count < 0 or abs(n - EXPORT_ROWS) < abs(best_count - EXPORT_ROWS):
            best, best_count = args, n
    return "&".join(f"{k}={v}" for k, v in best.items()), best_count


def _sector_category() -> str:
    """The sector category with the most projects in Phnom Penh (12)."""
    from portal.extensions import db
    from portal.projects.models import ProjectLocation, ProjectSector

    category = func.substr(ProjectSector.sector_code, 1, 3)
    return (
        db.session.scalar(
            select(category)
            .join(ProjectLocation, ProjectLocation.project_id == ProjectSector.project_id)
            .where(ProjectLocation.province_code == "12")
            .group_by(category)
            .order_by(func.count().desc(), category)
            .limit(1)
        )
        or "122"
    )


def _change(app) -> None:
    """Commit a change of one project (its status, back and forth): a new data version."""
    from portal.extensions import db
    from portal.projects.models import Project

    with app.app_context():
        project = db.session.scalar(select(Project).order_by(Project.id).limit(1))
        project.status = "3" if project.status != "3" else "2"
        db.session.commit()
        db.session.remove()


def _throughput(app, client, bare, url: str, rounds: int, seconds: float) -> tuple[float, float]:
    """Requests per second of `bare` and of `url`, in alternating runs."""
    done = {bare: [0, 0.0], url: [0, 0.0]}
    for _round in range(rounds):
        for path in (bare, url):
            count, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                get(client, path)
                count += 1
            done[path][0] += count
            done[path][1] += time.perf_counter() - started
    return done[bare][0] / done[bare][1], done[url][0] / done[url][1]


def _explain(app, client, url: str) -> None:
    """Print the plan of every statement one request to `url` runs (PostgreSQL)."""
    from portal.extensions import db

    seen: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, *_rest):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        get(client, url)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    print(f"\nEXPLAIN ANALYZE of {url} ({len(seen)} statements)")
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = [row[0] for row in cursor.fetchall()]
            first = " ".join(statement.split())[:160]
            took = next((line for line in plan if line.startswith("Execution Time")), "")
            if float(took.split()[2] if took else 0) < EXPLAIN_BRIEF_MS:
                print(f"-- ({took.split(': ')[-1]}) {first}")  # a small table's look-up
                continue
            print(f"-- {first}")
            for line in plan:
                print(f"   {line}")
        raw.rollback()


def run(backend: str, args) -> bool:
    print(f"{backend}: {args.size} demo projects; before: {load_average()}", flush=True)
    with demo_copy(backend, args, "lists") as url:
        # The copy may come from a demo built before the latest migration (see _keyed_demo);
        # then the planner's statistics of what the migrations made, as autovacuum would.
        _upgrade(url)
        if backend == "postgresql":
            _analyze(url)
        app = served_app(url, args.cache_dir / "instance")
        app.config["PAGE_CACHE"] = False
        app.add_url_rule("/__bare", "bare", lambda: "ok")
        from portal.accounts.models import User
        from portal.extensions import db

        with app.app_context():
            cdc_user = db.session.scalar(select(User).where(User.email == CDC_EMAIL))
            export_query, export_rows = _export_filter(cdc_user)
            category = _sector_category()
            counter = StatementCounter(db.engine)
            db.session.remove()
        public = app.test_client()
        cdc, partner = logged_in(app, CDC_EMAIL), logged_in(app, PARTNER_EMAIL)
        ministry = logged_in(app, MINISTRY_EMAIL)
        filtered = f"/projects/?province=12&sector={category}"
        views = [
            ("list, public default", public, "/projects/", PAGE_P95_MS),
            ("list, CDC default", cdc, "/projects/", PAGE_P95_MS),
            ("list, partner default (JICA)", partner, "/projects/", PAGE_P95_MS),
            ("list, ministry default (MOH)", ministry, "/projects/", PAGE_P95_MS),
            (f"list, CDC province 12 + sector {category}", cdc, filtered, PAGE_P95_MS),
            ("list, CDC sorted by amount", cdc, "/projects/?sort=-commitment", PAGE_P95_MS),
            ("list, public sorted by amount", public, "/projects/?sort=-commitment", PAGE_P95_MS),
            ("list, CDC page 2 (pager link)", cdc, _next_link(cdc, "/projects/"), PAGE_P95_MS),
            (
                "list, public page 2 (pager link)",
                public,
                _next_link(public, "/projects/"),
                PAGE_P95_MS,
            ),
            ("CDC pipeline", cdc, "/alignment/pipeline", PAGE_P95_MS),
            ("ministry inbox (MOH)", ministry, "/alignment/inbox", PAGE_P95_MS),
            (
                f"CSV export, {export_rows} rows",
                cdc,
                f"/projects/export.csv?{export_query}",
                EXPORT_P95_MS,
            ),
            (
                f"XLSX export, {export_rows} rows",
                cdc,
                f"/projects/export.xlsx?{export_query}",
                EXPORT_P95_MS,
            ),
        ]
        if args.only:
            views = [view for view in views if any(w in view[0] for w in args.only)]
        runs = {"requests": args.requests, "warmup": args.warmup}
        results = []
        for name, client, path, target in views:
            results.append(
                measure(name, target, lambda c=client, p=path: get(c, p), counter, **runs)
            )
            print(f"  measured {name}; {load_average()}", flush=True)
        # The first view after a change: the list's count and totals are read again (from the
        # groups the database keeps), the pipeline's figures worked out again (for information:
        # its scorecards read every project and confirmation).
        for name, url, target in (
            ("list, CDC default after a change", "/projects/", PAGE_P95_MS),
            ("CDC pipeline after a change", "/alignment/pipeline", None),
        ):
            if not args.only or any(w in name for w in args.only):
                results.append(
                    measure(
                        name,
                        target,
                        lambda u=url: get(cdc, u),
                        counter,
                        after=lambda: _change(app),
                        **runs,
                    )
                )
        bare_rate, list_rate = (
            _throughput(app, cdc, "/__bare", "/projects/", args.rounds, args.seconds)
            if not args.only
            else (1.0, 1.0)
        )
        if args.explain and backend == "postgresql":
            for _name, client, path, target in views:
                if target == PAGE_P95_MS:  # the pages, not the exports
                    _explain(app, client, path)
        with app.app_context():
            counter.close()
            db.session.remove()
            db.engine.dispose()
    ok = report(f"{backend}, {args.size} projects (export filter {export_query})", results)
    share = list_rate / bare_rate
    passed = share >= LOGGED_IN_SHARE
    if not args.only:
        print(
            f"\nthroughput: bare route {bare_rate:.0f} req/s, CDC project list "
            f"{list_rate:.1f} req/s, share {share:.3f} (target >= {LOGGED_IN_SHARE:g}) "
            f"{'PASS' if passed else 'FAIL'}"
        )
    print(f"{backend}: done; after: {load_average()}", flush=True)
    return ok and passed


def _upgrade(url: str, instance: Path | None = None) -> None:
    """Bring the database at `url` to every head of the migrations, one after the other (a
    branch being merged in the working tree must not stop the benchmark)."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "benchmark-only"}
    if instance is not None:
        env["PORTAL_INSTANCE_DIR"] = str(instance)
    flask = [sys.executable, "-m", "flask", "--app", "app", "db"]
    heads = subprocess.run(
        [*flask, "heads"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    for head in [word for word in heads if word not in ("(head)", "(effective", "head)")]:
        done = subprocess.run([*flask, "upgrade", head], cwd=ROOT, env=env, capture_output=True)
        if done.returncode != 0:
            print(f"  note: could not upgrade to {head}; measuring the schema as it is")


def _analyze(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def _build(url: str, size: int, instance: Path) -> None:
    """Build the demo as common._build does, through every head of the migrations."""
    _upgrade(url, instance)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORTAL_INSTANCE_DIR": str(instance),
        "SECRET_KEY": "benchmark-only",
        "PORTAL_ENV": "development",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "portal", "demo"]
    done = subprocess.run(
        [*command, "--projects", str(size)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"`flask --app app portal demo` failed ({done.returncode})")


def _keyed_demo(args) -> None:
    """Keep this benchmark's demo apart from the others' and from the code's every change.

    The shared demo is rebuilt whenever any file of the portal changes; this one is kept per
    size, under a name prefix of its own, and brought to the latest
    migration on each copy (run() above), so that a change of a page does not rebuild it.
    """
    common._code_version = lambda: "lists"
    common._build = _build
    common.CACHE_PREFIX = "portal_benchlists_"
    args.cache_dir = args.cache_dir / "lists"


def main(argv=None) -> int:
    options = parser(__doc__.splitlines()[0])
    options.add_argument("--rounds", type=int, default=3, help="alternating throughput runs")
    options.add_argument("--seconds", type=float, default=2.0, help="length of one run")
    options.add_argument("--explain", action="store_true", help="print the plans (PostgreSQL)")
    options.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="WORDS",
        help="measure only the views whose name holds WORDS (repeatable; no throughput run)",
    )
    args = options.parse_args(argv)
    _keyed_demo(args)
    return each_backend(args, argv, lambda backend: run(backend, args))


if __name__ == "__main__":
    sys.exit(main())
