"""A new or corrected exchange rate converts every source's money again (co-financiers', the
government's counterpart, the partner's signed commitments and expenditure), as it does the
partner's disbursements: in the request that saves the rate, to the cent, with the project's
totals, its version, its data-quality findings and the aggregates in step."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.aggregates.services import SOURCE_DIMENSION, aggregate
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects.models import Project
from portal.projects.queries import ProjectFilters
from portal.projects.rules import SourceData, YearAmount
from portal.projects.sources import FundingSource, SourceFunding
from tests import factories

MEASURES = ("commitment", "disbursed", "planned", "signed", "expenditure")


def _amount(year, kind, amount, currency, source=None):
    return YearAmount(year, kind, Decimal(amount), currency, source)


@pytest.fixture
def project():
    for year, value in ((2023, "0.9"), (2024, "0.95")):
        factories.rate("EUR", year, value)
    factories.rate("GBP", 2024, "0.8")
    partner = factories.organization(OrgKind.BILATERAL, acronym="KFWT")
    cofinancier = factories.organization(OrgKind.MULTILATERAL, acronym="EIBT")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MRDT")
    return factories.project(
        partner,
        ministry,
        title_en="Rural water supply",
        commitment_amount=Decimal("1000000"),
        commitment_currency="USD",
        sources=[SourceData("cofinancier", cofinancier.id), SourceData("counterpart", ministry.id)],
        funding=[
            _amount(2024, "disbursement", "190000", "EUR"),  # the partner's, in project_funding
            _amount(2024, "commitment", "855000", "EUR"),  # the partner's, signed in 2024
            _amount(2023, "disbursement", "90000", "EUR", 0),
            _amount(2024, "disbursement", "95000", "EUR", 0),
            _amount(2024, "disbursement", "1000", "GBP", 0),
            _amount(2024, "expenditure", "47500", "EUR", 1),
            _amount(2024, "expenditure", "20000", "USD", 1),
        ],
    )


def _rows(project) -> dict[tuple, tuple]:
    """(source kind, year, kind, currency) -> (rate, USD) of every source's amount."""
    db.session.expire_all()
    return {
        (source_kind, row.year, row.kind, row.currency): (row.rate, row.amount_usd)
        for source_kind, row in db.session.execute(
            select(FundingSource.kind, SourceFunding)
            .join(SourceFunding.source)
            .where(FundingSource.project_id == project.id)
        )
    }


def _by_source(user, year=2024) -> dict[str, tuple]:
    rows = aggregate(user, ProjectFilters(), SOURCE_DIMENSION, year=year, measures=MEASURES)
    return {row.key: (row.signed, row.disbursed, row.expenditure) for row in rows}


def _findings(project) -> list[str]:
    return [item["code"] for item in db.session.get(Project, project.id).quality_findings]


def _set_rate(client, currency, year, rate):
    data = {"currency_code": currency, "year": str(year), "units_per_usd": rate}
    return client.post("/admin/exchange-rates/", data=data)


def test_a_changed_rate_converts_every_source_row_of_its_currency_and_year(
    client, login_as, project
):
    cdc = login_as("cdc")
    version = project.version
    before = _rows(project)
    assert before[("cofinancier", 2024, "disbursement", "EUR")] == (
        Decimal("0.95"),
        Decimal("100000.00"),
    )
    assert before[("reporting", 2024, "commitment", "EUR")][1] == Decimal("900000.00")
    assert "sources_signed" not in _findings(project)  # 900,000 signed of 1,000,000
    assert _by_source(cdc)["cofinancier"][1] == Decimal("101250.00")  # EUR and GBP

    # CDC corrects the euro's rate of 2024, through the rate table's form.
    assert _set_rate(client, "EUR", 2024, "0.8").status_code == 302
    after = _rows(project)
    assert after[("cofinancier", 2024, "disbursement", "EUR")] == (
        Decimal("0.8"),
        Decimal("118750.00"),
    )
    assert after[("reporting", 2024, "commitment", "EUR")] == (
        Decimal("0.8"),
        Decimal("1068750.00"),
    )
    assert after[("counterpart", 2024, "expenditure", "EUR")] == (
        Decimal("0.8"),
        Decimal("59375.00"),
    )
    # Other years and currencies are left as they were.
    for key in (
        ("cofinancier", 2023, "disbursement", "EUR"),
        ("counterpart", 2024, "expenditure", "USD"),
        ("cofinancier", 2024, "disbursement", "GBP"),
    ):
        assert after[key] == before[key]
    # The partner's own disbursement follows in project_funding, as before.
    stored = db.session.get(Project, project.id)
    assert [(f.rate, f.amount_usd) for f in stored.funding] == [
        (Decimal("0.8"), Decimal("237500.00"))
    ]
    assert stored.disbursed_usd == Decimal("237500.00")
    # Not an edit of the project: its version stays, so an open form still saves.
    assert stored.version == version
    # The finding on signed commitments now holds: 1,068,750 signed of 1,000,000.
    assert "sources_signed" in _findings(project)
    # The aggregates by source read the new values.
    assert _by_source(cdc) == {
        **_by_source(cdc),
        "reporting": (Decimal("1068750.00"), Decimal("237500.00"), Decimal(0)),
        "cofinancier": (Decimal(0), Decimal("120000.00"), Decimal(0)),
        "counterpart": (Decimal(0), Decimal(0), Decimal("79375.00")),
    }
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "118,750.00" in page and "100,000.00" in page  # 2024 converted again, 2023 not


def test_a_refused_rate_converts_nothing(client, login_as, project):
    login_as("cdc")
    before = _rows(project)
    assert _set_rate(client, "EUR", 2024, "0").status_code == 400
    assert _rows(project) == before
