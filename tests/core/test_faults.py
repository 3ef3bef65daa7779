"""The database or the disk failing: people get a plain message in their language, not a 500.

A save that fails gives the form back with everything typed (and keeps no half-written file);
a request that finds the database down gets the "briefly unavailable" page (503).
"""

from __future__ import annotations

import errno
import io
import os
import re
import sqlite3
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from portal.errors import MESSAGES, SAVE_FAILED
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects.models import Project
from tests import factories
from tests.core.conftest import disk_full, logged_in
from tests.projects.test_registration import complete_form


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def database_error(backend: str, kind: str) -> OperationalError:
    """What the driver raises when the database's disk is full, or its connection is gone."""
    if kind == "full":
        return disk_full(backend)
    if backend == "sqlite":
        return OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))
    import psycopg

    return OperationalError(
        "COMMIT",
        {},
        psycopg.OperationalError("server closed the connection unexpectedly"),
        connection_invalidated=True,
    )


@pytest.fixture
def partner_setting():
    partner = factories.organization(OrgKind.BILATERAL, acronym="JICAT", iati_ref="JP-8")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MOHT")
    for year, value in ((2022, "0.95"), (2023, "0.92"), (2024, "0.925")):
        factories.rate("EUR", year, value)
    return {"partner": partner, "ministry": ministry}


@pytest.mark.parametrize(("kind", "status"), [("full", 507), ("gone", 503)])
def test_a_database_failing_on_save_gives_the_form_back_with_the_input(
    client, login_as, backend, partner_setting, monkeypatch, kind, status
):
    login_as("dp", organization=partner_setting["partner"], locale="km")

    def commit_fails():
        raise database_error(backend, kind)

    monkeypatch.setattr(db.session, "commit", commit_fails)
    response = client.post("/projects/new", data=complete_form(partner_setting))

    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert "Traceback" not in page
    assert '<html lang="km"' in page  # the person's language
    with force_locale("km"):
        assert str(escape(str(SAVE_FAILED[status]))) in page
        assert str(escape(_("Register a project"))) in page  # the form, not an error page
    # Everything typed is still in the form.
    assert 'value="Rural water supply and sanitation"' in page
    assert 'value="ការផ្គត់ផ្គង់ទឹកស្អាត និងអនាម័យជនបទ"' in page
    assert 'value="tanaka@example.org"' in page
    assert 'value="925000.50"' in page
    assert _count(Project) == 0


class FullDisk:
    """A file on a disk that fills up halfway through it."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["second file", "database"])
def test_a_full_disk_on_a_progress_report_gives_the_form_back_and_keeps_no_file(
    app, client, login_as, backend, monkeypatch, where
):
    from portal.commitments import uploads
    from portal.commitments.models import EvidenceFile, ProgressReport
    from tests.commitments import helpers

    orgs = helpers.parties()
    commitment = helpers.commitment(orgs)
    login_as("ministry", organization=orgs["lead"])
    folder = Path(app.config["UPLOAD_DIR"]) / uploads.SUBFOLDER
    before = set(folder.glob("*")) if folder.exists() else set()
    written = []

    def open_until_full(path, mode="r", *args, **kwargs):
        written.append(Path(path))
        handle = open(path, mode, *args, **kwargs)  # noqa: SIM115  (closed by FullDisk)
        if where == "second file" and len(written) == 2:
            return FullDisk(handle)
        return handle

    def commit_fails():
        raise disk_full(backend)

    monkeypatch.setattr(uploads, "open", open_until_full, raising=False)
    if where == "database":  # both files are written, then the database is full
        monkeypatch.setattr(db.session, "commit", commit_fails)
    narrative = "Two budget support operations recorded on budget."
    response = client.post(
        f"/commitments/{commitment.id}/report",
        data={
            "period": "2025-S1",
            "actual_value": "45.5",
            "narrative": narrative,
            "self_rating": "on_track",
            "evidence": [
                (io.BytesIO(helpers.PDF), "execution-report.pdf"),
                (io.BytesIO(helpers.CSV * 50), "figures.csv"),
            ],
        },
        content_type="multipart/form-data",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 507
    assert "Traceback" not in page
    assert str(escape(str(SAVE_FAILED[507]))) in page
    assert narrative in page and 'value="45.5"' in page
    assert re.search(r'<option selected value="2025-S1">|<option value="2025-S1" selected', page)
    assert len(written) == 2  # the first file was written; the second, or the database, failed
    assert not any(path.exists() for path in written)  # no file of the report is left behind
    assert (set(folder.glob("*")) if folder.exists() else set()) == before
    assert _count(ProgressReport) == 0 and _count(EvidenceFile) == 0


def _take_database_down(app, backend: str) -> None:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if backend == "sqlite":
        # The file is gone and a folder stands where it was: SQLite cannot open it.
        Path(url.database).rename(f"{url.database}.away")
        Path(url.database).mkdir()
        db.engine.dispose()
        return
    _postgresql_admin(
        f'ALTER DATABASE "{url.database}" WITH ALLOW_CONNECTIONS false',
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{url.database}' AND pid <> pg_backend_pid()",
    )


def _bring_database_back(app, backend: str) -> None:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if backend == "sqlite":
        if Path(f"{url.database}.away").exists():
            Path(url.database).rmdir()
            Path(f"{url.database}.away").rename(url.database)
        return
    _postgresql_admin(f'ALTER DATABASE "{url.database}" WITH ALLOW_CONNECTIONS true')


def _postgresql_admin(*statements: str) -> None:
    admin = create_engine(make_url(os.environ["TEST_DATABASE_URL"]), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
    admin.dispose()


@pytest.mark.own_database
def test_a_request_finding_the_database_down_gets_the_friendly_503(own_app, backend):
    user = factories.user(role="dp")
    db.session.commit()
    client = logged_in(own_app, user.email)
    client.post("/language", data={"lang": "km"})
    assert client.get("/projects/").status_code == 200
    db.session.remove()

    _take_database_down(own_app, backend)
    try:
        page_response = client.get("/projects/")
        api_response = client.get("/api/v1/projects")
        form_response = client.post("/projects/new", data={"title_en": "Typed while down"})
    finally:
        db.session.remove()
        _bring_database_back(own_app, backend)

    with force_locale("km"):
        unavailable = str(escape(str(MESSAGES[503])))
    with force_locale("en"):
        assert unavailable != str(escape(str(MESSAGES[503])))  # it is in Khmer
    for response in (page_response, form_response):
        page = response.get_data(as_text=True)
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert '<html lang="km"' in page and unavailable in page
        assert "Traceback" not in page and "OperationalError" not in page
    assert api_response.status_code == 503
    assert api_response.get_json()["error"]["status"] == 503
    # Once the database is back, the same person goes on (the pool checks its connections).
    assert client.get("/projects/").status_code == 200
