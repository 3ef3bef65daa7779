"""Who an API call acts for: the owner of a personal token, or the anonymous public.

The API reads only the Authorization header, never the session cookie, so a page open in a
browser cannot make the API act for its user.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from portal.api import tokens
from portal.api.errors import ApiError
from portal.extensions import db, login_manager

# Kept in the request's environ (not in g): tests reuse one application context for requests.
_KEY = "portal.api_auth"


def _resolve():
    """Read the Authorization header once per request: (token or None, error or None)."""
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None, None
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None, _l("Send the token as the header 'Authorization: Bearer <token>'.")
    token = tokens.token_for(secret.strip())
    if token is None:
        return None, _l(
            "This API token is not valid: it may have been revoked or have expired. "
            "Create a new one on your account page."
        )
    return token, None


def _auth():
    if _KEY not in request.environ:
        request.environ[_KEY] = _resolve()
    return request.environ[_KEY]


def current_token():
    """The request's valid token, or None (anonymous, or a bad token)."""
    return _auth()[0]


def authenticate() -> None:
    """Refuse a call whose Authorization header is malformed, unknown, revoked or expired (401)."""
    token, error = _auth()
    if error is not None:
        raise ApiError(401, error, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    if token is not None and tokens.mark_used(token):
        db.session.commit()


def api_user():
    """The user the call acts for (the token's owner), else an anonymous visitor."""
    token = current_token()
    return token.user if token is not None else login_manager.anonymous_user()


def rate_key() -> str:
    """Count calls per token, and per client address for anonymous (or bad-token) calls."""
    token = current_token()
    return f"token:{token.id}" if token is not None else f"address:{request.remote_addr}"


def rate_limit() -> str:
    """The limit of this call, from the configuration (token holders get more)."""
    if current_token() is not None:
        return current_app.config.get("API_RATE_LIMIT_TOKEN", "600 per minute")
    return current_app.config.get("API_RATE_LIMIT_ANONYMOUS", "60 per minute")
