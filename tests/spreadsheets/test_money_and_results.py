"""Funding sources, loan terms and results through the project workbook: download, edit,
upload, preview, confirm; blanks keep, impossible values are refused where they are, a refused
or conflicting file changes nothing, and the sheets are a partner's own projects only."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.loans import services as loans
from portal.loans.models import LoanTerms
from portal.organizations.models import OrgKind
from portal.projects.models import Project, ProjectChange
from portal.projects.sources import FundingSource
from portal.results import services as results
from portal.results.models import ProjectResult, ResultIndicator
from portal.results.rules import IndicatorData, of_indicator
from tests import factories
from tests.spreadsheets.conftest import (
    cell,
    confirm_token,
    download,
    fill_row,
    problems,
    rows_of,
    set_cell,
    to_bytes,
    upload,
)

REF = "Project (portal ID or your reference)"
NEW_SHEETS = [
    "Funding sources",
    "Money by source",
    "Loan terms",
    "Result indicators",
    "Indicator values",
]


def _confirm(client, preview):
    assert preview.status_code == 200, problems(preview) if "problems" in preview.text else ""
    result = client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    assert result.status_code == 200, result.text
    db.session.expire_all()
    return result


def _money(project_id: int) -> list[tuple]:
    """Every source's money: (kind, organization, in kind, year, kind, amount, currency, USD)."""
    db.session.expire_all()
    sources = db.session.scalars(
        select(FundingSource).where(FundingSource.project_id == project_id)
    )
    return sorted(
        (
            s.kind,
            s.organization.acronym if s.organization else "",
            s.in_kind,
            row.year,
            row.kind,
            row.amount,
            row.currency,
            row.amount_usd,
        )
        for s in sources
        for row in s.amounts
    )


def _state(project_id: int) -> tuple:
    """What a refused upload must leave as it was."""
    db.session.expire_all()
    project = db.session.get(Project, project_id)
    loan = db.session.scalar(select(LoanTerms).where(LoanTerms.project_id == project_id))
    indicators = db.session.scalars(
        select(ResultIndicator).join(ProjectResult).where(ProjectResult.project_id == project_id)
    )
    return (
        project.version,
        project.title_en,
        _money(project_id),
        loans.data_of(loan),
        loan.version if loan else None,
        [(i.version, of_indicator(i)) for i in indicators],
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
        db.session.scalar(select(func.count()).select_from(ProjectChange)),
    )


def _sheet_row(book, sheet: str, project_id: int, index: int = 0) -> int:
    return rows_of(book[sheet], project_id)[index]


def test_the_workbook_carries_sources_loans_and_results(client, financed):
    roads = financed["roads"]
    book = download(client)
    assert set(NEW_SHEETS) <= set(book.sheetnames)
    assert book.sheetnames[: len(NEW_SHEETS) + 5] == [
        "Read me",
        "Projects",
        "Yearly funding",
        "Locations",
        "Sectors",
        *NEW_SHEETS,
    ]

    sources = book["Funding sources"]
    listed = [
        (cell(sources, n, "Source kind").value, cell(sources, n, "Organization").value)
        for n in rows_of(sources, roads.id)
    ]
    assert listed == [
        ("cofinancier — Co-financier", "ADBS"),
        ("counterpart — Government counterpart", "MEFS"),
    ]
    assert cell(sources, rows_of(sources, roads.id)[1], "In kind").value == "Yes"

    money = book["Money by source"]
    amounts = sorted(
        (
            cell(money, n, "Organization").value,
            cell(money, n, "Kind").value.split(" — ")[0],
            cell(money, n, "Amount").value,
            cell(money, n, "Currency").value,
        )
        for n in rows_of(money, roads.id)
    )
    assert amounts == [
        ("ADBS", "commitment", 28000000, "JPY"),
        ("ADBS", "disbursement", 14000000, "JPY"),
        ("JICAS", "commitment", 1000000, "USD"),
        ("MEFS", "expenditure", 50000, "USD"),
    ]

    terms = book["Loan terms"]
    (row,) = rows_of(terms, roads.id)
    assert cell(terms, row, "Maturity (years)").value == 30
    assert cell(terms, row, "Grace period (years)").value == 8
    assert cell(terms, row, "Interest rate (percent a year)").value == 1.25
    assert cell(terms, row, "Version (do not change)").value == financed["loan"].version

    indicators = book["Result indicators"]
    (row,) = rows_of(indicators, roads.id)
    assert cell(indicators, row, "Indicator").value == "Km of road paved"
    assert cell(indicators, row, "Result").value == "Roads built"
    values = book["Indicator values"]
    assert len(rows_of(values, roads.id)) == 2


