"""Benchmark the alignment workflow on demo data: inbox, pipeline and a transition.

Run from the project folder (not collected by pytest):

    python tests/benchmarks/bench_alignment.py [--backend sqlite|postgresql|both]
                                               [--size 10000] [--requests 30] [--warmup 3]

For each backend it builds a fresh database (a SQLite file in a temporary folder; a PostgreSQL
database named portal_bench_alignment, created through the postgres user), runs
db.create_all() and build_demo(project_count=size) (which gives the demo projects their
workflow history), then times, after a warm-up:

- the ministry inbox, GET /alignment/inbox, logged in as moh@demo.example;
- the CDC pipeline, GET /alignment/pipeline, logged in as cdc@demo.example;
- a transition: POST /alignment/projects/<id>/step/submit as jica@demo.example, each request
  on a different draft project of JICA, then GET of the project page it redirects to. The
  POST, the redirected GET and the two together are reported separately.

It prints p50/p95 in ms, the SQL statements each request runs, and PASS/FAIL against the
targets below; then the time of each query the two pages run, to show where the time goes.
"""

from __future__ import annotations

import argparse
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
PG_BENCH_DATABASE = "portal_bench_alignment"
MINISTRY_EMAIL = "moh@demo.example"
CDC_EMAIL = "cdc@demo.example"
PARTNER_EMAIL = "jica@demo.example"

# Targets (p95).
PAGE_P95_MS = 150
TRANSITION_P95_MS = 100


@dataclass
class Measure:
    name: str
    target_ms: float | None
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
    facts: dict
    measures: list[Measure]
    profile: list[tuple[str, float, int]]


# --- databases ---------------------------------------------------------------------------


def fresh_database(backend: str, tmp: Path, admin_url: str) -> str:
    if backend == "sqlite":
        path = tmp / "bench_alignment.db"
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


