"""What /readyz checks: the database, Redis when configured, and the upload folder."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from portal.extensions import db

log = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not configured"
REDIS_TIMEOUT = 2  # seconds: a readiness probe must answer quickly


def check_database() -> str:
    """Run `SELECT 1` on a connection of the pool (returned when the request ends)."""
    db.session.execute(text("SELECT 1"))
    return OK


def check_redis() -> str:
    """PING the Redis of PORTAL_REDIS_URL, when one is configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return NOT_CONFIGURED
    from redis import Redis

    client = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()
    return OK


def check_uploads() -> str:
    """Write and remove a file in the upload folder (made when missing)."""
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".readyz-") as probe:
        probe.write(b"ok")
        probe.flush()
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "redis": check_redis,
    "uploads": check_uploads,
}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check; return whether all passed and each one's outcome.

    A failed check says "failed" and the kind of error, never the error's text or trace
    (those go to the log): the answer is public.
    """
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:
            log.warning("readiness check %s failed: %r", name, error)
            results[name] = f"failed ({type(error).__name__})"
    return all(not value.startswith("failed") for value in results.values()), results
