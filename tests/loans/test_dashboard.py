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


def test_the_loans_summed_in_sql_equal_the_loan_rows_for_every_reader(loan_world):
    from portal.projects.queries import ProjectFilters, filtered

    _loans(loan_world, published=True)
    _loans(loan_world, published=False)
    # A loan without terms, one whose terms give no grant element, and a negative element.
    factories.project(
        reporting=loan_world["partner"], type_of_assistance="loan", commitment_amount=Decimal(7)
    )
    partial = factories.project(
        reporting=loan_world["partner"], type_of_assistance="loan", commitment_amount=Decimal(9)
    )
    services.save_terms(partial, LoanData(interest_rate=Decimal("2")), actor=None)
    db.session.commit()
    cdc = factories.user(role="cdc")
    partner = factories.user(role="dp", organization=loan_world["partner"])
    negative = False
    for discount in (None, Decimal("5")):  # CDC's rate, then a lower one
        if discount is not None:
            services.save_settings(discount, Decimal("35"), actor=cdc)
            db.session.commit()
        for user in (None, cdc, partner):
            projects = filtered(user, ProjectFilters())
            in_sql = queries.figures_of(projects)
            by_rows = queries.figures(queries.loan_rows(projects))
            assert in_sql == by_rows, (discount, user)
            assert in_sql.average_grant_element == by_rows.average_grant_element
            assert in_sql.concessional_share == by_rows.concessional_share
        rows = queries.loan_rows(filtered(cdc, ProjectFilters()))
        assert any(r.grant_element is None for r in rows)
        negative = negative or any(
            r.grant_element is not None and r.grant_element < 0 for r in rows
        )
    assert negative, "a loan worth less than nothing was compared too"
