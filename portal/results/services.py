"""Results use cases: save and delete a project's results and indicators, read them, and
take them from IATI as published.

Services flush and never commit; the view commits once. The form's data is refused by the
rules in `rules.py` (ResultInvalid, keyed by field name); IATI's is kept and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit.services import record
from portal.db import utcnow
from portal.extensions import db
from portal.projects.models import Project
from portal.results.models import (
    NUMERIC_MEASURES,
    RESULT_TYPES,
    IndicatorPeriod,
    IndicatorPriority,
    ProjectResult,
    ResultIndicator,
)
from portal.results.rules import IndicatorData, number, problems
from portal.strategy.models import NodeKind, StrategyNode


class ResultInvalid(ValueError):
    """The data breaks one or more rules; `errors` maps form field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class EditConflict(RuntimeError):
    """Someone saved the record after the editor opened it; `current` is what is stored now."""

    def __init__(self, current) -> None:
        super().__init__("edit conflict")
        self.current = current


@dataclass
class ResultData:
    result_type: str
    title: str
    description: str | None = None
    aggregation_status: bool | None = None


def validate_result(data: ResultData, _result: ProjectResult | None = None) -> None:
    """Check a result's own fields; raise ResultInvalid listing every problem."""
    errors: dict[str, str] = {}
    if data.result_type not in RESULT_TYPES:
        errors["result_type"] = str(_l("Choose the kind of result."))
    if not (data.title or "").strip():
        errors["title"] = str(_l("Give the result a title."))
    if errors:
        raise ResultInvalid(errors)


def _check_version(record_, expected_version: int | None) -> None:
    if record_ is not None and expected_version is not None and record_.version != expected_version:
        raise EditConflict(record_)


def save_result(
    project: Project,
    data: ResultData,
    *,
    actor,
    result: ProjectResult | None = None,
    expected_version: int | None = None,
) -> ProjectResult:
    """Create or change a result of the project; refuses ResultInvalid or EditConflict."""
    _check_version(result, expected_version)
    validate_result(data)
    creating = result is None
    if result is None:
        position = len(results_of(project))
        result = ProjectResult(project_id=project.id, position=position)
        db.session.add(result)
    result.result_type = data.result_type
    result.title = data.title.strip()
    result.description = (data.description or "").strip() or None
    result.aggregation_status = data.aggregation_status
    result.updated_at = utcnow()
    db.session.flush()
    record(
        "result.created" if creating else "result.updated",
        user=actor,
        obj=project,
        result=result.id,
    )
    return result


def delete_result(result: ProjectResult, *, actor) -> None:
    """Remove a result and its indicators."""
    project_id = result.project_id
    db.session.delete(result)
    db.session.flush()
    record("result.deleted", user=actor, object_type="Project", object_id=project_id)


def validate_indicator(data: IndicatorData, _indicator: ResultIndicator | None = None) -> None:
    """Check an indicator typed in the form; raise ResultInvalid listing every problem."""
    errors = problems(data)
    if data.priority_ids:
        nodes = list(
            db.session.scalars(select(StrategyNode).where(StrategyNode.id.in_(data.priority_ids)))
        )
        if len(nodes) != len(set(data.priority_ids)) or any(
            n.kind != NodeKind.PRIORITY for n in nodes
        ):
            errors["priority_ids"] = str(_l("Choose priorities of the national strategy."))
    if errors:
        raise ResultInvalid(errors)


def _clean(value: str | None, measure: str) -> str | None:
    """A value as stored: a number written plainly for a numeric measure, else the text."""
    text = (value or "").strip()
    if not text:
        return None
    if measure in NUMERIC_MEASURES and (parsed := number(text)) is not None:
        return format(parsed.normalize(), "f")
    return text


def _fill(indicator: ResultIndicator, data: IndicatorData, *, clean: bool) -> None:
    def value(text: str | None) -> str | None:
        return _clean(text, data.measure) if clean else text

    indicator.measure = data.measure
    indicator.title = (data.title or "").strip()
    indicator.description = (data.description or "").strip() or None
    indicator.ascending = data.ascending
    indicator.aggregation_status = data.aggregation_status
    indicator.baseline_year = data.baseline_year
    indicator.baseline_value = value(data.baseline_value)
    indicator.baseline_comment = (data.baseline_comment or "").strip() or None
    if data.references is not None:
        indicator.references = data.references or None
    indicator.periods = [
        IndicatorPeriod(
            period_start=p.period_start,
            period_end=p.period_end,
            target_value=value(p.target_value),
            target_comment=(p.target_comment or "").strip() or None,
            actual_value=value(p.actual_value),
            actual_comment=(p.actual_comment or "").strip() or None,
        )
        for p in data.periods
    ]
    indicator.priorities = [
        IndicatorPriority(node_id=node_id) for node_id in dict.fromkeys(data.priority_ids)
    ]


def save_indicator(
    result: ProjectResult,
    data: IndicatorData,
    *,
    actor,
    indicator: ResultIndicator | None = None,
    expected_version: int | None = None,
) -> ResultIndicator:
    """Create or change an indicator of a result; refuses ResultInvalid or EditConflict."""
    _check_version(indicator, expected_version)
    validate_indicator(data)
    creating = indicator is None
    if indicator is None:
        indicator = ResultIndicator(result=result, position=len(result.indicators))
        db.session.add(indicator)
    else:
        indicator.periods.clear()
        indicator.priorities.clear()
        db.session.flush()
    _fill(indicator, data, clean=True)
    indicator.updated_at = utcnow()  # an UPDATE of the row, so its version moves on
    db.session.flush()
    record(
        "result.indicator_created" if creating else "result.indicator_updated",
        user=actor,
        obj=result.project,
        indicator=indicator.id,
    )
    return indicator


def delete_indicator(indicator: ResultIndicator, *, actor) -> None:
    """Remove an indicator and its periods."""
    project = indicator.result.project
    db.session.delete(indicator)
    db.session.flush()
    record("result.indicator_deleted", user=actor, obj=project)


def results_of(project: Project) -> list[ProjectResult]:
    """The project's results in their order, with indicators and periods."""
    return list(
        db.session.scalars(
            select(ProjectResult)
            .where(ProjectResult.project_id == project.id)
            .order_by(ProjectResult.position, ProjectResult.id)
        )
    )


@dataclass
class ImportedResult:
    """A result as IATI published it (read by `iati_results.read_results`)."""

    data: ResultData
    indicators: list[IndicatorData]
    document_links: list | None = None


def replace_from_iati(project_id: int, results: list[ImportedResult]) -> int:
    """Put the activity's published results in place of the project's: kept as published
    (odd values are flagged on the page, not refused). Return how many results were written."""
    for old in db.session.scalars(
        select(ProjectResult).where(ProjectResult.project_id == project_id)
    ):
        db.session.delete(old)
    db.session.flush()
    for position, item in enumerate(results):
        result = ProjectResult(
            project_id=project_id,
            position=position,
            result_type=item.data.result_type if item.data.result_type in RESULT_TYPES else "9",
            title=(item.data.title or "").strip(),
            description=(item.data.description or "").strip() or None,
            aggregation_status=item.data.aggregation_status,
            document_links=item.document_links or None,
            from_iati=True,
        )
        db.session.add(result)
        for index, data in enumerate(item.indicators):
            indicator = ResultIndicator(result=result, position=index)
            _fill(indicator, data, clean=False)
            db.session.add(indicator)
    db.session.flush()
    return len(results)
