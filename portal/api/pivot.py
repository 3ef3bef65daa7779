"""GET /api/v1/pivot: the report builder's answer as JSON (rows × columns × one measure).

Worked out over what the caller may read (a token's owner: what the account sees on the site;
without a token: published projects), with the project list's filters; the totals equal the
project list's and the aggregates' to the cent.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from flask import jsonify, request

from portal.analysis import frozen
from portal.analysis.labels import pivot_labels
from portal.analysis.params import api_question
from portal.analysis.pivot import Pivot
from portal.api.auth import api_user
from portal.api.blueprint import bp
from portal.api.serialize import money
from portal.cache import public_page
from portal.i18n import current_locale


def _value(answer: Pivot, row, column):
    value = answer.shown(row, column)
    if value is None or (answer.question.measure == "projects" and not answer.question.share):
        return value
    return money(Decimal(value))


def _keys(dimensions: list[str], key: tuple, maps: list[dict]) -> list[dict]:
    return [
        {"dimension": dimension, "key": key[level], "label": maps[level][key[level]]}
        for level, dimension in enumerate(dimensions)
    ]


@bp.get("/pivot")
@public_page
def pivot():
    """Cross one to three dimensions with one measure (400 naming each wrong parameter)."""
    question = api_question(request.args)
    answer = frozen.answer(api_user(), question)
    maps = pivot_labels(answer, current_locale())
    row_maps, column_maps = maps[: len(question.rows)], maps[len(question.rows) :]
    return jsonify(
        question=question.as_args(),
        columns=[
            {"keys": _keys(question.columns, c, column_maps), "total": _value(answer, None, c)}
            for c in answer.column_keys
        ],
        rows=[
            {
                "keys": _keys(question.rows, r, row_maps),
                "cells": [_value(answer, r, c) for c in answer.column_keys],
                "total": _value(answer, r, None),
            }
            for r in answer.row_keys
        ],
        total=_value(answer, None, None),
        snapshot=_snapshot(question),
    )


def _snapshot(question) -> dict | None:
    """The closed round the answer was frozen in, and when (None: live data)."""
    round_ = frozen.round_of(question)
    if round_ is None or round_.closed_at is None:
        return None
    closed = round_.closed_at
    closed = closed if closed.tzinfo else closed.replace(tzinfo=UTC)  # SQLite: UTC, no zone
    return {
        "round": round_.year,
        "closed_at": closed.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
