"""Load and soak test: simulated users on gunicorn and PostgreSQL, then every write checked.

Run from the project folder (not collected by pytest; needs the dev extras, for Locust):

    python tests/benchmarks/bench_load.py [--users 50] [--duration 300] [--restart-at 150]
                                          [--projects 10000] [--workers 4] [--jobs rq|thread]

Everything listens on 127.0.0.1 and lives in a temporary folder, removed afterwards (--keep
keeps it, with every log):
1. A PostgreSQL cluster of its own on a free port (initdb and pg_ctl, found at run time; as the
   `postgres` OS user when run as root, since initdb refuses root), so that restarting it
   disturbs nobody.
2. The demo, built with the portal's own commands: `flask --app app db upgrade`, then
   `flask --app app portal demo --projects N`.
3. gunicorn with W workers, PORTAL_ENV=production (cookies without Secure: plain http on
   loopback), and report generation in the RQ worker (`flask --app app portal worker`) on the
   local Redis, in a database number of its own: the first empty one from 14 down, claimed
   with a key and emptied at the end. `--jobs thread` runs it in the web processes instead.
4. Locust, headless, with tests/benchmarks/locustfile.py (the users and their mix are
   described there): U users, spawned at U/10 a second, for D seconds.
5. With --restart-at S: `pg_ctl restart -m fast` of that cluster S seconds into the run. Every
   failed answer around the restart must be the portal's 503 page (not a 500, not a
   traceback), and failures must stop within RECOVERY_TARGET_S of PostgreSQL accepting
   connections again, with no portal restart.
6. After the run, every acknowledged write is looked up in the database and must be there
   exactly once, and refused ones must be absent (see load_checks.py).

It prints requests, failures, 5xx, p50/p95/p99 of pages and of writes, writes checked, lost
and duplicated, the restart figures, the wall time of each phase, and PASS/FAIL.

Beside it: locustfile.py (the users) and load_client.py (their shared steps), load_services.py
(the cluster, Redis, processes), load_checks.py (the writes), load_report.py (the figures).
Naming user classes of locustfile.py after the options runs only those (e.g. `MinistryUser`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import load_checks
import load_report
import psycopg
from gunicorn.config import Config as GunicornConfig
from load_services import (
    Cluster,
    Processes,
    claim_redis_database,
    free_port,
    postgres_bin,
    release_redis_database,
)

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEFAULT_BOUNDARIES = ROOT.parent / "shared" / "data" / "geo" / "khm-adm1-provinces.geojson"
PARTNER_ACCOUNTS = ("jica@demo.example", "adb@demo.example", "eu@demo.example", "undp@demo.example")
MINISTRY_ACCOUNTS = (
    "moh@demo.example",
    "moeys@demo.example",
    "mef@demo.example",
    "mrd@demo.example",
)
HOT_PROJECTS = 8  # per partner: the projects several people edit at once (conflicts)
# Around a restart, one anonymous GET of a published project page every quarter of a second,
# from PROBE_BEFORE_S before it to PROBE_AFTER_S after PostgreSQL is back: when it stops and
# starts answering, to the quarter of a second, whatever the users happen to be doing.
PROBE_INTERVAL_S, PROBE_BEFORE_S, PROBE_AFTER_S = 0.25, 2, 20


def flask(env: dict, folder: Path, *args: str) -> float:
    """Run `flask --app app ARGS` to the end; return its wall time in seconds."""
    started = time.perf_counter()
    with (folder / "build.log").open("a") as log:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed; see {folder / 'build.log'}")
    return time.perf_counter() - started


def wait_until_serving(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the portal did not answer at {url}")


def portal_env(cluster: Cluster, folder: Path, redis_url: str | None, boundaries: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "DATABASE_URL", "SECRET_KEY", "SESSION_COOKIE"))
    }
    env.update(
        PORTAL_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        SESSION_COOKIE_SECURE="0",  # plain http on loopback: a Secure cookie would never return
        DATABASE_URL=cluster.url,
        PORTAL_INSTANCE_DIR=str(folder / "instance"),
        PORTAL_UPLOAD_DIR=str(folder / "uploads"),
    )
    if boundaries.is_file():
        env["PORTAL_BOUNDARIES_FILE"] = str(boundaries)
    if redis_url:
        env["PORTAL_REDIS_URL"] = redis_url
    return env


# --- what the simulated users work on ---------------------------------------------------------


def write_pools(dsn: str, path: Path) -> dict:
    """Write pools.json (see locustfile.py): each account's organization and work at the start."""
    rng = random.Random(2026)
    pools: dict = {"partners": {}, "ministries": {}, "cdc": {}}
    with psycopg.connect(dsn) as connection:
        emails = list(PARTNER_ACCOUNTS + MINISTRY_ACCOUNTS)
        orgs = dict(
            connection.execute(
                "SELECT email, organization_id FROM user_account WHERE email = ANY(%s)", [emails]
            ).fetchall()
        )
        for email in PARTNER_ACCOUNTS:
            rows = connection.execute(
                "SELECT id, workflow_state FROM project WHERE reporting_org_id = %s ORDER BY id",
                [orgs.get(email)],
            ).fetchall()
            projects = [row[0] for row in rows]
            pools["partners"][email] = {
                "org_id": orgs.get(email),
                "projects": projects,
                "hot": rng.sample(projects, min(HOT_PROJECTS, len(projects))),
                "submittable": [i for i, state in rows if state in ("draft", "returned")],
            }
        for email in MINISTRY_ACCOUNTS:
            commitments = connection.execute(
                "SELECT id FROM commitment WHERE lead_institution_id = %s ORDER BY id",
                [orgs.get(email)],
            ).fetchall()
            pools["ministries"][email] = {
                "org_id": orgs.get(email),
                "commitments": [row[0] for row in commitments],
            }
        confirmed = connection.execute(
            "SELECT id FROM project WHERE workflow_state = 'confirmed' ORDER BY id"
        ).fetchall()
        pools["cdc"]["confirmed"] = [row[0] for row in confirmed]
        commitments = connection.execute("SELECT id FROM commitment ORDER BY id").fetchall()
        pools["cdc"]["commitments"] = [row[0] for row in commitments]
        pools["probe"] = connection.execute(
            "SELECT min(id) FROM project WHERE workflow_state = 'validated' "
            "AND published_at IS NOT NULL"
        ).fetchone()[0]
    path.write_text(json.dumps(pools))
    return pools


