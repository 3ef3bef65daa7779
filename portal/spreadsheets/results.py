"""Results in the project workbook: the Result indicators and Indicator values sheets.

The template writes every indicator of a partner's projects (with its result, baseline and
version) and every period of each (its target and actual value). On upload:
- a row with an indicator ID changes that indicator; a row without one adds an indicator to the
  result it names (a new result when the project has none of that title); an existing result's
  title and kind are changed on the results page (a cell that differs is refused);
- a period is found by its start and end: a row with new dates adds a period;
- a blank cell keeps what the indicator or period has, and an indicator or period left out of
  the file is kept: results are removed on the project's results page only;
- an indicator saved in the portal after the file was made is refused at its Version cell,
  never overwritten; every indicator goes through the results' own rules
  (`portal.results.services.validate_indicator`), each message at its cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.results import services as result_services
from portal.results.models import (
    MEASURES,
    NUMERIC_MEASURES,
    RESULT_TYPES,
    ProjectResult,
    ResultIndicator,
)
from portal.results.rules import IndicatorData, PeriodData, number, of_indicator
from portal.spreadsheets.children import BLANK
from portal.spreadsheets.compare import Change
from portal.spreadsheets.layout import INDICATOR_VALUES, INDICATORS

# The indicator's fields the Result indicators sheet sets, by column key.
INDICATOR_CELLS = {
    "indicator_title": "title",
    "measure": "measure",
    "ascending": "ascending",
    "description": "description",
    "baseline_year": "baseline_year",
    "baseline_value": "baseline_value",
    "baseline_comment": "baseline_comment",
}
PERIOD_CELLS = ("target_value", "target_comment", "actual_value", "actual_comment")
LABEL = _l("Indicator")


@dataclass
class IndicatorChange:
    """What the workbook does to one indicator (an existing one, or one it adds)."""

    result_key: str  # the result's title, folded: new indicators of a new result share it
    data: IndicatorData
    indicator: ResultIndicator | None = None
    version: int | None = None  # the file's Version cell
    row: int | None = None  # its row on the Result indicators sheet
    period_rows: dict[int, int] = field(default_factory=dict)  # period index -> its row


@dataclass
class ResultsChange:
    """A project's new results, and its indicators changed or added."""

    new_results: dict[str, result_services.ResultData] = field(default_factory=dict)
    indicators: list[IndicatorChange] = field(default_factory=list)


def _fold(text) -> str:
    return " ".join(str(text).split()).casefold()


def template_rows(projects) -> tuple[list[dict], list[dict]]:
    """The rows of the Result indicators and Indicator values sheets."""
    ids = [p.id for p in projects]
    titles = {p.id: p.title_en for p in projects}
    indicator_rows: list[dict] = []
    value_rows: list[dict] = []
    for result in _results(ids):
        common = {"project": result.project_id, "project_title": titles[result.project_id]}
        for indicator in result.indicators:
            indicator_rows.append(
                {
                    **common,
                    "result": result.title,
                    "result_type": result.result_type,
                    "indicator_id": indicator.id,
                    "indicator_title": indicator.title,
                    "measure": indicator.measure,
                    "ascending": indicator.ascending,
                    "description": indicator.description,
                    "baseline_year": indicator.baseline_year,
                    "baseline_value": indicator.baseline_value,
                    "baseline_comment": indicator.baseline_comment,
                    "version": indicator.version,
                }
            )
            for period in indicator.periods:
                value_rows.append(
                    {
                        "project": result.project_id,
                        "indicator": indicator.id,
                        "indicator_name": indicator.title,
                        "period_start": period.period_start,
                        "period_end": period.period_end,
                        **{key: getattr(period, key) for key in PERIOD_CELLS},
                    }
                )
    return indicator_rows, value_rows


def _results(project_ids) -> list[ProjectResult]:
    if not project_ids:
        return []
    return list(
        db.session.scalars(
            select(ProjectResult)
            .where(ProjectResult.project_id.in_(project_ids))
            .order_by(ProjectResult.project_id, ProjectResult.position, ProjectResult.id)
        )
    )


