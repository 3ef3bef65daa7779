"""The upload, preview and confirmation pages, and the XML download, as each role sees them."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from portal.extensions import db
from portal.iati.models import ImportBatch
from portal.organizations.models import Organization, OrgKind
from portal.projects.models import Project
from tests import factories
from tests.iati.generate import activities_xml


def _upload(client, *files):
    return client.post(
        "/iati/",
        data={"files": [(io.BytesIO(data), name) for name, data in files]},
        content_type="multipart/form-data",
    )


def _projects() -> int:
    return db.session.scalar(select(func.count()).select_from(Project))


def test_cdc_uploads_previews_chooses_and_confirms(client, login_as, rates, ministry):
    login_as("cdc")
    assert client.get("/iati/").status_code == 200
    response = _upload(client, ("three.xml", activities_xml(3)))
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    assert _projects() == 0, "nothing is written before the confirmation"

    page = client.get(preview_url).get_data(as_text=True)
    assert "XM-DAC-46004-BENCH-000000" in page
    assert "Organizations not in the portal" in page
    assert "choose a default lead national partner" in page  # refused until a lead is chosen

    # The choice is kept server-side: the preview survives between requests.
    response = client.post(preview_url, data={"default_lead_id": ministry.id, "update": "1"})
    assert response.status_code == 302
    page = client.get(preview_url).get_data(as_text=True)
    assert 'data-count="new">3<' in page
    assert _projects() == 0

    response = client.post(preview_url, data={"default_lead_id": ministry.id, "confirm": "1"})
    assert response.status_code == 302
    assert _projects() == 3
    result = client.get(preview_url).get_data(as_text=True)
    assert "Import done" in result and "Bench water programme 0" in result
    projects = list(db.session.scalars(select(Project)))
    assert {p.lead_national_partner_id for p in projects} == {ministry.id}
    assert {p.data_source for p in projects} == {"iati"}
    detail = client.get(f"/projects/{projects[0].id}").get_data(as_text=True)
    assert "From IATI" in detail
    # A confirmed batch cannot be written twice.
    client.post(preview_url, data={"default_lead_id": ministry.id, "confirm": "1"})
    assert _projects() == 3
    assert 'data-count="update">0<' in result

    # The file again with one title changed: one change of a project now in the portal, counted
    # as a number (not the name of a method), and two unchanged.
    revised = activities_xml(3).replace(b"Bench water programme", b"Revised water programme")
    again = _upload(client, ("three.xml", revised)).headers["Location"]
    client.post(again, data={"default_lead_id": ministry.id, "update": "1"})
    page = client.get(again).get_data(as_text=True)
    assert 'data-count="update">1<' in page and 'data-count="unchanged">2<' in page
    assert "built-in method" not in page


def test_a_malformed_file_is_refused_with_its_line_and_nothing_is_kept(client, login_as):
    login_as("dp")
    broken = b'<iati-activities version="2.03">\n<iati-activity>\n</iati-activities>'
    response = _upload(client, ("good.xml", activities_xml(1)), ("broken.xml", broken))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "broken.xml, line 3" in page
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_only_the_uploader_sees_a_batch(client, login_as, app):
    login_as("cdc")
    preview_url = _upload(client, ("one.xml", activities_xml(1))).headers["Location"]
    client.post("/logout")
    login_as("cdc")
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url, data={"confirm": "1"}).status_code == 404
    client.post("/logout")
    assert client.get(preview_url).status_code == 302  # to the login page


def test_ministries_and_the_public_cannot_upload(client, login_as):
    assert client.get("/iati/").status_code == 302
    login_as("ministry")
    assert client.get("/iati/").status_code == 403


def test_a_partner_imports_only_its_own_activities(client, login_as, rates, ministry):
    adb = factories.organization(
        OrgKind.MULTILATERAL,
        acronym="ADBX",
        name_en="Asian Development Bank",
        iati_ref="XM-DAC-46004",
    )
    factories.organization(OrgKind.BILATERAL, acronym="JICAX", name_en="JICA", iati_ref="JP-8")
    login_as("dp", organization=adb)
    preview_url = _upload(client, ("two.xml", activities_xml(2))).headers["Location"]
    client.post(preview_url, data={"default_lead_id": ministry.id, "confirm": "1"})
    identifiers = set(db.session.scalars(select(Project.iati_identifier)))
    assert identifiers == {"XM-DAC-46004-BENCH-000000"}
    result = client.get(preview_url).get_data(as_text=True)
    assert "you can import only the activities your own organization reports" in result
    # A partner does not add organizations: none was created.
    assert db.session.scalar(select(Organization).where(Organization.acronym == "MOH")) is None


def test_likely_matches_are_proposed_and_the_user_links_one(client, login_as, rates, ministry):
    adb = factories.organization(
        OrgKind.MULTILATERAL,
        acronym="ADBX",
        name_en="Asian Development Bank",
        iati_ref="XM-DAC-46004",
    )
    existing = factories.project(reporting=adb, title_en="Bench water programme 0")
    login_as("cdc")
    preview_url = _upload(client, ("one.xml", activities_xml(1))).headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert f"Update project {existing.id}" in page
    client.post(
        preview_url,
        data={
            "default_lead_id": ministry.id,
            "link:XM-DAC-46004-BENCH-000000": str(existing.id),
            "confirm": "1",
        },
    )
    db.session.refresh(existing)
    assert existing.iati_identifier == "XM-DAC-46004-BENCH-000000"
    assert _projects() == 1


def test_the_xml_download_holds_what_the_visitor_may_read(client, login_as):
    published = factories.project(title_en="Published one")
    from portal.projects.services import set_published

    set_published(published, True, actor=None)
    factories.project(title_en="A draft")
    body = client.get("/iati/export.xml").get_data(as_text=True)
    assert "Published one" in body and "A draft" not in body
    login_as("cdc")
    response = client.get("/iati/export.xml")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "A draft" in response.get_data(as_text=True)


def test_the_preview_does_not_name_another_partners_hidden_project(
    client, login_as, rates, ministry
):
    adb = factories.organization(
        OrgKind.MULTILATERAL,
        acronym="ADBX",
        name_en="Asian Development Bank",
        iati_ref="XM-DAC-46004",
    )
    other = factories.organization(OrgKind.BILATERAL, acronym="OTHERX")
    hidden = factories.project(
        reporting=other,
        title_en="Another partner's draft",
        iati_identifier="XM-DAC-46004-BENCH-000000",
    )
    login_as("dp", organization=adb)
    preview_url = _upload(client, ("one.xml", activities_xml(1))).headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "A project of another organization has this IATI identifier" in page
    assert f"/projects/{hidden.id}" not in page
    assert f"Project {hidden.id}<" not in page
    assert "Another partner" not in page
    client.post(preview_url, data={"default_lead_id": ministry.id, "confirm": "1"})
    db.session.refresh(hidden)
    assert hidden.reporting_org_id == other.id and hidden.title_en == "Another partner's draft"
