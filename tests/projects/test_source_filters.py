"""The project filters by funding source: "funded by" an organization and "with a source of
kind", on the list, its exports, the map and the province page, for every kind of reader."""

import csv
import io
from decimal import Decimal

import pytest

from portal.db import utcnow
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import queries, services
from tests import factories


def _publish(*projects):
    for project in projects:
        project.published_at = utcnow()
    db.session.flush()


@pytest.fixture
def funded():
    """AFD reports three published projects (one co-financed by ADB, one with the finance
    ministry's counterpart, one alone); the World Bank a draft co-financed by ADB."""
    afd = factories.organization(OrgKind.BILATERAL, acronym="AFDS")
    adb = factories.organization(OrgKind.MULTILATERAL, acronym="ADBS")
    wb = factories.organization(OrgKind.MULTILATERAL, acronym="WBS")
    mef = factories.organization(OrgKind.GOVERNMENT, acronym="MEFS")
    common = {"lead": mef, "nationwide": False}
    cofinanced = factories.project(
        reporting=afd,
        title_en="Water supply Battambang",
        locations=[services.LocationShare("02", Decimal(100))],
        commitment_amount=Decimal("3000000.03"),
        sources=[services.SourceData("cofinancier", adb.id)],
        **common,
    )
    counterpart = factories.project(
        reporting=afd,
        title_en="Irrigation Takeo",
        locations=[services.LocationShare("21", Decimal(100))],
        commitment_amount=Decimal("2000000"),
        sources=[services.SourceData("counterpart", mef.id, in_kind=True)],
        **common,
    )
    alone = factories.project(
        reporting=afd,
        title_en="Teacher training Kampot",
        locations=[services.LocationShare("07", Decimal(100))],
        commitment_amount=Decimal("1000000"),
        **common,
    )
    draft = factories.project(
        reporting=wb,
        title_en="Draft roads Battambang",
        locations=[services.LocationShare("02", Decimal(100))],
        commitment_amount=Decimal("9000000"),
        sources=[services.SourceData("cofinancier", adb.id)],
        **common,
    )
    _publish(cofinanced, counterpart, alone)
    return {"afd": afd, "adb": adb, "wb": wb, "mef": mef, "draft": draft}


TITLES = (
    "Water supply Battambang",
    "Irrigation Takeo",
    "Teacher training Kampot",
    "Draft roads Battambang",
)


def _titles(client, query: str) -> set[str]:
    page = client.get(f"/projects/?{query}").get_data(as_text=True)
    return {title for title in TITLES if title in page}


def test_the_filters_select_by_organization_and_kind_of_source(funded):
    cdc = factories.user(role="cdc")

    def titles(**given):
        statement = queries.filtered(cdc, queries.ProjectFilters(**given))
        return {p.title_en for p in db.session.scalars(statement)}

    # A co-financier funds the projects it co-finances, of any reporting partner.
    assert titles(funded_by=funded["adb"].id) == {
        "Water supply Battambang",
        "Draft roads Battambang",
    }
    # The reporting partner funds every project it reports.
    assert titles(funded_by=funded["afd"].id) == {
        "Water supply Battambang",
        "Irrigation Takeo",
        "Teacher training Kampot",
    }
    # A ministry named on a counterpart contribution funds that project.
    assert titles(funded_by=funded["mef"].id) == {"Irrigation Takeo"}
    assert titles(source_kind="cofinancier") == {
        "Water supply Battambang",
        "Draft roads Battambang",
    }
    assert titles(source_kind="counterpart") == {"Irrigation Takeo"}
    assert titles(source_kind="national") == set()
    # Both filters narrow the list together.
    assert titles(funded_by=funded["afd"].id, source_kind="cofinancier") == {
        "Water supply Battambang"
    }


def test_the_public_finds_only_published_projects_through_the_filter(client, funded):
    assert _titles(client, f"funded_by={funded['adb'].id}") == {"Water supply Battambang"}
    assert _titles(client, "source_kind=cofinancier") == {"Water supply Battambang"}
    page = client.get(f"/projects/?funded_by={funded['adb'].id}").get_data(as_text=True)
    assert "Total of the project matching the filters" in page
    assert 'data-total="commitment">3,000,000.03<' in page


def test_a_partner_never_finds_another_partners_draft_through_the_filter(client, login_as, funded):
    login_as("dp", organization=funded["afd"])
    assert _titles(client, f"partner=&funded_by={funded['adb'].id}") == {"Water supply Battambang"}
    response = client.get("/projects/export.csv?partner=&source_kind=cofinancier")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[2] for row in rows[1:]] == ["Water supply Battambang"]
    client.post("/logout")
    login_as("dp", organization=funded["wb"])
    assert _titles(client, f"partner=&funded_by={funded['adb'].id}") == {
        "Water supply Battambang",
        "Draft roads Battambang",
    }


def test_the_exports_keep_the_source_filters(client, login_as, funded):
    login_as("cdc")
    page = client.get(f"/projects/?funded_by={funded['mef'].id}").get_data(as_text=True)
    assert f"funded_by={funded['mef'].id}" in page  # the export links keep the filter
    response = client.get(f"/projects/export.csv?funded_by={funded['mef'].id}")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[2] for row in rows[1:]] == ["Irrigation Takeo"]


def test_the_fields_keep_their_choice_and_say_what_is_wrong_beside_them(client, funded):
    page = client.get(f"/projects/?funded_by={funded['adb'].id}&source_kind=counterpart")
    text = page.get_data(as_text=True)
    assert f'<option value="{funded["adb"].id}" selected>' in text
    assert '<option value="counterpart" selected>' in text
    assert _titles(client, f"funded_by={funded['adb'].id}&source_kind=counterpart") == set()
    text = client.get("/projects/?funded_by=ADB&source_kind=reporting").get_data(as_text=True)
    assert 'id="f-funded-by-error"' in text
    assert "Choose an organization from the list." in text
    assert 'id="f-source-kind-error"' in text
    assert "Choose a kind of source from the list." in text
    # A value it cannot take is left out, as the other filters do: every project is listed.
    assert _titles(client, "funded_by=ADB&source_kind=reporting") == {
        "Water supply Battambang",
        "Irrigation Takeo",
        "Teacher training Kampot",
    }


def test_the_map_and_the_province_page_follow_the_source_filters(client, funded):
    from portal.mapping import services as map_services

    cdc = factories.user(role="cdc")
    figures = map_services.map_figures(
        cdc, queries.ProjectFilters(source_kind="cofinancier"), "commitment"
    )
    by_code = {f.code: f.amount for f in figures.provinces if f.amount}
    assert by_code == {"02": Decimal("12000000.03")}
    page = client.get("/map/?source_kind=cofinancier").get_data(as_text=True)
    assert '<option value="cofinancier" selected>' in page
    province = client.get(f"/map/province/02?funded_by={funded['adb'].id}")
    text = province.get_data(as_text=True)
    assert "Figures follow the filters chosen on the map." in text
    # Only the published project co-financed by ADB: the World Bank's draft is not counted.
    assert 'data-figure="projects">1<' in text
    assert f"funded_by={funded['adb'].id}" in text  # its link to the list keeps the filter
    text = client.get("/map/?funded_by=x").get_data(as_text=True)
    assert 'id="f-funded-by-error"' in text
    districts = client.get("/map/districts/?source_kind=counterpart&funded_by=x")
    text = districts.get_data(as_text=True)
    assert '<option value="counterpart" selected>' in text
    assert 'id="f-funded-by-error"' in text
