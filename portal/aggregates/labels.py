"""The names of the aggregate's groups (its keys), for the dashboard, the reports and the rest.

A key is what `portal.aggregates.services.aggregate` groups by: an organization's id, a
province's, sector's or category's code, a code of the project's lists, or one of the two
groups that are no place or sector (`NATIONWIDE`, `UNALLOCATED`).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.aggregates.services import NATIONWIDE, UNALLOCATED
from portal.budget.queries import programme_names
from portal.extensions import db
from portal.organizations.models import Organization
from portal.projects import codes
from portal.projects.sources import SOURCE_KIND
from portal.reference.models import Province, Sector, SectorCategory, TechnicalWorkingGroup


def key_labels(dimension: str, keys: list, locale: str) -> dict:
    """The label of each key of `dimension` in `locale` (an organization's is its acronym).

    Keys without a name of their own (years, districts, statuses) get none: the caller says
    what stands for them.
    """
    if dimension in ("partner", "ministry"):
        return {
            o.id: o.acronym
            for o in db.session.scalars(
                select(Organization).where(Organization.id.in_([k for k in keys if k]))
            )
        }
    if dimension == "province":
        labels = {p.code: p.display_name(locale) for p in db.session.scalars(select(Province))}
        labels.update({NATIONWIDE: _("Nationwide"), UNALLOCATED: _("No location given")})
        return labels
    if dimension == "category":
        labels = {
            c.code: f"{c.code} {c.display_name(locale)}"
            for c in db.session.scalars(select(SectorCategory))
        }
        labels[UNALLOCATED] = _("No sector given")
        return labels
    if dimension == "sector":
        return {
            s.code: f"{s.code} {s.display_name(locale)}"
            for s in db.session.scalars(select(Sector).where(Sector.code.in_(keys)))
        }
    if dimension == "twg":
        return {
            t.id: t.display_name(locale)
            for t in db.session.scalars(
                select(TechnicalWorkingGroup).where(TechnicalWorkingGroup.id.in_(keys))
            )
        }
    if dimension == "budget":
        # Keys are programme ids as text (see SHARED), "unallocated" for projects without codes.
        names = programme_names([int(k) for k in keys if str(k).isdigit()], locale)
        labels = {str(i): name for i, name in names.items()}
        labels[UNALLOCATED] = _("No budget code")
        return labels
    if dimension == "assistance":
        return {code: str(label) for code, label in codes.TYPE_OF_ASSISTANCE.items()}
    if dimension == "modality":
        return {code: str(label) for code, label in codes.MODALITY.items()}
    if dimension == "source":
        return {kind: str(label) for kind, label in SOURCE_KIND.items()}
    return {}
