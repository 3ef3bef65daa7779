"""IATI's `result` element read into plain data (2.03).

`read_results` gives JSON-ready dictionaries (an import batch keeps its activities as JSON until
it is confirmed); `imported` turns them into what `services.replace_from_iati` takes. The export
writes a project's results (portal/iati/export.py).
Everything the portal keeps is read; repeated baselines, targets or actuals keep the first,
and dimensions, locations and document links below the indicator are not kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from portal.results.rules import IndicatorData, PeriodData
from portal.results.services import ImportedResult, ResultData

TextOf = Callable[[object], str | None]


def _attr(element, name: str) -> str | None:
    if element is None:
        return None
    return (element.get(name) or "").strip() or None


def _boolean(text: str | None) -> bool | None:
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    return None


def _text(element, text_of: TextOf) -> str | None:
    return text_of(element) if element is not None else None


def _value(element, text_of: TextOf) -> dict | None:
    if element is None:
        return None
    return {
        "value": _attr(element, "value"),
        "comment": _text(element.find("comment"), text_of),
    }


def _indicator(indicator, text_of: TextOf) -> dict:
    baseline = indicator.find("baseline")
    return {
        "measure": _attr(indicator, "measure"),
        "ascending": _attr(indicator, "ascending"),
        "aggregation_status": _attr(indicator, "aggregation-status"),
        "title": _text(indicator.find("title"), text_of),
        "description": _text(indicator.find("description"), text_of),
        "references": [
            {
                "vocabulary": _attr(ref, "vocabulary"),
                "code": _attr(ref, "code"),
                "indicator_uri": _attr(ref, "indicator-uri"),
            }
            for ref in indicator.iterchildren("reference")
        ],
        "baseline": None
        if baseline is None
        else {"year": _attr(baseline, "year"), **(_value(baseline, text_of) or {})},
        "periods": [
            {
                "start": _attr(period.find("period-start"), "iso-date"),
                "end": _attr(period.find("period-end"), "iso-date"),
                "target": _value(period.find("target"), text_of),
                "actual": _value(period.find("actual"), text_of),
            }
            for period in indicator.iterchildren("period")
        ],
    }


def read_results(element, text_of: TextOf) -> list[dict]:
    """The `<result>` elements of an `<iati-activity>`, every field the portal keeps."""
    results = []
    for result in element.iterchildren("result"):
        results.append(
            {
                "type": _attr(result, "type"),
                "aggregation_status": _attr(result, "aggregation-status"),
                "title": _text(result.find("title"), text_of),
                "description": _text(result.find("description"), text_of),
                "document_links": [
                    {
                        "url": _attr(link, "url"),
                        "format": _attr(link, "format"),
                        "title": _text(link.find("title"), text_of),
                        "category": _attr(link.find("category"), "code"),
                    }
                    for link in result.iterchildren("document-link")
                ],
                "indicators": [
                    _indicator(indicator, text_of) for indicator in result.iterchildren("indicator")
                ],
            }
        )
    return results


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _year(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 4 else None


def imported(results: list[dict]) -> list[ImportedResult]:
    """What `read_results` gave, as the service takes it."""
    items = []
    for result in results:
        indicators = []
        for raw in result.get("indicators") or []:
            baseline = raw.get("baseline") or {}
            measure = raw.get("measure") or ""
            indicators.append(
                IndicatorData(
                    title=raw.get("title") or "",
                    # An unknown measure is kept as "qualitative": its values stay as words.
                    measure=measure if measure in ("1", "2", "3", "4", "5") else "5",
                    ascending=_boolean(raw.get("ascending")),
                    aggregation_status=_boolean(raw.get("aggregation_status")),
                    description=raw.get("description"),
                    baseline_year=_year(baseline.get("year")),
                    baseline_value=baseline.get("value"),
                    baseline_comment=baseline.get("comment"),
                    references=[r for r in raw.get("references") or [] if r.get("code")],
                    periods=[
                        PeriodData(
                            period_start=_date(period.get("start")),
                            period_end=_date(period.get("end")),
                            target_value=(period.get("target") or {}).get("value"),
                            target_comment=(period.get("target") or {}).get("comment"),
                            actual_value=(period.get("actual") or {}).get("value"),
                            actual_comment=(period.get("actual") or {}).get("comment"),
                        )
                        for period in raw.get("periods") or []
                    ],
                )
            )
        items.append(
            ImportedResult(
                data=ResultData(
                    result_type=result.get("type") or "9",
                    title=result.get("title") or "",
                    description=result.get("description"),
                    aggregation_status=_boolean(result.get("aggregation_status")),
                ),
                indicators=indicators,
                document_links=[d for d in result.get("document_links") or [] if d.get("url")],
            )
        )
    return items
