"""The JSON API gives the derived on-budget value, the typed one and the budget codes."""

from decimal import Decimal

from portal.budget import services
from portal.db import utcnow
from portal.extensions import db
from tests import factories


def test_the_api_reads_budget_codes_and_the_derived_on_budget(client, tree):
    project = factories.project(lead=tree["health_org"], on_budget=False)
    project.published_at = utcnow()
    db.session.flush()
    before = client.get(f"/api/v1/projects/{project.id}").get_json()["data"]
    assert before["on_budget"] is False and before["budget_codes"] == []
    services.set_budget_codes(
        project,
        [
            services.BudgetShare("H-P1-01", Decimal("75")),
            services.BudgetShare("H-P2", Decimal("25")),
        ],
        actor=None,
    )
    data = client.get(f"/api/v1/projects/{project.id}").get_json()["data"]
    assert data["on_budget"] is True and data["on_budget_declared"] is False
    assert data["budget_codes"] == [
        {
            "code": "H-P1-01",
            "name": "Primary care",
            "level": "subprogramme",
            "retired": False,
            "percentage": "75.00",
        },
        {
            "code": "H-P2",
            "name": "Disease control",
            "level": "programme",
            "retired": False,
            "percentage": "25.00",
        },
    ]
    listed = client.get("/api/v1/projects").get_json()
    assert [p["on_budget"] for p in listed["data"] if p["id"] == project.id] == [True]
