"""A transaction counts in the year of its transaction date, not of its value date.

The European Union sets the value date of every transaction to the day it generates its file
(2021-05-25 in the shared Cambodian file), so disbursements of 2018-2020 and commitments of
2016-2019 would all land in 2021. The value date is the date of the exchange rate; it dates a
transaction only when the transaction date is missing. Budgets and planned disbursements keep
counting by their periods, whatever their value dates.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.iati import services
from portal.iati.models import IatiAmount
from portal.iati.preview import Decisions
from portal.projects.models import Project, ProjectFunding
from tests.iati.test_mapping import _activity, _line


def _import(real_file, ministry, identifier: str):
    activities = [
        activity
        for activity in services.parse_files([("kh-activities-2021.xml", real_file)])
        if activity["identifier"] == identifier
    ]
    plan = services.write(
        activities, user=None, decisions=Decisions(default_lead_id=ministry.id), batch=None
    )
    db.session.flush()
    (line,) = plan.lines
    assert line.action == "new", line.errors
    return line, db.session.get(Project, line.project_id)


def _amounts(project: Project, kind: str) -> dict[int, Decimal]:
    rows = db.session.scalars(
        select(IatiAmount).where(IatiAmount.project_id == project.id, IatiAmount.kind == kind)
    )
    return {row.year: row.amount for row in rows}


def test_eu_disbursements_count_in_the_years_they_were_made(app, real_file, rates, ministry):
    # Three disbursements dated 2018-11-30, 2019-11-06 and 2020-09-29, each valued 2021-05-25.
    line, project = _import(real_file, ministry, "XI-IATI-EC_INTPA-2018/400-274")
    expected = {2018: Decimal("17000000"), 2019: Decimal("19000000"), 2020: Decimal("22750000")}
    assert _amounts(project, "3") == expected
    funding = db.session.scalars(
        select(ProjectFunding).where(
            ProjectFunding.project_id == project.id, ProjectFunding.kind == "disbursement"
        )
    )
    assert {row.year: row.amount for row in funding} == expected
    assert any(
        "3 transactions have a value date in another year than their transaction date" in w
        for w in line.warnings
    )


def test_an_eu_commitment_is_dated_by_its_transaction_date(app, real_file, rates, ministry):
    # Commitments of 2017-10-06 (EUR 100M) and 2020-08-28 (EUR 5M), both valued 2021-05-25.
    _line_, project = _import(real_file, ministry, "XI-IATI-EC_INTPA-2017/39902/0")
    assert _amounts(project, "2") == {2017: Decimal("100000000"), 2020: Decimal("5000000")}
    assert project.commitment_date == date(2017, 10, 6)
    assert project.commitment_amount == Decimal("105000000")


def test_planned_disbursements_keep_their_period_whatever_their_value_date(
    app, real_file, rates, ministry
):
    # Canada's planned disbursement of 2021-04-01 to 2022-03-31 is valued 2020-07-24.
    _line_, project = _import(real_file, ministry, "CA-3-P001035002")
    assert set(_amounts(project, "planned")) == {2021, 2022}


def test_a_transaction_without_a_transaction_date_is_dated_by_its_value_date(app, rates, ministry):
    body = """<recipient-country code="KH"/>
    <transaction><transaction-type code="3"/>
    <value value-date="2019-06-30">100</value></transaction>
    <transaction><transaction-type code="3"/><transaction-date iso-date="2020-01-15"/>
    <value value-date="2021-05-25">50</value></transaction>"""
    line = _line(_activity(body))
    assert line.action == "new", line.errors
    assert line.mapped.figures.amounts == {
        ("3", 2019, "USD"): Decimal("100.00"),
        ("3", 2020, "USD"): Decimal("50.00"),
    }
    assert any("dated by its value date, 2019-06-30" in w for w in line.warnings)
