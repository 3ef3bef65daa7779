"""Error pages as HTML, or JSON when the client asks for it."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from flask import (
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from portal.extensions import db, login_manager

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have permission to see this page."),
    404: _l("There is nothing at this address."),
    405: _l("This page does not accept that kind of request."),
    409: _l("Someone else changed this record while you were working on it."),
    413: _l("The file is too large."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Your request was not completed."),
    503: _l("The portal is briefly unavailable. Please try again in a moment."),
    507: _l(
        "The portal's storage is full, so your request was not completed. Please try again "
        "later, and tell the portal's administrators if this happens again."
    ),
}
# What a form says, shown again with the person's input, when the database or the disk failed.
SAVE_FAILED = {
    503: _l(
        "Nothing was saved: the portal could not reach its database. What you entered is "
        "still in the form below: send it again in a moment."
    ),
    507: _l(
        "Nothing was saved: the portal's storage is full. What you entered is still in the form "
        "below: send it again later, and tell the portal's administrators if this happens again."
    ),
}
RETRY_AFTER_SECONDS = 10


def wants_json() -> bool:
    """Say whether the client prefers JSON (the API, or an Accept header asking for it)."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(status: int, message: str | None = None):
    """Answer `status` with a page or JSON body that says what happened."""
    text = message or str(MESSAGES.get(status, MESSAGES[500]))
    if wants_json():
        return jsonify(error={"status": status, "message": text}), status
    return render_template("errors/error.html", status=status, message=text), status


# --- the database or the disk failing -------------------------------------------------------

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
# PostgreSQL's classes of errors that pass: connection lost (08), transaction rolled back by a
# conflict (40), insufficient resources (53, disk full apart), server shutting down (57).
_PASSING_STATE_CLASSES = ("08", "40", "53", "57")
_SQLITE_PASSING = ("database is locked", "unable to open database file", "disk i/o error")


def storage_failure(error: BaseException) -> int | None:
    """507 when the database or the disk is full, 503 when the database cannot be reached or
    is busy; None for any other error (a bug stays a 500)."""
    if isinstance(error, OSError) and error.errno in _FULL_ERRNOS:
        return 507
    if isinstance(error, PoolTimeout):  # every connection of the pool is busy
        return 503
    if not isinstance(error, DBAPIError):
        return None
    state = getattr(error.orig, "sqlstate", None) or ""
    text = str(error.orig).lower()
    if state == "53100" or "database or disk is full" in text:
        return 507
    if error.connection_invalidated or state[:2] in _PASSING_STATE_CLASSES:
        return 503
    if isinstance(error, OperationalError) and not state:
        if isinstance(error.orig, sqlite3.Error):
            return 503 if any(words in text for words in _SQLITE_PASSING) else None
        return 503  # the driver could not talk to the server at all
    return None


class SaveFailed(Exception):
    """The database or the disk did not keep a change; `status` is 503 or 507."""

    def __init__(self, status: int) -> None:
        super().__init__(str(SAVE_FAILED[status]))
        self.status = status
        self.message = str(SAVE_FAILED[status])


@contextmanager
def keeping_input() -> Iterator[None]:
    """Run a save; when the database or the disk fails, roll back, flash why and raise SaveFailed.

    The view catches SaveFailed and shows its form again, with the person's input, answering
    `SaveFailed.status` (503 or 507): the flashed message says that nothing was saved, instead
    of an error page that would lose what they typed. Any other error passes through unchanged.
    """
    try:
        yield
    except Exception as error:
        status = storage_failure(error)
        if status is None:
            raise
        forget_changes()
        current_app.logger.error(
            "A save failed on %s %s", request.method, request.path, exc_info=error
        )
        failed = SaveFailed(status)
        flash(failed.message, "danger")
        raise failed from error


def forget_changes() -> None:
    """Roll the request's transaction back, even when the database no longer answers."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the connection is gone: drop the session with it)
        db.session.remove()


def render_storage_failure(status: int):
    """The page (or JSON) saying the database or the disk failed, drawn without the database."""
    try:
        response = make_response(render_error(status))
    except Exception:  # noqa: BLE001  (the page itself needed the database)
        forget_changes()
        # The header shows the user's name and the digits setting, both read from the
        # database: draw the page as for a visitor (in the language of the session).
        # (login_manager is the app's own: current_app.login_manager, set by init_app.)
        g._login_user = login_manager.anonymous_user()
        g.setdefault("khmer_digits", False)
        response = make_response(render_error(status))
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


CSRF_MESSAGE = _l(
    "The form had expired or did not come from this portal, so nothing was changed. "
    "Go back, reload the page and send it again."
)


NUL_MESSAGE = _l("The request contains a character that is not allowed (a NUL byte).")


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def init_errors(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    @app.before_request
    def refuse_nul_bytes():
        """No text the portal keeps may hold a NUL byte (PostgreSQL refuses them): say so."""
        if "\x00" in request.path or _has_nul(request.args) or _has_nul(request.form):
            return render_error(400, str(NUL_MESSAGE))
        return None

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        return render_error(400, str(CSRF_MESSAGE))

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        status = error.code or 500
        description = None
        if status not in MESSAGES and error.description:
            description = error.description
        response = make_response(render_error(status, description))
        # Keep the headers the error carries: a 405's Allow lists the methods that are accepted.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        forget_changes()
        status = storage_failure(error)
        if status is not None:
            app.logger.error(
                "The database or the disk failed on %s %s",
                request.method,
                request.path,
                exc_info=error,
            )
            return render_storage_failure(status)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render_error(500)
