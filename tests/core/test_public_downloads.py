"""Anonymous whole-database downloads: made once per data version, revalidated with ETag (304),
made again when the data change, counted per address; logged-in readers get their own rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from portal.extensions import db
from portal.projects.services import set_published
from tests import factories

DOWNLOADS = ["/projects/export.csv", "/projects/export.xlsx", "/map/export.csv", "/iati/export.xml"]


def _published(title: str):
    project = factories.project(title_en=title)
    set_published(project, True, actor=None)
    db.session.commit()  # a committed change: the data's version moves on
    return project


def _files(app) -> list[Path]:
    folder = Path(app.config["DOWNLOAD_CACHE_DIR"])
    return sorted(p for p in folder.iterdir() if p.suffix != ".json") if folder.exists() else []


@pytest.mark.parametrize("url", DOWNLOADS)
def test_an_unchanged_download_is_not_sent_again(app, client, url):
    _published("Cached water supply")
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
    assert "no-cache" in first.headers["Cache-Control"]
    assert first.headers["Content-Disposition"].startswith("attachment")
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # Without the tag, the same bytes come from the file made the first time.
    assert client.get(url).data == first.data
    assert len(_files(app)) == 1


def test_a_change_of_the_data_makes_a_new_file(app, client):
    _published("First published road")
    first = client.get("/iati/export.xml")
    assert b"First published road" in first.data
    _published("Second published road")
    second = client.get("/iati/export.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    assert b"Second published road" in second.data
    assert len(_files(app)) == 1  # the earlier version's file is gone


def test_each_language_and_question_has_its_own_file(app, client):
    _published("Bilingual clinic")
    english = client.get("/projects/export.csv")
    client.post("/language", data={"lang": "km"})
    khmer = client.get("/projects/export.csv")
    filtered = client.get("/projects/export.csv?q=nothing-matches-this")
    tags = {r.headers["ETag"] for r in (english, khmer, filtered)}
    assert len(tags) == 3 and english.data != khmer.data
    assert b"Bilingual clinic" not in filtered.data


def test_logged_in_readers_get_their_own_rows_never_a_shared_file(app, client, login_as):
    _published("Public bridge")
    factories.project(title_en="Unpublished bridge")
    db.session.commit()
    public = client.get("/projects/export.csv")
    assert b"Unpublished bridge" not in public.data
    login_as("cdc")
    own = client.get("/projects/export.csv")
    assert b"Unpublished bridge" in own.data and "ETag" not in own.headers
    assert len(_files(app)) == 1  # only the public one


@pytest.fixture
def small_budget(app):
    before = app.config["DOWNLOAD_LIMIT"]
    app.config["DOWNLOAD_LIMIT"] = "3 per 10 minutes"
    yield
    app.config["DOWNLOAD_LIMIT"] = before


def test_an_address_downloading_too_much_waits(client, small_budget):
    address = {"REMOTE_ADDR": "203.0.113.50"}
    first = client.get("/iati/export.xml", environ_base=address)
    for _ in range(2):
        assert client.get("/projects/export.csv", environ_base=address).status_code == 200
    # Revalidating costs nothing and is never refused.
    tag = {"If-None-Match": first.headers["ETag"]}
    assert client.get("/iati/export.xml", environ_base=address, headers=tag).status_code == 304
    refused = client.get("/map/export.csv", environ_base=address)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many downloads" in refused.get_data(as_text=True)
    other = client.get("/map/export.csv", environ_base={"REMOTE_ADDR": "203.0.113.51"})
    assert other.status_code == 200


def test_the_iati_export_streams_for_a_logged_in_reader(client, login_as):
    for index in range(3):
        factories.project(title_en=f"Streamed activity {index}")
    login_as("cdc")
    response = client.get("/iati/export.xml", buffered=False)
    assert response.is_streamed
    document = etree.fromstring(b"".join(response.response))
    titles = document.xpath("//iati-activity/title/narrative/text()")
    assert {f"Streamed activity {i}" for i in range(3)} <= set(titles)
    response.close()
