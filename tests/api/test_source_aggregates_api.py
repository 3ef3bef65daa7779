"""The aggregates API with funding sources: the source dimension, the measures asked for (the
grant equivalent among them), and the filters by source, for every kind of caller."""

from datetime import date
from decimal import Decimal

import pytest

from portal.loans import services as loan_services
from portal.loans.rules import LoanData
from portal.organizations.models import OrgKind
from portal.projects import services
from tests import factories

EVERY = "commitment,disbursed,planned,signed,expenditure,grant_equivalent"


@pytest.fixture
def sourced(registry):
    """A published loan of JICAX (with terms) co-financed by ADBY with the ministry's counterpart;
    a KOICAX draft co-financed by ADBY."""
    adb = factories.organization(OrgKind.MULTILATERAL, acronym="ADBY")
    loan = factories.project(
        reporting=registry["jica"],
        lead=registry["moh"],
        title_en="Provincial roads loan, co-financed",
        type_of_assistance="loan",
        commitment_amount=Decimal("2000000"),
        commitment_date=date(2023, 1, 10),
        funding=[
            services.YearAmount(2023, "disbursement", Decimal("500000"), "USD"),
            services.YearAmount(2023, "commitment", Decimal("1200000"), "USD"),
            services.YearAmount(2023, "disbursement", Decimal("700000.07"), "USD", source=0),
            services.YearAmount(2023, "commitment", Decimal("3000000"), "USD", source=0),
            services.YearAmount(2024, "expenditure", Decimal("80000.10"), "USD", source=1),
        ],
        sources=[
            services.SourceData("cofinancier", adb.id),
            services.SourceData("counterpart", registry["moh"].id, in_kind=True),
        ],
        actor=registry["cdc"],
    )
    loan_services.save_terms(
        loan,
        LoanData(
            interest_rate=Decimal("1"),
            maturity_years=Decimal("30"),
            grace_years=Decimal("8"),
            repayment_type="1",
            repayment_plan="2",
        ),
        actor=None,
    )
    services.set_published(loan, True, actor=registry["cdc"])
    factories.project(
        reporting=registry["koica"],
        lead=registry["moh"],
        title_en="KOICA draft, co-financed",
        commitment_amount=Decimal("5000000"),
        funding=[services.YearAmount(2023, "disbursement", Decimal("9.99"), "USD", source=0)],
        sources=[services.SourceData("cofinancier", adb.id)],
        actor=registry["cdc"],
    )
    return {"adb": adb, "loan": loan}


def _get(client, url, headers=None):
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _money(value) -> Decimal:
    return Decimal(value)


def test_the_source_rows_reconcile_with_every_other_dimension(client, registry, sourced):
    answer = _get(client, f"/api/v1/aggregates/source?measures={EVERY}")
    assert answer["measures"] == EVERY.split(",")
    rows = {r["key"]: r for r in answer["data"]}
    assert set(rows) == {"reporting", "cofinancier", "counterpart"}
    assert rows["cofinancier"]["label"] == "Co-financier"
    for dimension in ("partner", "province", "sector", "year"):
        plain = _get(client, f"/api/v1/aggregates/{dimension}?measures={EVERY}")["totals"]
        for measure in EVERY.split(","):
            key = f"{measure}_usd"
            assert rows["reporting"][key] == plain[key], (dimension, measure)
    for measure in EVERY.split(","):
        key = f"{measure}_usd"
        assert _money(answer["totals"][key]) == sum(_money(r[key]) for r in rows.values())
    # The co-financier's own money, not the draft's (the public reads).
    assert rows["cofinancier"]["disbursed_usd"] == "700000.07"
    assert rows["cofinancier"]["commitment_usd"] == "3000000.00"
    assert rows["cofinancier"]["grant_equivalent_usd"] == "0.00"
    assert rows["counterpart"]["expenditure_usd"] == "80000.10"
    assert rows["reporting"]["signed_usd"] == "1200000.00"


def test_the_grant_equivalent_of_a_published_loan_and_a_grant(client, registry, sourced):
    totals = _get(client, "/api/v1/aggregates/partner?measures=commitment,grant_equivalent")[
        "totals"
    ]
    assert set(totals) == {"commitment_usd", "grant_equivalent_usd"}
    # JICAX's published grant (1,000,000) counts whole; the loan by its grant element.
    loan_part = _money(totals["grant_equivalent_usd"]) - Decimal("1000000.00")
    element = loan_services.concessionality(
        loan_services.data_of(loan_services.terms_of(sourced["loan"]))
    )
    assert loan_part == (Decimal("2000000") * element.grant_element / 100).quantize(Decimal("0.01"))
    assert Decimal(0) < loan_part < Decimal("2000000")


def test_the_filters_by_source_count_only_what_the_caller_may_read(
    client, registry, sourced, bearer
):
    adb = sourced["adb"].id
    public = _get(client, f"/api/v1/aggregates/partner?funded_by={adb}")
    assert [r["key"] for r in public["data"]] == [registry["jica"].id]
    assert public["totals"]["commitment_usd"] == "2000000.00"
    as_jica = _get(
        client, f"/api/v1/aggregates/partner?funded_by={adb}", bearer(registry["jica_user"])
    )
    assert as_jica["totals"]["commitment_usd"] == "2000000.00"  # not KOICAX's draft
    as_koica = _get(
        client,
        "/api/v1/aggregates/partner?source_kind=cofinancier",
        bearer(registry["koica_user"]),
    )
    assert as_koica["totals"]["commitment_usd"] == "7000000.00"  # its draft, and the published
    listed = _get(client, "/api/v1/projects?source_kind=counterpart")
    assert [p["title_en"] for p in listed["data"]] == ["Provincial roads loan, co-financed"]


def test_bad_measures_and_source_filters_are_named(client, registry):
    for query, field in (
        ("measures=commitment,profit", "measures"),
        ("measures=", "measures"),
        ("source_kind=reporting", "source_kind"),
        ("funded_by=0", "funded_by"),
    ):
        response = client.get(f"/api/v1/aggregates/partner?{query}")
        assert response.status_code == 400, query
        assert field in response.get_json()["error"]["fields"], query


def test_the_document_describes_the_source_dimension_measures_and_filters(client):
    document = _get(client, "/api/v1/openapi.json")
    operation = document["paths"]["/aggregates/{dimension}"]["get"]
    names = {p["name"]: p for p in operation["parameters"]}
    assert "source" in names["dimension"]["schema"]["enum"]
    assert {"measures", "funded_by", "source_kind"} <= set(names)
    assert names["source_kind"]["schema"]["enum"] == ["cofinancier", "counterpart", "national"]
    row = document["components"]["schemas"]["AggregateRow"]["properties"]
    assert "OECD DAC" in row["grant_equivalent_usd"]["description"]
    listing = {p["name"] for p in document["paths"]["/projects"]["get"]["parameters"]}
    assert {"funded_by", "source_kind"} <= listing
