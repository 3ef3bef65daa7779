"""The API gives a project's results as its OpenAPI document says, to whoever may read it."""

from __future__ import annotations

from datetime import date

import schemathesis

from portal.extensions import db
from portal.results import services
from portal.results.rules import IndicatorData, PeriodData


def _record(project, priority):
    result = services.save_result(
        project, services.ResultData("2", "Safer births", aggregation_status=True), actor=None
    )
    services.save_indicator(
        result,
        IndicatorData(
            title="Share of births attended by skilled personnel",
            measure="2",
            baseline_year=2022,
            baseline_value="71.5",
            priority_ids=[priority.id],
            periods=[
                PeriodData(date(2023, 1, 1), date(2023, 12, 31), "75", None, "74.2", "On track"),
                PeriodData(date(2024, 1, 1), date(2024, 12, 31), "80"),
            ],
        ),
        actor=None,
    )


def test_a_published_projects_results_keep_the_documented_shape(app, client, project, priority):
    _record(project, priority)
    project.published_at = project.updated_at
    db.session.flush()
    response = client.get(f"/api/v1/projects/{project.id}/results")
    assert response.status_code == 200
    (result,) = response.get_json()["data"]
    (indicator,) = result["indicators"]
    assert result["type"] == "2" and indicator["measure"] == "2"
    assert indicator["baseline"] == {"year": 2022, "value": "71.5", "comment": None}
    assert [(p["target_value"], p["actual_value"]) for p in indicator["periods"]] == [
        ("75", "74.2"),
        ("80", None),
    ]
    assert indicator["priorities"] == [{"id": priority.id, "code": "1.2"}]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema["/projects/{project_id}/results"]["GET"]
    operation.Case(path_parameters={"project_id": project.id}).call_and_validate(session=client)


def test_an_unpublished_projects_results_are_not_found_for_the_public(client, project, priority):
    _record(project, priority)
    assert client.get(f"/api/v1/projects/{project.id}/results").status_code == 404
