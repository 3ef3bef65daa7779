"""Registering a project that may be there already: the form warns, and saves only when told."""

import html
import re
from datetime import UTC, date, datetime

import pytest
from rapidfuzz import fuzz
from sqlalchemy import func, select

from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects.models import Project
from portal.projects.rules import ProjectData
from portal.projects.similar import (
    CONFIRM_FIELD,
    TitlePool,
    normalise,
    similar_projects,
    title_similarity,
)
from tests import factories
from tests.projects.test_registration import complete_form

EXISTING = "Rural Water Supply & Sanitation Project"
WARNING = "This project may be registered already."
CONFIRM = "Register it anyway, it is a different project"


@pytest.fixture
def setting(login_as):
    """A partner user, a ministry, EUR rates, and one of the partner's projects (2021-2025)."""
    partner = factories.organization(OrgKind.BILATERAL, acronym="JICAT", iati_ref="JP-8")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MOHT")
    for year, value in ((2022, "0.95"), (2023, "0.92"), (2024, "0.925")):
        factories.rate("EUR", year, value)
    existing = factories.project(
        reporting=partner,
        lead=ministry,
        title_en=EXISTING,
        title_km="គម្រោងទឹកស្អាតជនបទ",
        planned_start=date(2021, 6, 1),
        planned_end=date(2025, 12, 31),
        commitment_date=date(2021, 6, 1),
    )
    user = login_as("dp", organization=partner)
    return {"partner": partner, "ministry": ministry, "user": user, "existing": existing}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Project))


