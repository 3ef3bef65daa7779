"""Session cookies that are Secure whenever the request came over https.

A view that sets `g.no_session_cookie` (the health probes) never gets a cookie.
"""

from flask import g, request
from flask.sessions import SecureCookieSessionInterface


class PortalSessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def save_session(self, app, session, response) -> None:
        if g.get("no_session_cookie"):
            return
        super().save_session(app, session, response)