def test_an_unchanged_download_changes_nothing(client, financed):
    before = _state(financed["roads"].id)
    preview = upload(client, to_bytes(download(client)))
    assert preview.status_code == 200
    assert "The file changes nothing" in preview.text
    assert 'name="token"' not in preview.text
    assert _state(financed["roads"].id) == before


def test_sources_and_their_money_are_saved_in_one_version(client, financed):
    roads = financed["roads"]
    version = roads.version
    factories.organization(OrgKind.MULTILATERAL, acronym="WBS")
    book = download(client)
    sources, money = book["Funding sources"], book["Money by source"]
    fill_row(sources, {REF: roads.id, "Source kind": "cofinancier", "Organization": "WBS"})
    adb_disbursement = next(
        n
        for n in rows_of(money, roads.id)
        if cell(money, n, "Kind").value.startswith("disbursement")
    )
    cell(money, adb_disbursement, "Amount").value = 7000000
    fill_row(
        money,
        {
            REF: roads.id,
            "Source kind": "cofinancier",
            "Organization": "WBS",
            "Year": 2023,
            "Kind": "commitment",
            "Amount": 2800000,
            "Currency": "JPY",
        },
    )
    set_cell(book["Projects"], roads.id, "Objectives", "Pave 40 km.")

    preview = upload(client, to_bytes(book))
    assert "Funding sources" in preview.text
    _confirm(client, preview)

    assert _money(roads.id) == [
        (
            "cofinancier",
            "ADBS",
            False,
            2023,
            "commitment",
            Decimal("28000000.00"),
            "JPY",
            Decimal("200000.00"),
        ),
        (
            "cofinancier",
            "ADBS",
            False,
            2023,
            "disbursement",
            Decimal("7000000.00"),
            "JPY",
            Decimal("50000.00"),
        ),
        (
            "cofinancier",
            "WBS",
            False,
            2023,
            "commitment",
            Decimal("2800000.00"),
            "JPY",
            Decimal("20000.00"),
        ),
        (
            "counterpart",
            "MEFS",
            True,
            2023,
            "expenditure",
            Decimal("50000.00"),
            "USD",
            Decimal("50000.00"),
        ),
        (
            "reporting",
            "",
            False,
            2023,
            "commitment",
            Decimal("1000000.00"),
            "USD",
            Decimal("1000000.00"),
        ),
    ]
    project = db.session.get(Project, roads.id)
    assert project.objectives == "Pave 40 km."
    # The project's fields and its sources in one save: one version more, both in its history.
    assert project.version == version + 1
    fields = set(
        db.session.scalars(
            select(ProjectChange.field).where(
                ProjectChange.project_id == roads.id, ProjectChange.version == version + 1
            )
        )
    )
    assert {"objectives", "funding_sources"} <= fields
    # The reporting partner's disbursements are where they were.
    assert [(f.year, f.kind, f.amount) for f in project.funding] == [
        (2023, "disbursement", Decimal("500000.00"))
    ]


def test_blank_cells_keep_sources_terms_and_results(client, financed):
    roads = financed["roads"]
    before = _state(roads.id)
    book = download(client)
    sources, money = book["Funding sources"], book["Money by source"]
    for n in rows_of(sources, roads.id):
        cell(sources, n, "In kind").value = None
    for n in rows_of(money, roads.id):
        cell(money, n, "Amount").value = None
        cell(money, n, "In kind").value = None
    terms = book["Loan terms"]
    (row,) = rows_of(terms, roads.id)
    for header in ("Maturity (years)", "Grace period (years)", "Interest rate (percent a year)"):
        cell(terms, row, header).value = None
    indicators = book["Result indicators"]
    (row,) = rows_of(indicators, roads.id)
    for header in ("Measure", "Baseline value", "Baseline year", "Result type"):
        cell(indicators, row, header).value = None
    values = book["Indicator values"]
    for n in rows_of(values, roads.id):
        cell(values, n, "Target").value = None
        cell(values, n, "Actual").value = None

    preview = upload(client, to_bytes(book))
    assert preview.status_code == 200
    assert "The file changes nothing" in preview.text
    assert _state(roads.id) == before