def _problems(response) -> str:
    """What the page says instead of saving (for an assertion's message)."""
    page = response.get_data(as_text=True)
    alerts = re.findall(r'<div class="alert[^"]*" role="alert".*?</div>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(" ".join(alerts))).split())


def _warning(page: str) -> str:
    found = re.search(
        r'<div class="alert alert-warning" role="alert" id="duplicates".*?</div>', page, re.S
    )
    return html.unescape(found.group(0)) if found else ""


def test_a_partner_typing_its_own_project_again_is_warned_and_nothing_is_saved(client, setting):
    existing = setting["existing"]
    before = _count()
    response = client.post("/projects/new", data=complete_form(setting))
    page = response.get_data(as_text=True)
    assert response.status_code == 200  # a question, not a refusal
    warning = _warning(page)
    assert WARNING in warning
    assert f'href="/projects/{existing.id}"' in warning
    assert EXISTING in warning and "JICAT" in warning
    assert CONFIRM in warning and f'name="{CONFIRM_FIELD}" value="1"' in warning
    assert 'form="project-form"' in warning and 'id="project-form"' in page
    # Nothing saved, everything typed kept.
    assert _count() == before
    assert 'value="Rural water supply and sanitation"' in page
    assert 'value="tanaka@example.org"' in page
    assert "ការផ្គត់ផ្គង់ទឹកស្អាត និងអនាម័យជនបទ" in page
    # Saving again without saying it is another project warns again.
    assert WARNING in client.post("/projects/new", data=complete_form(setting)).get_data(
        as_text=True
    )
    assert _count() == before


def test_saying_it_is_a_different_project_registers_it(client, setting):
    before = _count()
    response = client.post("/projects/new", data=complete_form(setting, **{CONFIRM_FIELD: "1"}))
    assert response.status_code == 302
    assert _count() == before + 1
    saved = db.session.scalar(select(Project).where(Project.iati_identifier == "JP-8-2022-001"))
    assert saved.title_en == "Rural water supply and sanitation"


@pytest.mark.parametrize(
    "overrides",
    [
        {"title_en": "Secondary school teacher training"},  # another title
        {"title_en": "Rural water"},  # a short title inside the other is not the same title
        # dates after the existing project's end
        {
            "planned_start": "2026-01-01",
            "planned_end": "2028-12-31",
            "commitment_amount": "",
            "commitment_currency": "",
            "commitment_date": "",
            "funding-0-year": "",
            "funding-0-kind": "",
            "funding-0-amount": "",
            "funding-0-currency": "",
            "funding-1-year": "",
            "funding-1-kind": "",
            "funding-1-amount": "",
            "funding-1-currency": "",
            "funding-2-year": "",
            "funding-2-kind": "",
            "funding-2-amount": "",
            "funding-2-currency": "",
            "status": "1",
        },
    ],
    ids=["other-title", "short-title", "later-dates"],
)
def test_another_title_or_dates_that_do_not_overlap_register_without_a_warning(
    client, setting, overrides
):
    before = _count()
    response = client.post("/projects/new", data=complete_form(setting, **overrides))
    assert response.status_code == 302, _problems(response)
    assert _count() == before + 1


def test_missing_dates_overlap_any_dates(client, setting):
    response = client.post(
        "/projects/new",
        data=complete_form(setting, planned_start="", planned_end="", commitment_amount=""),
    )
    assert WARNING in _warning(response.get_data(as_text=True))


def test_the_rules_speak_before_the_warning(client, setting):
    response = client.post(
        "/projects/new", data=complete_form(setting, **{"sectors-1-percentage": "30"})
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Sector percentages must add up to 100" in page
    assert WARNING not in page


def test_editing_a_project_never_warns(client, setting):
    project = factories.project(
        reporting=setting["partner"], lead=setting["ministry"], title_en=EXISTING + " II"
    )
    form = complete_form(setting, title_en=EXISTING, version=str(project.version))
    response = client.post(f"/projects/{project.id}/edit", data=form)
    assert response.status_code == 302, _problems(response)


@pytest.fixture
def other_partners(setting):
    """Another partner's project like the form's, with the reference the form gives (the
    partner's own look-alike renamed, to see what the reference alone finds)."""
    setting["existing"].title_en = "Secondary school teacher training"
    other = factories.organization(OrgKind.MULTILATERAL, acronym="ADBT")
    project = factories.project(reporting=other, title_en=EXISTING, partner_ref="P-4411")
    db.session.flush()
    return project


def test_another_partners_unpublished_project_is_never_revealed(client, setting, other_partners):
    """Saying only that a project one cannot see has a similar title would let anyone find
    another partner's unpublished titles by typing guesses: such a project is left out."""
    before = _count()
    response = client.post("/projects/new", data=complete_form(setting, partner_ref="P-4411"))
    page = response.get_data(as_text=True)
    assert response.status_code == 302, _problems(response)
    assert _count() == before + 1
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    for shown in (page, follow):
        assert f"/projects/{other_partners.id}" not in shown and "ADBT" not in shown


def test_another_partners_published_project_with_the_same_reference_is_named(
    client, setting, other_partners
):
    other_partners.published_at = datetime.now(UTC)
    db.session.flush()
    response = client.post("/projects/new", data=complete_form(setting, partner_ref="P-4411"))
    warning = _warning(response.get_data(as_text=True))
    assert f'href="/projects/{other_partners.id}"' in warning and "ADBT" in warning
    assert "same IATI identifier or reference" in warning
    assert "Secondary school" not in warning


def test_only_the_reporting_partners_projects_are_compared_without_a_reference(setting):
    other = factories.organization(OrgKind.MULTILATERAL, acronym="ADBT")
    secret = factories.project(reporting=other, title_en=EXISTING)
    typed = ProjectData(title_en=EXISTING, reporting_org_id=setting["partner"].id)
    assert [f.project_id for f in similar_projects(typed, setting["user"])] == [
        setting["existing"].id
    ]
    # For the other partner's registration: the partner user is never told of its unpublished
    # project; CDC, who reads every project, is warned.
    typed.reporting_org_id = other.id
    assert similar_projects(typed, setting["user"]) == []
    cdc = factories.user(role="cdc")
    assert [f.project_id for f in similar_projects(typed, cdc)] == [secret.id]


def test_the_warning_in_khmer(client, setting):
    client.post("/language", data={"lang": "km"})
    response = client.post("/projects/new", data=complete_form(setting))
    warning = _warning(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "គម្រោងនេះប្រហែលជាបានចុះបញ្ជីរួចហើយ។" in warning
    assert "ចុះបញ្ជីវាទោះយ៉ាងណាក៏ដោយ វាជាគម្រោងផ្សេង" in warning
    assert "គម្រោងទឹកស្អាតជនបទ" in warning  # the project's Khmer title
    assert WARNING not in warning and CONFIRM not in warning


def test_titles_are_compared_as_words():
    assert normalise("  Rural WATER-supply,  phase II ") == "rural water supply phase ii"
    assert normalise("គម្រោង ទឹកស្អាត!") == "គម្រោង ទឹកស្អាត"  # Khmer signs are kept
    assert (
        title_similarity("rural water supply and sanitation", "sanitation and rural water supply")
        == 100
    )
    assert title_similarity("health", "health system strengthening") < 85
    pool = TitlePool([(1, "Rural water supply"), (2, "Teacher training"), (3, "")])
    assert [
        c.project_id
        for c in pool.best("rural water-supply", scorer=fuzz.token_set_ratio, cutoff=85, limit=None)
    ] == [1]
