"""Funding by source through the form: co-financiers, the government's counterpart, refusals."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services
from portal.projects.models import Project, ProjectChange
from portal.projects.sources import FundingSource
from tests import factories
from tests.projects.test_registration import _errors, complete_form


@pytest.fixture
def setting(login_as):
    partner = factories.organization(OrgKind.BILATERAL, acronym="JICAT", iati_ref="JP-8")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MOHT")
    cofinancier = factories.organization(OrgKind.MULTILATERAL, acronym="ADBT")
    for year, value in ((2022, "0.95"), (2023, "0.92"), (2024, "0.925")):
        factories.rate("EUR", year, value)
    user = login_as("dp", organization=partner)
    return {
        "partner": partner,
        "ministry": ministry,
        "cofinancier": cofinancier,
        "user": user,
    }


def co_financed(setting, **overrides) -> dict:
    """The registration form with ADBT as co-financier and the ministry's counterpart in kind."""
    return complete_form(
        setting,
        **{
            "sources-0-kind": "cofinancier",
            "sources-0-organization_id": str(setting["cofinancier"].id),
            "sources-1-kind": "counterpart",
            "sources-1-organization_id": str(setting["ministry"].id),
            "sources-1-in_kind": "y",
            # The reporting partner's commitment signed in 2022 (part of its total).
            "funding-3-year": "2022",
            "funding-3-source": "",
            "funding-3-kind": "commitment",
            "funding-3-amount": "2,000,000",
            "funding-3-currency": "EUR",
            "funding-4-year": "2023",
            "funding-4-source": "s0",
            "funding-4-kind": "commitment",
            "funding-4-amount": "5,000,000",
            "funding-4-currency": "USD",
            "funding-5-year": "2023",
            "funding-5-source": "s0",
            "funding-5-kind": "disbursement",
            "funding-5-amount": "1,250,000.25",
            "funding-5-currency": "USD",
            "funding-6-year": "2024",
            "funding-6-source": "s1",
            "funding-6-kind": "expenditure",
            "funding-6-amount": "92,500",
            "funding-6-currency": "EUR",
            **overrides,
        },
    )


def _project() -> Project:
    return db.session.scalar(select(Project).where(Project.iati_identifier == "JP-8-2022-001"))


def test_a_co_financed_project_keeps_each_sources_money_apart(client, setting):
    response = client.post("/projects/new", data=co_financed(setting))
    assert response.status_code == 302, _errors(response)
    project = _project()
    # The project's own figures stay the reporting partner's, to the cent.
    assert project.disbursed_usd == Decimal("3000000.54")
    assert project.commitment_usd == Decimal("3157894.74")
    sources = sorted(project.funding_sources, key=lambda s: s.position)
    assert [(s.kind, s.organization_id, s.in_kind) for s in sources] == [
        ("reporting", None, False),
        ("cofinancier", setting["cofinancier"].id, False),
        ("counterpart", setting["ministry"].id, True),
    ]
    assert [(a.year, a.kind, a.amount, a.amount_usd) for a in sources[0].amounts] == [
        (2022, "commitment", Decimal("2000000.00"), Decimal("2105263.16"))
    ]
    assert [(a.year, a.kind, a.amount_usd) for a in sources[1].amounts] == [
        (2023, "commitment", Decimal("5000000.00")),
        (2023, "disbursement", Decimal("1250000.25")),
    ]
    assert [(a.kind, a.currency, a.rate, a.amount_usd) for a in sources[2].amounts] == [
        ("expenditure", "EUR", Decimal("0.925"), Decimal("100000.00"))
    ]
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Funding by source" in page
    assert "Total financing, including co-financing and counterpart" in page
    # The reporting partner's total and ADBT's signed commitment: 3,157,894.74 + 5,000,000.
    assert "8,157,894.74" in page
    assert "4,250,000.79" in page  # disbursed: the partner's 3,000,000.54 and ADBT's
    assert "in kind" in page


def test_the_edit_page_shows_the_sources_and_a_save_changes_nothing(client, setting):
    client.post("/projects/new", data=co_financed(setting))
    project = _project()
    page = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert 'name="sources-1-in_kind"' in page
    assert f'<option selected value="{setting["cofinancier"].id}">' in page
    assert '<option selected value="s0">' in page
    version = project.version
    again = client.post(
        f"/projects/{project.id}/edit", data=co_financed(setting, version=str(version))
    )
    assert again.status_code == 302, _errors(again)
    changed = db.session.scalars(
        select(ProjectChange.field).where(
            ProjectChange.project_id == project.id, ProjectChange.version > version
        )
    ).all()
    assert "funding_sources" not in changed and "funding" not in changed
    # A save that changes the project raises its version once (an edit opened after it is
    # not refused as out of date, and a conflicting edit sees one change).
    db.session.expire_all()
    version = db.session.get(Project, project.id).version
    renamed = client.post(
        f"/projects/{project.id}/edit",
        data=co_financed(setting, version=str(version), title_en="Renamed with its sources"),
    )
    assert renamed.status_code == 302, _errors(renamed)
    db.session.expire_all()
    assert db.session.get(Project, project.id).version == version + 1


