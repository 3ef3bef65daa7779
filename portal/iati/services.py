"""IATI import use cases: keep an uploaded batch, preview it, write it (all or nothing).

Services flush and never commit: the view or the command commits once, or rolls back.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select

from portal import collector
from portal.audit.services import record
from portal.budget.iati_xml import write_from_iati as write_budget_codes
from portal.db import utcnow
from portal.extensions import db
from portal.iati.amounts import parse_date
from portal.iati.models import IatiAmount, IatiRecord, ImportBatch
from portal.iati.parser import DEFAULT_MAX_BYTES, FileRefused, parse_file
from portal.iati.preview import NEW, REFUSED, UNCHANGED, UPDATE, Decisions, Plan, build_plan
from portal.loans.iati_xml import write_from_iati as write_loan_terms
from portal.projects.batch import save_projects
from portal.projects.lookups import Preloaded
from portal.projects.models import Project, ProjectParticipant
from portal.projects.services import ProjectInvalid
from portal.results.iati_xml import imported
from portal.results.services import replace_from_iati

KEEP_PREVIEWS = timedelta(days=2)
WRITE_CHUNK = 500  # projects written with one flush


class BatchFailed(RuntimeError):
    """The batch could not be written; the caller rolls back, so nothing of it stays."""


def max_file_bytes() -> int:
    return int(current_app.config.get("IATI_MAX_FILE_BYTES", DEFAULT_MAX_BYTES))


def parse_files(files: list[tuple[str, bytes]]) -> list[dict]:
    """Parse every file; one refused file refuses the batch (FileRefused).

    The activities that do not name Cambodia are read only as far as their listing needs
    (portal.iati.parser.read_listed): they are never mapped.
    """
    if not files:
        raise FileRefused("—", _l("choose at least one IATI activity file."))
    activities: list[dict] = []
    with collector.paused():
        for name, data in files:
            parsed = parse_file(name, data, max_bytes=max_file_bytes(), listed_only_elsewhere=True)
            activities.extend(parsed.activities)
    return activities


def create_batch(
    files: list[tuple[str, bytes]], *, user, activities: list[dict] | None = None
) -> ImportBatch:
    """Parse the files and keep them server-side for the preview; refuse with FileRefused.

    `activities` are the files' activities when the caller has parsed them already (the
    command line parses before it knows whether it writes): they are not parsed again."""
    if activities is None:
        activities = parse_files(files)
    forget_old_batches()
    batch = ImportBatch(
        token=secrets.token_urlsafe(24),
        user_id=getattr(user, "id", None),
        file_names=[name for name, _data in files],
        activity_count=len(activities),
        activities=activities,
        decisions=Decisions().as_json(),
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def forget_old_batches(now: datetime | None = None) -> None:
    """Drop previews nobody confirmed within two days (imported batches stay, for the record)."""
    cutoff = (now or utcnow()) - KEEP_PREVIEWS
    db.session.execute(
        delete(ImportBatch).where(ImportBatch.status == "preview", ImportBatch.created_at < cutoff)
    )


def batch_by_token(token: str) -> ImportBatch | None:
    return db.session.scalar(select(ImportBatch).where(ImportBatch.token == token))


def preview(activities: list[dict], *, user, decisions: Decisions) -> Plan:
    """The plan of a batch with every rule checked; nothing is kept (a rolled-back savepoint)."""
    savepoint = db.session.begin_nested()
    try:
        with collector.paused():
            return build_plan(activities, user=user, decisions=decisions, check=True)
    finally:
        savepoint.rollback()


def write(activities: list[dict], *, user, decisions: Decisions, batch: ImportBatch | None):
    """Create the chosen organizations and write every activity the rules accept.

    Activities the rules refuse, and those not for Cambodia, are left out and explained (as
    in the preview). Returns the plan, with each written line's project. Anything else going
    wrong raises: the caller rolls back, so a failed batch changes nothing.
    """
    plan = build_plan(activities, user=user, decisions=decisions, check=False)
    lines = [line for line in plan.lines if line.action in (NEW, UPDATE)]
    lookups = Preloaded([line.mapped.identifier for line in lines])
    for start in range(0, len(lines), WRITE_CHUNK):
        chunk = lines[start : start + WRITE_CHUNK]
        saved = save_projects(
            [(line.accepted_data, line.project) for line in chunk], actor=user, lookups=lookups
        )
        written = []
        for line, outcome in zip(chunk, saved, strict=True):
            if isinstance(outcome, ProjectInvalid):
                line.action = REFUSED
                line.errors = [f"{name}: {message}" for name, message in outcome.errors.items()]
            else:
                line.saved_id = outcome
                written.append(line)
        _record_provenance(written, user=user, batch=batch)
        db.session.flush()
    _write_results(plan)
    published = [
        (line.project_id, line.mapped.activity)
        for line in plan.lines
        if line.action in (NEW, UPDATE, UNCHANGED) and line.project_id is not None
    ]
    write_loan_terms(published, actor=user)
    write_budget_codes(published, actor=user)
    _forget_unused(plan)
    return plan


def _write_results(plan) -> None:
    """Put each written activity's published results on its project (kept as published, odd
    values flagged on the page); an activity that publishes none leaves the project's alone."""
    for line in plan.lines:
        if line.action not in (NEW, UPDATE, UNCHANGED) or line.project_id is None:
            continue
        published = line.mapped.activity.get("results")
        if published:
            replace_from_iati(line.project_id, imported(published))


