"""The report builder: ask rows × columns × a measure, see the table and its chart, export,
save the question behind a link that anyone opens with their own permissions."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from portal import collector, exports
from portal.analysis import frozen, services
from portal.analysis.labels import (
    MEASURE_LABELS,
    SHARE_LABELS,
    dimension_label,
    key_text,
    pivot_labels,
    table,
)
from portal.analysis.numbers import cell_writer
from portal.analysis.params import page_question
from portal.analysis.pivot import MEASURES, PIVOT_DIMENSIONS, Pivot, Question
from portal.cache import public_page
from portal.downloads import public_download
from portal.i18n import current_locale
from portal.projects import queries
from portal.saving import save

bp = Blueprint("analysis", __name__, url_prefix="/analysis")

SHOWN_ROWS = 100  # rows drawn on the page (the note says so); the downloads hold them all
CHART_BARS = 25


def _chart(answer: Pivot, maps: list[dict]) -> list[dict[str, Any]]:
    """The rows' totals as bars (the largest first when rows are not years)."""
    rows = len(answer.question.rows)
    bars: list[dict[str, Any]] = [
        {
            "label": " — ".join(key_text(key, maps[:rows])),
            "value": answer.shown(key, None)
            if answer.question.share == "column"
            else answer.value(key, None),
        }
        for key in answer.row_keys
    ]
    bars = [b for b in bars if b["value"] is not None and b["value"] > 0]
    if answer.question.rows != ["year"]:  # years stay in their order; other groups by size
        bars.sort(key=lambda bar: -bar["value"])
    return bars[:CHART_BARS]


def _written(answer: Pivot) -> dict[str, Any]:
    """The shown rows' cells and the totals as text, written once (tens of thousands at most)."""
    write = cell_writer(answer.question.share, answer.question.measure)
    columns = answer.column_keys if answer.question.columns else []
    return {
        "rows": [
            (key, [write(answer.shown(key, c)) for c in columns], write(answer.shown(key, None)))
            for key in answer.row_keys[:SHOWN_ROWS]
        ],
        "footer": [write(answer.shown(None, c)) for c in columns],
        "total": write(answer.shown(None, None)),
    }


def _asked(question: Question | None, raw) -> dict:
    """What the form's fields show: the question read, else what was sent (to correct it)."""
    if question is not None:
        args = question.as_args()
        return {**{k: str(v) for k, v in args.items()}, "rows": args["rows"]}
    rows = ",".join(v for v in (raw.get("rows", ""), raw.get("row2", "")) if v)
    return {
        **{k: raw.get(k, "") for k in ("columns", "measure", "share")},
        "rows": rows,
        "money_from": raw.get("money_from", ""),
        "money_to": raw.get("money_to", ""),
        "round": raw.get("round", ""),
    }


def _render(question: Question | None, errors: dict, saved=None, status: int = 200):
    # A large answer and its page are made of many short-lived objects and no cycles.
    with collector.paused():
        return _render_page(question, errors, saved, status)


def _render_page(question: Question | None, errors: dict, saved, status: int):
    answer = maps = None
    if question is not None and not errors:
        answer = frozen.answer(current_user, question)
        maps = pivot_labels(answer, current_locale())
    filters = question.filters if question else queries.ProjectFilters.from_args(MultiDict())
    if question is None and not errors:
        filters = queries.ProjectFilters.from_args(request.args)
    return render_template(
        "analysis/index.html",
        question=question,
        asked=_asked(question, request.args if saved is None else MultiDict(parse_qs(saved.query))),
        errors=errors,
        answer=answer,
        maps=maps,
        bars=_chart(answer, maps) if answer is not None and maps is not None else [],
        shown_rows=SHOWN_ROWS,
        written=_written(answer) if answer is not None else None,
        filters=filters,
        options=queries.filter_options(),
        internal=current_user.is_authenticated,
        dimensions=[(d, dimension_label(d)) for d in PIVOT_DIMENSIONS],
        measures=[(m, MEASURE_LABELS[m]) for m in MEASURES],
        shares=list(SHARE_LABELS.items()),
        args=question.as_args() if question else {},
        saved=saved,
        can_delete=saved is not None and services.can_delete(current_user, saved),
        mine=services.questions_of(current_user) if current_user.is_authenticated else [],
        **_round_context(question),
    ), status


def _round_context(question: Question | None) -> dict[str, Any]:
    """The closed rounds to choose from, the one asked, and what a snapshot does not keep."""
    return {
        "rounds": frozen.closed_rounds(),
        "chosen_round": frozen.round_of(question) if question is not None else None,
        "snapshot_lacks": [
            dimension_label(d) for d in PIVOT_DIMENSIONS if d not in frozen.DIMENSIONS
        ],
    }


@bp.get("/")
@public_page
def index():
    """Ask a question of the data the visitor may see (the public: published projects)."""
    question, errors = page_question(request.args)
    return _render(question, errors, status=400 if errors else 200)


@bp.get("/export.<any(csv, xlsx):fmt>")
@public_download
def export(fmt: str):
    """Download the answer's table as CSV or XLSX (400 when the question is not valid)."""
    question, errors = page_question(request.args)
    if question is None or errors:
        message = "; ".join(f"{name}: {text}" for name, text in errors.items())
        return message or _("Choose what the rows are."), 400, {"Content-Type": "text/plain"}
    answer = frozen.answer(current_user, question)
    header, rows = table(answer, current_locale())
    name = f"analysis-{date.today().isoformat()}"
    if question.round is not None:
        name = f"analysis-round-{question.round}-{date.today().isoformat()}"
    if fmt == "csv":
        return exports.csv_response(f"{name}.csv", header, rows)
    return exports.xlsx_response(f"{name}.xlsx", _("Analysis"), header, rows)


@bp.post("/save")
@login_required
def save_question():
    """Save the question shown, under a title, and go to its shareable link."""
    question, errors = page_question(MultiDict(parse_qs(request.form.get("query", ""))))
    title = request.form.get("title", "").strip()
    if question is None or errors:
        flash(_("This question cannot be saved: correct it first."), "danger")
        return redirect(url_for("analysis.index"))
    if not title:
        flash(_("Give the question a title to save it."), "danger")
        return redirect(url_for("analysis.index", **question.as_args()))
    outcome = save(lambda: services.save_question(question, title, owner=current_user))
    if not outcome.saved or outcome.value is None:
        return redirect(url_for("analysis.index", **question.as_args()))
    flash(
        _(
            "The question has been saved. Anyone you give its link to sees the answer over "
            "the data they may see."
        ),
        "success",
    )
    return redirect(url_for("analysis.saved", token=outcome.value.token))


@bp.get("/q/<token>")
def saved(token: str):
    """Open a saved question: worked out now, over what the visitor may see (404 if unknown)."""
    found = services.by_token(token)
    if found is None:
        abort(404)
    question, errors = page_question(MultiDict(parse_qs(found.query)))
    return _render(question, errors, saved=found)


@bp.post("/q/<token>/delete")
@login_required
def delete(token: str):
    """Delete a saved question (its owner and CDC; 403 for others)."""
    found = services.by_token(token)
    if found is None:
        abort(404)
    if not services.can_delete(current_user, found):
        abort(403)
    outcome = save(lambda: services.delete_question(found, actor=current_user))
    if outcome.saved:
        flash(_("The saved question has been deleted."), "success")
    return redirect(url_for("analysis.index"))


def query_string(args: dict) -> str:
    return urlencode(args)


bp.add_app_template_filter(query_string, "query_string")
