"""Test pilots, saved through the pilot services (every rule applies)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.organizations.models import OrgKind
from portal.pilots import services
from portal.strategy.models import NodeKind, StrategyNode
from tests import factories


def priorities(count: int = 2) -> list[StrategyNode]:
    return list(
        db.session.scalars(
            select(StrategyNode)
            .where(StrategyNode.kind == NodeKind.PRIORITY)
            .order_by(StrategyNode.id)
            .limit(count)
        )
    )


def partners():
    return {
        "lead": factories.organization(OrgKind.GOVERNMENT, acronym="PLEAD"),
        "external": factories.organization(OrgKind.BILATERAL, acronym="PEXT"),
        "other": factories.organization(OrgKind.UN_AGENCY, acronym="POTHER"),
        "outsider": factories.organization(OrgKind.BILATERAL, acronym="POUT"),
    }


def pilot(orgs, *, actor=None, priority_ids=None, **overrides):
    values = {
        "name_en": "Joint sub-national planning",
        "purpose": "Test one planning calendar.",
        "priority_ids": priority_ids or [priorities(1)[0].id],
        "lead_partner_id": orgs["lead"].id,
        "external_partner_id": orgs["external"].id,
        "external_role": "facilitator",
        "partner_ids": [orgs["other"].id],
        "start_date": date(2024, 1, 1),
        "stage": "active",
    }
    values.update(overrides)
    return services.save_pilot(services.PilotData(**values), actor=actor)
