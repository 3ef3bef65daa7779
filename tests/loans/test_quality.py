"""A loan without its terms is flagged in data quality (and saved all the same)."""

from decimal import Decimal

from portal.extensions import db
from portal.loans import services
from portal.loans.rules import LoanData
from portal.projects import quality


def _codes(project):
    return [f.code for f in quality.stored_findings(project)]


def test_a_loan_without_terms_is_flagged_not_refused(client, login_as, loan_world):
    loan, grant = loan_world["loan"], loan_world["grant"]
    assert loan.id is not None  # saved all the same
    assert "loan_terms" in _codes(loan)
    assert "loan_terms" not in _codes(grant)
    lost = {f.code: f.points for f in quality.stored_findings(loan)}["loan_terms"]
    assert lost == quality.POINTS["consistent"] // 3
    login_as("dp", loan_world["partner"])
    page = client.get(f"/projects/{loan.id}").get_data(as_text=True)
    assert "A loan without its terms" in page


def test_terms_clear_the_finding_and_give_back_the_points(loan_world):
    loan = loan_world["loan"]
    before = loan.quality_score
    services.save_terms(loan, LoanData(interest_rate=Decimal("1")), actor=None)
    db.session.flush()
    assert "loan_terms" in _codes(loan)  # incomplete terms: still flagged
    services.save_terms(
        loan,
        LoanData(
            interest_rate=Decimal("1"),
            maturity_years=Decimal("30"),
            grace_years=Decimal("8"),
            repayment_type="1",
        ),
        actor=None,
    )
    db.session.flush()
    db.session.refresh(loan)
    assert "loan_terms" not in _codes(loan)
    assert loan.quality_score == before + quality.POINTS["consistent"] // 3


def test_the_checks_still_add_up_to_100():
    assert sum(check.points for check in quality.CHECKS) == 100
