"""The IATI export is written activity by activity, its projects read in chunks with their child
rows (budget codes, results, sources) read per chunk: the same document as one built whole, and
byte for byte what lxml writes of it."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from lxml import etree
from sqlalchemy import select

from portal.demo.services import build_demo
from portal.extensions import db
from portal.iati import export
from portal.organizations.models import OrgKind
from portal.projects.models import Project, ProjectDocument
from portal.results.models import ProjectResult
from tests import factories
from tests.statements import recorded

NOW = datetime(2026, 6, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
def demo(app):
    build_demo(project_count=60)
    db.session.commit()


def _whole_document(project_ids) -> bytes:
    """The document built whole in memory, each activity written with its project read alone
    (its child rows, budget codes and results read for it only)."""
    root = etree.Element(
        "iati-activities",
        {"version": export.VERSION, "generated-datetime": export._datetime(NOW)},
        nsmap=export.NSMAP,
    )
    for project_id in project_ids:
        alone = etree.fromstring(export.export_xml([project_id], now=NOW))
        (activity,) = alone.findall("iati-activity")
        root.append(activity)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _canonical(body: bytes) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(body, parser), method="c14n")


def _as_lxml_writes_it(body: bytes) -> bytes:
    """The document lxml writes of the elements of `body`: each activity pretty-printed into
    the open root, as the export wrote them when it built them with lxml."""
    root = etree.fromstring(body, etree.XMLParser(remove_blank_text=True))
    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="UTF-8") as out:
        out.write_declaration()
        with out.element(root.tag, dict(root.attrib), nsmap=root.nsmap):
            out.write("\n")
            for activity in root:
                out.write(activity, pretty_print=True)
    return buffer.getvalue() + b"\n"


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
    whole = _whole_document(db.session.scalars(select(Project.id).order_by(Project.id)))
    assert _canonical(streamed) == _canonical(whole)
    document = etree.fromstring(streamed)
    assert len(document.findall("iati-activity")) == projects
    assert document.findall(".//result") and document.findall(".//country-budget-items")


def test_the_export_reads_child_rows_per_chunk_not_per_project(demo):
    with recorded() as statements:
        body = export.export_xml(export.iter_projects(select(Project)), now=NOW)
    projects = len(etree.fromstring(body).findall("iati-activity"))
    assert projects >= 60
    # One chunk: the ids, the projects and each kind of child row once (not 60 times).
    assert len(statements) < 30, "\n".join(statements)
    reads_of_results = [s for s in statements if "FROM project_result" in s]
    assert len(reads_of_results) == 1


def test_the_export_is_byte_for_byte_what_lxml_writes_of_it(demo):
    body = export.export_xml(
        export.iter_projects(select(Project)), shows_contacts=lambda _p: True, now=NOW
    )
    assert body == _as_lxml_writes_it(body)


TRICKY = 'Water & sanitation <north> "Kampong" it\'s\ttabbed\r\nnext line ]]> ទឹកស្អាត'


def test_text_and_attributes_are_escaped_as_lxml_escapes_them(app):
    partner = factories.organization(OrgKind.BILATERAL, acronym="A&B", name_en="A & B <Aid>")
    project = factories.project(reporting=partner, contact_name="Sok & Dara")
    project.title_en = TRICKY
    project.description = "First line\r\nsecond & last"
    project.documents.append(
        ProjectDocument(title=TRICKY, url='https://example.org/doc?a=1&b="2"&c=<3>')
    )
    body = export.export_xml([project], shows_contacts=lambda _p: True, now=NOW)
    assert body == _as_lxml_writes_it(body)
    activity = etree.fromstring(body).find("iati-activity")
    assert activity.findtext("title/narrative") == TRICKY
    assert activity.findtext("description/narrative") == "First line\r\nsecond & last"
    assert activity.findtext("reporting-org/narrative") == "A & B <Aid>"
    assert activity.find("reporting-org").get("ref") == "KH-CDC-AB"
    assert activity.findtext("contact-info/person-name/narrative") == "Sok & Dara"
    link = activity.find("document-link")
    assert link.get("url") == 'https://example.org/doc?a=1&b="2"&c=<3>'
    assert link.findtext("title/narrative") == TRICKY


def test_a_control_character_is_refused_as_lxml_refuses_it(app):
    project = factories.project()
    project.title_en = "Vertical\x0btab"
    with pytest.raises(ValueError, match="XML compatible"):
        export.export_xml([project])
