"""Every form that keeps typed text gives it back when the database or the disk fails on save.

As the person who may use it, in Khmer, fill the form with values found nowhere else; the commit
fails (a full disk: 507; a lost connection: 503). The form comes back with each value typed, the
message that nothing was saved is in Khmer, and nothing was saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.alignment import services as alignment
from portal.alignment import workflow
from portal.alignment.models import Alignment, FigureComment, GovernmentFigure
from portal.commitments import reporting
from portal.commitments.models import Bottleneck, Commitment, RatingAssessment
from portal.errors import SAVE_FAILED
from portal.extensions import db
from portal.money.models import ExchangeRate
from portal.organizations.models import Organization, OrgKind
from portal.pilots.models import Dissemination, Lesson, Pilot, PilotStageChange
from portal.projects import services as project_services
from portal.reference.models import Sector, TechnicalWorkingGroup
from portal.reports.models import ReportJob
from portal.strategy.models import StrategyFramework
from tests import factories
from tests.alignment.test_pages import _review_data
from tests.commitments import helpers as commitment_helpers
from tests.commitments.test_commitment_form import form_data as commitment_form
from tests.conftest import TEST_PASSWORD
from tests.core.test_faults import database_error
from tests.pilots import helpers as pilot_helpers
from tests.pilots.test_pilots import form_data as pilot_form


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _checked(name: str, value: str) -> re.Pattern:
    """The radio button or checkbox `name` of `value`, ticked."""
    return re.compile(rf'<input(?=[^>]*name="{name}")(?=[^>]*value="{value}")[^>]*\bchecked\b')


def _selected(name: str, value: str) -> re.Pattern:
    """The option `value` of the list `name`, chosen."""
    return re.compile(
        rf'<select[^>]*name="{name}"[^>]*>(?:(?!</select>).)*'
        rf'<option(?=[^>]*value="{value}")[^>]*\bselected\b',
        re.DOTALL,
    )


@dataclass
class Case:
    url: str
    data: dict
    typed: list  # what must be in the page again (as the browser gets it): text or pattern
    saved: object  # () -> int: how many records hold the typed values (must stay 0)


# --- alignment ------------------------------------------------------------------------------


def _submitted_project():
    partner = factories.organization(OrgKind.BILATERAL, acronym="KOICAF")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MOEYSF")
    project = factories.project(
        reporting=partner,
        lead=ministry,
        title_en="Teacher training for the fault test",
        funding=[
            project_services.YearAmount(2022, "disbursement", Decimal("400000"), "USD"),
            project_services.YearAmount(2023, "disbursement", Decimal("600000"), "USD"),
        ],
    )
    partner_user = factories.user(role="dp", organization=partner)
    workflow.transition(project, "submit", actor=partner_user)
    return project, ministry


def review(login_as) -> Case:
    project, ministry = _submitted_project()
    login_as("ministry", organization=ministry, locale="km")
    rationale = "Trains 1,200 secondary teachers in Kampong Cham (rationale 7731)."
    comment = "Treasury ledger 7731 shows 551,234 for 2023."
    data = _review_data(
        rationale=rationale,
        **{"figures-1-amount": "551234", "figures-1-comment": comment},
    )
    return Case(
        f"/alignment/projects/{project.id}/review",
        data,
        [rationale, comment, 'value="551234"'],
        lambda: (
            _count(Alignment, Alignment.project_id == project.id)
            + _count(GovernmentFigure, GovernmentFigure.project_id == project.id)
        ),
    )


def figure_comment(login_as) -> Case:
    project, ministry = _submitted_project()
    minister = factories.user(role="ministry", organization=ministry)
    alignment.save_figures(
        project,
        [alignment.FigureData(2023, Decimal("550000"), "disputed", "Our books say 550,000.")],
        actor=minister,
    )
    figure = db.session.scalar(select(GovernmentFigure).where(GovernmentFigure.year == 2023))
    login_as("ministry", organization=ministry, locale="km")
    text = "The December transfer 7732 was booked in January."
    return Case(
        f"/alignment/figures/{figure.id}/comments",
        {"text": text},
        [text],
        lambda: _count(FigureComment, FigureComment.text == text),
    )


def return_with_reasons(login_as) -> Case:
    project, _ministry = _submitted_project()
    login_as("cdc", locale="km")
    reasons = "Name the 14 provinces of the schools (reasons 7733)."
    return Case(
        f"/alignment/projects/{project.id}/step/return",
        {"comment": reasons},
        [reasons],
        lambda: int(db.session.get(type(project), project.id).workflow_state != "submitted"),
    )


def service_standard(login_as) -> Case:
    login_as("cdc", locale="km")
    return Case(
        "/alignment/settings",
        {"service_standard_days": "47"},
        ['value="47"'],
        lambda: int(alignment.service_standard_days() == 47),
    )


# --- commitments ----------------------------------------------------------------------------


def commitment(login_as) -> Case:
    orgs = commitment_helpers.parties()
    login_as("cdc", locale="km")
    title = "Provinces with plans adopted on time (commitment 7741)"
    definition = "Provinces whose plan the council adopted by 30 June (7741)."
    data = commitment_form(orgs, title_en=title, indicator_definition=definition)
    return Case(
        "/commitments/new",
        data,
        [f'value="{title}"', definition, 'value="25"'],
        lambda: _count(Commitment, Commitment.title_en == title),
    )


def _reported():
    orgs = commitment_helpers.parties()
    item = commitment_helpers.commitment(orgs)
    lead_user = factories.user(role="ministry", organization=orgs["lead"])
    report = commitment_helpers.report(item, lead_user)
    return orgs, item, report, lead_user


def assessment(login_as) -> Case:
    orgs, _item, report, _lead = _reported()
    login_as("dp", organization=orgs["dp1"], locale="km")
    comment = "Treasury data 7742 shows 43 percent, not 44."
    prefix = f"r{report.id}-"
    return Case(
        f"/commitments/reports/{report.id}/assess",
        {prefix + "agrees": "no", prefix + "comment": comment},
        [comment, _checked(f"r{report.id}-agrees", "no")],
        lambda: _count(RatingAssessment, RatingAssessment.comment == comment),
    )


def bottleneck(login_as) -> Case:
    orgs, item, _report, _lead = _reported()
    login_as("dp", organization=orgs["dp1"], locale="km")
    title = "Disbursement plans arrive late (7743)"
    action = "Agree a common deadline with the treasury (7743)."
    return Case(
        f"/commitments/{item.id}/bottlenecks",
        {
            "title": title,
            "owner_id": str(orgs["dp2"].id),
            "action": action,
            "due_date": "2026-06-30",
        },
        [f'value="{title}"', action, 'value="2026-06-30"'],
        lambda: _count(Bottleneck, Bottleneck.title == title),
    )


def resolution(login_as) -> Case:
    orgs, item, _report, lead = _reported()
    open_one = reporting.add_bottleneck(
        item,
        reporting.BottleneckData(
            "Late plans", orgs["dp2"].id, "Agree a deadline.", date(2026, 1, 1)
        ),
        actor=lead,
    )
    login_as("dp", organization=orgs["dp1"], locale="km")
    text = "The treasury now sends plans by 15 January (7744)."
    return Case(
        f"/commitments/bottlenecks/{open_one.id}/resolve",
        {"resolution": text},
        [text],
        lambda: _count(Bottleneck, Bottleneck.resolution == text),
    )


# --- pilots ---------------------------------------------------------------------------------


def pilot(login_as) -> Case:
    orgs = pilot_helpers.partners()
    login_as("cdc", locale="km")
    name = "Programme-based approach for rural roads (7751)"
    purpose = "Pool the support of partners behind the road plan (7751)."
    return Case(
        "/pilots/new",
        pilot_form(orgs, name_en=name, purpose=purpose),
        [f'value="{name}"', purpose, 'value="2027-12-31"'],
        lambda: _count(Pilot, Pilot.name_en == name),
    )


def stage(login_as) -> Case:
    orgs = pilot_helpers.partners()
    item = pilot_helpers.pilot(orgs)
    login_as("cdc", locale="km")
    reason = "The independent evaluation 7752 is complete."
    return Case(
        f"/pilots/{item.id}/stage",
        {"stage": "evaluated", "reason": reason},
        [reason],
        lambda: _count(PilotStageChange, PilotStageChange.reason == reason),
    )


def lesson(login_as) -> Case:
    orgs = pilot_helpers.partners()
    item = pilot_helpers.pilot(orgs)
    login_as("dp", organization=orgs["external"], locale="km")
    text = "District workshops 7753 doubled the funded priorities."
    evidence = "Monitoring of 48 commune plans (7753)."
    return Case(
        f"/pilots/{item.id}/lessons",
        {
            "learned_on": "2025-03-15",
            "text": text,
            "evidence": evidence,
            "audience": "TWG on D&D 7753",
            "shared_on": "2025-04-10",
            "channel": "meeting 7753",
        },
        [text, evidence, 'value="TWG on D&amp;D 7753"', 'value="meeting 7753"'],
        lambda: _count(Lesson, Lesson.text == text),
    )


def dissemination(login_as) -> Case:
    orgs = pilot_helpers.partners()
    item = pilot_helpers.pilot(orgs)
    from portal.pilots import services as pilot_services

    learned = pilot_services.add_lesson(
        item,
        pilot_services.LessonData(date(2025, 3, 15), "A lesson.", "", "", None, ""),
        actor=factories.user(role="cdc"),
    )
    login_as("dp", organization=orgs["external"], locale="km")
    prefix = f"l{learned.id}-"
    return Case(
        f"/pilots/lessons/{learned.id}/disseminations",
        {
            prefix + "audience": "Provincial governors 7754",
            prefix + "shared_on": "2025-05-02",
            prefix + "channel": "letter 7754",
        },
        ['value="Provincial governors 7754"', 'value="letter 7754"', 'value="2025-05-02"'],
        lambda: _count(Dissemination, Dissemination.audience == "Provincial governors 7754"),
    )


# --- accounts and reference data ------------------------------------------------------------


def new_account(login_as) -> Case:
    partner = factories.organization(OrgKind.MULTILATERAL, acronym="ADBF")
    login_as("cdc", locale="km")
    return Case(
        "/admin/users/new",
        {
            "email": "sokha.7761@example.org",
            "name": "Sokha Chan 7761",
            "name_km": "សុខា ចាន់",
            "organization_id": partner.id,
            "role": "dp",
            "locale": "km",
            "active": "y",
        },
        ['value="sokha.7761@example.org"', 'value="Sokha Chan 7761"', 'value="សុខា ចាន់"'],
        lambda: _count(User, User.email == "sokha.7761@example.org"),
    )


def account(login_as) -> Case:
    partner = factories.organization(OrgKind.MULTILATERAL, acronym="ADBG")
    other = factories.user(role="dp", organization=partner, name="Before 7762")
    login_as("cdc", locale="km")
    return Case(
        f"/admin/users/{other.id}",
        {
            "email": other.email,
            "name": "Dara Kim 7762",
            "name_km": "ដារា គីម",
            "organization_id": partner.id,
            "role": "dp",
            "locale": "",
            "active": "y",
        },
        ['value="Dara Kim 7762"', 'value="ដារា គីម"'],
        lambda: _count(User, User.name == "Dara Kim 7762"),
    )


def password(login_as) -> Case:
    user = login_as("dp", locale="km")
    # Passwords are never written back into a page: the form comes back empty, unchanged.
    return Case(
        "/account/password",
        {
            "current_password": TEST_PASSWORD,
            "new_password": "a brand new passphrase 7763",
            "confirm": "a brand new passphrase 7763",
        },
        ['name="new_password"'],
        lambda: int(not db.session.get(User, user.id).check_password(TEST_PASSWORD)),
    )


def organization(login_as) -> Case:
    login_as("cdc", locale="km")
    return Case(
        "/admin/organizations/new",
        {
            "name_en": "Agency for Rural Roads 7771",
            "name_km": "ទីភ្នាក់ងារផ្លូវជនបទ",
            "acronym": "ARR7771",
            "kind": "bilateral",
            "iati_ref": "XM-7771",
            "iati_type": "",
            "active": "y",
        },
        [
            'value="Agency for Rural Roads 7771"',
            'value="ទីភ្នាក់ងារផ្លូវជនបទ"',
            'value="ARR7771"',
            'value="XM-7771"',
        ],
        lambda: _count(Organization, Organization.acronym == "ARR7771"),
    )


def exchange_rate(login_as) -> Case:
    login_as("cdc", locale="km")
    return Case(
        "/admin/exchange-rates/",
        {
            "currency_code": "EUR",
            "year": "2031",
            "units_per_usd": "0.9377",
            "source": "IMF IFS table 7772",
        },
        ['value="2031"', 'value="0.9377"', "IMF IFS table 7772"],
        lambda: _count(ExchangeRate, ExchangeRate.year == 2031),
    )


def working_group(login_as) -> Case:
    login_as("cdc", locale="km")
    return Case(
        "/admin/reference/twgs/new",
        {"name_en": "Rural roads 7773", "name_km": "ផ្លូវជនបទ", "acronym": "RR7773", "active": "y"},
        ['value="Rural roads 7773"', 'value="ផ្លូវជនបទ"', 'value="RR7773"'],
        lambda: _count(TechnicalWorkingGroup, TechnicalWorkingGroup.name_en == "Rural roads 7773"),
    )


def sector_name(login_as) -> Case:
    sector = db.session.scalar(select(Sector).order_by(Sector.code).limit(1))
    login_as("cdc", locale="km")
    return Case(
        f"/admin/reference/sectors/{sector.code}",
        {"name_km": "វិស័យ ៧៧៧៤"},
        ['value="វិស័យ ៧៧៧៤"'],
        lambda: _count(Sector, Sector.name_km == "វិស័យ ៧៧៧៤"),
    )


def framework(login_as) -> Case:
    login_as("cdc", locale="km")
    return Case(
        "/admin/strategy/",
        {
            "code": "PS7775",
            "name_en": "Pentagonal Strategy 7775",
            "name_km": "យុទ្ធសាស្ត្របញ្ចកោណ",
            "start_year": "2031",
            "end_year": "2035",
        },
        ['value="PS7775"', 'value="Pentagonal Strategy 7775"', 'value="2035"'],
        lambda: _count(StrategyFramework, StrategyFramework.code == "PS7775"),
    )


def report_builder(login_as) -> Case:
    login_as("cdc", locale="km")
    return Case(
        "/reports/new",
        {
            "year": "2023",
            "year_to": "2024",
            "scope": "country",
            "language": "km",
            "sections": ["key_figures", "pilots"],
            "action": "generate",
        },
        [_selected("year", "2023"), _selected("year_to", "2024"), _checked("language", "km")],
        lambda: _count(ReportJob),
    )


CASES = [
    review,
    figure_comment,
    return_with_reasons,
    service_standard,
    commitment,
    assessment,
    bottleneck,
    resolution,
    pilot,
    stage,
    lesson,
    dissemination,
    new_account,
    account,
    password,
    organization,
    exchange_rate,
    working_group,
    sector_name,
    framework,
    report_builder,
]


@pytest.mark.parametrize(("kind", "status"), [("full", 507), ("gone", 503)])
@pytest.mark.parametrize("make_case", CASES, ids=[case.__name__ for case in CASES])
def test_a_failed_save_gives_the_form_back_with_what_was_typed(
    client, login_as, backend, monkeypatch, make_case, kind, status
):
    case = make_case(login_as)
    db.session.commit()  # what the case set up stays when the request rolls back

    def commit_fails():
        raise database_error(backend, kind)

    monkeypatch.setattr(db.session, "commit", commit_fails)
    response = client.post(case.url, data=case.data)
    monkeypatch.undo()

    page = response.get_data(as_text=True)
    assert response.status_code == status, page[:2000]
    assert "Traceback" not in page
    assert '<html lang="km"' in page
    with force_locale("km"):
        assert str(escape(str(SAVE_FAILED[status]))) in page
    assert 'method="post"' in page  # the form, not an error page
    for typed in case.typed:
        found = typed.search(page) if isinstance(typed, re.Pattern) else typed in page
        assert found, f"{typed!r} is not in the page"
    db.session.expire_all()
    assert case.saved() == 0
