"""Pilot use cases: check and save a pilot, move it between stages, log lessons and sharing.

Services flush and never commit; the view commits once. Errors are keyed by form field name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select

from portal.audit.services import record
from portal.extensions import db
from portal.organizations.models import Organization
from portal.pilots.models import (
    EXTERNAL_ROLES,
    STAGES,
    Dissemination,
    Lesson,
    Pilot,
    PilotPartner,
    PilotPriority,
    PilotProject,
    PilotStageChange,
)
from portal.projects.models import Project
from portal.strategy.models import NodeKind, StrategyNode


class PilotInvalid(ValueError):
    """The data breaks one or more rules; `errors` maps form field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _collector():
    errors: dict[str, str] = {}

    def err(name: str, message) -> None:
        errors.setdefault(name, str(message))

    return errors, err


@dataclass
class PilotData:
    """What a pilot holds, from the form or the demo; checked by save_pilot."""

    name_en: str
    purpose: str
    lead_partner_id: int | None
    external_partner_id: int | None
    external_role: str
    priority_ids: list[int] = field(default_factory=list)
    partner_ids: list[int | None] = field(default_factory=list)
    name_km: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    projects: str = ""
    stage: str = "proposed"
    stage_reason: str = ""
    public: bool | None = None  # None keeps what the pilot has (a new one is not public)


def resolve_projects(text: str) -> tuple[list[int], list[str]]:
    """Find projects by portal number or IATI identifier; return (ids, what was not found)."""
    found, missing = [], []
    for token in [t for t in re.split(r"[,;\s]+", text or "") if t]:
        column = Project.id if token.isdigit() else Project.iati_identifier
        value = int(token) if token.isdigit() else token
        project_id = db.session.scalar(select(Project.id).where(column == value))
        if project_id is None:
            missing.append(token)
        elif project_id not in found:
            found.append(project_id)
    return found, missing


def _organization(org_id: int | None) -> Organization | None:
    return db.session.get(Organization, org_id) if org_id else None


def validate(data: PilotData, pilot: Pilot | None = None) -> list[int]:
    """Check every rule; return the linked project ids or raise PilotInvalid listing all."""
    errors, err = _collector()
    if not (data.name_en or "").strip():
        err("name_en", _l("Give the pilot a name."))
    if not (data.purpose or "").strip():
        err("purpose", _l("Say what the pilot is meant to test or learn."))
    nodes = list(
        db.session.scalars(select(StrategyNode).where(StrategyNode.id.in_(data.priority_ids)))
    )
    if not data.priority_ids:
        err("priority_ids", _l("Choose at least one national priority the pilot serves."))
    elif len(nodes) != len(set(data.priority_ids)) or any(
        n.kind != NodeKind.PRIORITY for n in nodes
    ):
        err("priority_ids", _l("Choose priorities of the national strategy from the list."))
    lead = _organization(data.lead_partner_id)
    if lead is None:
        err("lead_partner_id", _l("Choose the lead national partner."))
    elif not lead.is_national:
        err(
            "lead_partner_id",
            _l(
                "%(org)s is not a national organization. The lead partner is always national.",
                org=lead.acronym,
            ),
        )
    external = _organization(data.external_partner_id)
    if external is None:
        err("external_partner_id", _l("Choose the external lead partner."))
    elif external.is_national:
        err(
            "external_partner_id",
            _l("The external lead partner is a development partner, not a national one."),
        )
    if data.external_role not in EXTERNAL_ROLES:
        err("external_role", _l("Choose the external lead partner's role."))
    seen = {data.lead_partner_id, data.external_partner_id}
    for i, org_id in enumerate(data.partner_ids):
        if _organization(org_id) is None:
            err(f"partners-{i}-organization_id", _l("Choose an organization."))
        elif org_id in seen:
            err(f"partners-{i}-organization_id", _l("This organization is already listed."))
        seen.add(org_id)
    if data.start_date and data.end_date and data.end_date < data.start_date:
        err("end_date", _l("The end date is before the start date."))
    project_ids, missing = resolve_projects(data.projects)
    if missing:
        err(
            "projects",
            _l("No project has the number or IATI identifier %(refs)s.", refs=", ".join(missing)),
        )
    if pilot is None and data.stage not in STAGES:
        err("stage", _l("Choose a stage."))
    if errors:
        raise PilotInvalid(errors)
    return project_ids