def test_a_change_of_source_is_in_the_history(client, setting):
    client.post("/projects/new", data=co_financed(setting))
    project = _project()
    response = client.post(
        f"/projects/{project.id}/edit",
        data=co_financed(setting, version=str(project.version), **{"funding-5-amount": "1"}),
    )
    assert response.status_code == 302, _errors(response)
    change = db.session.scalar(
        select(ProjectChange).where(
            ProjectChange.project_id == project.id, ProjectChange.field == "funding_sources"
        )
    )
    assert "2023 disbursement 1,250,000.25 USD" in change.old_value
    assert "2023 disbursement 1.00 USD" in change.new_value
    history = client.get(f"/projects/{project.id}/history").get_data(as_text=True)
    assert "Funding by source" in history


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"sources-0-organization_id": ""},
            "sources-0-organization_id",
            "Name the co-financier",
        ),
        (
            {"sources-0-organization_id": "PARTNER"},
            "sources-0-organization_id",
            "This is the reporting partner",
        ),
        (
            {"sources-0-organization_id": "MINISTRY"},
            "sources-0-organization_id",
            "MOHT is a national organization",
        ),
        (
            {"sources-0-in_kind": "y"},
            "sources-0-in_kind",
            "counterpart contribution is marked as in kind",
        ),
        (
            {"funding-5-source": "s7"},
            "funding-5-source",
            "source is no longer listed",
        ),
        ({"funding-6-year": "2099"}, "funding-6-year", "cannot be in a future year"),
        (
            {"funding-4-kind": "disbursement"},
            "funding-5-year",
            "This year already has a row of this kind and currency.",
        ),
    ],
)
def test_bad_sources_are_refused_beside_the_field(client, setting, overrides, field, message):
    names = {"PARTNER": setting["partner"].id, "MINISTRY": setting["ministry"].id}
    overrides = {key: str(names.get(value, value)) for key, value in overrides.items()}
    response = client.post("/projects/new", data=co_financed(setting, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert any(message in error for error in _errors(response)), _errors(response)
    assert f'id="{field}-error"' in page
    assert _project() is None


def test_removing_a_source_that_has_money_is_refused_until_its_rows_go(client, setting):
    client.post("/projects/new", data=co_financed(setting))
    project = _project()
    data = co_financed(setting, version=str(project.version))
    for key in ("sources-0-kind", "sources-0-organization_id"):
        data.pop(key)
    response = client.post(f"/projects/{project.id}/edit", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="funding-4-source-error"' in page
    assert "a source no longer listed" in page  # not silently the reporting partner
    db.session.refresh(project)
    assert len(project.funding_sources) == 3
    # With its rows removed too, the source goes.
    for key in [k for k in data if k.startswith(("funding-4-", "funding-5-"))]:
        data.pop(key)
    response = client.post(f"/projects/{project.id}/edit", data=data)
    assert response.status_code == 302, _errors(response)
    db.session.refresh(project)
    assert sorted(s.kind for s in project.funding_sources) == ["counterpart", "reporting"]
    # The counterpart, sent as row 1 while row 0 was gone, keeps its own money.
    counterpart = next(s for s in project.funding_sources if s.kind == "counterpart")
    assert [(a.year, a.kind) for a in counterpart.amounts] == [(2024, "expenditure")]


def test_an_import_without_sources_keeps_them(client, setting):
    client.post("/projects/new", data=co_financed(setting))
    project = _project()
    data = services.ProjectData(
        title_en="Rural water supply, as imported",
        reporting_org_id=setting["partner"].id,
        lead_national_partner_id=setting["ministry"].id,
        iati_identifier=project.iati_identifier,
        planned_start=project.planned_start,
        planned_end=project.planned_end,
        funding=[services.YearAmount(2023, "disbursement", Decimal("10"), "USD")],
        data_source="iati",
    )
    services.save_project(data, actor=setting["user"], project=project)
    db.session.flush()
    db.session.refresh(project)
    assert project.disbursed_usd == Decimal("10.00")
    assert len(project.funding_sources) == 3
    assert sum(len(s.amounts) for s in project.funding_sources) == 4


def test_every_new_project_has_its_reporting_source(client, setting):
    response = client.post("/projects/new", data=complete_form(setting))
    assert response.status_code == 302, _errors(response)
    project = _project()
    sources = db.session.scalars(
        select(FundingSource).where(FundingSource.project_id == project.id)
    ).all()
    assert [(s.kind, s.amounts) for s in sources] == [("reporting", [])]
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Funding by source" not in page  # nothing beyond the partner's own figures


def _score(project) -> tuple[int, list[str]]:
    db.session.refresh(project)
    return project.quality_score, [f["code"] for f in project.quality_findings]


def test_signed_commitments_above_the_total_are_a_finding_not_a_refusal(client, setting):
    client.post("/projects/new", data=complete_form(setting))
    project = _project()
    plain = _score(project)
    # Co-financiers' and the counterpart's money comes on top: the score does not move.
    response = client.post(
        f"/projects/{project.id}/edit",
        data=co_financed(setting, version=str(project.version), **{"funding-3-amount": "1"}),
    )
    assert response.status_code == 302, _errors(response)
    assert _score(project) == plain
    # The partner's own signed commitments above its total commitment: saved, and found.
    response = client.post(
        f"/projects/{project.id}/edit",
        data=co_financed(
            setting, version=str(project.version), **{"funding-3-amount": "3,000,000.01"}
        ),
    )
    assert response.status_code == 302, _errors(response)
    score, codes = _score(project)
    assert "sources_signed" in codes
    assert score == plain[0] - 2  # a third of the consistency check's 6 points
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "add up to more than the total commitment (3,157,894.74 USD)" in page


def test_a_new_yearly_row_is_an_actual_disbursement_unless_told_otherwise(client, login_as):
    """The browser sends a select's first option: the yearly table's kind starts at the actual
    disbursement, as it did before signed commitments and expenditure were offered."""
    import re

    login_as("dp")
    form = client.get("/projects/new").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="funding-0-kind"[^>]*>(.*?)</select>', form, re.S)
    assert select, "no kind select in the yearly table"
    first = re.search(r'<option[^>]*value="([^"]*)"', select[1])
    assert first and first[1] == "disbursement"
