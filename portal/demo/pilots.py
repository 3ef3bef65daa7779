"""Demo partnership pilots with their stage history and lessons learned (marked as demo data).

A pilot is recognised by its English name, so running the demo again adds nothing twice.
When demo projects exist, each pilot is linked to a few projects its lead partner leads.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.organizations.services import existing_by_acronym
from portal.pilots import services
from portal.pilots.models import Dissemination, Lesson, Pilot, PilotStageChange
from portal.projects.models import Project
from portal.strategy.models import NodeKind, StrategyFramework, StrategyNode

# stages: (stage, date, reason); lessons: (date, text, evidence, [(audience, date, channel)])
PILOTS: list[dict[str, Any]] = [
    {
        "name_en": "Joint sub-national planning in Siem Reap and Battambang",
        "name_km": "ការរៀបចំផែនការរួមថ្នាក់ក្រោមជាតិ នៅខេត្តសៀមរាប និងបាត់ដំបង",
        "purpose": (
            "Test one planning and budgeting calendar for province, district and commune, so "
            "that commune priorities reach the provincial investment programme and the budget."
        ),
        "priorities": ["P4.1", "P5.1"],
        "lead": "NCDDS",
        "external": ("SIDA", "facilitator"),
        "partners": ["UNDP", "SR-PA", "BB-PA"],
        "dates": (date(2023, 7, 1), date(2025, 12, 31)),
        "stages": [
            ("proposed", date(2023, 3, 15), "Agreed at the D&D TWG."),
            ("active", date(2023, 7, 1), "Both provincial administrations signed on."),
            ("evaluated", date(2025, 9, 30), "Independent evaluation completed."),
        ],
        "lessons": [
            (
                date(2024, 3, 15),
                "Commune councils get more of their priorities funded when provincial line "
                "departments attend the district integration workshop.",
                "Monitoring of 48 commune investment plans, 2023-2024: funded priorities doubled "
                "where departments attended.",
                [
                    ("TWG on Decentralization and Deconcentration", date(2024, 4, 10), "meeting"),
                    ("NCDD provincial advisers", date(2024, 5, 2), "training session"),
                ],
            ),
            (
                date(2025, 6, 20),
                "A planning calendar aligned with the budget calendar shortens the time from "
                "plan to funded project by about four months.",
                "Mid-term evaluation, June 2025.",
                [("MEF General Department of Budget", date(2025, 7, 15), "briefing note")],
            ),
        ],
    },
    {
        "name_en": "Programme-based approach for rural water supply",
        "name_km": "វិធីសាស្ត្រផ្អែកលើកម្មវិធីសម្រាប់ការផ្គត់ផ្គង់ទឹកស្អាតជនបទ",
        "purpose": (
            "Pool partners' support behind the ministry's rural water and sanitation plan, with "
            "one results framework, one procurement plan and joint supervision missions."
        ),
        "priorities": ["P4.1", "P4.5"],
        "lead": "MRD",
        "external": ("ADB", "resource_advisor"),
        "partners": ["UNICEF", "WB"],
        "dates": (date(2024, 1, 1), date(2027, 12, 31)),
        "stages": [
            ("proposed", date(2023, 10, 2), "Proposed by the Ministry of Rural Development."),
            ("active", date(2024, 1, 1), "Joint financing arrangement signed."),
        ],
        "lessons": [
            (
                date(2025, 2, 10),
                "One joint village survey replaced three partner surveys and saved about six "
                "weeks of provincial staff time.",
                "Joint review of 2024.",
                [],
            ),
        ],
    },
    {
        "name_en": "Digital claims for the Health Equity Fund",
        "name_km": "ការទាមទារសំណងតាមប្រព័ន្ធឌីជីថលសម្រាប់មូលនិធិសមធម៌សុខាភិបាល",
        "purpose": (
            "Replace paper claims from health centres with digital claims, to pay providers "
            "faster and see the use of services as it happens."
        ),
        "priorities": ["P1.3", "P5.1"],
        "lead": "MOH",
        "external": ("KOICA", "technical_advisor"),
        "partners": ["WHO"],
        "dates": (date(2022, 6, 1), date(2025, 12, 31)),
        "stages": [
            ("proposed", date(2022, 3, 1), "Proposed at the Health TWG."),
            ("active", date(2022, 6, 1), "Started in 12 health centres of two provinces."),
            ("evaluated", date(2023, 10, 15), "Evaluation by the Payment Certification Agency."),
            ("scaled_up", date(2024, 1, 15), "Extended to every province."),
        ],
        "lessons": [
            (
                date(2023, 10, 20),
                "Providers were paid in 9 days instead of 45 once claims were digital.",
                "Payment Certification Agency data, 2023.",
                [("Health TWG", date(2023, 11, 20), "presentation")],
            ),
            (
                date(2024, 6, 5),
                "Health centres without a stable connection need an offline mode; the claims "
                "are then sent when the connection returns.",
                "Field visits to Mondulkiri and Ratanakiri.",
                [("Provincial health departments", date(2024, 7, 1), "circular")],
            ),
        ],
    },
    {
        "name_en": "Partner data exchange through IATI",
        "name_km": "ការផ្លាស់ប្តូរទិន្នន័យដៃគូតាមរយៈ IATI",
        "purpose": (
            "Let partners that publish to IATI keep their portal records current from their "
            "own published data, without typing them twice."
        ),
        "priorities": ["P5.1"],
        "lead": "CDC",
        "external": ("UNDP", "catalyst"),
        "partners": ["EU", "JICA"],
        "dates": (date(2026, 1, 1), None),
        "stages": [("proposed", date(2025, 11, 5), "Proposed at the Partnership TWG.")],
        "lessons": [],
    },
]


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


def _priority_ids(codes: list[str]) -> list[int]:
    statement = (
        select(StrategyNode.id)
        .join(StrategyFramework)
        .where(
            StrategyNode.kind == NodeKind.PRIORITY,
            StrategyNode.code.in_(codes),
            StrategyFramework.code == "PS-I",
        )
    )
    return list(db.session.scalars(statement))


def _project_refs(lead_id: int) -> str:
    ids = db.session.scalars(
        select(Project.id)
        .where(Project.is_demo, Project.lead_national_partner_id == lead_id)
        .order_by(Project.id)
        .limit(2)
    )
    return ", ".join(str(i) for i in ids)


# The demo pilots CDC has made public, with their lessons.
PUBLIC_NAMES = {
    "Joint sub-national planning in Siem Reap and Battambang",
    "Programme-based approach for rural water supply",
}


def _pilot(spec: dict, cdc: User | None) -> Pilot:
    lead = existing_by_acronym(spec["lead"])
    external, role = spec["external"]
    first_stage, first_day, first_reason = spec["stages"][0]
    pilot = services.save_pilot(
        services.PilotData(
            name_en=spec["name_en"],
            name_km=spec["name_km"],
            purpose=spec["purpose"],
            priority_ids=_priority_ids(spec["priorities"]),
            lead_partner_id=lead.id,
            external_partner_id=existing_by_acronym(external).id,
            external_role=role,
            partner_ids=[existing_by_acronym(a).id for a in spec["partners"]],
            start_date=spec["dates"][0],
            end_date=spec["dates"][1],
            projects=_project_refs(lead.id),
            stage=first_stage,
            stage_reason=first_reason,
            public=spec["name_en"] in PUBLIC_NAMES,
        ),
        actor=cdc,
    )
    pilot.is_demo = True
    pilot.stage_changes[0].at = _at(first_day)
    for (stage, day, reason), (previous, _d, _r) in zip(
        spec["stages"][1:], spec["stages"], strict=False
    ):
        pilot.stage_changes.append(
            PilotStageChange(
                from_stage=previous,
                to_stage=stage,
                reason=reason,
                at=_at(day),
                user_id=cdc.id if cdc else None,
            )
        )
        pilot.stage = stage
    for learned_on, text, evidence, shared in spec["lessons"]:
        lesson = Lesson(
            pilot=pilot,
            learned_on=learned_on,
            text=text,
            evidence=evidence,
            recorded_at=_at(learned_on),
            recorded_by_id=cdc.id if cdc else None,
        )
        db.session.add(lesson)
        for audience, day, channel in shared:
            lesson.disseminations.append(
                Dissemination(
                    audience=audience,
                    shared_on=day,
                    channel=channel,
                    recorded_by_id=cdc.id if cdc else None,
                )
            )
    return pilot


def seed_pilots() -> int:
    """Add the demo pilots that are not there yet, with stages and lessons; return how many."""
    existing = set(db.session.scalars(select(Pilot.name_en)))
    cdc = db.session.scalar(select(User).where(User.email == "cdc@demo.example"))
    added = 0
    for spec in PILOTS:
        if spec["name_en"] in existing:
            continue
        _pilot(spec, cdc)
        added += 1
    db.session.flush()
    return added