def test_loan_terms_are_saved_without_raising_the_projects_version_twice(client, financed):
    roads = financed["roads"]
    version, loan_version = roads.version, financed["loan"].version
    book = download(client)
    terms = book["Loan terms"]
    (row,) = rows_of(terms, roads.id)
    cell(terms, row, "Interest rate type").value = "variable"
    cell(terms, row, "Reference of a variable rate").value = "6-month SOFR + 0.5"
    cell(terms, row, "Interest rate (percent a year)").value = 5.125
    cell(terms, row, "Maturity (years)").value = 25
    set_cell(book["Projects"], roads.id, "Objectives", "Pave 40 km.")
    _confirm(client, upload(client, to_bytes(book)))

    loan = db.session.scalar(select(LoanTerms).where(LoanTerms.project_id == roads.id))
    assert (loan.rate_type, loan.reference_rate) == ("variable", "6-month SOFR + 0.5")
    assert loan.interest_rate == Decimal("5.125")
    assert loan.maturity_years == Decimal("25") and loan.grace_years == Decimal("8")
    assert loan.version == loan_version + 1
    assert db.session.get(Project, roads.id).version == version + 1

    # The terms alone: the project itself is not saved again.
    book = download(client)
    terms = book["Loan terms"]
    cell(terms, rows_of(terms, roads.id)[0], "Grace period (years)").value = 10
    _confirm(client, upload(client, to_bytes(book)))
    assert db.session.get(Project, roads.id).version == version + 1
    loan = db.session.scalar(select(LoanTerms).where(LoanTerms.project_id == roads.id))
    assert loan.grace_years == Decimal("10")


def test_results_are_changed_and_added(client, financed):
    roads, indicator = financed["roads"], financed["indicator"]
    version, indicator_version = roads.version, indicator.version
    book = download(client)
    values = book["Indicator values"]
    second = rows_of(values, roads.id)[1]
    cell(values, second, "Actual").value = 35
    fill_row(
        values,
        {
            REF: roads.id,
            "Indicator (portal ID or its title)": indicator.id,
            "Period start": date(2025, 1, 1),
            "Period end": date(2025, 12, 31),
            "Target": 60,
        },
    )
    fill_row(
        book["Result indicators"],
        {
            REF: roads.id,
            "Result": "Travel is faster",
            "Result type": "2",
            "Indicator": "Minutes to the district hospital",
            "Measure": "1",
            "Higher is better": "No",
            "Baseline year": 2022,
            "Baseline value": 90,
        },
    )
    fill_row(
        values,
        {
            REF: roads.id,
            "Indicator (portal ID or its title)": "Minutes to the district hospital",
            "Period start": date(2026, 1, 1),
            "Period end": date(2026, 12, 31),
            "Target": 45,
        },
    )
    _confirm(client, upload(client, to_bytes(book)))

    changed = db.session.get(ResultIndicator, indicator.id)
    assert [(p.period_start.year, p.target_value, p.actual_value) for p in changed.periods] == [
        (2023, "20", "18"),
        (2024, "40", "35"),
        (2025, "60", None),
    ]
    assert changed.version == indicator_version + 1
    added = db.session.scalar(
        select(ResultIndicator).where(ResultIndicator.title == "Minutes to the district hospital")
    )
    assert added.result.title == "Travel is faster" and added.result.result_type == "2"
    assert added.ascending is False and added.baseline_value == "90"
    assert [(p.period_start.year, p.target_value) for p in added.periods] == [(2026, "45")]
    # Results keep versions of their own, as on the results page: the project is not saved.
    assert db.session.get(Project, roads.id).version == version


