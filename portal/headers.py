"""Security headers on every response.

The portal's own pages run no inline script and no inline style, so the Content-Security-Policy
allows only the portal's own files. Two documents set a policy of their own before this runs:
the map document (`/map/frame`, folium's inline scripts, in an iframe) and evidence files
(served sandboxed); their policies are kept.
"""

from __future__ import annotations

from flask import Flask, request

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


def init_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:  # behind https (PORTAL_BEHIND_PROXY passes the proxy's scheme)
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
