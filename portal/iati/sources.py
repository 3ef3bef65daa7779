"""Publishers' IATI files read again on a schedule or on demand (the re-import).

CDC registers a source: a web address, or a file name in PORTAL_IATI_SOURCES_DIR, with how
often to read it (every N days, or only on demand), whether a reading may apply itself, and a
default lead for activities naming none. Each reading becomes a batch like an upload, with the
preview's list of what changed since the last import. It is applied at once only when CDC lets
the source apply itself and the reading needs no decision (nothing refused, no organization to
add); otherwise it waits for CDC on the usual preview page. A reading that changes nothing is
noted and dropped. Activities imported from the source that a reading no longer has are listed
on the source ("dropped by the publisher"): the portal never deletes their projects.

The continuous mail sender's clock (portal.mail.sender.tick) hands due sources to the job
runner every minute; `flask portal iati refresh` does the same from a timer or by hand.
"""

from __future__ import annotations

import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from urllib.error import URLError

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit.services import record
from portal.db import utcnow
from portal.extensions import db
from portal.iati import services
from portal.iati.models import IatiRecord, IatiSource, ImportBatch
from portal.iati.parser import FileRefused
from portal.iati.preview import NEW, REFUSED, UPDATE, Decisions
from portal.mail.sender import tick

FETCH_TIMEOUT = 60  # seconds


class SourceRefused(ValueError):
    """A source that cannot be registered as given; the message names the field's problem."""

    def __init__(self, message: str, field: str = "location") -> None:
        super().__init__(message)
        self.field = field


def _folder() -> Path | None:
    folder = current_app.config.get("IATI_SOURCES_DIR")
    return Path(folder).resolve() if folder else None


