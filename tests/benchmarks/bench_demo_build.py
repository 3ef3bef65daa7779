"""Benchmark the demo build: `flask --app app portal demo --projects N` into a fresh database.

Run from the project folder (not collected by pytest):

    python tests/benchmarks/bench_demo_build.py [--projects 100000] [--backend postgresql|sqlite]
        [--keep NAME]

Creates an empty database (PostgreSQL by default, through --pg-admin-url), migrates it with
`flask --app app db upgrade` (timed apart: the target is the demo's), then builds the demo in a
child process as the command does (`create_app()`, `build_demo`, one commit) and times each of
its steps: the wall time, the child's CPU time and, on a PostgreSQL server on this machine, the
CPU time of its server process (read from /proc: the SQL's share of the work). The commit is a
step of its own: the money cells of every new project are worked out in it.

Prints the load average before and after (the machine may be shared: the CPU times say what the
build itself spent) and PASS/FAIL against 240 s in total for 100,000 projects on PostgreSQL
(other sizes and SQLite are reported without a verdict).

The database is dropped afterwards, unless `--keep NAME`: then it is vacuumed and analyzed (as
autovacuum would, for the benchmarks of pages that copy it with `--demo-database NAME`) and kept
under NAME (a file path with SQLite), replacing any database of that name.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

from common import PG_ADMIN_URL, _pg_execute, _pg_url, load_average  # noqa: E402

TARGET_S = 240.0
TARGET_PROJECTS = 100_000

# The build, as `flask --app app portal demo` runs it, with each step timed. Prints one JSON
# line per step: its name, wall and CPU seconds, and the server process's CPU seconds (or null).
CHILD = r"""
import json, os, sys, time

started, cpu_started = time.perf_counter(), time.process_time()
from app import app
from portal.extensions import db
from portal.demo.services import analyze_kept, build_demo

TICK = os.sysconf("SC_CLK_TCK")


def server_cpu(pid):
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


clock = {"wall": started, "cpu": cpu_started, "server": None}


def done(name):
    now, cpu, server = time.perf_counter(), time.process_time(), server_cpu(pid)
    spent = None
    if server is not None and clock["server"] is not None:
        spent = server - clock["server"]
    print(json.dumps({
        "phase": name,
        "wall": now - clock["wall"],
        "cpu": cpu - clock["cpu"],
        "server_cpu": spent,
    }), flush=True)
    clock.update(wall=now, cpu=cpu, server=server)


# Within the commit, the time of the money kept per project (cells) and per group (sums).
inner = {}


def timed(module, name, label):
    original = getattr(module, name, None)
    if original is None:
        return

    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            inner[label] = inner.get(label, 0.0) + time.perf_counter() - began

    setattr(module, name, wrapper)


from portal.aggregates import cells, summary

timed(cells, "refresh", "money cells")
timed(summary, "add", "group sums")

with app.app_context():
    pid = None
    if db.engine.dialect.name == "postgresql":
        pid = db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        host = db.engine.url.host or "localhost"
        if host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("/"):
            pid = None  # a server elsewhere: its processes are not ours to read
    clock["server"] = server_cpu(pid)
    done("start (import, create_app)")
    counts = build_demo(project_count=int(sys.argv[1]), on_step=done)
    inner.clear()
    db.session.commit()
    done("commit")
    analyze_kept()
    db.session.commit()
    done("analyze kept money")
    print(json.dumps({"counts": counts, "commit": inner}), flush=True)