def _canonical(data: IndicatorData) -> tuple:
    """An indicator's data as the sheets can set it, values written as stored."""

    def value(text) -> str | None:
        cleaned = str(text).strip() if text is not None else ""
        if cleaned and data.measure in NUMERIC_MEASURES and (n := number(cleaned)) is not None:
            return format(n.normalize(), "f")
        return cleaned or None

    def words(text) -> str | None:
        return (str(text).strip() if text is not None else "") or None

    periods = sorted(
        (
            (
                str(p.period_start),
                str(p.period_end),
                value(p.target_value),
                words(p.target_comment),
                value(p.actual_value),
                words(p.actual_comment),
            )
            for p in data.periods
        ),
        key=str,
    )
    return (
        (data.title or "").strip(),
        data.measure,
        data.ascending,
        words(data.description),
        data.baseline_year,
        value(data.baseline_value),
        words(data.baseline_comment),
        tuple(periods),
    )


def _text(data: IndicatorData | None) -> str:
    """An indicator in one line, for the preview."""
    if data is None:
        return ""
    parts = [str(MEASURES.get(data.measure, data.measure))]
    if data.baseline_value is not None or data.baseline_year is not None:
        parts.append(f"{data.baseline_year or ''} {data.baseline_value or ''}".strip())
    for p in data.periods:
        parts.append(
            f"{p.period_start}–{p.period_end}: {p.target_value or ''} / {p.actual_value or ''}"
        )
    return "; ".join(parts)


