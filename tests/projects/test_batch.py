"""A batch (an IATI file, a spreadsheet) stores exactly what the form would, rule for rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.projects import services
from portal.projects.batch import save_projects
from portal.projects.lookups import Preloaded
from portal.projects.models import Project, ProjectChange
from tests import factories

IGNORED = {"id", "iati_identifier", "partner_ref", "created_at", "updated_at"}


def _data(reporting, lead, cofinancier, identifier: str, **overrides) -> services.ProjectData:
    values = {
        "title_en": "  Rural roads  ",
        "title_km": "ផ្លូវជនបទ",
        "reporting_org_id": reporting.id,
        "lead_national_partner_id": lead.id,
        "iati_identifier": identifier,
        "partner_ref": identifier,
        "status": "2",
        "planned_start": date(2022, 1, 1),
        "planned_end": date(2026, 12, 31),
        "description": "Roads between villages.",
        "sectors": [
            services.SectorShare("21020", Decimal("66.67")),
            services.SectorShare("12220", Decimal("33.33")),
        ],
        "locations": [
            services.LocationShare("12", Decimal(60)),
            services.LocationShare("17", Decimal(40)),
        ],
        "funding": [
            services.YearAmount(2022, "disbursement", Decimal("1000000.00"), "EUR"),
            services.YearAmount(2023, "disbursement", Decimal("2500000.50"), "EUR"),
            services.YearAmount(2026, "planned", Decimal("750000"), "USD"),
        ],
        "participants": [services.Participant(cofinancier.id, "funding")],
        "documents": [services.Document(" Agreement ", " https://example.org/a.pdf ")],
        "commitment_amount": Decimal("9000000"),
        "commitment_currency": "EUR",
        "commitment_date": date(2022, 3, 1),
    }
    values.update(overrides)
    return services.ProjectData(**values)


def _row(project: Project) -> dict:
    columns = {c.key: getattr(project, c.key) for c in Project.__table__.columns}
    return {k: v for k, v in columns.items() if k not in IGNORED}


def _children(project: Project) -> dict:
    def rows(items, *names):
        return sorted(tuple(getattr(item, name) for name in names) for item in items)

    return {
        "sectors": rows(project.sectors, "sector_code", "percentage", "share_from", "share_to"),
        "locations": rows(project.locations, "province_code", "percentage", "share_to"),
        "funding": rows(
            project.funding, "year", "kind", "amount", "currency", "rate", "amount_usd"
        ),
        "participants": rows(project.participants, "organization_id", "role"),
        "documents": rows(project.documents, "title", "url"),
    }


def test_a_batch_stores_what_the_form_would(app):
    reporting = factories.organization(OrgKind.BILATERAL, iati_ref="XM-DAC-7")
    lead = factories.organization(OrgKind.GOVERNMENT)
    cofinancier = factories.organization(OrgKind.MULTILATERAL)
    actor = factories.user("cdc")
    for year, rate in ((2022, "0.95"), (2023, "0.92")):
        factories.rate("EUR", year, rate)

    one = services.save_project(_data(reporting, lead, cofinancier, "XM-DAC-7-1"), actor=actor)
    (saved_id,) = save_projects(
        [(_data(reporting, lead, cofinancier, "XM-DAC-7-2"), None)],
        actor=actor,
        lookups=Preloaded(["XM-DAC-7-2"]),
    )
    db.session.expire_all()
    two = db.session.get(Project, saved_id)

    assert _row(two) == _row(one)
    assert _children(two) == _children(one)
    assert two.commitment_usd == Decimal("9473684.21")  # 9,000,000 EUR at 0.95 a dollar
    assert two.disbursed_usd == Decimal("3770023.43")  # 1,052,631.58 + 2,717,391.85
    assert two.workflow_state == "draft" and two.version == 1
    history = db.session.scalars(select(ProjectChange).where(ProjectChange.project_id == two.id))
    assert [(c.field, c.new_value, c.user_id) for c in history] == [
        ("created", "Rural roads", actor.id)
    ]
    audit = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "project.created", AuditEvent.object_id == str(two.id)
        )
    )
    assert [event.user_id for event in audit] == [actor.id]


def test_a_refused_item_is_explained_and_the_others_are_saved(app):
    reporting = factories.organization(OrgKind.BILATERAL, iati_ref="XM-DAC-8")
    lead = factories.organization(OrgKind.GOVERNMENT)
    cofinancier = factories.organization(OrgKind.MULTILATERAL)
    factories.rate("EUR", 2022, "0.95")
    factories.rate("EUR", 2023, "0.92")
    existing = services.save_project(_data(reporting, lead, cofinancier, "XM-DAC-8-1"), actor=None)
    identifiers = ["XM-DAC-8-1", "XM-DAC-8-2", "XM-DAC-8-3"]
    outcomes = save_projects(
        [
            (_data(reporting, lead, cofinancier, "XM-DAC-8-1", title_en="Renamed"), existing),
            (_data(reporting, lead, cofinancier, "XM-DAC-8-2", sectors=[]), None),
            (_data(reporting, lead, cofinancier, "XM-DAC-8-1"), None),
            (
                _data(reporting, lead, cofinancier, "XM-DAC-8-3", lead_national_partner_id=None),
                None,
            ),
        ],
        actor=None,
        lookups=Preloaded(identifiers),
    )
    assert outcomes[0] == existing.id
    assert isinstance(outcomes[1], int)
    assert isinstance(outcomes[2], services.ProjectInvalid)
    assert "iati_identifier" in outcomes[2].errors  # already taken by the first project
    assert isinstance(outcomes[3], services.ProjectInvalid)
    assert "lead_national_partner_id" in outcomes[3].errors
    db.session.expire_all()
    stored = dict(db.session.execute(select(Project.iati_identifier, Project.title_en)).all())
    assert stored == {"XM-DAC-8-1": "Renamed", "XM-DAC-8-2": "Rural roads"}
