"""A development partner registers and maintains a project through the form."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects.models import Project, ProjectChange
from tests import factories


@pytest.fixture
def setting(login_as):
    """A JICA-like partner user, a ministry, and EUR rates for 2022-2024."""
    partner = factories.organization(OrgKind.BILATERAL, acronym="JICAT", iati_ref="JP-8")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MOHT")
    for year, value in ((2022, "0.95"), (2023, "0.92"), (2024, "0.925")):
        factories.rate("EUR", year, value)
    user = login_as("dp", organization=partner)
    return {"partner": partner, "ministry": ministry, "user": user}


def complete_form(setting, **overrides) -> dict:
    data = {
        "title_en": "Rural water supply and sanitation",
        "title_km": "ការផ្គត់ផ្គង់ទឹកស្អាត និងអនាម័យជនបទ",
        "iati_identifier": "JP-8-2022-001",
        "reporting_org_id": setting["partner"].id,
        "lead_national_partner_id": setting["ministry"].id,
        "status": "2",
        "planned_start": "2022-01-01",
        "planned_end": "2026-12-31",
        "description": "Piped water for rural households.",
        "type_of_assistance": "grant",
        "modality": "project",
        "sectors-0-sector_code": "14030",
        "sectors-0-percentage": "60",
        "sectors-1-sector_code": "12220",
        "sectors-1-percentage": "40",
        "locations-0-province_code": "17",
        "locations-0-percentage": "50",
        "locations-1-province_code": "02",
        "locations-1-percentage": "30",
        "locations-2-province_code": "12",
        "locations-2-percentage": "20",
        "commitment_amount": "3,000,000",
        "commitment_currency": "EUR",
        "commitment_date": "2022-03-01",
        "funding-0-year": "2022",
        "funding-0-kind": "disbursement",
        "funding-0-amount": "950,000",
        "funding-0-currency": "EUR",
        "funding-1-year": "2023",
        "funding-1-kind": "disbursement",
        "funding-1-amount": "920000",
        "funding-1-currency": "EUR",
        "funding-2-year": "2024",
        "funding-2-kind": "disbursement",
        "funding-2-amount": "925000.50",
        "funding-2-currency": "EUR",
        "contact_name": "Hiroshi Tanaka",
        "contact_email": "tanaka@example.org",
    }
    data.update(overrides)
    return data


def _projects() -> int:
    return db.session.scalar(select(func.count()).select_from(Project))


def _errors(response) -> list[str]:
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'role="alert"[^>]*>([^<]+)<', response.get_data(as_text=True))
    ]


def test_partner_registers_a_complete_project(client, setting):
    response = client.post("/projects/new", data=complete_form(setting))
    assert response.status_code == 302, _errors(response)
    project = db.session.scalar(select(Project).where(Project.iati_identifier == "JP-8-2022-001"))
    assert project.title_km == "ការផ្គត់ផ្គង់ទឹកស្អាត និងអនាម័យជនបទ"
    assert sorted((s.sector_code, s.percentage) for s in project.sectors) == [
        ("12220", Decimal("40.00")),
        ("14030", Decimal("60.00")),
    ]
    assert len(project.locations) == 3
    # Each amount is kept as entered, with its USD value at the year's rate.
    assert [(f.year, f.amount, f.currency, f.amount_usd) for f in project.funding] == [
        (2022, Decimal("950000.00"), "EUR", Decimal("1000000.00")),
        (2023, Decimal("920000.00"), "EUR", Decimal("1000000.00")),
        (2024, Decimal("925000.50"), "EUR", Decimal("1000000.54")),
    ]
    assert project.disbursed_usd == Decimal("3000000.54")
    assert project.commitment_usd == Decimal("3157894.74")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3,157,894.74 USD" in page
    assert "0.95 EUR per USD" in page
    assert "ការផ្គត់ផ្គង់ទឹកស្អាត" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"sectors-1-percentage": "30"},
            None,
            "Sector percentages must add up to 100; they add up to 90",
        ),
        ({"locations-2-percentage": "25"}, None, "Location percentages must add up to 100"),
        ({"funding-1-amount": "-5"}, "funding-1-amount", "An amount cannot be negative."),
        ({"funding-1-amount": "lots"}, "funding-1-amount", "Enter a number"),
        ({"commitment_amount": "3 million"}, "commitment_amount", "Enter a number"),
        ({"funding-1-currency": "XXX"}, "funding-1-currency", "Not a valid choice."),
        ({"funding-1-year": "2021"}, "funding-1-currency", "No exchange rate for EUR in 2021"),
        ({"planned_end": "2021-12-31"}, "planned_end", "The end date is before the start date."),
        ({"iati_identifier": "GB-1-123"}, "iati_identifier", "It must start with JP-8-"),
        ({"nationwide": "y"}, None, "either nationwide or in named provinces, not both"),
        ({"funding-0-year": "2099"}, "funding-0-year", "cannot be in a future year"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(
    client, setting, overrides, field, message
):
    before = _projects()
    response = client.post("/projects/new", data=complete_form(setting, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert any(message in error for error in _errors(response)), _errors(response)
    if field:
        assert f'id="{field}-error"' in page
    # What was typed is still there.
    assert 'value="Rural water supply and sanitation"' in page
    assert _projects() == before


def test_a_ministry_cannot_be_replaced_by_an_external_lead(client, setting):
    other_partner = factories.organization(OrgKind.MULTILATERAL, acronym="ADBT")
    response = client.post(
        "/projects/new", data=complete_form(setting, lead_national_partner_id=other_partner.id)
    )
    assert response.status_code == 400
    assert any("ADBT is not a national organization" in e for e in _errors(response))


def test_duplicate_iati_identifier_is_refused(client, setting):
    assert client.post("/projects/new", data=complete_form(setting)).status_code == 302
    again = client.post("/projects/new", data=complete_form(setting, title_en="Copy"))
    assert again.status_code == 400
    assert "Another project already has this IATI identifier." in _errors(again)


def test_rows_are_added_and_removed_without_saving(client, setting):
    before = _projects()
    data = complete_form(setting, add_row="sectors")
    page = client.post("/projects/new", data=data).get_data(as_text=True)
    assert 'name="sectors-2-sector_code"' in page
    assert 'value="Rural water supply and sanitation"' in page
    data = complete_form(setting, remove_row="locations-1")
    page = client.post("/projects/new", data=data).get_data(as_text=True)
    assert 'name="locations-1-province_code"' not in page
    assert 'name="locations-2-province_code"' in page
    assert _projects() == before


def test_edit_records_each_changed_field(client, setting):
    client.post("/projects/new", data=complete_form(setting))
    project = db.session.scalar(select(Project))
    data = complete_form(
        setting, title_en="Rural water supply, phase II", version=str(project.version)
    )
    response = client.post(f"/projects/{project.id}/edit", data=data)
    assert response.status_code == 302, _errors(response)
    change = db.session.scalar(
        select(ProjectChange).where(
            ProjectChange.project_id == project.id,
            ProjectChange.field == "title_en",
            ProjectChange.old_value.is_not(None),
        )
    )
    assert change.old_value == "Rural water supply and sanitation"
    assert change.new_value == "Rural water supply, phase II"
    assert change.user_id == setting["user"].id
    history = client.get(f"/projects/{project.id}/history").get_data(as_text=True)
    assert "Rural water supply, phase II" in history


def test_second_save_on_an_old_version_is_refused_and_shows_what_changed(client, setting, app):
    client.post("/projects/new", data=complete_form(setting))
    project = db.session.scalar(select(Project))
    opened_version = str(project.version)
    # A colleague saves first.
    colleague = app.test_client()
    colleague_user = factories.user(role="dp", organization=setting["partner"])
    colleague.post(
        "/login", data={"email": colleague_user.email, "password": "correct horse battery"}
    )
    first = colleague.post(
        f"/projects/{project.id}/edit",
        data=complete_form(setting, title_en="Title from the colleague", version=opened_version),
    )
    assert first.status_code == 302
    # Then this user saves the form they opened before.
    second = client.post(
        f"/projects/{project.id}/edit",
        data=complete_form(setting, contact_phone="+855 12 345 678", version=opened_version),
    )
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Someone else saved this project while you were editing it." in page
    assert "Title from the colleague" in page  # what changed meanwhile
    assert 'value="+855 12 345 678"' in page  # this user's input is kept
    db.session.refresh(project)
    assert project.title_en == "Title from the colleague"  # nothing of the first is lost
    assert project.contact_phone is None


def test_the_identifier_help_and_error_name_the_partners_own_prefix(client, setting):
    page = client.get("/projects/new").get_data(as_text=True)
    assert "to IATI: JP-8-, then the activity" in page
    bad = client.post("/projects/new", data=complete_form(setting, iati_identifier="2022 001"))
    assert bad.status_code == 400
    expected = "An IATI identifier is JP-8 (the identifier of JICAT), a hyphen"
    assert any(expected in error for error in _errors(bad))