# --- the run ----------------------------------------------------------------------------------


def probe(url: str, answers: list[dict], stop: threading.Event) -> None:
    """GET `url` every PROBE_INTERVAL_S until `stop` is set, keeping each answer."""
    while not stop.is_set():
        started = time.time()
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                response.read()
                status, text, kind = response.status, "", ""
        except urllib.error.HTTPError as error:
            status, kind = error.code, error.headers.get("Content-Type", "")
            text = error.read().decode(errors="replace")
        except OSError:
            status, text, kind = 0, "", ""
        elapsed = time.time() - started
        answer = {"t": started, "ms": elapsed * 1000, "s": status}
        if status >= 500 or status == 0:
            answer["e"] = load_report.error_class(status, text, kind)
        answers.append(answer)
        stop.wait(max(0.0, PROBE_INTERVAL_S - elapsed))


def restart_during_run(cluster: Cluster, at: float, started: float, record: dict, url: str):
    """Restart PostgreSQL `at` s after `started`, probing `url` from a little before to after."""
    time.sleep(max(0.0, started + at - PROBE_BEFORE_S - time.time()))
    stop, answers = threading.Event(), []
    prober = threading.Thread(target=probe, args=(url, answers, stop), daemon=True)
    prober.start()
    time.sleep(max(0.0, started + at - time.time()))
    record["begin"] = time.time()
    try:
        cluster.restart()
    except Exception as error:  # noqa: BLE001 - reported with the figures
        record["error"] = str(error)
    record["end"] = time.time()
    time.sleep(PROBE_AFTER_S)
    stop.set()
    prober.join()
    record["probe"] = answers


def serve(args, env: dict, processes: Processes, with_worker: bool) -> str:
    """Start gunicorn (and the RQ worker) on 127.0.0.1; answer the portal's address."""
    port = free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", str(args.workers)]
    gunicorn += ["--timeout", "60", "--bind", f"127.0.0.1:{port}"]
    if "control_socket_disable" in GunicornConfig().settings:
        # gunicorn 25+ opens a control socket at one path per user: leave it to the others.
        gunicorn.append("--no-control-socket")
    gunicorn.append("app:app")
    processes.start("gunicorn", gunicorn, env)
    if with_worker:
        worker = [sys.executable, "-m", "flask", "--app", "app", "portal", "worker"]
        processes.start("worker", worker, env)
    host = f"http://127.0.0.1:{port}"
    wait_until_serving(f"{host}/login")
    return host


