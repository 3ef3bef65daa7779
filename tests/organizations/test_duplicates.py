"""CDC sees the organizations that are likely one: identifier variants, names, numbered acronyms."""

from portal.organizations.duplicates import (
    ACRONYM,
    IDENTIFIER,
    NAME,
    SIMILAR,
    acronym_root,
    identifier_key,
    likely_duplicates,
    names_alike,
)
from portal.organizations.models import OrgKind
from portal.projects import services
from tests import factories


def test_identifier_variants_and_acronym_roots_compare_alike():
    assert identifier_key("XM-DAC-41114") == identifier_key("41114") == "41114"
    assert identifier_key(" xm-dac-41AAA ") == identifier_key("41AAA")
    assert identifier_key("XI-IATI-EC_INTPA") != identifier_key("XI-IATI-EC_DEVCO")
    assert identifier_key(None) is None and identifier_key("  ") is None
    assert acronym_root("UNOPS2") == acronym_root("UNOPS") == "UNOPS"
    assert acronym_root("unops-3") == "UNOPS"
    assert acronym_root("K2") is None  # too short a root to say anything


def test_similar_names_differ_in_no_word_that_matters():
    assert names_alike(
        "united states agency for international development",
        "u s agency for international development",
    )
    assert names_alike("world food programme", "world food program")
    assert names_alike(
        "united nations office for project services",
        "united nations office for project services unops",
    )
    # Most words shared, but the one that tells them apart differs.
    assert not names_alike(
        "japan international cooperation agency", "korea international cooperation agency"
    )
    assert not names_alike("asian development bank", "african development bank")
    assert not names_alike("ministry of health", "ministry of education")


def _pairs():
    return {
        frozenset((pair.first.acronym, pair.second.acronym)): pair for pair in likely_duplicates()
    }


def test_realistic_duplicates_of_imports_are_paired_and_namesakes_are_not():
    unops = factories.organization(
        OrgKind.UN_AGENCY,
        acronym="UNOPS",
        name_en="United Nations Office for Project Services",
        iati_ref="XM-DAC-41AAA",
    )
    factories.organization(
        OrgKind.UN_AGENCY, acronym="UNOPS2", name_en="UNOPS Cambodia", iati_ref="41AAA"
    )
    factories.organization(
        OrgKind.UN_AGENCY, acronym="UNOPS3", name_en="United Nations Office for Project Services"
    )
    usaid = factories.organization(
        acronym="USAID",
        name_en="United States Agency for International Development",
        iati_ref="US-GOV-1",
    )
    factories.organization(acronym="USAGENCY", name_en="U.S. Agency for International Development")
    factories.organization(acronym="JICA", name_en="Japan International Cooperation Agency")
    factories.organization(acronym="KOICA", name_en="Korea International Cooperation Agency")
    mef = factories.organization(
        OrgKind.GOVERNMENT, acronym="MEF", name_en="Ministry of Economy and Finance"
    )
    factories.organization(acronym="MOEF", name_en="Ministry of Economy and Finance")  # Korea's
    factories.organization(OrgKind.GOVERNMENT, acronym="MOH", name_en="Ministry of Health")
    factories.organization(OrgKind.GOVERNMENT, acronym="MOHC", name_en="Ministry of Health")
    factories.organization(OrgKind.GOVERNMENT, acronym="MOEYS", name_en="Ministry of Education")
    factories.project(reporting=usaid, lead=mef)

    pairs = _pairs()
    assert pairs[frozenset(("UNOPS", "UNOPS2"))].reasons == [IDENTIFIER, ACRONYM]
    assert pairs[frozenset(("UNOPS", "UNOPS3"))].reasons == [NAME, ACRONYM]
    assert pairs[frozenset(("UNOPS2", "UNOPS3"))].reasons == [ACRONYM]
    usaid_pair = pairs[frozenset(("USAID", "USAGENCY"))]
    assert usaid_pair.reasons == [SIMILAR] and usaid_pair.score >= 90
    assert pairs[frozenset(("MOH", "MOHC"))].reasons == [NAME]
    assert frozenset(("JICA", "KOICA")) not in pairs
    assert frozenset(("MEF", "MOEF")) not in pairs  # a national body and a partner: never one
    assert frozenset(("MOH", "MOEYS")) not in pairs
    # The one more records refer to is proposed to stay.
    assert usaid_pair.keep is usaid and usaid_pair.counts[usaid.id] == {
        "project.reporting_org_id": 1
    }
    assert pairs[frozenset(("UNOPS", "UNOPS2"))].keep is unops  # the older, when even


def test_the_page_lists_each_pair_with_what_refers_to_each(client, login_as):
    usaid = factories.organization(
        acronym="USAID", name_en="United States Agency for International Development"
    )
    second = factories.organization(
        acronym="USAID2", name_en="U.S. Agency for International Development"
    )
    factories.project(reporting=usaid, participants=[services.Participant(second.id, "funding")])
    factories.user("dp", organization=second)
    login_as("cdc")
    page = client.get("/admin/organizations/duplicates")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "The same acronym but for a number · Very similar names" in html
    assert "Projects it reports: 1" in html
    assert "Projects it funds or implements: 1" in html and "User accounts: 1" in html
    assert f"/admin/organizations/{second.id}/merge?into={usaid.id}" in html
    assert f"/admin/organizations/{usaid.id}/merge?into={second.id}" in html
    assert "/admin/organizations/duplicates" in client.get("/admin/organizations/").get_data(
        as_text=True
    )


def test_no_pairs_say_so(client, login_as):
    login_as("cdc")
    html = client.get("/admin/organizations/duplicates").get_data(as_text=True)
    assert "No likely duplicates." in html
