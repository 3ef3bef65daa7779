"""Login throttling: after too many failed logins, an account, or an address, waits.

Failed attempts are counted per email address typed (whether or not an account has it, so the
answer never tells which emails exist) and per client address, in a moving window: in Redis
when PORTAL_REDIS_URL is set (shared by every worker), else in the process's memory. The
limits are settings (PORTAL_LOGIN_LIMIT_ACCOUNT, PORTAL_LOGIN_LIMIT_ADDRESS).
"""

from __future__ import annotations

import math
import time

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

EXTENSION = "portal_login_throttle"


def _limiter() -> MovingWindowRateLimiter:
    app = current_app._get_current_object()
    if EXTENSION not in app.extensions:
        uri = app.config.get("REDIS_URL") or "memory://"
        app.extensions[EXTENSION] = MovingWindowRateLimiter(storage_from_string(uri))
    return app.extensions[EXTENSION]


def _checks(email: str, address: str | None):
    config = current_app.config
    yield parse(config["LOGIN_LIMIT_ACCOUNT"]), ("login-account", email.strip().lower())
    yield parse(config["LOGIN_LIMIT_ADDRESS"]), ("login-address", address or "unknown")


def wait_seconds(email: str, address: str | None) -> int:
    """How long this login must wait (0 when it may try now)."""
    limiter = _limiter()
    wait = 0
    for limit, keys in _checks(email, address):
        if not limiter.test(limit, *keys):
            reset, _remaining = limiter.get_window_stats(limit, *keys)
            wait = max(wait, math.ceil(reset - time.time()))
    return max(wait, 0)


def count_failure(email: str, address: str | None) -> None:
    limiter = _limiter()
    for limit, keys in _checks(email, address):
        limiter.hit(limit, *keys)
