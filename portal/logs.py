"""Logging: one line format for the web processes, their access log, jobs and commands.

Every line carries the time, level, logger and the request id: the `X-Request-ID` a proxy or
client sent when it is a sane token, else one made here; the response returns it in the same
header, gunicorn's access line carries it, and a job queued by a request logs under the id of
that request. `configure_logging()` runs before the Flask app is made (so Flask adds no handler
of its own) and again harmlessly; gunicorn.conf.py passes `logging_config()` to gunicorn so its
own loggers write the same lines.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import uuid
from contextvars import ContextVar

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
HEADER = "X-Request-ID"
ENVIRON_KEY = "portal.request_id"
# Letters, digits and . _ : - up to 128 characters (UUIDs, hex, proxies' own formats): anything
# else (spaces, line breaks, quotes) would let a client forge log lines, so a new id is made.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

_request_id: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    """Return the id of the request (or job) being served, '-' outside one."""
    return _request_id.get()


def set_request_id(value: str) -> None:
    """Log the following lines of this thread or task under `value`."""
    _request_id.set(value)


def request_id_from(header_value: str | None) -> str:
    """Return the client's id when it is a sane token, else a new one."""
    if header_value and SANE_REQUEST_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Put the current request id on every record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class PortalHandler(logging.StreamHandler):
    """Standard error, in the portal's format, with the request id."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.setFormatter(logging.Formatter(FORMAT))

    # The standard error of the moment (a test runner or a daemon may replace sys.stderr).
    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _level() -> str:
    return os.environ.get("PORTAL_LOG_LEVEL", "INFO").upper()


def logging_config() -> dict:
    """The dictConfig of the portal's logging (gunicorn.conf.py gives it to gunicorn)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"portal": {"()": PortalHandler}},
        "formatters": {},
        "root": {"level": _level(), "handlers": ["portal"]},
        "loggers": {
            # gunicorn's own lines go up to the root handler like everyone else's.
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
        },
    }


def configure_logging() -> None:
    """Install the portal's handler on the root logger, once per process.

    Handlers others installed (a test runner's) stay; under gunicorn, its logconfig_dict has
    already installed the portal's handler and this does nothing.
    """
    # Alembic lists its plugins at INFO each time the app is made, weasyprint every step and
    # page of a report, and the SMTP server the tests run every connection.
    for chatty in ("alembic.runtime.plugins", "weasyprint.progress", "mail.log"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    root = logging.getLogger()
    if any(isinstance(handler, PortalHandler) for handler in root.handlers):
        return
    root.addHandler(PortalHandler())
    if root.level == logging.WARNING:  # Python's default: the portal's level instead
        root.setLevel(_level())


class RequestIdMiddleware:
    """Give each request its id before anything else runs, and return it in the response."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        environ[ENVIRON_KEY] = request_id
        # Not reset afterwards: gunicorn writes its access line in this thread after the
        # response, and the next request sets its own.
        set_request_id(request_id)

        def start_with_id(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != HEADER.lower()]
            headers.append((HEADER, request_id))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_with_id)
