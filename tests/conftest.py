"""Fixtures: an app per database backend, a database rolled back per test, a client, login_as.

Every test runs on SQLite; when TEST_DATABASE_URL is set, it runs on PostgreSQL as well.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_babel
import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import changes, create_app
from portal.analysis import snapshot as analysis_snapshot
from portal.config import TestConfig
from portal.extensions import cache, db
from portal.rounds import predictability

TEST_PASSWORD = "correct horse battery"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
SHARED_DATA = Path(
    os.environ.get("PORTAL_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def scratch_database_url(backend: str, suffix: str, tmp_dir: Path) -> str:
    """Return the URL of an empty database of its own for `backend` (created, or recreated)."""
    if backend == "sqlite":
        path = tmp_dir / f"{suffix}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    base = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{base.database}_{suffix}_{os.getpid()}"  # runs side by side do not collide
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_scratch_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(make_url(os.environ["TEST_DATABASE_URL"]), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def seeded_scratch(backend: str, suffix: str, tmp_dir: Path, projects: int = 0) -> Iterator:
    """An app on an empty database of its own, upgraded to the last revision, with the
    reference data, the demo's partners and exchange rates and `projects` demo projects
    (committed), in its app context; the database is dropped after. For migration tests."""
    from flask_migrate import upgrade

    from portal.demo.projects import seed_projects
    from portal.demo.services import seed_organizations, seed_rates
    from portal.reference.seed import seed_reference_data

    url = scratch_database_url(backend, suffix, tmp_dir)
    app = create_app(TestConfig(url))
    try:
        with app.app_context():
            upgrade()
            seed_reference_data()
            seed_organizations()
            seed_rates()
            if projects:
                seed_projects(projects)
            db.session.commit()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_scratch_database(url)


@pytest.fixture(scope="session")
def tmp_root():
    with tempfile.TemporaryDirectory(prefix="portal-tests-") as directory:
        yield Path(directory)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def app(backend, tmp_root):
    """An application on a fresh database of `backend`, with the reference data loaded."""
    os.environ.setdefault("PORTAL_INSTANCE_DIR", str(tmp_root / "instance"))
    url = scratch_database_url(backend, "suite", tmp_root)
    application = create_app(TestConfig(url))
    with application.app_context():
        db.create_all()
        from portal.reference.seed import seed_reference_data

        seed_reference_data()
        db.session.commit()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()
    drop_scratch_database(url)


class _BoundSession(FlaskSession):
    """A session that always uses the test's connection (inside its outer transaction)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind


@pytest.fixture(autouse=True)
def db_session(request, app):
    """Run each test inside a transaction that is rolled back at the end."""
    if "live_server" in request.fixturenames or request.node.get_closest_marker("own_database"):
        yield None
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "class_": _BoundSession,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
            }
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()
            # Public downloads are kept per committed data version; a rolled-back test's
            # data were never committed, so its files must not serve the next test.
            shutil.rmtree(app.config["DOWNLOAD_CACHE_DIR"], ignore_errors=True)
            cache.clear()  # the public pages' cache, kept per data version likewise
            # Figures kept per closed round's snapshot: a rolled-back test's rounds may come
            # back in the next test with the same ids and times, and other money.
            predictability.forget_measured()
            changes.forget_worked_out()  # figures kept per data version
            analysis_snapshot.forget_loaded()


class _Client(FlaskClient):
    """A test client whose requests start clean although the test holds the app context.

    Each test runs inside one application context (so that the test and its requests share the
    rolled-back session); Flask then reuses that context for requests, so per-request caches
    (the chosen language, the logged-in user) are cleared here, as a new request would have them.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            flask_babel.refresh()
            g.pop("_login_user", None)
            g.pop("no_session_cookie", None)  # set by the health probes for their request
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = _Client
    return app.test_client()


@pytest.fixture
def login_as(client):
    """Log the client in as a new user of `role` (and organization); return the user."""
    from tests import factories

    def _login(role: str = "dp", organization=None, **user_fields):
        user = factories.user(role=role, organization=organization, **user_fields)
        response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302, "login_as could not log in"
        return user

    return _login


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public reference data beside the project; CI requires it (no skip there)."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"reference data folder {SHARED_DATA} is missing")
        pytest.skip("the shared reference data folder (../shared/data) is not present")
    return SHARED_DATA


def pytest_sessionfinish(session, exitstatus):
    """Under PORTAL_NO_SKIP (CI), a skipped test fails the run: every part must be there."""
    if not os.environ.get("PORTAL_NO_SKIP"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(
            f"{len(skipped)} test(s) skipped under PORTAL_NO_SKIP: failing.", red=True
        )
        session.exitstatus = 1