class _Project:
    """Reads one project's rows on the two sheets."""

    def __init__(self, builder: Any, planned, results: list[ProjectResult]) -> None:
        self.builder = builder
        self.planned = planned
        self.results = {_fold(r.title): r for r in results}
        self.indicators = {i.id: i for r in results for i in r.indicators}
        self.change = ResultsChange()
        self.by_id: dict[int, IndicatorChange] = {}
        self.by_title: dict[str, IndicatorChange] = {}  # indicators the file adds
        self.result_rows: dict[str, int] = {}  # a new result's first row

    def error(self, sheet, row: int | None, key: str | None, message) -> None:
        self.builder.error(sheet, row, key, message, self.planned)

    # --- the Result indicators sheet ---------------------------------------------------------

    def indicator_row(self, row) -> None:
        values = row.values
        indicator_id = values.get("indicator_id")
        entry = self._existing(row, indicator_id) if indicator_id is not None else self._new(row)
        if entry is None:
            return
        for key, name in INDICATOR_CELLS.items():
            if values.get(key) is not None:
                setattr(entry.data, name, values[key])

    def _existing(self, row, indicator_id: int) -> IndicatorChange | None:
        indicator = self.indicators.get(indicator_id)
        if indicator is None:
            message = _l("The project has no indicator %(id)s.", id=indicator_id)
            self.error(INDICATORS, row.number, "indicator_id", message)
            return None
        if indicator_id in self.by_id and self.by_id[indicator_id].row is not None:
            message = _l(
                "This indicator is already on row %(row)s.", row=self.by_id[indicator_id].row
            )
            self.error(INDICATORS, row.number, "indicator_id", message)
            return None
        result = indicator.result
        named = row.values.get("result")
        if named is not None and _fold(named) != _fold(result.title):
            self.error(
                INDICATORS,
                row.number,
                "result",
                _l(
                    "An indicator stays in its result (%(result)s): rename a result or move an "
                    "indicator on the project's results page.",
                    result=result.title,
                ),
            )
            return None
        if not self._retype(row, result):
            return None
        entry = self._entry(indicator)
        entry.row = row.number
        entry.version = row.values.get("version")
        return entry

    def _entry(self, indicator: ResultIndicator) -> IndicatorChange:
        if indicator.id not in self.by_id:
            self.by_id[indicator.id] = IndicatorChange(
                _fold(indicator.result.title), of_indicator(indicator), indicator
            )
        return self.by_id[indicator.id]

    def _retype(self, row, result: ProjectResult) -> bool:
        """Refuse a kind of an existing result other than its own: results themselves are
        changed on the results page (the file has no version of theirs to check)."""
        kind = row.values.get("result_type")
        if kind is None or kind == result.result_type:
            return True
        self.error(
            INDICATORS,
            row.number,
            "result_type",
            _l(
                "The result %(result)s is of the kind %(kind)s: change a result's kind on the "
                "project's results page (put the cell back, or leave it blank).",
                result=result.title,
                kind=RESULT_TYPES.get(result.result_type, result.result_type),
            ),
        )
        return False

    def _result_type_holds(self, row, kind, title) -> bool:
        try:
            result_services.validate_result(result_services.ResultData(kind, title))
        except result_services.ResultInvalid as invalid:
            for name, message in invalid.errors.items():
                self.error(
                    INDICATORS,
                    row.number,
                    "result_type" if name == "result_type" else "result",
                    message,
                )
            return False
        return True

    def _new(self, row) -> IndicatorChange | None:
        values = row.values
        title, result_title = values.get("indicator_title"), values.get("result")
        for key, value in (("result", result_title), ("indicator_title", title)):
            if value is None:
                self.error(INDICATORS, row.number, key, BLANK)
        if title is None or result_title is None:
            return None
        key = _fold(title)
        if key in self.by_title:
            message = _l("This indicator is already on row %(row)s.", row=self.by_title[key].row)
            self.error(INDICATORS, row.number, "indicator_title", message)
            return None
        if any(_fold(i.title) == key for i in self.indicators.values()):
            self.error(
                INDICATORS,
                row.number,
                "indicator_id",
                _l(
                    "The project already has an indicator of this title: give its indicator ID "
                    "to change it."
                ),
            )
            return None
        result_key = _fold(result_title)
        result = self.results.get(result_key)
        kind = values.get("result_type")
        if result is None and result_key not in self.change.new_results:
            if not self._result_type_holds(row, kind, str(result_title)):
                return None
            self.change.new_results[result_key] = result_services.ResultData(
                str(kind), str(result_title).strip()
            )
            self.result_rows[result_key] = row.number
        elif result is not None and not self._retype(row, result):
            return None
        entry = IndicatorChange(result_key, IndicatorData(title="", measure=""), row=row.number)
        self.by_title[key] = entry
        return entry

    # --- the Indicator values sheet ----------------------------------------------------------

    def value_row(self, row) -> None:
        values = row.values
        entry = (
            self._named(row, values["indicator"]) if values.get("indicator") is not None else None
        )
        if values.get("indicator") is None:
            self.error(INDICATOR_VALUES, row.number, "indicator", BLANK)
        absent = [k for k in ("period_start", "period_end") if values.get(k) is None]
        for key in absent:
            self.error(INDICATOR_VALUES, row.number, key, BLANK)
        if entry is None or absent:
            return
        span = (values["period_start"], values["period_end"])
        periods = entry.data.periods
        index = next(
            (i for i, p in enumerate(periods) if (p.period_start, p.period_end) == span), None
        )
        if index is not None and index in entry.period_rows:
            message = _l("This period is already on row %(row)s.", row=entry.period_rows[index])
            self.error(INDICATOR_VALUES, row.number, "period_start", message)
            return
        if index is None:
            periods.append(PeriodData(*span))
            index = len(periods) - 1
        else:
            periods[index] = replace(periods[index])
        for key in PERIOD_CELLS:
            if values.get(key) is not None:
                setattr(periods[index], key, values[key])
        entry.period_rows[index] = row.number

    def _named(self, row, key) -> IndicatorChange | None:
        """The indicator a row names: a portal ID, or the title of one the file adds."""
        if isinstance(key, int):
            indicator = self.indicators.get(key)
            if indicator is not None:
                return self._entry(indicator)
        else:
            entry = self.by_title.get(_fold(key))
            if entry is not None:
                return entry
        self.error(
            INDICATOR_VALUES,
            row.number,
            "indicator",
            _l(
                "No indicator %(key)s in this project (an indicator ID, or the title of an "
                "indicator added on the Result indicators sheet).",
                key=key,
            ),
        )
        return None

    # --- what changes ------------------------------------------------------------------------

    def finish(self) -> ResultsChange | None:
        changes = []
        for entry in [*self.by_id.values(), *self.by_title.values()]:
            indicator = entry.indicator
            before = of_indicator(indicator) if indicator is not None else None
            if before is not None and _canonical(before) == _canonical(entry.data):
                continue
            if indicator is not None and not self._version_holds(entry, indicator):
                continue
            try:
                result_services.validate_indicator(entry.data)
            except result_services.ResultInvalid as invalid:
                self._place(entry, invalid.errors)
                continue
            self.change.indicators.append(entry)
            changes.append(Change(f"{LABEL}: {entry.data.title}", _text(before), _text(entry.data)))
        self.planned.extra_changes.extend(changes)
        if not changes and not self.change.new_results:
            return None
        return self.change

    def _version_holds(self, entry: IndicatorChange, indicator: ResultIndicator) -> bool:
        if entry.row is None:
            number = next(iter(entry.period_rows.values()))
            self.error(
                INDICATOR_VALUES,
                number,
                "indicator",
                _l(
                    "Keep this indicator's row on the Result indicators sheet, with its version: "
                    "it tells whether someone changed the indicator since the file was made."
                ),
            )
            return False
        if entry.version is None:
            message = _l("Keep the version the template gave this indicator.")
            self.error(INDICATORS, entry.row, "version", message)
            return False
        if entry.version != indicator.version:
            self.error(
                INDICATORS,
                entry.row,
                "version",
                _l(
                    "The indicator %(title)s was saved in the portal after this file was made "
                    "(version %(theirs)s, the file has %(ours)s). Download a new template, or "
                    "copy your changes into it.",
                    title=indicator.title,
                    theirs=indicator.version,
                    ours=entry.version,
                ),
            )
            return False
        return True

    def _place(self, entry: IndicatorChange, errors: dict[str, str]) -> None:
        cells = {name: key for key, name in INDICATOR_CELLS.items()}
        for name, message in errors.items():
            child, _sep, rest = name.partition("-")
            index_text, _sep, field_name = rest.partition("-")
            if child == "periods" and index_text.isdigit():
                index = int(index_text)
                if index in entry.period_rows:
                    self.error(INDICATOR_VALUES, entry.period_rows[index], field_name, message)
                    continue
                period = entry.data.periods[index]
                message = f"{period.period_start} – {period.period_end}: {message}"
                self.error(INDICATORS, entry.row, None, message)
            elif entry.row is not None:
                self.error(INDICATORS, entry.row, cells.get(name), message)
            else:
                number = next(iter(entry.period_rows.values()))
                self.error(INDICATOR_VALUES, number, "indicator", message)


