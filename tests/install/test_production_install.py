"""The README's production steps, run on a fresh copy of the repository.

A new virtual environment installs the lock file with hashes and the portal without its
dependencies, the Khmer catalog is compiled, the database migrated and seeded and an account
made (on a fresh PostgreSQL database when TEST_DATABASE_URL is set, else SQLite), and gunicorn
starts with gunicorn.conf.py in production mode on a free loopback port: /readyz answers 200,
and the login page asked for in Khmer is in Khmer. pip's cache makes the install quick.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
KHMER_LETTERS = re.compile(r"[\u1780-\u17ff]")
pytestmark = pytest.mark.production_install


def _readme_production_steps() -> list[str]:
    """The command lines of the README's first production block."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Production\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def _fresh_copy(target: Path) -> None:
    """Copy the repository's tracked files (as a clean checkout would have them)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _database(tmp_path: Path) -> tuple[str, str | None]:
    """A fresh database URL, and the PostgreSQL database's name to drop afterwards."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'state' / 'portal.db'}", None
    url = make_url(base)
    name = f"{url.database}_install_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def _drop(name: str | None) -> None:
    if name is None:
        return
    admin = create_engine(make_url(os.environ["TEST_DATABASE_URL"]), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_gone(group: int) -> None:
    """Wait for every process of the group (gunicorn's master and workers) to end."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(group, signal.SIGKILL)


def _get(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode()


def test_the_readme_production_steps_give_a_ready_portal_in_khmer(tmp_path):
    source, venv = tmp_path / "src", tmp_path / "venv"
    source.mkdir()
    (tmp_path / "state").mkdir()
    _fresh_copy(source)
    database_url, database_name = _database(tmp_path)
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "MAIL_", "VIRTUAL_ENV", "PYTHONPATH"))
    }
    env.update(
        PORTAL_ENV="production",
        SECRET_KEY=uuid.uuid4().hex * 2,
        DATABASE_URL=database_url,
        PORTAL_INSTANCE_DIR=str(tmp_path / "state"),
        PORTAL_UPLOAD_DIR=str(tmp_path / "state" / "uploads"),
        PORTAL_BIND=f"127.0.0.1:{port}",
        PORTAL_WORKERS="2",
        PATH=f"{venv / 'bin'}:{os.environ['PATH']}",
    )
    steps = _readme_production_steps()
    # The README's paths, here: the copy and a new virtual environment in a temporary folder.
    replaced = [
        line.replace("/opt/portal/venv", str(venv)).replace("/opt/portal/src", str(source))
        for line in steps
    ]
    gunicorn_line = replaced.pop()
    assert gunicorn_line.endswith("gunicorn --config gunicorn.conf.py app:app"), steps
    try:
        for line in replaced:
            if line.startswith("export "):
                continue  # the variables: set above, with this test's values
            given = "Portal-Admin-2026!\nPortal-Admin-2026!\n" if "create-user" in line else None
            done = subprocess.run(
                line,
                shell=True,
                cwd=source,
                env=env,
                input=given,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert done.returncode == 0, f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"

        log = (tmp_path / "gunicorn.log").open("w")
        # A session of its own, so that stopping it stops gunicorn, not only the shell.
        server = subprocess.Popen(
            gunicorn_line,
            shell=True,
            cwd=source,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-4000:]
                try:
                    status, _, body = _get(f"{base}/readyz")
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
                    time.sleep(0.2)
            assert status == 200, body
            assert json.loads(body)["checks"]["database"] == "ok"

            status, headers, page = _get(
                f"{base}/login", {"Accept-Language": "km", "X-Request-ID": "install-check-1"}
            )
            assert status == 200
            assert headers["X-Request-ID"] == "install-check-1"
            assert 'lang="km"' in page
            assert len(KHMER_LETTERS.findall(page)) > 30, "the login page is not in Khmer"
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            _wait_until_gone(server.pid)
            log.close()
        lines = (tmp_path / "gunicorn.log").read_text().splitlines()
        access = [line for line in lines if "gunicorn.access" in line and "/login" in line]
        assert access and "[install-check-1]" in access[0], lines[-20:]
    finally:
        _drop(database_name)
