"""The round's checks on the money beyond the disbursements: loan terms, signed commitments,
expenditure and results. Each is found, then cleared by the partner's correction."""

from datetime import date, timedelta
from decimal import Decimal

from portal.loans import services as loans
from portal.loans.rules import LoanData
from portal.projects import quality
from portal.projects.services import save_project
from portal.results import services as results
from portal.results.rules import IndicatorData, PeriodData
from portal.rounds import checks, services
from portal.spreadsheets.compare import data_from_project
from tests import factories
from tests.rounds import scenario
from tests.rounds.scenario import YEAR, money

# A project the round's older checks find complete: an actual of 2025, a plan of 2026.
COMPLETE = [money(YEAR, "disbursement", "100000"), money(YEAR + 1, "planned", "100000")]


def _round(world):
    return services.open_round(YEAR, date.today() + timedelta(days=5), actor=world.cdc_user)


def _project(world, **fields):
    # sources=[]: the reporting partner alone, with its signed commitments and expenditure.
    values = {"planned_end": date(2028, 12, 31), "funding": list(COMPLETE), "sources": []}
    values |= fields
    return factories.project(world.partner, world.ministry, actor=world.partner_user, **values)


def _resave(project, world, **changes):
    data = data_from_project(project)
    for name, value in changes.items():
        setattr(data, name, value)
    save_project(data, actor=world.partner_user, project=project)


def _found(round_, world, project) -> list[str]:
    return checks.findings(round_, world.partner.id).get(project.id, [])


def test_the_money_checks_are_the_data_quality_findings_of_the_same_name():
    assert set(checks.QUALITY_CHECKS) <= set(quality.FINDING_TEXT)


def test_a_loan_without_terms_is_found_until_its_terms_are_saved():
    world = scenario.build()
    loan = _project(world, title_en="Provincial roads loan", type_of_assistance="loan")
    grant = _project(world, title_en="Provincial roads grant", type_of_assistance="grant")
    round_ = _round(world)
    assert _found(round_, world, loan) == ["loan_terms"]
    assert _found(round_, world, grant) == []
    # Terms that give no grant element (no repayment type) leave it found.
    partial = LoanData(interest_rate=Decimal("1.5"), maturity_years=Decimal("30"))
    loans.save_terms(loan, partial, actor=world.partner_user)
    assert _found(round_, world, loan) == ["loan_terms"]
    complete = LoanData(
        interest_rate=Decimal("1.5"),
        maturity_years=Decimal("30"),
        grace_years=Decimal("10"),
        repayment_type="1",
    )
    loans.save_terms(loan, complete, actor=world.partner_user)
    assert _found(round_, world, loan) == []


def test_signed_commitments_above_the_total_are_found_until_they_fit():
    world = scenario.build()
    signed = [money(2024, "commitment", "700000"), money(YEAR, "commitment", "400000")]
    project = _project(world, title_en="Schools", funding=COMPLETE + signed)
    round_ = _round(world)
    # 1,100,000 signed against a total commitment of 1,000,000.
    assert _found(round_, world, project) == ["sources_signed"]
    _resave(project, world, commitment_amount=Decimal("1100000"))
    assert _found(round_, world, project) == []


def test_expenditure_reported_before_but_not_for_the_year_is_found():
    world = scenario.build()
    project = _project(
        world, title_en="Clinics", funding=COMPLETE + [money(2024, "expenditure", "80000")]
    )
    never = _project(world, title_en="Wells")  # reports no expenditure: not asked
    round_ = _round(world)
    assert _found(round_, world, project) == ["missing_expenditure"]
    assert _found(round_, world, never) == []
    _resave(
        project,
        world,
        funding=COMPLETE
        + [money(2024, "expenditure", "80000"), money(YEAR, "expenditure", "95000")],
        sources=[],
    )
    assert _found(round_, world, project) == []


def test_an_indicator_with_a_target_and_no_actual_for_the_year_is_found():
    world = scenario.build()
    project = _project(world, title_en="Safer births")
    result = results.save_result(
        project, results.ResultData("2", "Safer births"), actor=world.partner_user
    )

    def indicator(actual_2025: str | None, existing=None):
        return results.save_indicator(
            result,
            IndicatorData(
                title="Births attended by skilled personnel",
                measure="2",
                baseline_year=2022,
                baseline_value="71.5",
                periods=[
                    PeriodData(date(2024, 1, 1), date(2024, 12, 31), "75", None, "74.2"),
                    PeriodData(date(YEAR, 1, 1), date(YEAR, 12, 31), "80", None, actual_2025),
                    # The next year's target has no actual yet, rightly.
                    PeriodData(date(YEAR + 1, 1, 1), date(YEAR + 1, 12, 31), "85"),
                ],
            ),
            actor=world.partner_user,
            indicator=existing,
        )

    made = indicator(None)
    round_ = _round(world)
    assert _found(round_, world, project) == ["missing_result"]
    indicator("81.3", existing=made)
    assert _found(round_, world, project) == []


def test_a_qualitative_indicator_or_an_explained_gap_is_not_found():
    world = scenario.build()
    project = _project(world, title_en="Water governance")
    result = results.save_result(
        project, results.ResultData("2", "Water governance"), actor=world.partner_user
    )

    def indicator(period: PeriodData, existing=None):
        return results.save_indicator(
            result,
            IndicatorData(title="Commune water plans", measure="5", periods=[period]),
            actor=world.partner_user,
            indicator=existing,
        )

    year = (date(YEAR, 1, 1), date(YEAR, 12, 31))
    made = indicator(PeriodData(*year, target_comment="Every commune has a plan"))
    round_ = _round(world)
    assert _found(round_, world, project) == ["missing_result"]  # a target in words, no actual
    indicator(
        PeriodData(
            *year, target_comment="Every commune has a plan", actual_comment="Survey in May"
        ),
        existing=made,
    )
    assert _found(round_, world, project) == []


def test_the_checklist_names_the_money_checks_beside_the_project(client):
    world = scenario.build()
    _project(world, title_en="Provincial roads loan", type_of_assistance="loan")
    _round(world)
    client.post("/logout")
    client.post(
        "/login", data={"email": world.partner_user.email, "password": "correct horse battery"}
    )
    page = client.get(f"/rounds/{YEAR}/checklist").get_data(as_text=True)
    row = page[page.index("Provincial roads loan") :]
    row = row[: row.index("</fieldset>")]
    assert "A loan without its terms (interest, maturity, grace period, repayment)" in row
    # The return counts it with the other checks still failing.
    assert (
        "A loan without its terms (interest, maturity, grace period, repayment): <strong>1</strong>"
        in page
    )
