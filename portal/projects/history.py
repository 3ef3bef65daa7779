"""The field-level change history of a project."""

from __future__ import annotations

from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from portal.extensions import db
from portal.projects.models import Project, ProjectChange

# Field name -> label, in the order people read a project.
FIELD_LABELS = {
    "created": _l("Registered"),
    "iati_identifier": _l("IATI identifier"),
    "partner_ref": _l("Partner's own reference"),
    "title_en": _l("Title"),
    "title_km": _l("Title in Khmer"),
    "description": _l("Description"),
    "description_km": _l("Description in Khmer"),
    "objectives": _l("Objectives"),
    "lead_national_partner": _l("Lead national partner"),
    "external_lead_partner": _l("External lead partner"),
    "status": _l("Status"),
    "planned_start": _l("Planned start"),
    "planned_end": _l("Planned end"),
    "actual_start": _l("Actual start"),
    "actual_end": _l("Actual end"),
    "twg": _l("Technical Working Group"),
    "type_of_assistance": _l("Type of assistance"),
    "modality": _l("Modality"),
    "finance_type": _l("Finance type"),
    "aid_type": _l("Aid type"),
    "flow_type": _l("Flow type"),
    "on_budget": _l("On budget"),
    "on_treasury": _l("On treasury"),
    "nationwide": _l("Nationwide"),
    "commitment": _l("Total commitment"),
    "commitment_date": _l("Date of agreement"),
    "sectors": _l("Sectors"),
    "locations": _l("Locations"),
    "funding": _l("Yearly funding"),
    "participants": _l("Funding and implementing organizations"),
    "documents": _l("Documents"),
    "contact": _l("Contact person"),
    "published": _l("Published"),
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _place(location) -> str:
    # Some callers pass rows of selected columns, without the commune.
    commune = getattr(location, "commune_code", None)
    return commune or location.district_code or location.province_code


def snapshot(project: Project | SimpleNamespace) -> dict[str, str]:
    """Return every recorded field of `project` as text, for comparing two versions.

    `project` may also be a plain object with the same attributes (the demo's rows).
    """
    commitment = ""
    if project.commitment_amount is not None:
        commitment = f"{project.commitment_amount:,.2f} {project.commitment_currency or ''}"
    return {
        "iati_identifier": _text(project.iati_identifier),
        "partner_ref": _text(project.partner_ref),
        "title_en": _text(project.title_en),
        "title_km": _text(project.title_km),
        "description": _text(project.description),
        "description_km": _text(project.description_km),
        "objectives": _text(project.objectives),
        "lead_national_partner": _text(
            project.lead_national_partner and project.lead_national_partner.acronym
        ),
        "external_lead_partner": _text(
            project.external_lead_partner and project.external_lead_partner.acronym
        ),
        "status": _text(project.status),
        "planned_start": _text(project.planned_start),
        "planned_end": _text(project.planned_end),
        "actual_start": _text(project.actual_start),
        "actual_end": _text(project.actual_end),
        "twg": _text(project.twg and (project.twg.acronym or project.twg.name_en)),
        "type_of_assistance": _text(project.type_of_assistance),
        "modality": _text(project.modality),
        "finance_type": _text(project.finance_type),
        "aid_type": _text(project.aid_type),
        "flow_type": _text(project.flow_type),
        "on_budget": _text(project.on_budget),
        "on_treasury": _text(project.on_treasury),
        "nationwide": _text(project.nationwide),
        "commitment": commitment,
        "commitment_date": _text(project.commitment_date),
        "sectors": "; ".join(sorted(f"{s.sector_code} {s.percentage:g}%" for s in project.sectors)),
        "locations": "; ".join(
            sorted(f"{_place(loc)} {loc.percentage:g}%" for loc in project.locations)
        ),
        "funding": "; ".join(
            sorted(f"{f.year} {f.kind} {f.amount:,.2f} {f.currency}" for f in project.funding)
        ),
        "participants": "; ".join(
            sorted(f"{p.organization.acronym} ({p.role})" for p in project.participants)
        ),
        "documents": "; ".join(sorted(f"{d.title} <{d.url}>" for d in project.documents)),
        "contact": " / ".join(
            filter(None, [project.contact_name, project.contact_email, project.contact_phone])
        ),
        "published": _text(project.is_published),
    }


def record_changes(project: Project, before: dict[str, str], *, user, version: int) -> int:
    """Add one history row per field that differs from `before`; return how many."""
    after = snapshot(project)
    changed = 0
    for field in FIELD_LABELS:
        old, new = before.get(field, ""), after.get(field, "")
        if old != new:
            db.session.add(
                ProjectChange(
                    project_id=project.id,
                    version=version,
                    user_id=getattr(user, "id", None),
                    field=field,
                    old_value=old or None,
                    new_value=new or None,
                )
            )
            changed += 1
    return changed


def changes(project_id: int, since_version: int = 0, limit: int | None = None):
    """Return the project's changes after `since_version`, newest first."""
    statement = (
        select(ProjectChange)
        .where(ProjectChange.project_id == project_id, ProjectChange.version > since_version)
        .order_by(ProjectChange.at.desc(), ProjectChange.id.desc())
    )
    if limit:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


# Fields other features record in the project's history (not in its snapshot).
OTHER_LABELS = {"loan_terms": _l("Loan terms"), "funding_sources": _l("Funding by source")}


def record_field(project: Project, field: str, old: str, new: str, *, user) -> None:
    """Record one change of a field kept outside the snapshot (when `old` and `new` differ)."""
    if old != new:
        db.session.add(
            ProjectChange(
                project_id=project.id,
                version=project.version,
                user_id=getattr(user, "id", None),
                field=field,
                old_value=old or None,
                new_value=new or None,
            )
        )


def label(field: str) -> str:
    return str(FIELD_LABELS.get(field) or OTHER_LABELS.get(field, field))


_CODED_FIELDS = {
    "status": "ACTIVITY_STATUS",
    "type_of_assistance": "TYPE_OF_ASSISTANCE",
    "modality": "MODALITY",
    "finance_type": "FINANCE_TYPE",
    "aid_type": "AID_TYPE",
    "flow_type": "FLOW_TYPE",
}


def display_value(field: str, value: str | None) -> str:
    """A recorded value as people read it: coded fields in words, in the interface language."""
    if not value:
        return "—"
    if field in _CODED_FIELDS:
        from portal.projects import codes

        return str(getattr(codes, _CODED_FIELDS[field]).get(value, value))
    return value


def record_creations(created: list[tuple[int, str]], *, user, at) -> None:
    """Record, with one INSERT, that each (project id, title) of a batch was registered."""
    if not created:
        return
    user_id = getattr(user, "id", None)
    db.session.execute(
        insert(ProjectChange.__table__),
        [
            {
                "project_id": project_id,
                "version": 1,
                "at": at,
                "user_id": user_id,
                "field": "created",
                "old_value": None,
                "new_value": title,
            }
            for project_id, title in created
        ],
    )


def record_creation(project: Project, *, user) -> None:
    """Record that the project was registered (one entry, not one per field)."""
    db.session.add(
        ProjectChange(
            project_id=project.id,
            version=project.version,
            user_id=getattr(user, "id", None),
            field="created",
            new_value=project.title_en,
        )
    )
