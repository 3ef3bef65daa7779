"""CDC's outbox page: every message with its delivery state, and retrying failed ones."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.mail import sender, services
from portal.mail.models import FAILED, QUEUED, SENDING, SENT, STATES
from portal.security import cdc_required
from portal.templating import counted

bp = Blueprint("mail", __name__, url_prefix="/admin/mail")

STATE_LABELS = {
    QUEUED: _l("Queued"),
    SENDING: _l("Sending"),
    SENT: _l("Sent"),
    FAILED: _l("Failed"),
}


@bp.get("/")
@cdc_required
def outbox():
    """List the outbox, newest first, filtered by state, a page at a time (CDC only)."""
    state = request.args.get("state", "")
    state = state if state in STATES else ""
    page = services.outbox_page(state or None, request.args.get("page", 1, type=int))
    return render_template(
        "mail/outbox.html",
        page=page,
        state=state,
        labels=STATE_LABELS,
        counts=services.counts_by_state(),
        configured=sender.is_configured(),
    )


@bp.post("/retry")
@cdc_required
def retry():
    """Queue one failed message (form field `id`) or, with `all`, every failed one (CDC only)."""
    message_id = request.form.get("id", type=int)
    if request.form.get("all"):
        count = services.retry()
    elif message_id is not None:
        count = services.retry([message_id])
    else:
        count = 0
    db.session.commit()
    if count:
        flash(counted("%(num)s message queued again.", "%(num)s messages queued again.", count))
    else:
        flash(_l("No failed message to retry."), "warning")
    return redirect(url_for("mail.outbox", state=request.args.get("state") or None))
