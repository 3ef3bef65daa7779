"""What the benchmarks share: a demo database, a portal started as served, timing and counting.

The demo database is built by the portal's own command line in a child process
(`flask --app app db upgrade`, then `flask --app app portal demo --projects N`), once per backend,
size and version of the code, and kept (a SQLite file under the cache folder; a PostgreSQL
template database). Each run measures a fresh copy of it, so what a run changes (submitted
projects, a population table) never leaks into the next one. On PostgreSQL,
`--demo-database NAME` copies an already built demo instead (one too long to build again, such
as 100,000 projects), which must be at the latest migration.

The measuring process then starts the portal exactly as `app.py` (and so gunicorn) does: the
configuration comes from the environment and `create_app()` runs its start-up steps, including
`gc.freeze()`. Nothing the demo build made lives in that process, so a garbage collection costs
what it costs a served portal. With `--backend both`, each backend is measured in a process of
its own, for the same reason.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import importlib
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ("sqlite", "postgresql")
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CACHE_PREFIX = "portal_bench_demo_"
# The demo's accounts (portal/demo/organizations.py).
DEMO_PASSWORD = "demo-portal-2026"
CSRF_FIELD = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


# --- measures ----------------------------------------------------------------------------


def p95(times: list[float]) -> float:
    """The 95th percentile (nearest rank) of `times`."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Measure:
    """The times (ms) and SQL statements of one repeated measurement, against a p95 target.

    Beside the wall-clock times, the CPU time of this process: on a busy machine it shows
    what the portal itself spent (with SQLite, the queries too), whatever the others took.
    """

    name: str
    target_ms: float | None
    times_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return p95(self.times_ms)

    @property
    def cpu_p50(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def passed(self) -> bool:
        return self.target_ms is None or self.p95 < self.target_ms

    @property
    def statement_count(self) -> str:
        low, high = min(self.statements), max(self.statements)
        return str(low) if low == high else f"{low}-{high}"

    def add(self, elapsed_ms: float, statements: int, cpu_ms: float) -> None:
        self.times_ms.append(elapsed_ms)
        self.statements.append(statements)
        self.cpu_ms.append(cpu_ms)


class StatementCounter:
    """Counts the SQL statements the portal's engine runs (reset before each measurement)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args, **_kwargs) -> None:
        self.count += 1

    def reset(self) -> None:
        self.count = 0

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def measure(
    name: str,
    target_ms: float | None,
    call: Callable[[], object],
    counter: StatementCounter,
    *,
    requests: int,
    warmup: int,
    after: Callable[[], object] | None = None,
) -> Measure:
    """Run `call` `warmup` times untimed, then `requests` times timed; `after` runs untimed."""
    result = Measure(name, target_ms)
    for i in range(warmup + requests):
        counter.reset()
        started, cpu = time.perf_counter(), time.process_time()
        call()
        elapsed = (time.perf_counter() - started) * 1000
        cpu_ms = (time.process_time() - cpu) * 1000
        statements = counter.count
        if after is not None:
            after()
        if i >= warmup:
            result.add(elapsed, statements, cpu_ms)
    return result


def get(client, url: str) -> None:
    """GET `url` and read the whole answer; anything but 200 stops the benchmark."""
    response = client.get(url)
    response.get_data()
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")


def raise_version(app) -> None:
    """Raise the data's version, as a committed change of any data does: whatever is kept per
    version is worked out again by the next request."""
    from sqlalchemy import update

    from portal.changes import DataVersion
    from portal.extensions import db

    with app.app_context():
        db.session.execute(update(DataVersion).values(version=DataVersion.version + 1))
        db.session.commit()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


def report(title: str, measures: list[Measure]) -> bool:
    """Print p50/p95, SQL statements and the verdict of each measure; True when all pass."""
    print(f"\n{title}")
    header = (
        f"{'measure':<40}{'p50 ms':>9}{'p95 ms':>9}{'CPU p50':>9}{'SQL':>7}  {'target':<15}result"
    )
    print(header)
    print("-" * len(header))
    for m in measures:
        target = f"p95 < {m.target_ms:g} ms" if m.target_ms is not None else "(info)"
        verdict = ("PASS" if m.passed else "FAIL") if m.target_ms is not None else ""
        print(
            f"{m.name:<40}{m.p50:>9.1f}{m.p95:>9.1f}{m.cpu_p50:>9.1f}{m.statement_count:>7}"
            f"  {target:<15}{verdict}"
        )
    return all(m.passed for m in measures)


# --- command line ------------------------------------------------------------------------


def parser(description: str, *, requests: int = 30, warmup: int = 5) -> argparse.ArgumentParser:
    """The options every benchmark takes."""
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    result.add_argument("--size", type=int, default=10000, help="demo projects (default 10000)")
    result.add_argument("--requests", type=int, default=requests, help="timed runs per measure")
    result.add_argument("--warmup", type=int, default=warmup, help="untimed runs first")
    result.add_argument(
        "--pg-admin-url",
        default=os.environ.get("BENCH_PG_ADMIN_URL", PG_ADMIN_URL),
        help="a PostgreSQL URL with the right to create databases",
    )
    result.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(
            os.environ.get("BENCH_CACHE_DIR") or Path(tempfile.gettempdir()) / "portal-bench"
        ),
        help="where the built demo databases are kept (SQLite files, a lock)",
    )
    result.add_argument(
        "--rebuild", action="store_true", help="build the demo database again, even if cached"
    )
    result.add_argument(
        "--demo-database",
        default=None,
        metavar="NAME",
        help="PostgreSQL: copy this already built demo database (at the latest migration, of "
        "--size projects) instead of the cached one",
    )
    return result


def each_backend(args, argv: list[str] | None, run: Callable[[str], bool]) -> int:
    """Measure each backend asked for, in a fresh process of its own; 0 when every target is met."""
    if args.backend != "both":
        return 0 if run(args.backend) else 1
    rest = list(sys.argv[1:] if argv is None else argv)
    if "--backend" in rest:
        del rest[rest.index("--backend") : rest.index("--backend") + 2]
    rest = [a for a in rest if not a.startswith("--backend=")]
    status = 0
    for backend in BACKENDS:
        child = subprocess.run(
            [sys.executable, str(Path(sys.argv[0]).resolve()), *rest, "--backend", backend],
            cwd=ROOT,
            check=False,
        )
        status = status or child.returncode
    return status


# --- the demo database -------------------------------------------------------------------


def _code_version() -> str:
    """A digest of everything the demo build depends on: the portal's code and migrations."""
    digest = hashlib.sha256()
    for folder in ("portal", "migrations"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _admin(args):
    return create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")


def _pg_url(args, database: str) -> str:
    return make_url(args.pg_admin_url).set(database=database).render_as_string(hide_password=False)


def _pg_databases(args, prefix: str) -> list[str]:
    admin = _admin(args)
    with admin.connect() as connection:
        names = connection.scalars(
            text("SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)"),
            {"prefix": prefix},
        ).all()
    admin.dispose()
    return list(names)


def _pg_execute(args, *statements: str) -> None:
    admin = _admin(args)
    with admin.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
    admin.dispose()


def _build(url: str, size: int, instance: Path) -> None:
    """Build the demo into the empty database at `url` with the portal's command line."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORTAL_INSTANCE_DIR": str(instance),
        "SECRET_KEY": "benchmark-only",
        "PORTAL_ENV": "development",
    }
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    for command in (["db", "upgrade"], ["portal", "demo", "--projects", str(size)]):
        done = subprocess.run([*flask, *command], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
            raise SystemExit(f"`flask --app app {' '.join(command)}` failed ({done.returncode})")


@contextmanager
def _locked(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _cached_demo(backend: str, args) -> str:
    """The name (PostgreSQL) or path (SQLite) of the built demo database, built if need be.

    One demo is kept per backend: building another (a new size or version of the code, or
    --rebuild) drops the one before. The caller holds the lock.
    """
    key = f"{args.size}_{_code_version()}"
    if backend == "sqlite":
        path = args.cache_dir / f"demo_{key}.db"
        if args.rebuild:
            path.unlink(missing_ok=True)
        if not path.exists():
            for old in args.cache_dir.glob("demo_*.db"):
                old.unlink()
            building = path.with_suffix(".building")
            building.unlink(missing_ok=True)
            started = time.perf_counter()
            _build(f"sqlite:///{building}", args.size, args.cache_dir / "instance")
            building.rename(path)
            print(f"  demo database built in {time.perf_counter() - started:.1f} s: {path}")
        return str(path)
    name = f"{CACHE_PREFIX}{key}"
    existing = _pg_databases(args, CACHE_PREFIX)
    stale = [n for n in existing if n != name or args.rebuild]
    _pg_execute(args, *(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in stale))
    if name not in existing or args.rebuild:
        building = f"{name}_building"
        _pg_execute(
            args,
            f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)',
            f'CREATE DATABASE "{building}"',
        )
        started = time.perf_counter()
        _build(_pg_url(args, building), args.size, args.cache_dir / "instance")
        # What autovacuum does to a served database after such a load: statistics for the
        # planner, and the visibility map that lets PostgreSQL answer from an index alone.
        engine = create_engine(_pg_url(args, building), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()
        _pg_execute(args, f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        print(f"  demo database built in {time.perf_counter() - started:.1f} s: {name}")
    return name


@contextmanager
def demo_copy(backend: str, args, label: str):
    """Yield the URL of a fresh copy of the demo database; drop the copy afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"portal-bench-{label}-") as folder:
            path = Path(folder) / "portal.db"
            with _locked(args.cache_dir):
                shutil.copyfile(_cached_demo(backend, args), path)
            yield f"sqlite:///{path}"
        return
    name = f"portal_bench_{label}_{os.getpid()}"
    with _locked(args.cache_dir):
        source = getattr(args, "demo_database", None) or _cached_demo(backend, args)
        _pg_execute(
            args,
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}" TEMPLATE "{source}"',
        )
    try:
        yield _pg_url(args, name)
    finally:
        _pg_execute(args, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the portal as served ----------------------------------------------------------------


def served_app(url: str, instance: Path, **environment: str):
    """Start the portal on `url` the way `app.py` and gunicorn do: from the environment."""
    os.environ.update(
        {
            "DATABASE_URL": url,
            "PORTAL_INSTANCE_DIR": str(instance),
            "SECRET_KEY": "benchmark-only",
            "PORTAL_ENV": "development",
            **environment,
        }
    )
    sys.path.insert(0, str(ROOT))
    return importlib.import_module("app").app


def csrf_token(client, url: str = "/") -> str:
    """The CSRF token of the client's session, read from a page's form as a browser would."""
    response = client.get(url)
    found = CSRF_FIELD.search(response.get_data(as_text=True))
    if found is None:
        raise SystemExit(f"no CSRF token on {url}")
    return found.group(1)


def logged_in(app, email: str, password: str = DEMO_PASSWORD):
    """A test client logged in through the login form, with its CSRF token."""
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client, "/login")},
    )
    if response.status_code != 302:
        raise SystemExit(f"could not log in as {email} ({response.status_code})")
    return client