def _is_web(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def check_location(location: str) -> str:
    """The location, if the portal may read it: a web address, or a file in the sources folder."""
    location = location.strip()
    if _is_web(location):
        return location
    folder = _folder()
    if folder is None:
        raise SourceRefused(
            str(
                _l(
                    "Give a web address (https://...): no folder of IATI files is set up "
                    "(PORTAL_IATI_SOURCES_DIR)."
                )
            )
        )
    path = (folder / location).resolve()
    if folder not in path.parents:
        raise SourceRefused(str(_l("Give the name of a file in the folder of IATI files.")))
    return location


def save_source(
    source: IatiSource | None,
    *,
    name: str,
    location: str,
    every_days: int,
    auto_apply: bool,
    default_lead_id: int | None,
    actor,
) -> IatiSource:
    """Register a source, or change one (its next reading follows the new schedule)."""
    checked = check_location(location)
    if source is None:
        source = IatiSource()
        db.session.add(source)
    source.name = name.strip()
    source.location = checked
    source.every_days = every_days
    source.auto_apply = auto_apply
    source.default_lead_id = default_lead_id or None
    if not every_days:
        source.next_run_at = None
    elif source.last_run_at is None:
        source.next_run_at = utcnow()  # a source never read is read at the next tick
    else:
        source.next_run_at = source.last_run_at + timedelta(days=every_days)
    db.session.flush()
    record("iati_source.saved", user=actor, obj=source, location=checked, every_days=every_days)
    return source


def _read(source: IatiSource) -> tuple[str, bytes]:
    """The file's name and bytes; raise FileRefused when it cannot be read."""
    limit = services.max_file_bytes()
    if _is_web(source.location):
        try:
            with urllib.request.urlopen(source.location, timeout=FETCH_TIMEOUT) as answer:  # noqa: S310  (http and https only: checked)
                data = answer.read(limit + 1)
        except (URLError, OSError, ValueError) as error:
            raise FileRefused(
                source.location,
                _l("The address could not be read: %(reason)s", reason=str(error)[:300]),
            ) from None
        name = source.location.rstrip("/").rsplit("/", 1)[-1] or "source.xml"
    else:
        folder = _folder()
        path = (folder / source.location).resolve() if folder else None
        if path is None or folder not in path.parents or not path.is_file():
            raise FileRefused(source.location, _l("The file is not in the folder of IATI files."))
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
        name = path.name
    if len(data) > limit:
        too_large = _l("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024))
        raise FileRefused(name, too_large)
    return name[:200], data


def imported_from(source: IatiSource) -> set[str]:
    """The identifiers of the projects a reading of this source has written."""
    return set(
        db.session.scalars(
            select(IatiRecord.iati_identifier)
            .join(ImportBatch, ImportBatch.id == IatiRecord.batch_id)
            .where(ImportBatch.source_id == source.id)
        )
    )


def latest_batch(source: IatiSource) -> ImportBatch | None:
    return db.session.scalar(
        select(ImportBatch)
        .where(ImportBatch.source_id == source.id)
        .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
        .limit(1)
    )


def read_source(source: IatiSource, *, actor=None, now: datetime | None = None) -> str:
    """Read the source once: apply, leave for review, note unchanged, or note the failure.

    Returns the new status. Flushes; the caller commits.
    """
    now = now or utcnow()
    source.last_run_at = now
    source.next_run_at = now + timedelta(days=source.every_days) if source.every_days else None
    try:
        name, data = _read(source)
        batch = services.create_batch([(name, data)], user=None)
    except FileRefused as refused:
        source.last_status, source.last_message = "failed", refused.message
        db.session.flush()
        record("iati_source.failed", user=actor, obj=source, reason=refused.message)
        return source.last_status
    batch.source_id = source.id
    decisions = Decisions(default_lead_id=source.default_lead_id)
    batch.decisions = decisions.as_json()
    plan = services.preview(batch.activities, user=None, decisions=decisions)
    before = imported_from(source)
    present = {a.get("identifier") for a in batch.activities}
    source.dropped = sorted(before - present) or None
    source.last_counts = plan.counts
    source.last_message = None
    changes = plan.count(NEW) + plan.count(UPDATE)
    # A new organization asks for a decision only when the reading changes something.
    needs_decision = plan.count(REFUSED) > 0 or (bool(plan.proposals) and changes > 0)
    if changes == 0 and not needs_decision:
        source.last_status = "unchanged"
        db.session.delete(batch)
    elif source.auto_apply and not needs_decision:
        services.confirm(batch, user=None, decisions=decisions)
        source.last_status = "applied"
    else:
        source.last_status = "review"
    db.session.flush()
    record(
        "iati_source.read",
        user=actor,
        obj=source,
        status=source.last_status,
        dropped=len(source.dropped or []),
        counts=plan.counts,
    )
    return source.last_status


def due(now: datetime | None = None) -> list[IatiSource]:
    """The scheduled sources whose next reading has come."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(IatiSource)
            .where(IatiSource.every_days > 0, IatiSource.next_run_at <= now)
            .order_by(IatiSource.next_run_at, IatiSource.id)
        )
    )


def read_many(source_ids: list[int]) -> int:
    """Read these sources (a job: each reading commits on its own); return how many were read."""
    count = 0
    for source_id in source_ids:
        source = db.session.get(IatiSource, source_id)
        if source is None:
            continue
        try:
            read_source(source)
            db.session.commit()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("IATI source %s could not be read", source_id)
            continue
        count += 1
    return count


def read_one(source_id: int, actor_id: int | None = None) -> None:
    """Read one source now (a job started from its page)."""
    from portal.accounts.models import User

    source = db.session.get(IatiSource, source_id)
    if source is None:
        return
    actor = db.session.get(User, actor_id) if actor_id else None
    read_source(source, actor=actor)
    db.session.commit()


CLAIM = timedelta(minutes=30)  # a due source handed to a job is not handed again meanwhile


@tick.connect
def _on_the_sender_clock(app, **extra) -> None:
    """Each minute, hand the sources that have come due to the job runner (claimed first, so
    the next minute's tick does not hand them again while the job reads them)."""
    sources = due()
    if not sources:
        return
    for source in sources:
        source.next_run_at = utcnow() + CLAIM
    db.session.flush()
    from portal.jobs import submit

    submit("portal.iati.sources.read_many", [source.id for source in sources])
