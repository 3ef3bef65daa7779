"""A project's funding sources through the API, as the OpenAPI document describes them."""

from datetime import date
from decimal import Decimal

import pytest
import schemathesis

from portal.organizations.models import OrgKind
from portal.projects import services
from tests import factories


@pytest.fixture
def co_financed(registry):
    """A published project of JICAX co-financed by ADBX, with the ministry's counterpart."""
    adb = factories.organization(OrgKind.MULTILATERAL, acronym="ADBX")
    project = factories.project(
        reporting=registry["jica"],
        lead=registry["moh"],
        title_en="Provincial roads, co-financed",
        commitment_amount=Decimal("2000000"),
        commitment_date=date(2023, 1, 10),
        funding=[
            services.YearAmount(2023, "disbursement", Decimal("500000"), "USD"),
            services.YearAmount(2023, "commitment", Decimal("1200000"), "USD"),
            services.YearAmount(2023, "disbursement", Decimal("14000000"), "JPY", source=0),
            services.YearAmount(2024, "expenditure", Decimal("80000.10"), "USD", source=1),
        ],
        sources=[
            services.SourceData("cofinancier", adb.id),
            services.SourceData("counterpart", registry["moh"].id, in_kind=True),
        ],
        actor=registry["cdc"],
    )
    services.set_published(project, True, actor=registry["cdc"])
    return {"project": project, "adb": adb}


def test_a_project_lists_its_sources_and_each_rows_source(client, registry, co_financed):
    response = client.get(f"/api/v1/projects/{co_financed['project'].id}")
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert [(r["year"], r["kind"], r["amount_usd"], r["source"]) for r in data["funding"]] == [
        (2023, "disbursement", "500000.00", 0)
    ]
    sources = data["funding_sources"]
    assert [(s["position"], s["kind"], s["organization"]["acronym"]) for s in sources] == [
        (0, "reporting", "JICAX"),
        (1, "cofinancier", "ADBX"),
        (2, "counterpart", "MOHX"),
    ]
    assert sources[2]["in_kind"] is True
    assert [(r["kind"], r["amount"], r["source"]) for r in sources[0]["funding"]] == [
        ("commitment", "1200000.00", 0)
    ]
    assert sources[1]["funding"] == [
        {
            "year": 2023,
            "kind": "disbursement",
            "amount": "14000000.00",
            "currency": "JPY",
            "units_per_usd": "140",
            "amount_usd": "100000.00",
            "source": 1,
        }
    ]
    assert sources[2]["funding"][0]["amount_usd"] == "80000.10"


def test_the_answer_keeps_the_documented_contract(app, client, registry, co_financed):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema["/projects/{project_id}"]["GET"]
    case = operation.Case(path_parameters={"project_id": co_financed["project"].id})
    case.call_and_validate(session=client)
    document = client.get("/api/v1/openapi.json").get_json()
    described = document["components"]["schemas"]
    assert set(described["FundingSource"]["properties"]) == {
        "position",
        "kind",
        "organization",
        "in_kind",
        "funding",
    }
    assert "source" in described["FundingRow"]["properties"]
