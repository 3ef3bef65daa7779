"""The grant equivalent measure: a grant's whole commitment, a loan's commitment times its grant
element at CDC's discount rate, to the cent, wherever the aggregates split or group money."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from portal.aggregates.services import aggregate, totals
from portal.extensions import db
from portal.loans import grant_element as formula
from portal.loans import queries as loan_queries
from portal.loans import services as loan_services
from portal.loans.rules import LoanData
from portal.organizations.models import OrgKind
from portal.projects import queries, services
from portal.projects.services import set_published
from tests import factories

IDA = LoanData(
    interest_rate=Decimal("0.75"),
    maturity_years=Decimal("38"),
    grace_years=Decimal("6"),
    repayment_type="1",
    repayment_plan="2",
)
HARD = LoanData(
    interest_rate=Decimal("6"),
    maturity_years=Decimal("10"),
    grace_years=Decimal("2"),
    repayment_type="2",
    repayment_plan="2",
)


def _by_hand(amount: str, terms: LoanData, discount: str = "10") -> Decimal:
    """Commitment x grant element (two decimals, half up), to the cent, half up."""
    element = formula.rounded(
        formula.grant_element(
            formula.Terms(
                terms.interest_rate,
                terms.maturity_years,
                terms.grace_years,
                terms.repayment_type,
                terms.repayment_plan,
            ),
            Decimal(discount),
        )
    )
    return (Decimal(amount) * element / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


@pytest.fixture
def lending():
    """One partner: a grant (2022), a concessional loan over two provinces (2023), a hard loan
    (2023), a loan without terms (2024) and technical cooperation (2024), all published; and
    another partner's unpublished loan."""
    partner = factories.organization(OrgKind.MULTILATERAL, acronym="ADBG")
    other = factories.organization(OrgKind.BILATERAL, acronym="EXIMG")
    ministry = factories.organization(OrgKind.GOVERNMENT, acronym="MPWTG")

    def made(kind, amount, day, reporting=partner, **fields):
        return factories.project(
            reporting=reporting,
            lead=ministry,
            type_of_assistance=kind,
            commitment_amount=Decimal(amount),
            commitment_date=day,
            **fields,
        )

    grant = made("grant", "1000000.01", date(2022, 3, 1))
    soft = made(
        "loan",
        "2500000.55",
        date(2023, 5, 1),
        nationwide=False,
        locations=[
            services.LocationShare("02", Decimal("33.333")),
            services.LocationShare("12", Decimal("66.667")),
        ],
    )
    loan_services.save_terms(soft, IDA, actor=None)
    hard = made("loan", "333333.33", date(2023, 9, 1))
    loan_services.save_terms(hard, HARD, actor=None)
    bare = made("loan", "700000", date(2024, 1, 1))
    cooperation = made("technical_cooperation", "300000.03", date(2024, 2, 1))
    for project in (grant, soft, hard, bare, cooperation):
        set_published(project, True, actor=None)
    draft = made("loan", "9000000", date(2023, 1, 1), reporting=other)
    loan_services.save_terms(draft, IDA, actor=None)
    db.session.flush()
    soft_value, hard_value = _by_hand("2500000.55", IDA), _by_hand("333333.33", HARD)
    return {
        "partner": partner,
        "other": other,
        "filters": queries.ProjectFilters(partner=partner.id),
        "soft": soft_value,
        "hard": hard_value,
        "expected": Decimal("1000000.01") + soft_value + hard_value + Decimal("300000.03"),
    }


def test_a_grant_counts_whole_and_a_loan_by_its_grant_element(lending):
    cdc = factories.user(role="cdc")
    rows = aggregate(
        cdc, lending["filters"], "assistance", measures=("commitment", "grant_equivalent")
    )
    by_kind = {r.key: r for r in rows}
    assert by_kind["grant"].grant_equivalent == Decimal("1000000.01")
    assert by_kind["technical_cooperation"].grant_equivalent == Decimal("300000.03")
    # The loan without terms adds nothing; the others their commitment x grant element.
    assert by_kind["loan"].grant_equivalent == lending["soft"] + lending["hard"]
    assert by_kind["loan"].commitment == Decimal("3533333.88")
    assert Decimal(0) < lending["soft"] < Decimal("2500000.55")
    assert totals(rows).grant_equivalent == lending["expected"]


def test_the_loans_part_is_the_dashboards_loan_figure_to_the_cent(lending):
    cdc = factories.user(role="cdc")
    statement = queries.filtered(cdc, lending["filters"])
    loans = loan_queries.loan_rows(statement)
    figures = loan_queries.figures(loans)
    rows = aggregate(cdc, lending["filters"], "assistance", measures=("grant_equivalent",))
    loan_row = next(r for r in rows if r.key == "loan")
    assert loan_row.grant_equivalent == figures.grant_equivalent_usd
    # Given the loan rows already read, the aggregate gives the same figures.
    again = aggregate(
        cdc, lending["filters"], "assistance", measures=("grant_equivalent",), loans=loans
    )
    assert [(r.key, r.grant_equivalent) for r in again] == [
        (r.key, r.grant_equivalent) for r in rows
    ]


