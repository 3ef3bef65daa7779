"""A project's results as the JSON API gives them (documented in portal/api/schemas.py)."""

from __future__ import annotations

from portal.results.models import ProjectResult, ResultIndicator


def _indicator(indicator: ResultIndicator) -> dict:
    return {
        "id": indicator.id,
        "title": indicator.title,
        "description": indicator.description,
        "measure": indicator.measure,
        "measure_label": indicator.measure_label,
        "ascending": indicator.ascending,
        "aggregation_status": indicator.aggregation_status,
        "references": [
            {
                "vocabulary": r.get("vocabulary"),
                "code": r.get("code"),
                "indicator_uri": r.get("indicator_uri"),
            }
            for r in indicator.references or []
        ],
        "priorities": [{"id": p.node_id, "code": p.node.code} for p in indicator.priorities],
        "baseline": {
            "year": indicator.baseline_year,
            "value": indicator.baseline_value,
            "comment": indicator.baseline_comment,
        },
        "periods": [
            {
                "period_start": p.period_start.isoformat() if p.period_start else None,
                "period_end": p.period_end.isoformat() if p.period_end else None,
                "target_value": p.target_value,
                "target_comment": p.target_comment,
                "actual_value": p.actual_value,
                "actual_comment": p.actual_comment,
            }
            for p in indicator.periods
        ],
    }


def result(item: ProjectResult) -> dict:
    """One result with its indicators."""
    return {
        "id": item.id,
        "type": item.result_type,
        "type_label": item.type_label,
        "title": item.title,
        "description": item.description,
        "aggregation_status": item.aggregation_status,
        "from_iati": item.from_iati,
        "indicators": [_indicator(i) for i in item.indicators],
    }