@pytest.mark.parametrize(
    ("sheet", "header", "value", "column", "message"),
    [
        (
            "Funding sources",
            "Source kind",
            "donor",
            "Source kind (C)",
            "Choose a co-financier, the government's counterpart or another national source.",
        ),
        (
            "Funding sources",
            "Organization",
            "NOPE",
            "Organization (D)",
            "No organization has the acronym NOPE.",
        ),
        (
            "Money by source",
            "Amount",
            -5,
            "Amount (H)",
            "An amount cannot be negative.",
        ),
        (
            "Loan terms",
            "Grace period (years)",
            40,
            "Grace period (years) (I)",
            "The grace period cannot be longer than the maturity.",
        ),
        (
            "Loan terms",
            "Interest rate (percent a year)",
            45,
            "Interest rate (percent a year) (F)",
            "An interest rate is between -1 % and 30 % a year",
        ),
        (
            "Result indicators",
            "Measure",
            "7",
            "Measure (G)",
            "Choose how the indicator is measured.",
        ),
        (
            "Result indicators",
            "Result type",
            "2",
            "Result type (D)",
            "The result Roads built is of the kind Output: change a result's kind on the",
        ),
        (
            "Indicator values",
            "Actual",
            "many",
            "Actual (H)",
            "This indicator is measured in numbers: give a number",
        ),
    ],
)
def test_an_impossible_value_is_refused_at_its_cell_and_nothing_changes(
    client, financed, sheet, header, value, column, message
):
    roads, health = financed["roads"], financed["health"]
    before, health_version = _state(roads.id), health.version
    book = download(client)
    row = _sheet_row(book, sheet, roads.id)
    cell(book[sheet], row, header).value = value
    # Valid changes elsewhere in the file are not saved either.
    set_cell(book["Projects"], roads.id, "Objectives", "Pave 40 km.")
    set_cell(book["Projects"], health.id, "Objectives", "Equip three hospitals.")

    preview = upload(client, to_bytes(book))
    assert preview.status_code == 400
    assert 'name="token"' not in preview.text
    found = problems(preview)
    assert any((s, r, c) == (sheet, str(row), column) and message in m for s, r, c, m in found), (
        found
    )
    assert _state(roads.id) == before
    assert db.session.get(Project, health.id).version == health_version


def test_refusals_are_in_the_users_language(client, financed):
    book = download(client)
    financed["user"].locale = "km"
    db.session.flush()
    terms = book["Loan terms"]
    row = rows_of(terms, financed["roads"].id)[0]
    cell(terms, row, "Grace period (years)").value = 40
    sources = book["Funding sources"]
    cell(sources, rows_of(sources, financed["roads"].id)[0], "Organization").value = "NOPE"
    messages = [m for *_place, m in problems(upload(client, to_bytes(book)))]
    assert "រយៈពេលអនុគ្រោះមិនអាចវែងជាងរយៈពេលកម្ចីបានទេ។" in messages
    assert "គ្មានអង្គភាពណាមានអក្សរកាត់ NOPE ទេ។" in messages


def test_a_source_with_money_cannot_be_left_out(client, financed):
    roads = financed["roads"]
    before = _state(roads.id)
    book = download(client)
    sources, money = book["Funding sources"], book["Money by source"]
    for c in sources[rows_of(sources, roads.id)[0]]:
        c.value = None
    # Its money named on Money by source: refused there.
    found = problems(upload(client, to_bytes(book)))
    assert any(
        s == "Money by source" and c == "Source kind (C)" and "no such funding source" in m
        for s, _r, c, m in found
    ), found
    # No rows of the project on Money by source: its money is kept, and still names the source.
    for number in rows_of(money, roads.id):
        for c in money[number]:
            c.value = None
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 400
    found = problems(preview)
    assert any(
        s == "Funding sources" and "This row's source is no longer listed" in m
        for s, _r, _c, m in found
    ), found
    assert _state(roads.id) == before


def test_money_of_an_unlisted_source_is_refused(client, financed):
    roads = financed["roads"]
    before = _state(roads.id)
    book = download(client)
    number = fill_row(
        book["Money by source"],
        {
            REF: roads.id,
            "Source kind": "national",
            "Organization": "MOES",
            "Year": 2023,
            "Kind": "commitment",
            "Amount": 1000,
            "Currency": "USD",
        },
    )
    found = problems(upload(client, to_bytes(book)))
    assert ("Money by source", str(number), "Source kind (C)") in [f[:3] for f in found]
    assert _state(roads.id) == before


