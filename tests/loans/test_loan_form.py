"""Recording a loan's terms through its page: the grant element, refusals, conflicts."""

from decimal import Decimal

import pytest

from portal.extensions import db
from portal.loans import services
from portal.loans.models import LoanTerms
from portal.loans.rules import LoanData

GOOD = {
    "commitment_date": "2022-03-15",
    "currency": "USD",
    "rate_type": "fixed",
    "interest_rate": "0.75",
    "reference_rate": "",
    "maturity_years": "38",
    "grace_years": "6",
    "repayment_type": "1",
    "repayment_plan": "2",
    "first_repayment": "",
    "final_repayment": "",
    "commitment_fee": "",
    "service_fee": "",
    "version": "",
}


def _post(client, project, **changes):
    return client.post(f"/projects/{project.id}/loan", data={**GOOD, **changes})


def test_partner_records_terms_and_the_page_shows_the_grant_element(client, login_as, loan_world):
    loan = loan_world["loan"]
    login_as("dp", loan_world["partner"])
    assert client.get(f"/projects/{loan.id}/loan").status_code == 200
    response = _post(client, loan)
    assert response.status_code == 302
    stored = db.session.query(LoanTerms).filter_by(project_id=loan.id).one()
    assert stored.interest_rate == Decimal("0.75") and stored.maturity_years == Decimal("38")
    page = client.get(f"/projects/{loan.id}").get_data(as_text=True)
    assert "Loan terms" in page
    assert "Grant element 75.87 % at a discount rate of 10 %, OECD DAC method" in page
    assert "Concessional: yes" in page
    assert "threshold CDC set" in page


def test_cdc_settings_change_the_rate_and_the_verdict(client, login_as, loan_world):
    loan = loan_world["loan"]
    services.save_terms(
        loan,
        LoanData(
            interest_rate=Decimal("0.75"),
            maturity_years=Decimal("38"),
            grace_years=Decimal("6"),
            repayment_type="1",
            repayment_plan="2",
        ),
        actor=None,
    )
    db.session.flush()
    login_as("cdc")
    response = client.post("/loans/settings", data={"discount_rate": "5", "threshold": "60"})
    assert response.status_code == 302
    page = client.get(f"/projects/{loan.id}").get_data(as_text=True)
    assert "Grant element 52.69 % at a discount rate of 5 %, OECD DAC method" in page
    assert "Concessional: no" in page
    refused = client.post("/loans/settings", data={"discount_rate": "0", "threshold": "35"})
    assert refused.status_code == 400
    assert "A discount rate is more than 0 and at most 30 %." in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"maturity_years": "5", "grace_years": "8"}, "grace_years", "cannot be longer than"),
        ({"interest_rate": "-2"}, "interest_rate", "between -1 % and 30 %"),
        ({"interest_rate": "31"}, "interest_rate", "between -1 % and 30 %"),
        ({"maturity_years": "120"}, "maturity_years", "at most 100 years"),
        ({"rate_type": "variable", "reference_rate": ""}, "reference_rate", "6-month SOFR"),
        ({"interest_rate": "one"}, "interest_rate", "Enter a number"),
    ],
)
def test_impossible_terms_are_refused_beside_the_field(
    client, login_as, loan_world, changes, field, message
):
    loan = loan_world["loan"]
    login_as("dp", loan_world["partner"])
    response = _post(client, loan, **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    error = page.split(f'id="{field}-error"')[1].split("</div>")[0]
    assert message in error
    assert db.session.query(LoanTerms).filter_by(project_id=loan.id).count() == 0


def test_a_small_negative_rate_is_allowed(client, login_as, loan_world):
    loan = loan_world["loan"]
    login_as("dp", loan_world["partner"])
    assert _post(client, loan, interest_rate="-0.5").status_code == 302


def test_refusal_in_khmer(client, login_as, loan_world):
    """The message beside the field is in the reader's language (Khmer from the catalog)."""
    loan = loan_world["loan"]
    login_as("dp", loan_world["partner"])
    client.post("/language", data={"lang": "km"})
    response = _post(client, loan, maturity_years="5", grace_years="8")
    assert response.status_code == 400
    error = response.get_data(as_text=True).split('id="grace_years-error"')[1].split("</div>")[0]
    assert "រយៈពេលអនុគ្រោះ" in error
    assert "cannot be longer" not in error


def test_two_editors_never_overwrite_each_other(client, login_as, loan_world):
    loan = loan_world["loan"]
    login_as("dp", loan_world["partner"])
    assert _post(client, loan).status_code == 302
    version = str(db.session.query(LoanTerms).filter_by(project_id=loan.id).one().version)
    # A colleague saves first, from the same version.
    assert _post(client, loan, version=version, interest_rate="1").status_code == 302
    late = _post(client, loan, version=version, interest_rate="2")
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "Someone else saved these loan terms" in page
    assert 'value="2"' in page  # the late editor's input is kept
    db.session.expire_all()
    assert db.session.query(LoanTerms).filter_by(project_id=loan.id).one().interest_rate == 1


def test_a_grant_has_no_loan_section_and_refuses_terms(client, login_as, loan_world):
    grant = loan_world["grant"]
    login_as("dp", loan_world["partner"])
    assert 'id="loan-heading"' not in client.get(f"/projects/{grant.id}").get_data(as_text=True)
    assert _post(client, grant).status_code == 400


def test_the_change_is_in_the_project_history(client, login_as, loan_world):
    loan = loan_world["loan"]
    login_as("dp", loan_world["partner"])
    _post(client, loan)
    page = client.get(f"/projects/{loan.id}/history").get_data(as_text=True)
    assert "Loan terms" in page and "maturity_years=38" in page