def _login(app, email: str, password: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code != 302:
        raise SystemExit(f"could not log in as {email} ({response.status_code})")
    return client


def _get(client, counter: list[int], url: str) -> tuple[float, int, int]:
    counter[0] = 0
    started = time.perf_counter()
    response = client.get(url)
    response.get_data()
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, counter[0], response.status_code


def _facts(db) -> dict:
    """What the timed pages work on: MOH's waiting items, JICA's drafts, the whole pipeline."""
    from portal.alignment import queries
    from portal.alignment.models import GovernmentFigure, WorkflowTransition
    from portal.organizations.services import by_acronym
    from portal.projects.models import Project

    moh, jica = by_acronym("MOH"), by_acronym("JICA")
    inbox = queries.inbox(moh.id, 30)
    drafts = list(
        db.session.scalars(
            select(Project.id)
            .where(Project.reporting_org_id == jica.id, Project.workflow_state == "draft")
            .order_by(Project.id)
        )
    )
    return {
        "projects": db.session.scalar(select(func.count()).select_from(Project)),
        "transitions": db.session.scalar(select(func.count()).select_from(WorkflowTransition)),
        "figures": db.session.scalar(select(func.count()).select_from(GovernmentFigure)),
        "states": queries.state_counts(),
        "moh_waiting": len(inbox),
        "moh_overdue": sum(1 for row in inbox if row["overdue"]),
        "jica_drafts": drafts,
    }


def _profile(app, db, counter: list[int], repeat: int = 5) -> list[tuple[str, float, int]]:
    """The median time and statements of each query the inbox and the pipeline run."""
    from portal.alignment import queries, services
    from portal.organizations.services import by_acronym

    results = []
    with app.app_context():
        moh_id = by_acronym("MOH").id
        parts = [
            ("inbox: queries.inbox(MOH)", lambda: queries.inbox(moh_id, 30)),
            ("pipeline: state_counts", queries.state_counts),
            ("pipeline: stuck_longest", queries.stuck_longest),
            ("pipeline: disputed_figures", queries.disputed_figures),
            ("pipeline: scorecards (both sides)", queries.scorecards),
            ("pipeline: service_standard_days", services.service_standard_days),
        ]
        for name, call in parts:
            times, statements = [], 0
            for _ in range(repeat):
                db.session.expire_all()
                counter[0] = 0
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
                statements = counter[0]
            results.append((name, statistics.median(times), statements))
        db.session.remove()
    return results


def bench_one(
    backend: str, size: int, tmp: Path, admin_url: str, requests: int, warmup: int
) -> Run:
    os.environ.setdefault("PORTAL_INSTANCE_DIR", str(tmp / "instance"))
    from portal import create_app
    from portal.config import TestConfig
    from portal.demo.organizations import DEMO_PASSWORD
    from portal.demo.services import build_demo
    from portal.extensions import db

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
            facts = _facts(db)
            db.session.remove()

            counter = [0]

            def count_statement(*_args, **_kwargs):
                counter[0] += 1

            event.listen(db.engine, "before_cursor_execute", count_statement)

        drafts = facts["jica_drafts"]
        if len(drafts) < warmup + requests:
            raise SystemExit(
                f"JICA has {len(drafts)} draft projects; {warmup + requests} are needed"
            )
        ministry = _login(app, MINISTRY_EMAIL, DEMO_PASSWORD)
        cdc = _login(app, CDC_EMAIL, DEMO_PASSWORD)
        partner = _login(app, PARTNER_EMAIL, DEMO_PASSWORD)

        pages = [
            (Measure("ministry inbox (MOH)", PAGE_P95_MS), ministry, "/alignment/inbox"),
            (Measure("CDC pipeline", PAGE_P95_MS), cdc, "/alignment/pipeline"),
        ]
        for measure, client, page in pages:
            for i in range(warmup + requests):
                elapsed, statements, status = _get(client, counter, page)
                if status != 200:
                    raise SystemExit(f"{page} answered {status}")
                if i >= warmup:
                    measure.times_ms.append(elapsed)
                    measure.statements.append(statements)

        post = Measure("submit: POST", None)
        follow = Measure("submit: redirected GET", None)
        both = Measure("submit: POST + redirect", TRANSITION_P95_MS)
        for i, project_id in enumerate(drafts[: warmup + requests]):
            counter[0] = 0
            started = time.perf_counter()
            response = partner.post(
                f"/alignment/projects/{project_id}/step/submit", data={"comment": ""}
            )
            response.get_data()
            post_ms = (time.perf_counter() - started) * 1000
            post_statements = counter[0]
            if response.status_code != 302:
                raise SystemExit(f"submitting project {project_id} answered {response.status_code}")
            location = response.headers["Location"]
            get_ms, get_statements, status = _get(partner, counter, location)
            if status != 200:
                raise SystemExit(f"{location} answered {status}")
            if i >= warmup:
                post.times_ms.append(post_ms)
                post.statements.append(post_statements)
                follow.times_ms.append(get_ms)
                follow.statements.append(get_statements)
                both.times_ms.append(post_ms + get_ms)
                both.statements.append(post_statements + get_statements)
        with app.app_context():
            submitted = db.session.scalar(
                text(
                    "SELECT count(*) FROM project WHERE workflow_state = 'submitted' "
                    f"AND id IN ({','.join(str(i) for i in drafts[: warmup + requests])})"
                )
            )
            db.session.remove()
        if submitted != warmup + requests:
            raise SystemExit(f"only {submitted} of the {warmup + requests} drafts were submitted")

        profile = _profile(app, db, counter)
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count_statement)
            db.engine.dispose()
    finally:
        drop_database(backend, admin_url)
    facts["jica_drafts"] = len(facts["jica_drafts"])
    return Run(
        backend, size, build_s, facts, [m for m, *_ in pages] + [post, follow, both], profile
    )


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
        print(f"{run.backend:<11}{run.size:>7}  {'demo build (s)':<26}{run.build_s:>9.1f}")
        for m in run.measures:
            line = f"{'':<11}{'':>7}  {m.name:<26}{m.p50:>9.1f}{m.p95:>9.1f}{m.statement_count:>9}"
            if m.target_ms is not None:
                ok = m.p95 < m.target_ms
                all_ok &= ok
                line += f"  {'p95 < ' + str(m.target_ms) + ' ms':<16}{verdict(ok):<6}"
            else:
                line += f"  {'(info)':<16}"
            print(line)
    print()
    for run in runs:
        facts = run.facts
        states = ", ".join(f"{k} {v}" for k, v in sorted(facts["states"].items()))
        print(
            f"{run.backend}: {facts['projects']} projects ({states}); "
            f"{facts['transitions']} transitions, {facts['figures']} government figures; "
            f"MOH inbox {facts['moh_waiting']} waiting ({facts['moh_overdue']} overdue); "
            f"JICA drafts {facts['jica_drafts']}"
        )
    print()
    print(f"{'backend':<11}{'query (median of 5, in the app context)':<44}{'ms':>9}{'SQL':>6}")
    for run in runs:
        for name, ms, statements in run.profile:
            print(f"{run.backend:<11}{name:<44}{ms:>9.1f}{statements:>6}")
    return all_ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--size", type=int, default=10000, help="demo projects (default 10000)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per measure")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument(
        "--pg-admin-url",
        default=os.environ.get("BENCH_PG_ADMIN_URL", PG_ADMIN_URL),
        help="a PostgreSQL URL with the right to create databases",
    )
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    runs = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-alignment-") as directory:
        tmp = Path(directory)
        for backend in backends:
            print(f"{backend}: building {args.size} demo projects ...", flush=True)
            runs.append(
                bench_one(backend, args.size, tmp, args.pg_admin_url, args.requests, args.warmup)
            )
    return 0 if report(runs) else 1


if __name__ == "__main__":
    sys.exit(main())
