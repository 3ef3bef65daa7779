"""Security headers on every response.

The portal's own pages run no inline script and no inline style, so the Content-Security-Policy
allows only the portal's own files. Two documents set a policy of their own before this runs:
the map document (`/map/frame`, folium's inline scripts, in an iframe) and evidence files
(served sandboxed); their policies are kept.

Whatever is answered to a logged-in user (or to an API token), and every page under /admin,
is `Cache-Control: no-store`: a shared computer's browser or a proxy must not keep it. Public
pages and the portal's static files keep their own caching.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
# Files that are the same for everyone, logged in or not.
SHARED_FILES = {"static", "home.khmer_font"}


def is_private() -> bool:
    """Say whether the answer belongs to one user (or to /admin) and so no cache may keep it."""
    if g.get("no_session_cookie"):  # the health probes: no session, and no-store already
        return False
    if request.endpoint in SHARED_FILES or (request.endpoint or "").endswith(".static"):
        return False
    if request.path == "/admin" or request.path.startswith("/admin/"):
        return True
    if "Authorization" in request.headers:
        return True
    return bool(current_user and current_user.is_authenticated)


def init_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response):
        headers = response.headers
        # A 304 has no body, and the browser lays its headers over the copy it keeps: the
        # page's own policy stays (the map's document allows its inline scripts; the site's
        # default here would forbid them on the kept copy).
        if response.status_code != 304:
            headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if is_private():
            headers["Cache-Control"] = "no-store"
        if request.is_secure:  # behind https (PORTAL_BEHIND_PROXY passes the proxy's scheme)
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