def test_loan_terms_saved_after_the_download_are_not_overwritten(client, financed):
    roads = financed["roads"]
    book = download(client)
    terms = book["Loan terms"]
    row = rows_of(terms, roads.id)[0]
    cell(terms, row, "Maturity (years)").value = 20
    data = loans.data_of(financed["loan"])
    data.grace_years = Decimal("5")
    loans.save_terms(roads, data, actor=None)
    db.session.flush()
    before = _state(roads.id)

    found = problems(upload(client, to_bytes(book)))
    assert any(
        (s, r, c) == ("Loan terms", str(row), "Version (do not change) (P)")
        and "were saved in the portal after this file was made" in m
        for s, r, c, m in found
    ), found
    assert _state(roads.id) == before


def test_an_indicator_saved_after_the_download_is_not_overwritten(client, financed):
    roads, indicator = financed["roads"], financed["indicator"]
    book = download(client)
    values = book["Indicator values"]
    cell(values, rows_of(values, roads.id)[0], "Actual").value = 19
    data = of_indicator(indicator)
    data.baseline_value = "1"
    results.save_indicator(indicator.result, data, actor=None, indicator=indicator)
    db.session.flush()
    before = _state(roads.id)

    found = problems(upload(client, to_bytes(book)))
    row = rows_of(book["Result indicators"], roads.id)[0]
    assert any(
        (s, r) == ("Result indicators", str(row))
        and "was saved in the portal after this file was made" in m
        for s, r, _c, m in found
    ), found
    assert _state(roads.id) == before


def test_a_change_between_preview_and_confirm_saves_nothing(client, financed):
    roads = financed["roads"]
    book = download(client)
    terms = book["Loan terms"]
    cell(terms, rows_of(terms, roads.id)[0], "Maturity (years)").value = 20
    set_cell(book["Projects"], roads.id, "Objectives", "Pave 40 km.")
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 200
    data = loans.data_of(financed["loan"])
    data.repayment_plan = "4"
    loans.save_terms(roads, data, actor=None)
    db.session.flush()
    before = _state(roads.id)

    result = client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    assert result.status_code == 409
    assert _state(roads.id) == before


def test_the_sheets_reach_only_the_partners_own_projects(client, financed, login_as):
    other = factories.project(
        reporting=factories.organization(OrgKind.BILATERAL, acronym="KFWS"),
        lead=financed["moh"],
        title_en="Someone else's loan",
        type_of_assistance="loan",
    )
    before = _state(other.id)
    book = download(client)
    number = fill_row(
        book["Loan terms"],
        {REF: other.id, "Maturity (years)": 10, "Grace period (years)": 2},
    )
    indicator_row = fill_row(
        book["Result indicators"],
        {REF: other.id, "Result": "Anything", "Result type": "1", "Indicator": "X", "Measure": "1"},
    )
    source_row = fill_row(
        book["Funding sources"],
        {REF: other.id, "Source kind": "cofinancier", "Organization": "ADBS"},
    )
    found = problems(upload(client, to_bytes(book)))
    places = [f[:3] for f in found]
    assert ("Loan terms", str(number), f"{REF} (A)") in places
    assert ("Result indicators", str(indicator_row), f"{REF} (A)") in places
    assert ("Funding sources", str(source_row), f"{REF} (A)") in places
    assert _state(other.id) == before

    # Named on the Projects sheet too, the project is still not the partner's to change.
    sheet = book["Projects"]
    fill_row(sheet, {"Portal ID": other.id, "Version (do not change)": other.version})
    found = problems(upload(client, to_bytes(book)))
    assert ("Projects", f"There is no project {other.id}.") in [(f[0], f[3]) for f in found]
    assert _state(other.id) == before