"""


def _environment(url: str, instance: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORTAL_INSTANCE_DIR": str(instance),
        "SECRET_KEY": "benchmark-only",
        "PORTAL_ENV": "development",
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    env.pop("PORTAL_REDIS_URL", None)
    env.pop("MAIL_SERVER", None)
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _migrate(env: dict[str, str]) -> tuple[float, float]:
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise SystemExit("`flask --app app db upgrade` failed")
    return time.perf_counter() - started, _children_cpu() - cpu


def _build(env: dict[str, str], projects: int) -> tuple[list[dict], dict, dict, float, float]:
    """Run the timed build; return its steps, its counts, the commit's parts, and its wall and
    CPU seconds."""
    started, cpu = time.perf_counter(), _children_cpu()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(projects)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    steps: list[dict] = []
    counts: dict = {}
    parts: dict = {}
    for line in child.stdout:
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if "counts" in record:
            counts, parts = record["counts"], record["commit"]
            continue
        steps.append(record)
        server = record["server_cpu"]
        print(
            f"  {record['phase']:<28}{record['wall']:>9.1f} s wall{record['cpu']:>9.1f} s CPU"
            + (f"{server:>9.1f} s server CPU" if server is not None else ""),
            flush=True,
        )
    if child.wait() != 0:
        raise SystemExit(f"the demo build failed ({child.returncode})")
    return steps, counts, parts, time.perf_counter() - started, _children_cpu() - cpu


def _report(args, steps, counts, parts, wall, cpu, migrate) -> bool:
    print(f"\nDemo build, {args.projects:,} projects, {args.backend}")
    header = f"{'step':<30}{'wall s':>9}{'CPU s':>9}{'server CPU s':>14}{'added':>10}"
    print(header)
    print("-" * len(header))
    print(f"{'(migrate: db upgrade)':<30}{migrate[0]:>9.1f}{migrate[1]:>9.1f}")
    server_total = 0.0
    for step in steps:
        server = step["server_cpu"]
        server_total += server or 0
        name = step["phase"]
        added = counts.get(name)
        print(
            f"{name:<30}{step['wall']:>9.1f}{step['cpu']:>9.1f}"
            f"{f'{server:.1f}' if server is not None else '-':>14}"
            f"{added if isinstance(added, int) else '':>10}"
        )
        if name == "commit":
            for label, seconds in parts.items():
                print(f"{'  of which ' + label:<30}{seconds:>9.1f}")
    print("-" * len(header))
    print(f"{'total (the demo command)':<30}{wall:>9.1f}{cpu:>9.1f}{server_total:>14.1f}")
    print(f"({load_average()} at the end)")
    if args.backend == "postgresql" and args.projects == TARGET_PROJECTS:
        passed = wall < TARGET_S
        print(f"\ntarget: under {TARGET_S:g} s for {TARGET_PROJECTS:,} projects: ", end="")
        print(f"{wall:.1f} s {'PASS' if passed else 'FAIL'}")
        return passed
    print(f"\n(no verdict: the target is {TARGET_S:g} s at {TARGET_PROJECTS:,} on PostgreSQL)")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=TARGET_PROJECTS)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--keep",
        metavar="NAME",
        default=None,
        help="keep the database under this name (SQLite: a file path), replacing any",
    )
    parser.add_argument(
        "--pg-admin-url",
        default=os.environ.get("BENCH_PG_ADMIN_URL", PG_ADMIN_URL),
        help="a PostgreSQL URL with the right to create databases",
    )
    args = parser.parse_args(argv)
    print(f"({load_average()} before)", flush=True)
    with tempfile.TemporaryDirectory(prefix="portal-bench-demo-build-") as folder:
        instance = Path(folder) / "instance"
        if args.backend == "sqlite":
            path = Path(folder) / "portal.db"
            url = f"sqlite:///{path}"
        else:
            name = f"portal_bench_demo_build_{os.getpid()}"
            _pg_execute(
                args, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
            )
            url = _pg_url(args, name)
        try:
            env = _environment(url, instance)
            migrate = _migrate(env)
            print(f"  {'(migrate: db upgrade)':<28}{migrate[0]:>9.1f} s wall", flush=True)
            steps, counts, parts, wall, cpu = _build(env, args.projects)
            passed = _report(args, steps, counts, parts, wall, cpu, migrate)
            if args.keep:
                _keep(args, url, path if args.backend == "sqlite" else name)
        finally:
            if args.backend == "postgresql":
                _pg_execute(args, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0 if passed else 1


def _keep(args, url: str, built) -> None:
    """Vacuum and analyze the built database and keep it under --keep (see the module)."""
    started = time.perf_counter()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE" if args.backend == "postgresql" else "VACUUM"))
    engine.dispose()
    if args.backend == "sqlite":
        target = Path(args.keep).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(built, target)
    else:
        _pg_execute(
            args,
            f'DROP DATABASE IF EXISTS "{args.keep}" WITH (FORCE)',
            f'ALTER DATABASE "{built}" RENAME TO "{args.keep}"',
        )
        target = args.keep
    print(f"kept (vacuumed in {time.perf_counter() - started:.1f} s): {target}")


if __name__ == "__main__":
    raise SystemExit(main())
