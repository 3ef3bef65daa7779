"""Benchmark start-up: from a fresh process to its first request served.

Run from the project folder (not collected by pytest):

    python tests/benchmarks/bench_startup.py [--runs 5]

Each run starts a child Python process on a fresh SQLite database (migrated once beforehand)
that imports the portal, builds the app with `create_app()` and serves `GET /healthz` and
`GET /login` through the test client, timing each step from the child's first line; the
interpreter's own start is timed by the parent from the spawn to the child's exit. A further
run starts gunicorn with `gunicorn.conf.py` (2 workers, preloaded) and times the spawn to the
first `/readyz` answered 200. The child also counts argon2 hashes computed before the first
request (the login timing hash used to be computed at import, most of a second per process).

Prints the median of each figure and PASS/FAIL against the targets: import to first request
served under 2.5 s in the child, gunicorn answering within 5 s, and no hash at start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
TARGET_FIRST_REQUEST_S = 2.5
TARGET_GUNICORN_S = 5.0

CHILD = r"""
import time
started = time.perf_counter()
import json
import argon2
hashes = []
original = argon2.PasswordHasher.hash
def counted(self, *args, **kwargs):
    hashes.append(1)
    return original(self, *args, **kwargs)
argon2.PasswordHasher.hash = counted

from portal import create_app
imported = time.perf_counter()
app = create_app()
created = time.perf_counter()
client = app.test_client()
assert client.get("/healthz").status_code == 200
first = time.perf_counter()
assert client.get("/login").status_code == 200
page = time.perf_counter()
print(json.dumps({
    "import": imported - started,
    "create_app": created - imported,
    "first_request": first - created,
    "import_to_first_request": first - started,
    "first_page": page - first,
    "hashes_before_first_request": len(hashes),
}))
"""


def _environment(instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PORTAL_INSTANCE_DIR=str(instance),
        DATABASE_URL=f"sqlite:///{instance / 'portal.db'}",
        PORTAL_ENV="development",
        PORTAL_LOG_LEVEL="WARNING",
    )
    env.pop("PORTAL_REDIS_URL", None)
    env.pop("MAIL_SERVER", None)
    return env


def child_run(env: dict[str, str]) -> dict[str, float]:
    spawned = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"child failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["process_total"] = time.perf_counter() - spawned
    return figures


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_run(env: dict[str, str]) -> float:
    port = _free_port()
    env = dict(env, PORTAL_BIND=f"127.0.0.1:{port}", PORTAL_WORKERS="2")
    spawned = time.perf_counter()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - spawned < 60:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - spawned
            except OSError:
                time.sleep(0.05)
        sys.exit("gunicorn did not answer within 60 s")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="portal-bench-startup-") as folder:
        instance = Path(folder)
        env = _environment(instance)
        subprocess.run(
            [str(VENV_BIN / "flask"), "--app", "app", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        runs = [child_run(env) for _ in range(args.runs)]
        gunicorn_s = statistics.median(gunicorn_run(env) for _ in range(max(1, args.runs // 2)))

    def median(name: str) -> float:
        return statistics.median(run[name] for run in runs)

    print(f"start-up, median of {args.runs} runs (fresh process, SQLite):")
    for name in ("import", "create_app", "first_request", "import_to_first_request", "first_page"):
        print(f"  {name:<26} {median(name) * 1000:8.0f} ms")
    print(
        f"  {'process_total':<26} {median('process_total') * 1000:8.0f} ms  (with the interpreter)"
    )
    print(f"  {'gunicorn_to_readyz':<26} {gunicorn_s * 1000:8.0f} ms  (spawn to first /readyz 200)")
    hashes = max(run["hashes_before_first_request"] for run in runs)
    print(f"  argon2 hashes before the first request: {hashes}")

    checks = [
        (
            f"import to first request served < {TARGET_FIRST_REQUEST_S} s",
            median("import_to_first_request") < TARGET_FIRST_REQUEST_S,
        ),
        (f"gunicorn answers /readyz within {TARGET_GUNICORN_S} s", gunicorn_s < TARGET_GUNICORN_S),
        ("no password hash computed at start-up", hashes == 0),
    ]
    for label, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}: {label}")
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