def test_every_dimension_adds_up_to_the_same_total(lending):
    cdc = factories.user(role="cdc")
    for dimension in ("year", "partner", "province", "sector", "category", "district", "source"):
        rows = aggregate(cdc, lending["filters"], dimension, measures=("grant_equivalent",))
        assert totals(rows).grant_equivalent == lending["expected"], dimension
    provinces = {
        r.key: r.grant_equivalent
        for r in aggregate(cdc, lending["filters"], "province", measures=("grant_equivalent",))
    }
    # The concessional loan split over its two provinces, to the cent.
    assert provinces["02"] + provinces["12"] == lending["soft"]
    assert provinces["02"] == (lending["soft"] * Decimal("0.33333")).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )


def test_a_loans_grant_equivalent_counts_in_the_year_of_its_agreement(lending):
    cdc = factories.user(role="cdc")
    by_year = {
        r.key: r.grant_equivalent
        for r in aggregate(cdc, lending["filters"], "year", measures=("grant_equivalent",))
    }
    assert by_year == {
        2022: Decimal("1000000.01"),
        2023: lending["soft"] + lending["hard"],
        2024: Decimal("300000.03"),
    }
    in_2023 = totals(
        aggregate(cdc, lending["filters"], "partner", year=2023, measures=("grant_equivalent",))
    )
    assert in_2023.grant_equivalent == lending["soft"] + lending["hard"]
    spanned = totals(
        aggregate(
            cdc,
            lending["filters"],
            "province",
            year=2023,
            year_to=2024,
            measures=("grant_equivalent",),
        )
    )
    assert spanned.grant_equivalent == lending["soft"] + lending["hard"] + Decimal("300000.03")


def test_cdcs_discount_rate_changes_the_measure(lending):
    cdc = factories.user(role="cdc")
    loan_services.save_settings(Decimal("5"), Decimal("35"), actor=cdc)
    rows = aggregate(cdc, lending["filters"], "assistance", measures=("grant_equivalent",))
    loan_row = next(r for r in rows if r.key == "loan")
    assert loan_row.grant_equivalent == _by_hand("2500000.55", IDA, "5") + _by_hand(
        "333333.33", HARD, "5"
    )


def test_no_reader_counts_a_loan_it_may_not_see(lending):
    everything = queries.ProjectFilters()
    public = totals(aggregate(None, everything, "partner", measures=("grant_equivalent",)))
    own = factories.user(role="dp", organization=lending["partner"])
    lender = factories.user(role="dp", organization=lending["other"])
    as_partner = totals(aggregate(own, everything, "partner", measures=("grant_equivalent",)))
    as_lender = totals(aggregate(lender, everything, "partner", measures=("grant_equivalent",)))
    # The other partner's draft loan (9,000,000) counts only for its own partner.
    assert public.grant_equivalent == lending["expected"]
    assert as_partner.grant_equivalent == lending["expected"]
    assert as_lender.grant_equivalent == lending["expected"] + _by_hand("9000000", IDA)
    # The source filter does not open it either.
    by_source = queries.ProjectFilters(funded_by=lending["other"].id)
    assert aggregate(own, by_source, "partner", measures=("grant_equivalent",)) == []


def test_the_dashboard_shows_the_grant_equivalent_of_the_years_commitments(
    client, login_as, lending
):
    soft_and_hard = lending["soft"] + lending["hard"]
    page = client.get("/dashboard/?year=2023").get_data(as_text=True)
    assert "Grant equivalent of the commitments of 2023 (USD)" in page
    assert f"{soft_and_hard:,.2f}" in page
    # The lender sees its own draft loan counted as well; the public did not.
    draft = _by_hand("9000000", IDA)
    assert f"{soft_and_hard + draft:,.2f}" not in page
    login_as("dp", organization=lending["other"])
    page = client.get("/dashboard/?year=2023").get_data(as_text=True)
    assert f"{soft_and_hard + draft:,.2f}" in page


def test_the_dashboard_filters_by_funding_source(client, lending):
    cofinancier = factories.organization(OrgKind.MULTILATERAL, acronym="AIIBG")
    shared = factories.project(
        reporting=lending["partner"],
        type_of_assistance="grant",
        commitment_amount=Decimal("4000000"),
        commitment_date=date(2023, 6, 1),
        sources=[services.SourceData("cofinancier", cofinancier.id)],
    )
    set_published(shared, True, actor=None)
    page = client.get(f"/dashboard/?year=2023&funded_by={cofinancier.id}").get_data(as_text=True)
    assert f'<option value="{cofinancier.id}" selected>' in page
    assert f"{Decimal('4000000'):,.2f}" in page  # its commitment, and its grant equivalent
    assert f"{lending['soft'] + lending['hard'] + Decimal('4000000'):,.2f}" not in page
    page = client.get("/dashboard/?year=2023&source_kind=cofinancier").get_data(as_text=True)
    assert '<option value="cofinancier" selected>' in page
