"""Communes as a location level: chosen in the project form, summed by the aggregates.

Siem Reap (17): district 1710 Siem Reab has communes 171001 Sla Kram and 171002 Svay Dankum;
1701 Angkor Chum has 170101 Char Chhuk.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.aggregates.services import aggregate, totals
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services
from portal.projects.models import Project
from portal.projects.queries import ProjectFilters
from tests import factories


@pytest.fixture
def partner_user(login_as):
    partner = factories.organization(OrgKind.BILATERAL, acronym="KOIT")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MRDT")
    user = login_as("dp", organization=partner)
    return partner, ministry, user


def _form(partner, ministry, **locations) -> dict:
    data = {
        "title_en": "Village water points",
        "reporting_org_id": partner.id,
        "lead_national_partner_id": ministry.id,
        "status": "2",
        "planned_start": "2024-01-01",
        "sectors-0-sector_code": "14030",
        "sectors-0-percentage": "100",
        "commitment_amount": "1000",
        "commitment_currency": "USD",
        "commitment_date": "2024-02-01",
    }
    data.update(locations)
    return data


def test_a_commune_is_chosen_in_the_form_and_summed_by_the_aggregates(client, partner_user):
    partner, ministry, user = partner_user
    form = client.get("/projects/new").get_data(as_text=True)
    assert 'name="locations-0-commune_code"' in form
    assert '<option value="171001">Sla Kram (Siem Reab)</option>' in form
    response = client.post(
        "/projects/new",
        data=_form(
            partner,
            ministry,
            **{
                "locations-0-province_code": "17",
                "locations-0-district_code": "1710",
                "locations-0-commune_code": "171001",
                "locations-0-percentage": "40",
                "locations-1-province_code": "17",
                "locations-1-district_code": "1710",
                "locations-1-commune_code": "171002",
                "locations-1-percentage": "35",
                "locations-2-province_code": "17",
                "locations-2-district_code": "1710",
                "locations-2-percentage": "25",
            },
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    project = db.session.scalar(select(Project).where(Project.title_en == "Village water points"))
    assert sorted((loc.commune_code or "") for loc in project.locations) == [
        "",
        "171001",
        "171002",
    ]
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Sla Kram" in page and "Svay Dankum" in page
    by_commune = {row.key: row for row in aggregate(user, ProjectFilters(), "commune")}
    assert by_commune["171001"].commitment == Decimal("400.00")
    assert by_commune["171002"].commitment == Decimal("350.00")
    assert by_commune["1710"].commitment == Decimal("250.00")  # the district, no commune
    assert by_commune["171001"].project_count == 1
    # The district holds its communes; the project counts once there.
    by_district = {row.key: row for row in aggregate(user, ProjectFilters(), "district")}
    assert by_district["1710"].commitment == Decimal("1000.00")
    assert by_district["1710"].project_count == 1
    # The province's district table and its export list the communes under the district.
    html = client.get("/map/province/17").get_data(as_text=True)
    assert 'data-key="171002"' in html and "Svay Dankum" in html
    export = client.get("/map/districts/export.csv?area=17").get_data(as_text=True)
    assert "commune,171001,Sla Kram" in export and "commune,171002,Svay Dankum" in export
    assert 'district_only,1710,"In the district, no commune named"' in export


@pytest.mark.parametrize(
    ("locations", "field", "message"),
    [
        (
            {"locations-0-district_code": "1710", "locations-0-commune_code": "170101"},
            "locations-0-commune_code",
            "This commune is not in the district.",
        ),
        (
            {"locations-0-commune_code": "171001"},
            "locations-0-district_code",
            "Choose the commune's district too.",
        ),
    ],
)
def test_a_commune_outside_its_district_is_refused(client, partner_user, locations, field, message):
    partner, ministry, _user = partner_user
    data = _form(
        partner,
        ministry,
        **{"locations-0-province_code": "17", "locations-0-percentage": "100", **locations},
    )
    response = client.post("/projects/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400, 422)
    assert message in html.replace("&#39;", "'")
    assert (
        db.session.scalar(select(Project).where(Project.title_en == "Village water points")) is None
    )


def test_the_commune_dimension_adds_up_to_the_province_dimension(cdc_projects):
    filters = ProjectFilters()
    cdc, _ = cdc_projects
    by_commune = totals(aggregate(cdc, filters, "commune"))
    by_province = totals(aggregate(cdc, filters, "province"))
    assert by_commune.commitment == by_province.commitment
    assert by_commune.disbursed == by_province.disbursed


@pytest.fixture
def cdc_projects():
    cdc = factories.user(role="cdc")
    partner = factories.organization()
    shares = [
        [("17", "33.33", "1710", "171001"), ("17", "33.33", "1710"), ("12", "33.34")],
        [("17", "70", "1701", "170101"), ("17", "30", "1710", "171001")],
        [],
    ]
    made = []
    for i, places in enumerate(shares):
        made.append(
            factories.project(
                reporting=partner,
                nationwide=not places,
                locations=[services.LocationShare(p[0], Decimal(p[1]), *p[2:]) for p in places],
                commitment_amount=Decimal("1000.03") * (i + 1),
            )
        )
    return cdc, made


def test_the_api_names_a_locations_commune_in_the_readers_language(client):
    """A published project's location given by commune carries its code and name in the API."""
    from datetime import UTC, datetime

    project = factories.project(
        nationwide=False,
        locations=[
            services.LocationShare("17", Decimal(60), "1710", "171001"),
            services.LocationShare("17", Decimal(40), "1710"),
        ],
    )
    project.published_at = datetime.now(UTC)
    db.session.commit()
    answer = client.get(f"/api/v1/projects/{project.id}").get_json()["data"]
    places = sorted(answer["locations"], key=lambda place: place["percentage"])
    assert [(p["district_code"], p["commune_code"], p["commune"]) for p in places] == [
        ("1710", None, None),
        ("1710", "171001", "Sla Kram"),
    ]
    in_khmer = client.get(
        f"/api/v1/projects/{project.id}", headers={"Accept-Language": "km"}
    ).get_json()["data"]
    commune = next(p["commune"] for p in in_khmer["locations"] if p["commune_code"])
    assert commune and commune != "Sla Kram"
