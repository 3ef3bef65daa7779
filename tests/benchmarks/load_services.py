"""The load test's own services: a PostgreSQL cluster, a Redis database, started processes.

Used by bench_load.py. Nothing here touches a server it did not start: the cluster lives in the
run's folder on a free port, the Redis database is one found empty and marked as ours, and
processes are stopped by their own id (each in a session of its own, with its children).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REDIS_CLAIM_KEY = "portal-bench-load:owner"


# --- PostgreSQL, a cluster of our own ---------------------------------------------------------


def postgres_bin(explicit: str | None) -> Path:
    """The folder of initdb and pg_ctl: --pg-bin, PG_BIN, pg_config, or Debian's layout."""
    candidates = [explicit, os.environ.get("PG_BIN")]
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(found.stdout.strip())
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", Path(p).parent.name)],
        reverse=True,
    )
    for folder in [*candidates, *debian]:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    raise SystemExit("initdb/pg_ctl not found: install PostgreSQL or pass --pg-bin FOLDER")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster in `folder`, listening on 127.0.0.1:`port` only."""

    def __init__(self, bindir: Path, folder: Path, port: int) -> None:
        self.bindir, self.folder, self.port = bindir, folder, port
        self.data = folder / "data"
        self.log = folder / "postgres.log"
        self.as_root = os.geteuid() == 0
        self.running = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://portal@127.0.0.1:{self.port}/portal"

    @property
    def dsn(self) -> str:
        return f"postgresql://portal@127.0.0.1:{self.port}/portal"

    def _run(self, program: str, *args: str, timeout: float = 180) -> None:
        command = [str(self.bindir / program), *args]
        if self.as_root:  # initdb refuses root; the cluster belongs to the postgres user
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{program} failed:\n{result.stdout}\n{result.stderr}")

    def create(self) -> None:
        self.folder.mkdir()
        if self.as_root:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                message = "run as root, this needs a `postgres` user to own the cluster"
                raise SystemExit(message) from None
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", "portal", "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.folder}'\n"
            )
        self.start()
        subprocess.run(
            [str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port)]
            + ["-U", "portal", "portal"],
            check=True,
        )

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        self.running = True

    def restart(self) -> None:
        """Stop (fast: running transactions are cut) and start again; return once it accepts."""
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "-t", "60",
            "restart",
        )  # fmt: skip

    def stop(self) -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            self.running = False


# --- Redis, a database number of our own ------------------------------------------------------


def claim_redis_database(base: str) -> str | None:
    """The URL of the first empty Redis database from 14 down, marked as ours by a key."""
    from redis import Redis

    marker = f"{socket.gethostname()}:{os.getpid()}"
    for number in range(14, 0, -1):
        client = Redis.from_url(f"{base}/{number}")
        if client.dbsize() == 0 and client.set(REDIS_CLAIM_KEY, marker, nx=True):
            return f"{base}/{number}"
    return None


def release_redis_database(url: str) -> None:
    """Empty the database we claimed (only while it still carries our mark)."""
    from redis import Redis

    client = Redis.from_url(url)
    if (client.get(REDIS_CLAIM_KEY) or b"").decode() == f"{socket.gethostname()}:{os.getpid()}":
        client.flushdb()


# --- the portal's processes -------------------------------------------------------------------


class Processes:
    """The processes this run started (each in a session of its own), stopped by their id."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("w")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started.append((name, process))
        return process

    def stop(self, process: subprocess.Popen) -> None:
        """Stop one of them (its whole session: gunicorn's workers too)."""
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        for _name, process in reversed(self.started):
            self.stop(process)
