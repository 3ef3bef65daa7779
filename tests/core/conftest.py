"""Fixtures of the concurrency and fault tests: an application on a database of its own.

Those tests commit for real from several threads or processes, so they cannot use the rolled-back
session of tests/conftest.py; they are marked `own_database`.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from flask import has_app_context
from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db
from tests.conftest import (
    TEST_PASSWORD,
    _Client,
    drop_scratch_database,
    scratch_database_url,
)


@pytest.fixture
def own_app(backend, tmp_root):
    """An application on a fresh database (a file for SQLite) with the reference data.

    The test runs inside its application context; what it sets up, it commits.
    """
    url = scratch_database_url(backend, "own", tmp_root)
    application = create_app(TestConfig(url))
    application.test_client_class = _Client  # requests from the test's thread start clean
    with application.app_context():
        db.create_all()
        from portal.reference.seed import seed_reference_data

        seed_reference_data()
        db.session.commit()
        try:
            yield application
        finally:
            db.session.remove()
            db.engine.dispose()
            drop_scratch_database(url)


def logged_in(app, email: str):
    """A test client of its own, logged in as the user of `email`.

    Its requests sent from another thread have their own application context, so their own
    database session and connection.
    """
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code == 302, "could not log in"
    return client


def at_once(*actions, timeout: float = 120):
    """Run each action in a thread of its own, all released together; return their results.

    A barrier holds every thread until all are ready, so the actions really overlap. The
    test's own session lets go of the database first (on SQLite, a transaction left open by
    the test would keep the others from committing).
    """
    if has_app_context():
        db.session.remove()
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)
    errors: list[BaseException] = []

    def run(index: int, action) -> None:
        try:
            barrier.wait(timeout)
            results[index] = action()
        except BaseException as error:  # noqa: BLE001  (reported to the test below)
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(index, action), daemon=True)
        for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "an action never finished"
    if errors:
        raise errors[0]
    return results


class Rendezvous:
    """A meeting point inside a request: the first `parties` callers wait for each other.

    It makes two requests reach the same line before either goes on (both have read the
    record, neither has written). Where the database makes the second request wait before it
    can read at all (SQLite serialises writers), the first goes on alone after `patience`.
    """

    def __init__(self, parties: int = 2, patience: float = 3.0) -> None:
        self.barrier = threading.Barrier(parties)
        self.patience = patience
        self.met = False

    def __call__(self) -> None:
        if self.barrier.broken:
            return
        try:
            self.barrier.wait(self.patience)
            self.met = True
        except threading.BrokenBarrierError:
            pass


ROOT = Path(__file__).resolve().parents[2]


def portal_command(app, *args: str, prelude: str = "") -> subprocess.Popen:
    """Start `flask --app app portal ARGS...` in a process of its own, on `app`'s database.

    `prelude` is Python run in that process before the command (to watch what it does).
    """
    environment = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PORTAL_INSTANCE_DIR": app.config["INSTANCE_DIR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "PYTHONUNBUFFERED": "1",
    }
    run_flask = "import sys\nfrom flask.cli import main\nsys.argv[0] = 'flask'\nmain()\n"
    return subprocess.Popen(
        [sys.executable, "-c", prelude + run_flask, "--app", "app", "portal", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def iati_ready() -> None:
    """What the generated IATI files need: rates of their currencies and a lead ministry."""
    from portal.organizations.models import OrgKind
    from tests import factories
    from tests.iati.generate import CURRENCIES, rate_years

    for currency in CURRENCIES:
        for year in rate_years():
            if currency != "USD":
                factories.rate(currency, year, "2")
    factories.organization(OrgKind.GOVERNMENT, acronym="MEFX", name_en="Ministry of Economy (test)")
    db.session.commit()


def disk_full(backend: str) -> OperationalError:
    """The error the database driver raises when the disk under the database is full."""
    if backend == "sqlite":
        return OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))
    import psycopg

    return OperationalError(
        "COMMIT",
        {},
        psycopg.errors.DiskFull('could not extend file "base/16384/2619": No space left on device'),
    )
