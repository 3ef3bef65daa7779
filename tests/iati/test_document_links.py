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
