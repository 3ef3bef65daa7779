"""The dashboard's loan money and grant equivalent: the reader's projects, to the cent."""

from decimal import Decimal

from sqlalchemy import select

from portal.extensions import db
from portal.loans import queries, services
from portal.loans.rules import LoanData
from portal.projects.models import Project
from portal.projects.services import set_published
from tests import factories

TERMS = [
    (
        "1000000",
        LoanData(
            interest_rate=Decimal("1"),
            maturity_years=Decimal("30"),
            grace_years=Decimal("8"),
            repayment_type="1",
            repayment_plan="2",
        ),
    ),
    (
        "2500000.55",
        LoanData(
            interest_rate=Decimal("0.75"),
            maturity_years=Decimal("38"),
            grace_years=Decimal("6"),
            repayment_type="1",
            repayment_plan="2",
        ),
    ),
    (
        "333333.33",
        LoanData(
            interest_rate=Decimal("6"),
            maturity_years=Decimal("10"),
            grace_years=Decimal("2"),
            repayment_type="2",
            repayment_plan="2",
        ),
    ),
]


def _loans(loan_world, published: bool):
    made = []
    for amount, terms in TERMS:
        project = factories.project(
            reporting=loan_world["partner"],
            lead=loan_world["ministry"],
            type_of_assistance="loan",
            commitment_amount=Decimal(amount),
        )
        services.save_terms(project, terms, actor=None)
        if published:
            set_published(project, True, actor=None)
        made.append(project)
    db.session.commit()
    return made


def test_dashboard_sum_equals_the_sum_over_projects_to_the_cent(client, login_as, loan_world):
    made = _loans(loan_world, published=False)
    rows = queries.loan_rows(select(Project).where(Project.id.in_([p.id for p in made])))
    by_hand = sum(
        (
            (Decimal(amount) * services.concessionality(terms).grant_element / 100).quantize(
                Decimal("0.01")
            )
            for amount, terms in TERMS
        ),
        Decimal(0),
    )
    total = queries.figures(rows)
    assert total.grant_equivalent_usd == by_hand
    assert total.grant_equivalent_usd == sum(r.grant_equivalent_usd for r in rows)
    assert total.commitment_usd == Decimal("3833333.88")
    assert total.concessional == 2  # the 6 % commercial loan is not
    # The partner's dashboard counts its own loans (and the loan_world one without terms).
    login_as("dp", loan_world["partner"])
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "Loans and their concessionality" in page
    assert "4 loans among the projects shown" in page
    assert "3 with terms that give a grant element" in page


def test_the_public_dashboard_counts_only_published_loans(client, loan_world):
    _loans(loan_world, published=False)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "Loans and their concessionality" not in page
