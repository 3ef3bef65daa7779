"""The lead national partner of each imported activity: named by the activity, else the usual
lead of its sector as CDC keeps it, else the batch's default; the person importing sees each
proposed lead on the preview and changes it activity by activity."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from portal.extensions import db
from portal.iati import services
from portal.iati.preview import REFUSED, Decisions
from portal.organizations.models import OrgKind
from portal.projects.models import Project
from portal.reference.models import SectorLead
from portal.reference.services import set_sector_lead
from tests import factories

CAFOD = "GB-CHC-285776-KAM131"  # CAFOD in Cambodia, from the trimmed world file (sector 72010)


def _ministries():
    return {
        "health": factories.organization(
            OrgKind.GOVERNMENT, acronym="MOHL", name_en="Ministry of Health L"
        ),
        "education": factories.organization(
            OrgKind.GOVERNMENT, acronym="MOEYSL", name_en="Ministry of Education L"
        ),
        "interior": factories.organization(
            OrgKind.GOVERNMENT, acronym="MOIL", name_en="Ministry of Interior L"
        ),
    }


def _lines(real_file, decisions):
    plan = services.preview(
        services.parse_files([("kh-activities-2021.xml", real_file)]),
        user=None,
        decisions=decisions,
    )
    return plan


HEALTH, EDUCATION = ("121", "122", "123", "130"), ("111", "112", "113", "114")


def _first_led_category(line) -> str:
    """The category of the activity's largest sector that has a usual lead."""
    sectors = sorted(line.mapped.data.sectors, key=lambda s: -s.percentage)
    return next(s.sector_code[:3] for s in sectors if s.sector_code[:3] in HEALTH + EDUCATION)


def test_a_lead_is_proposed_from_the_sector_and_the_default_comes_last(
    app, real_file, rates, ministry
):
    ministries = _ministries()
    for code in HEALTH:
        set_sector_lead(code, ministries["health"].id, actor=None)
    for code in EDUCATION:
        set_sector_lead(code, ministries["education"].id, actor=None)
    plan = _lines(real_file, Decisions(default_lead_id=ministry.id))
    by_source: dict[str | None, list] = {}
    for line in plan.cambodian:
        by_source.setdefault(line.mapped.lead_source, []).append(line)
    # Health activities naming no Cambodian institution get the health ministry, and say so.
    from_sector = by_source["sector"]
    assert from_sector
    for line in from_sector:
        expected = "health" if _first_led_category(line) in HEALTH else "education"
        assert line.mapped.data.lead_national_partner_id == ministries[expected].id
        assert any("usual lead of its sector" in w for w in line.warnings)
    # Those of other sectors fall back to the batch's default (not one lead for the whole file).
    assert {line.mapped.data.lead_national_partner_id for line in by_source["default"]} == {
        ministry.id
    }
    leads = {line.mapped.data.lead_national_partner_id for line in plan.cambodian}
    assert len(leads) >= 3


def test_the_person_changes_one_activitys_lead_and_only_that_one(app, real_file, rates, ministry):
    ministries = _ministries()
    plan = _lines(real_file, Decisions(default_lead_id=ministry.id))
    defaulted = [line for line in plan.cambodian if line.mapped.lead_source == "default"]
    first, second = defaulted[0], defaulted[1]
    decisions = Decisions(
        default_lead_id=ministry.id, leads={first.identifier: ministries["interior"].id}
    )
    services.write(
        services.parse_files([("kh-activities-2021.xml", real_file)]),
        user=None,
        decisions=decisions,
        batch=None,
    )
    db.session.flush()
    lead_of = dict(
        db.session.execute(select(Project.iati_identifier, Project.lead_national_partner_id)).all()
    )
    assert lead_of[first.identifier] == ministries["interior"].id
    assert lead_of[second.identifier] == ministry.id


def test_a_chosen_lead_must_be_national(app, real_file, rates, ministry):
    donor = factories.organization(OrgKind.BILATERAL, acronym="DONL")
    plan = _lines(real_file, Decisions(default_lead_id=ministry.id))
    line = next(line for line in plan.cambodian if line.mapped.lead_source == "default")
    plan = _lines(
        real_file, Decisions(default_lead_id=ministry.id, leads={line.identifier: donor.id})
    )
    refused = next(other for other in plan.cambodian if other.identifier == line.identifier)
    assert refused.action == REFUSED
    assert any("is not a national organization" in e for e in refused.errors)


def test_cdc_reviews_and_changes_the_proposed_leads_on_the_preview(
    client, login_as, real_file, rates, ministry
):
    ministries = _ministries()
    login_as("cdc")
    response = client.post(
        "/iati/",
        data={"files": [(io.BytesIO(real_file), "kh-activities-2021.xml")]},
        content_type="multipart/form-data",
    )
    preview_url = response.headers["Location"]
    client.post(preview_url, data={"default_lead_id": ministry.id, "update": "1"})
    page = client.get(preview_url).get_data(as_text=True)
    selects = re.findall(r'name="lead:([^"]+)"', page)
    assert len(selects) > 50  # every activity whose lead the file does not give
    assert "Lead national partner, the default you chose:" in page
    chosen = selects[0]
    form = {"default_lead_id": ministry.id, f"lead:{chosen}": ministries["interior"].id}
    client.post(preview_url, data={**form, "update": "1"})
    page = client.get(preview_url).get_data(as_text=True)
    assert "Lead national partner, as you chose:" in page
    assert client.post(preview_url, data={**form, "confirm": "1"}).status_code == 302
    project = db.session.scalar(select(Project).where(Project.iati_identifier == chosen))
    assert project.lead_national_partner_id == ministries["interior"].id


def test_cdc_keeps_the_usual_lead_of_each_sector(client, login_as):
    ministries = _ministries()
    donor = factories.organization(OrgKind.BILATERAL, acronym="DONS")
    login_as("cdc")
    assert client.get("/admin/reference/sector-leads").status_code == 200
    saved = client.post(
        "/admin/reference/sector-leads",
        data={"code": "122", "organization_id": ministries["health"].id},
    )
    assert saved.status_code == 302
    assert db.session.get(SectorLead, "122").organization_id == ministries["health"].id
    page = client.get("/admin/reference/sector-leads").get_data(as_text=True)
    assert "MOHL" in page and "Basic Health" in page

    refused = client.post(
        "/admin/reference/sector-leads",
        data={"code": "999", "organization_id": ministries["health"].id},
    )
    assert refused.status_code == 400
    assert "Give a DAC category (3 digits) or purpose code (5 digits)" in refused.get_data(
        as_text=True
    )
    # Only a national institution can be a usual lead (a donor is not even offered).
    donor_lead = client.post(
        "/admin/reference/sector-leads", data={"code": "122", "organization_id": donor.id}
    )
    assert donor_lead.status_code == 400
    assert db.session.get(SectorLead, "122").organization_id == ministries["health"].id
    removed = client.post("/admin/reference/sector-leads/122/remove")
    assert removed.status_code == 302
    assert db.session.get(SectorLead, "122") is None