def _forget_unused(plan) -> None:
    """Remove the organizations this batch created that no written project names (those of
    refused activities): an import adds to the registry only what it uses."""
    if not plan.created:
        return
    ids = {org.id for org in plan.created.values()}
    used = set(
        db.session.scalars(
            select(ProjectParticipant.organization_id).where(
                ProjectParticipant.organization_id.in_(ids)
            )
        )
    )
    for column in (
        Project.reporting_org_id,
        Project.lead_national_partner_id,
        Project.external_lead_partner_id,
    ):
        used |= set(db.session.scalars(select(column).where(column.in_(ids))))
    for key, organization in list(plan.created.items()):
        if organization.id not in used:
            db.session.delete(organization)
            del plan.created[key]
    db.session.flush()


def _record_provenance(lines, *, user, batch: ImportBatch | None) -> None:
    """Note for each written project that its values came from IATI, from which file, when.

    The notes of a batch are written with one INSERT per table; a project imported before has
    its note updated and its figures replaced.
    """
    if not lines:
        return
    project_ids = [line.project_id for line in lines]
    records = {}
    for start in range(0, len(project_ids), 500):
        chunk = project_ids[start : start + 500]
        records.update(
            {
                r.project_id: r
                for r in db.session.scalars(
                    select(IatiRecord).where(IatiRecord.project_id.in_(chunk))
                )
            }
        )
        db.session.execute(delete(IatiAmount).where(IatiAmount.project_id.in_(chunk)))
    now = utcnow()
    fresh: list[dict] = []
    amounts: list[dict] = []
    for line in lines:
        activity = line.mapped.activity
        values = {
            "iati_identifier": line.mapped.identifier,
            "batch_id": batch.id if batch is not None else None,
            "imported_at": now,
            "imported_by_id": getattr(user, "id", None),
            "source_file": (activity.get("file") or "")[:255] or None,
            "iati_version": activity.get("version"),
            "last_updated_at": _timestamp(activity.get("last_updated")),
            "recipient_share": line.mapped.share,
            "extras": _extras(activity),
        }
        entry = records.get(line.project_id)
        if entry is None:
            fresh.append({"project_id": line.project_id, **values})
        else:
            for name, value in values.items():
                setattr(entry, name, value)
        amounts.extend(
            {
                "project_id": line.project_id,
                "kind": kind,
                "year": year,
                "currency": currency,
                "amount": amount,
            }
            for (kind, year, currency), amount in line.mapped.figures.amounts.items()
        )
    db.session.flush()
    for model, rows in ((IatiRecord, fresh), (IatiAmount, amounts)):
        if rows:
            db.session.execute(insert(model.__table__), rows)


def _extras(activity: dict) -> dict | None:
    """The extras the page shows, with the activity's related activities; None when none."""
    extras = dict(activity.get("extras") or {})
    related = [r for r in activity.get("related") or [] if r.get("ref")]
    if related:
        extras["related"] = related[:50]
    return extras or None


def _timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        day = parse_date(text)
        return datetime(day.year, day.month, day.day) if day else None
    return value


def confirm(batch: ImportBatch, *, user, decisions: Decisions) -> Plan:
    """Write a previewed batch and note the outcome on it; the caller commits.

    Refuses (BatchFailed) a batch that is no longer waiting for confirmation.
    """
    if batch.status != "preview":
        raise BatchFailed(str(_l("This batch has already been imported.")))
    with collector.paused():
        plan = write(batch.activities, user=user, decisions=decisions, batch=batch)
        batch.status = "imported"
        batch.finished_at = utcnow()
        batch.decisions = decisions.as_json()
        batch.result = outcome(plan)
        record(
            "iati.imported",
            user=user,
            obj=batch,
            files=batch.file_names,
            **plan.counts,
        )
    return plan


def outcome(plan: Plan) -> dict:
    """What a written plan did, kept on the batch (texts in the language of the confirmation)."""
    return {
        "counts": plan.counts,
        "organizations": [[org.id, org.acronym, org.name_en] for org in plan.created.values()],
        "projects": [
            [line.project_id, line.identifier, line.title, line.action]
            for line in plan.lines
            if line.action in (NEW, UPDATE, UNCHANGED) and line.project_id is not None
        ],
        "refused": [
            [line.identifier, line.title, line.errors]
            for line in plan.lines
            if line.action == REFUSED
        ],
        "skipped": [[line.identifier, line.title, line.reason] for line in plan.skipped],
    }


def mark_failed(batch_id: int, reason: str) -> None:
    """After a rollback: note on the batch that its confirmation failed (then commit)."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is not None and batch.status == "preview":
        batch.result = {"error": reason}
