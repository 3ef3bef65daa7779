"""API errors: always JSON, with a message in the user's language and the fields at fault."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _


class ApiError(Exception):
    """Answer the API call with `status` and `message` (and per-field messages)."""

    def __init__(self, status: int, message, fields: dict | None = None, headers=None) -> None:
        super().__init__(str(message))
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}


def error_response(status: int, message, fields: dict | None = None, headers=None):
    """The JSON body every API error has: {"error": {"status", "message", "fields"?}}."""
    body = {"status": status, "message": str(message)}
    if fields:
        body["fields"] = {name: str(text) for name, text in fields.items()}
    return jsonify(error=body), status, headers or {}


def handle_api_error(error: ApiError):
    return error_response(error.status, error.message, error.fields, error.headers)


def handle_rate_limit(error):
    """429: say how many calls are allowed and when to try again (Retry-After)."""
    item = getattr(getattr(error, "limit", None), "limit", None)
    if item is None:
        return error_response(429, _("Too many requests. Wait a moment and try again."))
    text = _(
        "Too many requests: at most %(amount)s every %(seconds)s seconds. "
        "Wait a moment and try again.",
        amount=item.amount,
        seconds=item.get_expiry(),
    )
    return error_response(429, text)