def save_pilot(data: PilotData, *, actor, pilot: Pilot | None = None) -> Pilot:
    """Create or update a pilot (CDC); a new pilot's first stage is recorded as a change."""
    project_ids = validate(data, pilot)
    if data.lead_partner_id is None or data.external_partner_id is None:
        raise AssertionError("validate() lets no pilot through without its two lead partners")
    creating = pilot is None
    if pilot is None:
        pilot = Pilot(created_by_id=getattr(actor, "id", None), stage=data.stage)
        db.session.add(pilot)
    else:
        pilot.priorities.clear()
        pilot.partners.clear()
        pilot.projects.clear()
        db.session.flush()
    pilot.name_en = data.name_en.strip()
    pilot.name_km = (data.name_km or "").strip() or None
    pilot.purpose = data.purpose.strip()
    pilot.lead_partner_id = data.lead_partner_id
    pilot.external_partner_id = data.external_partner_id
    pilot.external_role = data.external_role
    pilot.start_date = data.start_date
    pilot.end_date = data.end_date
    pilot.priorities = [PilotPriority(node_id=i) for i in dict.fromkeys(data.priority_ids)]
    pilot.partners = [PilotPartner(organization_id=i) for i in data.partner_ids]
    pilot.projects = [PilotProject(project_id=i) for i in project_ids]
    if creating:
        pilot.stage_changes.append(
            PilotStageChange(
                from_stage=None,
                to_stage=data.stage,
                reason=(data.stage_reason or "").strip() or str(_l("Pilot recorded.")),
                user_id=getattr(actor, "id", None),
            )
        )
    db.session.flush()
    record("pilot.created" if creating else "pilot.updated", user=actor, obj=pilot)
    if data.public is not None:
        set_public(pilot, data.public, actor=actor)
    return pilot


def set_public(pilot: Pilot, public: bool, *, actor) -> bool:
    """Show the pilot and its lessons to the public, or stop showing them (CDC); say whether
    it changed."""
    if bool(pilot.public) == public:
        return False
    pilot.public = public
    db.session.flush()
    record("pilot.made_public" if public else "pilot.made_internal", user=actor, obj=pilot)
    return True


def change_stage(pilot: Pilot, to_stage: str, reason: str, *, actor) -> PilotStageChange:
    """Move a pilot to another stage, saying why (CDC); the change is logged."""
    errors, err = _collector()
    if to_stage not in STAGES:
        err("stage", _l("Choose a stage."))
    elif to_stage == pilot.stage:
        err("stage", _l("The pilot is already at this stage."))
    if not (reason or "").strip():
        err("reason", _l("Say why the pilot moves to this stage."))
    if errors:
        raise PilotInvalid(errors)
    change = PilotStageChange(
        from_stage=pilot.stage, to_stage=to_stage, reason=reason.strip(), user_id=actor.id
    )
    pilot.stage_changes.append(change)
    pilot.stage = to_stage
    db.session.flush()
    record("pilot.stage_changed", user=actor, obj=pilot, to_stage=to_stage)
    return change


@dataclass
class LessonData:
    learned_on: date | None
    text: str
    evidence: str = ""
    audience: str = ""
    shared_on: date | None = None
    channel: str = ""


def _check_sharing(audience: str, shared_on: date | None, err, optional: bool) -> None:
    if optional and not (audience or "").strip() and shared_on is None:
        return
    if not (audience or "").strip():
        err("audience", _l("Say with whom the lesson was shared."))
    if shared_on is None:
        err("shared_on", _l("Give the date it was shared."))
    elif shared_on > date.today():
        err("shared_on", _l("The date it was shared cannot be in the future."))


