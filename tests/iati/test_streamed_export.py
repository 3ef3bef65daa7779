"""The IATI export is written activity by activity, its projects read in chunks with their child
rows (budget codes, results, sources) read per chunk: the same document as one built whole."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree
from sqlalchemy import event, select

from portal.demo.services import build_demo
from portal.extensions import db
from portal.iati import export
from portal.projects.models import Project
from portal.results.models import ProjectResult

NOW = datetime(2026, 6, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
def demo(app):
    build_demo(project_count=60)
    db.session.commit()


def _whole_document(projects) -> bytes:
    """The document built whole in memory, each activity reading its own budget codes and
    results (the export's shape before it was streamed)."""
    root = etree.Element(
        "iati-activities",
        {"version": export.VERSION, "generated-datetime": export._datetime(NOW)},
        nsmap=export.NSMAP,
    )
    for project in projects:
        root.append(export.activity_element(project, today=NOW.date()))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _canonical(body: bytes) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(body, parser), method="c14n")


def test_the_streamed_export_is_the_document_built_whole(demo, monkeypatch):
    monkeypatch.setattr(export, "CHUNK", 7)  # several chunks, the last one short
    monkeypatch.setattr(export, "CHUNK_BYTES", 4096)  # and many pieces sent
    projects = db.session.scalar(select(db.func.count()).select_from(Project))
    assert projects >= 60
    with_results = db.session.scalar(select(db.func.count(ProjectResult.project_id.distinct())))
    assert with_results > 0  # the demo gives a sample of projects results

    pieces = list(export.iter_xml(export.iter_projects(select(Project)), now=NOW))
    assert len(pieces) > 2
    streamed = b"".join(pieces)
    db.session.expire_all()
    whole = _whole_document(
        db.session.scalars(export.export_statement(select(Project)).order_by(Project.id))
    )
    assert _canonical(streamed) == _canonical(whole)
    document = etree.fromstring(streamed)
    assert len(document.findall("iati-activity")) == projects
    assert document.findall(".//result") and document.findall(".//country-budget-items")


def test_the_export_reads_child_rows_per_chunk_not_per_project(demo):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        body = export.export_xml(export.iter_projects(select(Project)), now=NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    projects = len(etree.fromstring(body).findall("iati-activity"))
    assert projects >= 60
    # One chunk: the ids, the projects and each kind of child row once (not 60 times).
    assert len(statements) < 30, "\n".join(statements)
    reads_of_results = [s for s in statements if "FROM project_result" in s]
    assert len(reads_of_results) == 1
