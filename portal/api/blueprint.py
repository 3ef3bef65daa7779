"""The JSON API's blueprint, shared by its view modules (views.py, pivot.py): its error
answers, its authentication and its rate limits."""

from __future__ import annotations

from flask import Blueprint

from portal.api.auth import authenticate
from portal.api.errors import ApiError, handle_api_error, handle_rate_limit
from portal.api.limits import init_limiter
from portal.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_error_handler(ApiError, handle_api_error)
bp.register_error_handler(429, handle_rate_limit)
bp.before_request(authenticate)
csrf.exempt(bp)  # read-only, and never reads the session cookie: no cross-site request to forge


@bp.record_once
def _start_limiter(state) -> None:
    init_limiter(state.app, bp)