def load(args, folder: Path, host: str, cluster: Cluster, processes: Processes, probe_url: str):
    """Run Locust to the end (and restart PostgreSQL on the way); answer the restart's times."""
    command = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless"]
    command += ["--users", str(args.users), "--spawn-rate", str(max(1.0, args.users / 10))]
    command += ["--run-time", f"{args.duration}s", "--host", host, "--stop-timeout", "30"]
    command += ["--only-summary", "--loglevel", "WARNING", *args.classes]
    print(f"running {args.users} users for {args.duration} s against {host} ...", flush=True)
    restart: dict = {}
    started = time.time()
    locust = processes.start("locust", command, {**os.environ, "BENCH_LOAD_DIR": str(folder)})
    timer = None
    if args.restart_at is not None:
        timer = threading.Thread(
            target=restart_during_run,
            args=(cluster, args.restart_at, started, restart, host + probe_url),
            daemon=True,
        )
        timer.start()
    try:
        locust.wait(timeout=args.duration + 180)
    except subprocess.TimeoutExpired:
        print("locust did not stop in time; stopped")
        processes.stop(locust)
    if timer is not None:
        timer.join()
    return restart


def run(args, folder: Path) -> int:
    phases: dict[str, float] = {}
    load_before = " ".join(f"{n:.1f}" for n in os.getloadavg())
    processes = Processes(folder)
    cluster = Cluster(postgres_bin(args.pg_bin), folder / "pg", free_port())
    redis_url = None
    try:
        started = time.perf_counter()
        cluster.create()
        phases["PostgreSQL cluster (initdb, start)"] = time.perf_counter() - started
        if args.jobs == "rq":
            redis_url = claim_redis_database(args.redis)
            if redis_url is None:
                raise SystemExit(f"no empty Redis database at {args.redis}; try --jobs thread")
        env = portal_env(cluster, folder, redis_url, args.boundaries)
        phases["db upgrade"] = flask(env, folder, "db", "upgrade")
        phases[f"demo, {args.projects} projects"] = flask(
            env, folder, "portal", "demo", "--projects", str(args.projects)
        )
        pools = write_pools(cluster.dsn, folder / "pools.json")
        baseline = load_checks.baseline(cluster.dsn)

        started = time.perf_counter()
        host = serve(args, env, processes, with_worker=redis_url is not None)
        label = "start gunicorn" + (" and the RQ worker" if redis_url else "")
        phases[label] = time.perf_counter() - started
        started = time.perf_counter()
        restart = load(args, folder, host, cluster, processes, f"/projects/{pools['probe']}")
        phases["run"] = time.perf_counter() - started

        started = time.perf_counter()
        pending = load_checks.wait_for_report_jobs(cluster.dsn, baseline, timeout=600)
        phases["wait for report jobs"] = time.perf_counter() - started
        started = time.perf_counter()
        requests = load_checks.read_jsonl(folder / "requests.jsonl")
        writes = load_checks.read_jsonl(folder / "writes.jsonl")
        checked = load_checks.check_writes(cluster.dsn, baseline, writes, restart)
        stats = load_report.request_stats(requests, restart)
        phases["checks"] = time.perf_counter() - started
        web_log = (folder / "gunicorn.log").read_text(errors="replace")
        figures = {
            "users": args.users,
            "duration": args.duration,
            "projects": args.projects,
            "workers": args.workers,
            "jobs": args.jobs,
            "pending_jobs": pending,
            "unhandled_errors": web_log.count("Unhandled error on"),
            "gunicorn_errors": web_log.count("Error handling request"),
            "worker_timeouts": web_log.count("WORKER TIMEOUT"),
            "load_before": load_before,
            "load_after": " ".join(f"{n:.1f}" for n in os.getloadavg()),
        }
        ok = load_report.print_report(figures, stats, checked, restart, phases)
        return 0 if ok else 1
    finally:
        processes.stop_all()
        try:
            cluster.stop()
        finally:
            if redis_url:
                release_redis_database(redis_url)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=300, help="seconds of load")
    parser.add_argument("--restart-at", type=float, default=None, help="restart PostgreSQL at S s")
    parser.add_argument("--projects", type=int, default=10000, help="demo projects")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--jobs", choices=("rq", "thread"), default="rq")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis, no database")
    parser.add_argument("--boundaries", type=Path, default=DEFAULT_BOUNDARIES)
    parser.add_argument("--pg-bin", default=None, help="folder of initdb and pg_ctl")
    parser.add_argument("--keep", action="store_true", help="keep the folder and its logs")
    parser.add_argument(
        "classes", nargs="*", help="only these user classes of locustfile.py (default: all)"
    )
    args = parser.parse_args(argv)
    if args.restart_at is not None and not 0 < args.restart_at < args.duration:
        parser.error("--restart-at must fall inside the run")
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-load-"))
    folder.chmod(0o755)  # the postgres user must reach its cluster inside
    try:
        return run(args, folder)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
