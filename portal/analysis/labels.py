"""The names of a pivot's groups in the reader's language, and its table as plain rows."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.aggregates.labels import key_labels
from portal.aggregates.services import NATIONWIDE, UNALLOCATED
from portal.analysis.pivot import Pivot
from portal.extensions import db
from portal.projects import codes
from portal.reference.models import District, Province

DIMENSION_LABELS = {
    "year": _l("Year"),
    "partner": _l("Development partner"),
    "ministry": _l("Lead ministry"),
    "sector": _l("Sector"),
    "category": _l("Sector category"),
    "province": _l("Province"),
    "district": _l("District"),
    "commune": _l("Commune"),
    "assistance": _l("Type of assistance"),
    "modality": _l("Modality"),
    "status": _l("Status"),
    "on_budget": _l("On budget"),
    "twg": _l("Technical working group"),
    "budget": _l("Budget programme"),
    "source": _l("Funding source"),
}
MEASURE_LABELS = {
    "commitment": _l("Commitment (USD)"),
    "disbursed": _l("Actual disbursement (USD)"),
    "planned": _l("Planned disbursement (USD)"),
    "signed": _l("Commitments signed in the year (USD)"),
    "expenditure": _l("Expenditure (USD)"),
    "projects": _l("Number of projects"),
}
SHARE_LABELS = {
    "": _l("Amounts"),
    "row": _l("Share of the row (%)"),
    "column": _l("Share of the column (%)"),
}


def dimension_label(dimension: str) -> str:
    return str(DIMENSION_LABELS.get(dimension, dimension))


def _district_labels(keys: list, locale: str) -> dict:
    """A district's name; a province's code where a place names no district (whole province)."""
    labels = {
        d.code: d.display_name(locale)
        for d in db.session.scalars(select(District).where(District.code.in_(keys)))
    }
    for province in db.session.scalars(select(Province).where(Province.code.in_(keys))):
        labels[province.code] = _(
            "%(province)s (no district given)", province=province.display_name(locale)
        )
    labels.update({NATIONWIDE: _("Nationwide"), UNALLOCATED: _("No location given")})
    return labels


def labels_of(dimension: str, keys: list, locale: str) -> dict:
    """The label of each key of `dimension`; a missing value reads "Not given"."""
    present = [k for k in keys if k is not None]
    if dimension == "year":
        labels: dict = {k: str(k) for k in present}
    elif dimension == "district":
        labels = _district_labels(present, locale)
    elif dimension == "status":
        labels = {k: codes.status_label(k) for k in present}
    elif dimension == "on_budget":
        labels = {True: _("On budget"), False: _("Off budget")}
    else:
        labels = key_labels(dimension, present, locale)
    labels[None] = _("Not given")
    return {k: str(labels.get(k, k)) for k in [*present, None]}


def pivot_labels(answer: Pivot, locale: str) -> list[dict]:
    """One label map per dimension of the answer (rows first, then columns)."""
    question = answer.question
    maps = []
    for level, dimension in enumerate(question.rows):
        maps.append(labels_of(dimension, list({k[level] for k in answer.row_keys}), locale))
    for level, dimension in enumerate(question.columns):
        maps.append(labels_of(dimension, list({k[level] for k in answer.column_keys}), locale))
    return maps


def key_text(key: tuple, maps: list[dict]) -> list[str]:
    return [maps[i][value] for i, value in enumerate(key)]


def table(answer: Pivot, locale: str) -> tuple[list[str], list[list]]:
    """The header and rows of the answer as a flat table (what the exports write)."""
    question = answer.question
    maps = pivot_labels(answer, locale)
    row_maps, column_maps = maps[: len(question.rows)], maps[len(question.rows) :]
    header = [dimension_label(d) for d in question.rows]
    header += [" / ".join(key_text(c, column_maps)) for c in answer.column_keys if question.columns]
    header.append(_("Total"))
    rows: list[list] = []
    for key in answer.row_keys:
        line: list = key_text(key, row_maps)
        if question.columns:
            line += [answer.shown(key, c) for c in answer.column_keys]
        line.append(answer.shown(key, None))
        rows.append(line)
    footer: list = [_("Total"), *([""] * (len(question.rows) - 1))]
    if question.columns:
        footer += [answer.shown(None, c) for c in answer.column_keys]
    footer.append(answer.shown(None, None))
    rows.append(footer)
    return header, rows
