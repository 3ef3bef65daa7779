"""Publishers' files read again on a schedule or on demand: served by a real HTTP server on the
loopback (a folder the test writes real activities of the shared Cambodian file into)."""

from __future__ import annotations

import functools
import threading
from datetime import UTC, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lxml import etree
from sqlalchemy import select

from portal.db import utcnow
from portal.extensions import db
from portal.iati import sources
from portal.iati.models import IatiSource, ImportBatch
from portal.mail.sender import run_tick
from portal.projects.models import Project

KEPT = "46004-54195-001-LN3951"  # ADB's loan: names Cambodia's MEF, needs no decision
DROPPED = "SE-0-SE-6-10497A0102-KHM-15160"


def _file(real_file: bytes, identifiers, *, title_suffix: str = "") -> bytes:
    root = etree.fromstring(real_file)
    chosen = []
    for activity in root.iter("iati-activity"):
        if activity.findtext("iati-identifier").strip() in identifiers:
            if title_suffix:
                narrative = activity.find("title/narrative")
                narrative.text = (narrative.text or "") + title_suffix
            chosen.append(etree.tostring(activity))
    return b'<iati-activities version="2.03">' + b"".join(chosen) + b"</iati-activities>"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the test output stays readable
        pass


@pytest.fixture
def publisher(tmp_path):
    """A web server on 127.0.0.1 serving the folder tmp_path/site (stopped after the test)."""
    site = tmp_path / "site"
    site.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(autouse=True)
def adb():
    """The publisher is in the registry, so a reading of its file needs no new organization."""
    from portal.organizations.models import OrgKind
    from tests import factories

    return factories.organization(
        OrgKind.MULTILATERAL,
        acronym="ADBS",
        name_en="Asian Development Bank",
        iati_ref="XM-DAC-46004",
    )


def _source(location: str, **fields) -> IatiSource:
    values = {"name": "ADB and Sida", "every_days": 7, "auto_apply": False, "default_lead_id": None}
    values.update(fields)
    return sources.save_source(None, location=location, actor=None, **values)


def test_a_reading_waits_for_review_then_changes_nothing_then_flags_a_dropped_activity(
    app, client, login_as, publisher, real_file, rates, ministry
):
    site, base = publisher
    (site / "adb.xml").write_bytes(_file(real_file, {KEPT, DROPPED}))
    source = _source(f"{base}/adb.xml", default_lead_id=ministry.id)
    assert sources.read_source(source) == "review"
    assert source.last_counts["new"] == 2
    batch = sources.latest_batch(source)
    assert batch.status == "preview" and batch.source_id == source.id

    # CDC reviews the reading on the usual preview page, and confirms it.
    login_as("cdc")
    page = client.get("/iati/sources").get_data(as_text=True)
    assert "Review the changes" in page and "waiting for review" in page
    preview = client.get(f"/iati/{batch.token}")
    assert preview.status_code == 200 and KEPT in preview.get_data(as_text=True)
    done = client.post(
        f"/iati/{batch.token}", data={"default_lead_id": ministry.id, "confirm": "1"}
    )
    assert done.status_code == 302
    assert db.session.scalar(select(Project).where(Project.iati_identifier == KEPT)) is not None

    # The same file again: nothing to apply, no batch kept.
    assert sources.read_source(source) == "unchanged"
    assert sources.latest_batch(source).id == batch.id

    # The publisher drops Sida's activity and changes ADB's title: the change waits for
    # review, and the dropped activity's project stays, listed on the source.
    (site / "adb.xml").write_bytes(_file(real_file, {KEPT}, title_suffix=" (revised)"))
    assert sources.read_source(source) == "review"
    assert source.last_counts["update"] == 1
    assert source.dropped == [DROPPED]
    assert db.session.scalar(select(Project).where(Project.iati_identifier == DROPPED))
    page = client.get("/iati/sources").get_data(as_text=True)
    assert "no longer in it" in page and DROPPED in page


def test_a_source_may_apply_a_reading_that_needs_no_decision(
    app, publisher, real_file, rates, ministry
):
    site, base = publisher
    (site / "adb.xml").write_bytes(_file(real_file, {KEPT}))
    source = _source(f"{base}/adb.xml", auto_apply=True, default_lead_id=ministry.id)
    assert sources.read_source(source) == "applied"
    batch = sources.latest_batch(source)
    assert batch.status == "imported"
    assert db.session.scalar(select(Project).where(Project.iati_identifier == KEPT))


def test_an_unreachable_address_is_noted_and_changes_nothing(app, publisher):
    _site, base = publisher
    source = _source(f"{base}/missing.xml")
    assert sources.read_source(source) == "failed"
    assert "could not be read" in source.last_message
    assert sources.latest_batch(source) is None


def test_due_sources_are_read_on_the_mail_senders_clock(app, publisher, real_file, rates, ministry):
    site, base = publisher
    (site / "adb.xml").write_bytes(_file(real_file, {KEPT}))
    source = _source(f"{base}/adb.xml", auto_apply=True, default_lead_id=ministry.id)
    on_demand = _source(f"{base}/adb.xml", name="On demand", every_days=0)
    assert source.next_run_at is not None and on_demand.next_run_at is None
    db.session.commit()
    run_tick(app)  # the tick hands the due source to the job runner (at once in the tests)
    db.session.expire_all()
    source = db.session.get(IatiSource, source.id)
    assert source.last_status == "applied"
    next_run = source.next_run_at
    next_run = next_run if next_run.tzinfo else next_run.replace(tzinfo=UTC)  # SQLite: naive
    assert next_run > utcnow() + timedelta(days=6)
    assert db.session.get(IatiSource, on_demand.id).last_status == "new"
    # Clean the committed rows for the next tests.
    db.session.execute(ImportBatch.__table__.update().values(source_id=None))
    for project in db.session.scalars(select(Project).where(Project.iati_identifier == KEPT)):
        db.session.delete(project)
    db.session.execute(IatiSource.__table__.delete())
    db.session.commit()


def test_a_file_source_is_read_only_from_the_sources_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IATI_SOURCES_DIR", str(tmp_path))
    with pytest.raises(sources.SourceRefused):
        _source("../outside.xml")
    (tmp_path / "inside.xml").write_bytes(b"<iati-activities version='2.03'/>")
    assert _source("inside.xml").location == "inside.xml"
    monkeypatch.setitem(app.config, "IATI_SOURCES_DIR", None)
    with pytest.raises(sources.SourceRefused):
        _source("inside.xml")


def test_only_cdc_manages_sources_and_sees_their_readings(client, login_as):
    source = _source("https://example.org/adb.xml")
    for role in ("dp", "ministry"):
        login_as(role)
        assert client.get("/iati/sources").status_code == 403
        assert client.get(f"/iati/sources/{source.id}").status_code == 403
        assert client.post(f"/iati/sources/{source.id}/read").status_code == 403
        client.post("/logout")
    login_as("cdc")
    refused = client.post(
        "/iati/sources", data={"name": "X", "location": "not a url", "every_days": "7"}
    )
    assert refused.status_code == 400
    assert "Give a web address" in refused.get_data(as_text=True)
    saved = client.post(
        "/iati/sources",
        data={"name": "EU", "location": "https://example.org/eu.xml", "every_days": "30"},
    )
    assert saved.status_code == 302
    assert db.session.scalar(select(IatiSource.every_days).where(IatiSource.name == "EU")) == 30
