"""`/healthz` (the process answers) and `/readyz` (what it needs answers too).

Neither needs a login, counts against a rate limit or sets a session cookie: probes call them
every few seconds, from addresses that are not users.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify

from portal.health.checks import readiness

bp = Blueprint("health", __name__)


@bp.before_request
def _no_session() -> None:
    g.no_session_cookie = True


@bp.get("/healthz")
def healthz() -> Response:
    """Say that the process answers."""
    return Response("ok\n", mimetype="text/plain", headers={"Cache-Control": "no-store"})


@bp.get("/readyz")
def readyz():
    """Check the database, Redis (when configured) and the upload folder; 503 names a failure."""
    ready, checks = readiness()
    failing = sorted(name for name, value in checks.items() if value.startswith("failed"))
    body: dict[str, object] = {"status": "ready" if ready else "unavailable", "checks": checks}
    if failing:
        body["failing"] = failing
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    if not ready:
        response.headers["Retry-After"] = "10"
    return response