def test_a_new_project_comes_with_its_sources_loan_and_results(client, financed):
    book = download(client)
    fill_row(
        book["Projects"],
        {
            "Partner's own reference": "JICA-L-9",
            "Title": "Irrigation loan Takeo",
            "Lead national partner": "MOHS",
            "Nationwide": "Yes",
            "Type of assistance": "loan",
        },
    )
    fill_row(
        book["Funding sources"],
        {REF: "JICA-L-9", "Source kind": "cofinancier", "Organization": "ADBS"},
    )
    fill_row(
        book["Money by source"],
        {
            REF: "JICA-L-9",
            "Source kind": "cofinancier",
            "Organization": "ADBS",
            "Year": 2023,
            "Kind": "commitment",
            "Amount": 1400000,
            "Currency": "JPY",
        },
    )
    fill_row(
        book["Loan terms"],
        {
            REF: "JICA-L-9",
            "Interest rate (percent a year)": 0.01,
            "Maturity (years)": 40,
            "Grace period (years)": 10,
            "Repayment type": "1",
        },
    )
    fill_row(
        book["Result indicators"],
        {
            REF: "JICA-L-9",
            "Result": "Fields watered",
            "Result type": "1",
            "Indicator": "Hectares",
            "Measure": "1",
        },
    )
    _confirm(client, upload(client, to_bytes(book)))

    project = db.session.scalar(select(Project).where(Project.partner_ref == "JICA-L-9"))
    assert project.version == 1
    assert _money(project.id) == [
        (
            "cofinancier",
            "ADBS",
            False,
            2023,
            "commitment",
            Decimal("1400000.00"),
            "JPY",
            Decimal("10000.00"),
        )
    ]
    loan = db.session.scalar(select(LoanTerms).where(LoanTerms.project_id == project.id))
    assert (loan.interest_rate, loan.maturity_years, loan.grace_years) == (
        Decimal("0.01"),
        Decimal("40"),
        Decimal("10"),
    )
    (result,) = results.results_of(project)
    assert [i.title for i in result.indicators] == ["Hectares"]


def test_signed_commitments_go_with_their_source(client, financed):
    roads = financed["roads"]
    before = _state(roads.id)
    book = download(client)
    number = fill_row(
        book["Yearly funding"],
        {REF: roads.id, "Year": 2024, "Kind": "commitment", "Amount": 5, "Currency": "USD"},
    )
    found = problems(upload(client, to_bytes(book)))
    assert any(
        (s, r, c) == ("Yearly funding", str(number), "Kind (D)") and "Money by source" in m
        for s, r, c, m in found
    ), found
    assert _state(roads.id) == before


def test_an_indicator_of_another_project_is_not_reached(client, financed):
    roads, health = financed["roads"], financed["health"]
    other_result = results.save_result(
        factories.project(title_en="Not the partner's"),
        results.ResultData("1", "Elsewhere"),
        actor=None,
    )
    foreign = results.save_indicator(
        other_result, IndicatorData(title="Foreign", measure="1"), actor=None
    )
    db.session.flush()
    before = (_state(roads.id), of_indicator(foreign), foreign.version)
    book = download(client)
    number = fill_row(
        book["Result indicators"],
        {REF: health.id, "Result": "Elsewhere", "Indicator ID": foreign.id, "Baseline value": 5},
    )
    value_row = fill_row(
        book["Indicator values"],
        {
            REF: roads.id,
            "Indicator (portal ID or its title)": foreign.id,
            "Period start": date(2024, 1, 1),
            "Period end": date(2024, 12, 31),
            "Actual": 3,
        },
    )
    places = [f[:3] for f in problems(upload(client, to_bytes(book)))]
    assert ("Result indicators", str(number), "Indicator ID (E)") in places
    assert ("Indicator values", str(value_row), "Indicator (portal ID or its title) (B)") in places
    db.session.expire_all()
    assert before == (_state(roads.id), of_indicator(foreign), foreign.version)


def test_a_refusal_while_saving_leaves_no_half_saved_project(client, financed, monkeypatch):
    """The project's fields and sources are written first; a refusal of its loan terms after
    them takes everything back."""
    roads = financed["roads"]
    book = download(client)
    set_cell(book["Projects"], roads.id, "Objectives", "Pave 40 km.")
    money = book["Money by source"]
    cell(money, rows_of(money, roads.id)[0], "Amount").value = 123
    terms = book["Loan terms"]
    cell(terms, rows_of(terms, roads.id)[0], "Maturity (years)").value = 20
    preview = upload(client, to_bytes(book))
    assert preview.status_code == 200
    db.session.commit()  # the partner's projects as they are (the view takes back its own work)
    before = _state(roads.id)

    def refuse(*args, **kwargs):
        raise loans.EditConflict()

    monkeypatch.setattr("portal.spreadsheets.loans.loan_services.save_terms", refuse)
    result = client.post("/spreadsheets/confirm", data={"token": confirm_token(preview)})
    assert result.status_code == 302
    assert "Nothing was saved" in client.get(result.headers["Location"]).text
    assert _state(roads.id) == before
