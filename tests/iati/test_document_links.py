"""An IATI activity's document link that is not a web address is left out and flagged."""

from __future__ import annotations

from tests.iati.test_mapping import _activity, _line


def test_an_unsafe_document_link_is_left_out_and_the_activity_kept(app, rates, ministry):
    body = """<recipient-country code="KH"/>
    <document-link url="javascript:alert(document.cookie)" format="text/html">
      <title><narrative>Trap</narrative></title></document-link>
    <document-link url="https://example.org/agreement.pdf" format="application/pdf">
      <title><narrative>Agreement</narrative></title></document-link>"""
    line = _line(_activity(body))
    assert line.action == "new", line.errors
    assert [d.url for d in line.mapped.data.documents] == ["https://example.org/agreement.pdf"]
    assert any("document link" in warning for warning in line.warnings)


def test_a_link_stored_before_the_rule_never_leaves_in_the_iati_export(app):
    from portal.extensions import db
    from portal.iati import export
    from portal.projects.models import ProjectDocument
    from tests import factories

    project = factories.project(title_en="Old links")
    db.session.add_all(
        [
            ProjectDocument(project_id=project.id, title="Trap", url="javascript:alert(1)"),
            ProjectDocument(project_id=project.id, title="Plan", url="https://example.org/p.pdf"),
        ]
    )
    db.session.flush()
    db.session.refresh(project)
    body = export.export_xml([project]).decode()
    assert "https://example.org/p.pdf" in body and "javascript:" not in body