def read_results(builder: Any) -> None:
    """Read the two sheets into each planned project's `results` change."""
    indicator_rows = builder.workbook.rows.get(INDICATORS.key, [])
    value_rows = builder.workbook.rows.get(INDICATOR_VALUES.key, [])
    if not indicator_rows and not value_rows:
        return
    ids = [p.project.id for p in builder.planned if p.project is not None]
    by_project: dict[int, list[ProjectResult]] = {}
    for result in _results(ids):
        by_project.setdefault(result.project_id, []).append(result)
    readers: dict[int, _Project] = {}

    def reader(planned) -> _Project:
        if id(planned) not in readers:
            results = by_project.get(planned.project.id, []) if planned.project else []
            readers[id(planned)] = _Project(builder, planned, results)
        return readers[id(planned)]

    for sheet, rows, read in (
        (INDICATORS, indicator_rows, _Project.indicator_row),
        (INDICATOR_VALUES, value_rows, _Project.value_row),
    ):
        for row in rows:
            planned = builder._owner(sheet, row)
            if planned is not None:
                read(reader(planned), row)
    for project_reader in readers.values():
        project_reader.planned.results = project_reader.finish()


def apply_results(planned, project, user) -> None:
    """Write a planned project's results (flush only; refusals raise)."""
    change: ResultsChange | None = planned.results
    if change is None:
        return
    results = {_fold(r.title): r for r in result_services.results_of(project)}
    for key, data in change.new_results.items():
        results[key] = result_services.save_result(project, data, actor=user)
    for entry in change.indicators:
        result_services.save_indicator(
            entry.indicator.result if entry.indicator is not None else results[entry.result_key],
            entry.data,
            actor=user,
            indicator=entry.indicator,
            expected_version=entry.version if entry.indicator is not None else None,
        )


REFUSALS = (result_services.ResultInvalid, result_services.EditConflict)
