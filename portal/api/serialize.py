"""What the API returns for a project, an organization and a group of money.

Money is a string with two decimals ("1250000.00"), so no client loses a cent to floating point;
dates are ISO 8601, and a moment is in UTC with its zone ("2026-12-05T21:22:37Z", RFC 3339).
Internal fields (contacts, quality, workflow) go only to the project's own people and CDC, as
on the project page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask import url_for

from portal.budget.queries import is_on_budget, mapping_of
from portal.i18n import current_locale
from portal.loans.serialize import loan_terms_json
from portal.projects import codes
from portal.security import can_see_internal_fields

CENT = Decimal("0.01")


def money(value: Decimal | None) -> str | None:
    """An amount (or a percentage) as a plain string with two decimals, or None."""
    return None if value is None else format(Decimal(value).quantize(CENT), "f")


def number(value: Decimal | None) -> str | None:
    """An exact decimal (an exchange rate) as a plain string, or None."""
    return None if value is None else format(Decimal(value).normalize(), "f")


def _when(value: date | datetime | None) -> str | None:
    """A date as YYYY-MM-DD; a moment in UTC, with its zone ("Z"), as RFC 3339 asks."""
    if value is None:
        return None
    if isinstance(value, datetime):
        # SQLite gives the stored UTC moments back without a zone.
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _label(table: dict, code: str | None) -> str | None:
    return str(table[code]) if code in table else None


def organization_ref(org) -> dict | None:
    """The short form of an organization inside another record."""
    if org is None:
        return None
    return {"id": org.id, "acronym": org.acronym, "name": org.display_name(current_locale())}


def _funding_row(row, source: int) -> dict:
    """A yearly amount; `source` is the position of its funding source (0: the reporting
    partner, whose disbursements are the project's `funding`)."""
    return {
        "year": row.year,
        "kind": row.kind,
        "amount": money(row.amount),
        "currency": row.currency,
        "units_per_usd": number(row.rate),
        "amount_usd": money(row.amount_usd),
        "source": source,
    }


def funding_sources(project) -> list[dict]:
    """The project's funding sources, the reporting partner first, each with the yearly money
    kept with it (signed commitments, expenditure, and the other sources' disbursements)."""
    sources = sorted(project.funding_sources, key=lambda s: (s.kind != "reporting", s.position))
    return [
        {
            "position": source.position,
            "kind": source.kind,
            "organization": organization_ref(
                project.reporting_org if source.kind == "reporting" else source.organization
            ),
            "in_kind": source.in_kind,
            "funding": [_funding_row(row, source.position) for row in source.amounts],
        }
        for source in sources
    ]


def organization(org) -> dict:
    """An organization, as the organizations endpoints list it."""
    return {
        "id": org.id,
        "acronym": org.acronym,
        "name_en": org.name_en,
        "name_km": org.name_km,
        "kind": org.kind.value,
        "kind_label": org.kind.label,
        "national": org.is_national,
        "iati_ref": org.iati_ref,
        "iati_type": org.iati_type,
        "active": org.active,
        "url": url_for("api.organization", organization_id=org.id, _external=True),
    }


def project_summary(project) -> dict:
    """A project as the list returns it: identity, partners, status, years and USD totals."""
    return {
        "id": project.id,
        "iati_identifier": project.iati_identifier,
        "partner_ref": project.partner_ref,
        "title_en": project.title_en,
        "title_km": project.title_km,
        "reporting_org": organization_ref(project.reporting_org),
        "lead_national_partner": organization_ref(project.lead_national_partner),
        "status": project.status,
        "status_label": _label(codes.ACTIVITY_STATUS, project.status),
        "start_year": project.start_year,
        "end_year": project.end_year,
        "type_of_assistance": project.type_of_assistance,
        "modality": project.modality,
        # Derived: a project with budget codes is on budget, else as typed (portal.budget).
        "on_budget": is_on_budget(project),
        "nationwide": project.nationwide,
        "commitment_amount": money(project.commitment_amount),
        "commitment_currency": project.commitment_currency,
        "commitment_usd": money(project.commitment_usd),
        "disbursed_usd": money(project.disbursed_usd),
        "planned_usd": money(project.planned_usd),
        "published": project.is_published,
        "updated_at": _when(project.updated_at),
        "url": url_for("api.project", project_id=project.id, _external=True),
        "web_url": url_for("projects.detail", project_id=project.id, _external=True),
    }


def project_detail(project, user) -> dict:
    """A project with everything the caller may read: shares, yearly money, partners."""
    locale = current_locale()
    data = project_summary(project)
    data.update(
        {
            "description": project.description,
            "description_km": project.description_km,
            "objectives": project.objectives,
            "external_lead_partner": organization_ref(project.external_lead_partner),
            "planned_start": _when(project.planned_start),
            "planned_end": _when(project.planned_end),
            "actual_start": _when(project.actual_start),
            "actual_end": _when(project.actual_end),
            "twg": project.twg.display_name(locale) if project.twg else None,
            "finance_type": project.finance_type,
            "aid_type": project.aid_type,
            "flow_type": project.flow_type,
            "on_treasury": project.on_treasury,
            "commitment_date": _when(project.commitment_date),
            "commitment_rate": number(project.commitment_rate),
            "published_at": _when(project.published_at),
            "data_source": project.data_source,
            "sectors": [
                {
                    "code": share.sector_code,
                    "name": share.sector.display_name(locale),
                    "percentage": money(share.percentage),
                }
                for share in project.sectors
            ],
            "locations": [
                {
                    "province_code": share.province_code,
                    "province": share.province.display_name(locale),
                    "district_code": share.district_code,
                    "district": share.district.display_name(locale) if share.district else None,
                    "commune_code": share.commune_code,
                    "commune": share.commune.display_name(locale) if share.commune else None,
                    "percentage": money(share.percentage),
                }
                for share in project.locations
            ],
            "funding": [_funding_row(row, 0) for row in project.funding],
            "funding_sources": funding_sources(project),
            "participants": [
                {"organization": organization_ref(p.organization), "role": p.role}
                for p in project.participants
            ],
            "documents": [
                {"title": d.title, "url": d.web_url} for d in project.documents if d.web_url
            ],
            "on_budget_declared": project.on_budget,
            "budget_codes": budget_codes(project, locale),
            "loan_terms": loan_terms_json(project.loan_terms),
        }
    )
    if can_see_internal_fields(user, project):
        data["internal"] = {
            "contact_name": project.contact_name,
            "contact_email": project.contact_email,
            "contact_phone": project.contact_phone,
            "workflow_state": project.workflow_state,
            "quality_score": project.quality_score,
            "version": project.version,
        }
    return data


def aggregate_row(row, label: str | None, measures) -> dict:
    """One group of the aggregates: its key, a readable label and the USD sum of each of
    `measures`."""
    return {
        "key": row.key if isinstance(row.key, int | str) or row.key is None else str(row.key),
        "label": label,
        **{f"{m}_usd": money(row.value(m)) for m in measures},
        "project_count": row.project_count,
    }


def budget_codes(project, locale: str) -> list[dict]:
    """A project's national budget codes with their shares (empty when it has none)."""
    mapping = mapping_of(project.id)
    return [
        {
            "code": line.node.code,
            "name": line.node.display_name(locale),
            "level": line.node.level,
            "retired": line.node.retired,
            "percentage": money(line.percentage),
        }
        for line in (mapping.lines if mapping else [])
    ]
