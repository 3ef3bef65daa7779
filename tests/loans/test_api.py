"""The JSON API gives a loan's terms and grant element on the project, as its OpenAPI says."""

from decimal import Decimal

import pytest

from portal.api.limits import api_limiter
from portal.extensions import db
from portal.loans import services
from portal.loans.rules import LoanData
from portal.projects.services import set_published


@pytest.fixture(autouse=True)
def fresh_rate_limits(app):
    api_limiter(app).reset()
    yield
    api_limiter(app).reset()


def test_the_api_gives_the_terms_and_the_grant_element(client, loan_world):
    loan = loan_world["loan"]
    services.save_terms(
        loan,
        LoanData(
            currency="USD",
            interest_rate=Decimal("1"),
            maturity_years=Decimal("30"),
            grace_years=Decimal("8"),
            repayment_type="1",
            repayment_plan="2",
        ),
        actor=None,
    )
    set_published(loan, True, actor=None)
    set_published(loan_world["grant"], True, actor=None)
    db.session.commit()
    data = client.get(f"/api/v1/projects/{loan.id}").get_json()["data"]
    terms = data["loan_terms"]
    assert terms["interest_rate"] == "1"
    assert terms["maturity_years"] == "30" and terms["grace_years"] == "8"
    assert terms["grant_element"] == "72.1"
    assert terms["discount_rate"] == "10" and terms["concessional_threshold"] == "35"
    assert terms["concessional"] is True and terms["method"] == "OECD DAC"
    grant = client.get(f"/api/v1/projects/{loan_world['grant'].id}").get_json()["data"]
    assert grant["loan_terms"] is None


def test_the_openapi_documents_the_loan_terms(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert "grant_element" in schemas["LoanTerms"]["properties"]
    project = schemas["Project"]["allOf"][1]["properties"]
    assert project["loan_terms"]["oneOf"][1] == {"$ref": "#/components/schemas/LoanTerms"}
