"""The project list's pages at a cost that does not grow with the database.

The count and the totals row of a list are read from the groups of projects the database keeps
current (`portal.projects.tally`) when the filters are only the reader's visibility, partner,
ministry, publication and state: every default view, a few hundred rows summed whatever the
number of projects, the first view after a change too. Other filters count the projects, and
keep the answer in the cache (`portal.cache`) per reader's visibility
(`security.visibility_key`: the public, CDC, one partner or one ministry), filters and data
version: a repeat view, another page or another order counts nothing again, and the first view
after any committed change counts afresh. A reader never gets totals worked out for another
visibility.

The pager's links carry a cursor (the sort value and id of the row at the page's edge) where
the order allows (a column that is never empty): the next page is read from the index from
there, not by skipping every row before it. `?page=N` alone still works (an offset), so older
links and bookmarks keep their meaning; the page number of a cursor link is shown as sent.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import math
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import bindparam, tuple_

from portal.cache import kept
from portal.db import Page
from portal.extensions import db
from portal.projects import queries, tally
from portal.projects.models import Project
from portal.security import visibility_key

PER_PAGE = 25
# The orders a cursor can follow: a column never empty, and how its value is written.
KEYSET_SORTS: dict[str, Any] = {
    "updated": datetime.fromisoformat,
    "title": str,
    "status": str,
    "disbursed": Decimal,
}


def totals(user, filters: queries.ProjectFilters, statement) -> queries.Totals:
    """The count and money totals of the list: from the groups the database keeps
    (`portal.projects.tally`) when they answer the filters, else counted and kept per
    visibility, filters and data version."""
    grouped = tally.totals(user, filters)
    if grouped is not None:
        return grouped
    name = json.dumps(
        ["list-totals", visibility_key(user), dataclasses.asdict(filters)],
        sort_keys=True,
        default=str,
    )
    return kept(name, lambda: queries.totals(statement))


def _cursor(sort: str, project: Project) -> str:
    value = getattr(project, queries.SORTS[sort.lstrip("-")].key)
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    raw = json.dumps([text, project.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(sort: str, cursor: str) -> tuple[Any, int] | None:
    """The (sort value, id) of a cursor, or None when it is not one of this order's."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        text, row_id = json.loads(raw)
        if not isinstance(text, str) or type(row_id) is not int:
            return None
        return KEYSET_SORTS[sort.lstrip("-")](text), row_id
    except (ValueError, TypeError, KeyError, InvalidOperation, binascii.Error):
        return None


def _from_cursor(statement, sort: str, edge: tuple[Any, int], forward: bool):
    """The rows after (`forward`) or before the edge row in the list's order, nearest first."""
    column = queries.SORTS[sort.lstrip("-")]
    descending = sort.startswith("-")
    key = tuple_(column, Project.id)
    value = tuple_(bindparam(None, edge[0], type_=column.type), bindparam(None, edge[1]))
    if forward:
        return statement.where(key < value if descending else key > value)
    backward = (
        (column.asc(), Project.id.asc()) if descending else (column.desc(), Project.id.desc())
    )
    return (
        statement.where(key > value if descending else key < value)
        .order_by(None)
        .order_by(*backward)
    )


def page(statement, sort: str, total: int, args) -> Page:
    """The page the pager's link asks for (a cursor, else `?page=`), with the next cursors.

    `statement` is the list's sorted select (`queries.sorted_statement`).
    """
    pages = max(1, math.ceil(total / PER_PAGE))
    number = min(max(1, args.get("page", 1, type=int)), pages)
    keyset = sort.lstrip("-") in KEYSET_SORTS
    items: list[Project] | None = None
    if keyset and (args.get("after") or args.get("before")):
        forward = bool(args.get("after"))
        edge = _read_cursor(sort, args.get("after") or args.get("before"))
        if edge is not None:
            found = list(
                db.session.scalars(_from_cursor(statement, sort, edge, forward).limit(PER_PAGE))
            )
            if not forward:
                found.reverse()
            # An edge with nothing beyond it (rows gone meanwhile): the numbered page instead.
            items = found or None
    if items is None:
        items = list(db.session.scalars(statement.limit(PER_PAGE).offset((number - 1) * PER_PAGE)))
    result = Page(items=items, page=number, per_page=PER_PAGE, total=total)
    if keyset and items:
        result.next_args = {"after": _cursor(sort, items[-1])}
        result.prev_args = {"before": _cursor(sort, items[0])}
    return result
