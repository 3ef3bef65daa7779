"""Write audit entries; callers commit with the rest of the request."""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import insert

from portal.audit.models import AuditEvent
from portal.extensions import db


def record(
    action: str, *, user=None, obj=None, object_type: str | None = None, object_id=None, **detail
) -> AuditEvent:
    """Add an audit entry for `action` to the session (flushed, not committed)."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        user_id=getattr(user, "id", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        remote_addr=remote_address(),
        detail=detail or None,
    )
    db.session.add(event)
    return event


def record_each(action: str, *, user, object_type: str, object_ids: list, at) -> None:
    """Add one audit entry for `action` per object, with one INSERT (a batch's new records)."""
    if not object_ids:
        return
    user_id, address = getattr(user, "id", None), remote_address()
    db.session.execute(
        insert(AuditEvent.__table__),
        [
            {
                "at": at,
                "user_id": user_id,
                "action": action,
                "object_type": object_type,
                "object_id": str(object_id),
                "remote_addr": address,
            }
            for object_id in object_ids
        ],
    )


def remote_address() -> str | None:
    """The address of the request being served, if any (none on the command line)."""
    return request.remote_addr if has_request_context() else None
