"""Document links are web addresses (http or https) on every way in and every way out."""

from __future__ import annotations

import pytest

from portal.db import utcnow
from portal.extensions import db
from portal.projects import services
from portal.projects.models import ProjectDocument, is_web_link
from tests import factories

UNSAFE = [
    "javascript:alert(document.cookie)",
    " JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://example.org/a.pdf",
    "//example.org/a.pdf",
    "https:example.org",
    "java\tscript:alert(1)",
    "https://",
]


@pytest.mark.parametrize("url", UNSAFE)
def test_only_http_and_https_addresses_are_links(url):
    assert not is_web_link(url)


@pytest.mark.parametrize("url", ["https://example.org/a.pdf", "http://example.org/a?b=c#d"])
def test_web_addresses_are_links(url):
    assert is_web_link(url)


@pytest.mark.parametrize("url", UNSAFE[:3])
def test_the_registry_refuses_a_document_that_is_not_a_web_address(app, url):
    with pytest.raises(services.ProjectInvalid) as refused:
        factories.project(documents=[services.Document("Agreement", url)])
    assert "documents-0-url" in refused.value.errors


def _stored_unsafe_link():
    """A project published with a link stored before the rule (as an old IATI import did)."""
    project = factories.project(
        documents=[services.Document("Agreement", "https://example.org/a.pdf")]
    )
    db.session.add(ProjectDocument(project=project, title="Trap", url="javascript:alert(1)"))
    project.published_at = utcnow()
    db.session.flush()
    return project


def test_the_api_never_passes_on_a_stored_unsafe_link(client):
    project = _stored_unsafe_link()
    answer = client.get(f"/api/v1/projects/{project.id}").get_json()["data"]
    assert [d["url"] for d in answer["documents"]] == ["https://example.org/a.pdf"]
    assert "javascript:" not in client.get(f"/api/v1/projects/{project.id}").get_data(as_text=True)


def test_the_project_page_shows_a_stored_unsafe_link_as_text(client):
    project = _stored_unsafe_link()
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'href="https://example.org/a.pdf"' in page
    assert 'href="javascript:' not in page
    assert "Trap" in page