def add_lesson(pilot: Pilot, data: LessonData, *, actor) -> Lesson:
    """Log what the pilot taught, with evidence and, optionally, where it was first shared."""
    errors, err = _collector()
    if data.learned_on is None:
        err("learned_on", _l("Give the date the lesson was learned."))
    elif data.learned_on > date.today():
        err("learned_on", _l("A lesson cannot be dated in the future."))
    if not (data.text or "").strip():
        err("text", _l("Say what was learned."))
    _check_sharing(data.audience, data.shared_on, err, optional=True)
    if errors:
        raise PilotInvalid(errors)
    lesson = Lesson(
        pilot=pilot,
        learned_on=data.learned_on,
        text=data.text.strip(),
        evidence=(data.evidence or "").strip() or None,
        recorded_by_id=actor.id,
    )
    db.session.add(lesson)
    if (data.audience or "").strip():
        lesson.disseminations.append(
            Dissemination(
                audience=data.audience.strip()[:255],
                shared_on=data.shared_on,
                channel=(data.channel or "").strip()[:255] or None,
                recorded_by_id=actor.id,
            )
        )
    db.session.flush()
    record("pilot.lesson_added", user=actor, obj=pilot, lesson=lesson.id)
    return lesson


def add_dissemination(
    lesson: Lesson, audience: str, shared_on: date | None, channel: str, *, actor
) -> Dissemination:
    """Log that a lesson was shared: with whom, when and how."""
    errors, err = _collector()
    _check_sharing(audience, shared_on, err, optional=False)
    if errors:
        raise PilotInvalid(errors)
    item = Dissemination(
        audience=audience.strip()[:255],
        shared_on=shared_on,
        channel=(channel or "").strip()[:255] or None,
        recorded_by_id=actor.id,
    )
    lesson.disseminations.append(item)
    db.session.flush()
    record("pilot.lesson_shared", user=actor, obj=lesson.pilot, lesson=lesson.id)
    return item


def pilots(stage: str = "", visible=None) -> list[Pilot]:
    """Every pilot (of one stage) the clause `visible` lets through, newest first."""
    statement = select(Pilot).order_by(Pilot.start_date.desc().nulls_last(), Pilot.id.desc())
    if visible is not None:
        statement = statement.where(visible)
    if stage in STAGES:
        statement = statement.where(Pilot.stage == stage)
    return list(db.session.scalars(statement))


def lessons(
    priority_id: int | None = None, partner_id: int | None = None, visible=None
) -> list[Lesson]:
    """Lessons across pilots, newest first, of pilots serving a priority and/or with a partner
    (only of the pilots the clause `visible` lets through)."""
    statement = select(Lesson).join(Pilot).order_by(Lesson.learned_on.desc(), Lesson.id.desc())
    if visible is not None:
        statement = statement.where(visible)
    if priority_id:
        statement = statement.where(
            exists().where(PilotPriority.pilot_id == Pilot.id, PilotPriority.node_id == priority_id)
        )
    if partner_id:
        statement = statement.where(
            or_(
                Pilot.lead_partner_id == partner_id,
                Pilot.external_partner_id == partner_id,
                exists().where(
                    PilotPartner.pilot_id == Pilot.id, PilotPartner.organization_id == partner_id
                ),
            )
        )
    return list(db.session.scalars(statement))


def partners_in_pilots(visible=None) -> list[Organization]:
    """Organizations taking part in at least one pilot `visible` lets through (lessons filter)."""
    shown = select(Pilot.id).where(visible) if visible is not None else select(Pilot.id)
    ids = (
        select(Pilot.lead_partner_id)
        .where(Pilot.id.in_(shown))
        .union(
            select(Pilot.external_partner_id).where(Pilot.id.in_(shown)),
            select(PilotPartner.organization_id).where(PilotPartner.pilot_id.in_(shown)),
        )
    )
    return list(
        db.session.scalars(
            select(Organization).where(Organization.id.in_(ids)).order_by(Organization.acronym)
        )
    )


def priorities_in_pilots(visible=None) -> list[StrategyNode]:
    """National priorities served by at least one pilot `visible` lets through (lessons filter)."""
    shown = select(Pilot.id).where(visible) if visible is not None else select(Pilot.id)
    return list(
        db.session.scalars(
            select(StrategyNode)
            .where(
                StrategyNode.id.in_(
                    select(PilotPriority.node_id).where(PilotPriority.pilot_id.in_(shown))
                )
            )
            .order_by(StrategyNode.code)
        )
    )
