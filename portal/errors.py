"""Error pages as HTML, or JSON when the client asks for it."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from portal.extensions import db

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
}


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
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return render_template(template, status=status, message=text), status


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
        return render_error(status, description)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render_error(500)
