"""Read a question from a query string, checking each part (the page's and the API's)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal.analysis.frozen import refusals
from portal.analysis.pivot import (
    MAX_COLUMNS,
    MAX_DIMENSIONS,
    MAX_ROWS,
    MEASURES,
    PIVOT_DIMENSIONS,
    SHARES,
    Question,
    source_refusal,
)
from portal.api.params import FIRST_YEAR, LAST_YEAR, PROJECT_FILTERS, QueryArgs, project_filters

QUESTION = ("rows", "columns", "measure", "share", "money_from", "money_to", "round")
# The page's form names its second row dimension apart (two selects cannot share "rows").
PAGE_ONLY = ("row2",)
ALLOWED = (*QUESTION, *PROJECT_FILTERS)


def _dimensions(query: QueryArgs, name: str, most: int, values: list[str]) -> list[str]:
    raw = query.args.get(name)
    if raw is None or raw == "":
        return []
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in names if n not in PIVOT_DIMENSIONS]
    if unknown or not names:
        query.errors[name] = _l("Choose from: %(names)s.", names=", ".join(PIVOT_DIMENSIONS))
        return []
    if len(names) > most:
        query.errors[name] = _l("At most %(n)s dimensions here.", n=most)
        return []
    return names


def read_question(query: QueryArgs) -> Question | None:
    """The question of `query` (None when no rows are asked); errors stay in `query.errors`."""
    rows = _dimensions(query, "rows", MAX_ROWS, [])
    columns = _dimensions(query, "columns", MAX_COLUMNS, [])
    measure = query.choice("measure", MEASURES, "commitment")
    share = query.choice("share", SHARES, "")
    money_from = query.integer("money_from", FIRST_YEAR, LAST_YEAR)
    money_to = query.integer("money_to", FIRST_YEAR, LAST_YEAR)
    filters = project_filters(query)
    round_year = query.integer("round", FIRST_YEAR, LAST_YEAR)
    if money_to is not None and money_from is None:
        money_from = FIRST_YEAR  # every year up to money_to
    if money_from is not None and money_to is not None and money_to < money_from:
        query.errors["money_to"] = _l("The last year comes before the first.")
    together = [*rows, *columns]
    if len(set(together)) < len(together):
        query.errors["columns"] = _l("A dimension is asked twice: choose another one.")
    elif len(together) > MAX_DIMENSIONS:
        query.errors["columns"] = _l("At most %(n)s dimensions in all.", n=MAX_DIMENSIONS)
    if not rows:
        if "rows" not in query.errors and query.args.get("rows") is not None:
            query.errors["rows"] = _l("Choose what the rows are.")
        return None
    question = Question(
        rows, columns, measure, share, money_from, money_to, filters, round=round_year
    )
    # A closed round's snapshot: refused when open or unknown, or asked what it does not keep.
    for name, message in refusals(question).items():
        query.errors.setdefault(name, message)
    refused = source_refusal(question)
    if refused is not None:
        query.errors.setdefault(*refused)
    return question


def api_question(args) -> Question:
    """The API's question: every parameter checked, rows required (400 otherwise)."""
    query = QueryArgs(args, ALLOWED)
    question = read_question(query)
    if question is None and "rows" not in query.errors:
        query.errors["rows"] = _l(
            "Choose what the rows are: %(names)s.", names=", ".join(PIVOT_DIMENSIONS)
        )
    query.done()
    assert question is not None
    return question


def page_question(args) -> tuple[Question | None, dict]:
    """The page's question and the message of each field at fault.

    A form sends its empty fields too: those count as not given. The second row select
    (`row2`) joins the first.
    """
    given = MultiDict([(k, v) for k, v in args.items(multi=True) if v.strip() != ""])
    if "row2" in given:
        second = given.pop("row2")
        given["rows"] = f"{given.get('rows', '')},{second}".strip(",")
    query = QueryArgs(given, ALLOWED)
    if given.get("rows") is None and args.get("rows") is not None:
        query.errors["rows"] = _l("Choose what the rows are.")
    question = read_question(query)
    return question, dict(query.errors)
