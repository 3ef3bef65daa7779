"""Compare a project as it is with what a workbook would make it, and check cell values.

The comparison covers exactly what the workbook can set, as text, so a preview can say what
changes (field by field) and a file that changes nothing writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from portal.projects import services
from portal.projects.history import display_value
from portal.projects.history import label as history_label
from portal.projects.models import Project
from portal.spreadsheets.layout import (
    BUDGET_CODES,
    BUDGET_VERSION,
    FUNDING,
    LOCATIONS,
    ORGANIZATION_FIELDS,
    PROJECTS,
    SECTORS,
)

CENT = Decimal("0.01")
# Project fields the Projects sheet sets directly (organizations are mapped from acronyms).
SCALAR_FIELDS = [
    c.key
    for c in PROJECTS.columns
    if c.key not in ("id", "version", BUDGET_CODES, BUDGET_VERSION, *ORGANIZATION_FIELDS)
    and not c.informational
]
CHILD_SHEETS = {"sectors": SECTORS, "locations": LOCATIONS, "funding": FUNDING}


@dataclass
class Change:
    """One field of a project as it is and as the workbook would make it."""

    label: str
    old: str
    new: str


CHILDREN = ("sectors", "locations", "funding", "participants", "documents")


def data_from_project(project: Project) -> services.ProjectData:
    """Everything a project holds, as the registry's service takes it."""
    names = [f for f in services.ProjectData.__dataclass_fields__ if f not in CHILDREN]
    return services.ProjectData(
        **{name: getattr(project, name) for name in names},
        sectors=[services.SectorShare(s.sector_code, s.percentage) for s in project.sectors],
        locations=[
            services.LocationShare(
                loc.province_code, loc.percentage, loc.district_code, loc.commune_code
            )
            for loc in project.locations
        ],
        funding=[
            services.YearAmount(f.year, f.kind, f.amount, f.currency) for f in project.funding
        ],
        participants=[
            services.Participant(p.organization_id, p.role) for p in project.participants
        ],
        documents=[services.Document(d.title, d.url) for d in project.documents if d.web_url],
    )


def _amount(value) -> str:
    return "" if value is None else format(Decimal(value).quantize(CENT), "f")


def describe(data: services.ProjectData, acronyms: dict[int, str]) -> dict[str, str]:
    """The workbook's fields of `data` as text, to compare two versions of a project."""
    text = {}
    for key in SCALAR_FIELDS:
        value = getattr(data, key)
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, Decimal):
            value = _amount(value)
        text[key] = "" if value is None else str(value).strip()
    for key, field_name in ORGANIZATION_FIELDS.items():
        text[key] = acronyms.get(getattr(data, field_name), "")
    text["sectors"] = "; ".join(
        sorted(f"{s.sector_code} {_amount(s.percentage)}%" for s in data.sectors)
    )
    text["locations"] = "; ".join(
        sorted(
            f"{loc.district_code or loc.province_code} {_amount(loc.percentage)}%"
            for loc in data.locations
        )
    )
    text["funding"] = "; ".join(
        sorted(f"{f.year} {f.kind} {_amount(f.amount)} {f.currency}" for f in data.funding)
    )
    return text


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def scalar_problem(key: str, value):
    """What is wrong with a value the database or the form would refuse, else None.

    Coded values are left to the registry's rules, which say which values are allowed.
    """
    length = getattr(Project.__table__.columns[key].type, "length", None)
    is_text = PROJECTS.column(key).kind in ("text", "long_text")
    if is_text and length and len(value) > length:
        return _l("At most %(n)s characters.", n=length)
    if key == "contact_email" and not EMAIL.match(str(value)):
        return _l("Give a valid email address.")
    if isinstance(value, Decimal) and value < 0:
        return _l("An amount cannot be negative.")
    return None


def label(key: str) -> str:
    if key in CHILD_SHEETS:
        return history_label(key)
    return str(PROJECTS.column(key).label)


def changes_between(before: dict[str, str], after: dict[str, str]) -> list[Change]:
    """The fields that differ, as people read them (coded values in words)."""
    return [
        Change(label(key), display_value(key, before.get(key, "")), display_value(key, value))
        for key, value in after.items()
        if value != before.get(key, "")
    ]
