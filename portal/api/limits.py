"""Rate limits of the API (Flask-Limiter): per token, and per address for anonymous calls.

Counts live in Redis when PORTAL_REDIS_URL is set (shared by every worker), else in memory.
A limiter is made per application, so that test apps and the real one never share counts.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_limiter import Limiter

from portal.api.auth import rate_key, rate_limit

EXTENSION = "portal_api_limiter"


def init_limiter(app: Flask, blueprint: Blueprint) -> Limiter:
    """Limit every call to `blueprint` with one shared budget per caller."""
    limiter = Limiter(
        key_func=rate_key,
        storage_uri=app.config.get("REDIS_URL") or "memory://",
        key_prefix="portal-api",
        headers_enabled=True,
        # If Redis is down, count in memory for a while rather than refuse every call.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.shared_limit(rate_limit, scope="api", key_func=rate_key)(blueprint)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    return limiter


def api_limiter(app: Flask) -> Limiter:
    """The application's API limiter (tests reset its counts)."""
    return app.extensions[EXTENSION]
