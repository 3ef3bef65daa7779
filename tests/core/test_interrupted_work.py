"""Work cut off halfway leaves nothing half-done, says why, and can be done again.

An import killed while it writes leaves nothing of its file; a report generation whose PDF
cannot be stored is marked failed with the reason, and generating it again works.
"""

from __future__ import annotations

import html
import os
import re
import signal
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.iati.models import IatiRecord, ImportBatch
from portal.organizations.models import Organization
from portal.projects.models import Project
from tests import factories
from tests.core.conftest import disk_full, iati_ready, logged_in, portal_command
from tests.iati.generate import activities_xml

pytestmark = pytest.mark.own_database

LARGE_FILE = 2000  # activities: several lots of writing, several seconds
KILL_AT = 3  # the statement adding projects during which the import is killed (about halfway)
REPORT = {
    "year": "2024",
    "scope": "country",
    "language": "en",
    "sections": ["key_figures"],
    "audience": "public",
}


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# Run in the importing process: print a line before each statement that adds projects, so that
# the test knows the import is writing (its own transaction, not yet committed).
WATCH_PROJECT_INSERTS = """
from sqlalchemy import event
from sqlalchemy.engine import Engine

@event.listens_for(Engine, "before_cursor_execute")
def _tell(connection, cursor, statement, parameters, context, executemany):
    if statement.lstrip().upper().startswith("INSERT INTO PROJECT "):
        print("writing projects", flush=True)
"""


def test_an_import_killed_while_writing_leaves_nothing_of_its_file(own_app, backend, tmp_path):
    iati_ready()
    organizations_before = _count(Organization)
    path = tmp_path / "large.xml"
    path.write_bytes(activities_xml(LARGE_FILE))
    db.session.remove()
    url = make_url(own_app.config["SQLALCHEMY_DATABASE_URI"])

    command = portal_command(
        own_app,
        "iati",
        "import",
        str(path),
        "--lead-partner",
        "MEFX",
        prelude=WATCH_PROJECT_INSERTS,
    )
    watchdog = threading.Timer(600, command.kill)  # never wait forever on a stuck import
    watchdog.start()
    inserts = 0
    try:
        for line in command.stdout:
            inserts += line.startswith("writing projects")
            if inserts == KILL_AT:  # lots of projects are written, the next lot is going in
                os.kill(command.pid, signal.SIGKILL)
                break
        command.wait(60)
    finally:
        watchdog.cancel()
    assert inserts == KILL_AT, "the import ended before it was seen writing"
    assert command.returncode == -signal.SIGKILL

    # It really had written: SQLite left its rollback journal (the pages to restore) beside
    # the database; PostgreSQL had drawn project ids (sequences ignore transactions).
    if backend == "sqlite":
        journal = Path(f"{url.database}-journal")
        assert journal.exists() and journal.stat().st_size > 0
    else:
        drawn = db.session.execute(text("SELECT last_value, is_called FROM project_id_seq"))
        last_value, is_called = drawn.one()
        assert is_called and last_value >= 1
        db.session.remove()

    # Nothing of the file is in the database: no project, no note, no batch, no organization.
    assert _count(Project) == 0
    assert _count(IatiRecord) == 0 and _count(ImportBatch) == 0
    assert _count(Organization) == organizations_before
    if backend == "sqlite":
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    db.session.remove()

    # The database goes on working: the same import, run to its end, writes the whole file.
    again = portal_command(
        own_app, "iati", "import", str(path), "--lead-partner", "MEFX", "--quiet"
    )
    output, _ignored = again.communicate(timeout=600)
    assert again.returncode == 0, output[-2000:]
    assert f"{LARGE_FILE} activities: {LARGE_FILE} new" in output
    assert _count(Project) == LARGE_FILE


def _wait_for_job(client, job_id: int) -> str:
    """Follow the generation's page, as the person does, until it has finished; its HTML."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        page = client.get(f"/reports/jobs/{job_id}").get_data(as_text=True)
        db.session.remove()  # let the generating thread commit (SQLite)
        if 'data-state="done"' in page or 'data-state="failed"' in page:
            return page
        time.sleep(0.3)
    raise AssertionError(f"report job {job_id} never finished")


def test_a_failed_generation_says_why_and_can_be_generated_again(own_app, backend):
    from portal.reports.models import IssuedReport, ReportJob

    own_app.config["JOBS_MODE"] = "thread"  # the embedded default: a thread of the web process
    cdc = factories.user(role="cdc")
    db.session.commit()
    client = logged_in(own_app, cdc.email)
    db.session.remove()
    storing = {"failed": 0}

    def refuse_to_store_the_pdf(session):
        done = [o for o in session.dirty if isinstance(o, ReportJob) and o.state == "done"]
        if done and not storing["failed"]:
            storing["failed"] += 1
            raise disk_full(backend)

    event.listen(Session, "before_commit", refuse_to_store_the_pdf)
    try:
        generated = client.post("/reports/new", data={**REPORT, "action": "generate"})
        job_id = int(generated.headers["Location"].rstrip("/").split("/")[-1])
        page = _wait_for_job(client, job_id)
    finally:
        event.remove(Session, "before_commit", refuse_to_store_the_pdf)

    assert storing["failed"] == 1
    assert "The report could not be generated. Nothing was issued." in page
    assert "database or disk is full" in page or "No space left on device" in page  # why
    job = db.session.get(ReportJob, job_id)
    assert job.state == "failed" and job.pdf is None and job.finished_at is not None
    assert "OperationalError" in job.error
    db.session.remove()

    # "Try again" opens the builder with the same choices; generating them now works.
    again = re.search(r'href="(/reports/new\?[^"]+)"[^>]*>Try again<', page)
    assert again, "the failed generation offers to try again"
    query = parse_qs(urlparse(html.unescape(again.group(1))).query)
    assert query == {
        key: [value] if isinstance(value, str) else value for key, value in REPORT.items()
    }
    assert client.get(html.unescape(again.group(1))).status_code == 200  # the builder, filled
    retried = client.post("/reports/new", data={**query, "action": "generate"})
    retry_id = int(retried.headers["Location"].rstrip("/").split("/")[-1])
    page = _wait_for_job(client, retry_id)
    assert "The PDF is ready" in page
    assert client.post(f"/reports/jobs/{retry_id}/issue").status_code == 302
    db.session.remove()
    assert [r.job_id for r in db.session.scalars(select(IssuedReport))] == [retry_id]
