"""Public pages answered from a cache while the data stay the same.

An anonymous visitor's page (the dashboard, the map, a province, the project list, the
aggregates API, the report builder) is the same for every visitor who asks the same question in
the same language while the data do not change. A view decorated with `public_page` keeps its
answer in the cache (Flask-Caching: Redis when `PORTAL_REDIS_URL` is set, else the process's
memory), keyed by the request (host, path, query string as sent, language, Khmer digits, the
day) and the data's version (`portal.changes`): every committed change makes new keys, so the
next answer is worked out afresh. An entry lives `PORTAL_PAGE_CACHE_TIMEOUT` seconds, a process
keeps at most `PORTAL_PAGE_CACHE_ENTRIES` (Redis: the timeout bounds them), and answers over
`MAX_BODY` bytes are not kept.

The version itself is kept in the same cache (`data_version`), so that an answer from the cache
reads no database. In Redis, shared by every process that writes (web, worker, command line),
every commit that raises the version puts a new token there at once (a token never used
before, so two commits told in either order both make new keys); the version is read again
from the database when the token is missing and at least every `SHARED_VERSION_SECONDS`, which
bounds what a change made outside the portal (a restored backup) leaves stale. In a process's
memory (no Redis), another process's commit cannot reach it: the version read from the
database is kept `LOCAL_VERSION_SECONDS` (one second) at most, so a change shows in every
process within a second, and at once in the process that made it (its commit drops the kept
version).

Answers carry a weak ETag and `X-Cache: hit` or `miss`; a client asking again with the ETag
gets 304 without the page being read.

Never from the cache nor into it: anything for a logged-in user, an API token or /admin
(`portal.headers.is_private`); a request whose session holds flashed messages, or whose
database session holds uncommitted changes (they would be shown to no one else). Not kept: an
answer that is not 200, is streamed, sets a cookie, flashes a message or changes the session.

No visitor's token or cookie reaches another. Pages carry a CSRF token (the language switch),
which belongs to the visitor's session. The cached copy holds a placeholder where the token
goes, and every answer, from the cache or not, gets the visitor's own token (so their own
session cookie, if any, is set by their own request). Such answers are `Cache-Control:
private`; the ETag changes every `TOKEN_REFRESH` seconds so that a page kept by the browser
never shows a token old enough to have expired.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
import uuid
from datetime import date, datetime

from flask import current_app, g, has_app_context, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import changes
from portal.db import utcnow
from portal.extensions import cache, db
from portal.headers import is_private
from portal.i18n import current_locale, khmer_digits_on

log = logging.getLogger(__name__)

# What the cached copy holds where the visitor's CSRF token goes (no real token looks like it).
TOKEN_PLACEHOLDER = "portal-page-cache:csrf-token"
_PLACEHOLDER = TOKEN_PLACEHOLDER.encode()
# Longer answers (a map document with its boundaries) are served as the view makes them.
MAX_BODY = 2 * 1024 * 1024
# Well within the CSRF token's time limit (8 hours).
TOKEN_REFRESH = 3600
# Headers the cached copy does not keep: this answer's own, or set again when served.
_NOT_KEPT = {
    "cache-control",
    "content-length",
    "date",
    "etag",
    "last-modified",
    "set-cookie",
    "vary",
    "x-cache",
}
# Where the cache keeps the data's version, and for how long a version read from the database
# is trusted: in a cache shared by all processes (every commit replaces it at once), and in a
# process's own memory (which other processes' commits cannot reach).
VERSION_KEY = "data-version"
SHARED_VERSION_SECONDS = 60
LOCAL_VERSION_SECONDS = 1
_LOCAL_TYPES = {"SimpleCache", "NullCache"}
# Flask-Login marks an anonymous session as not fresh once; that changes no page.
_SESSION_NOISE = {"_fresh"}


def not_modified(etag: str, *, weak: bool = False):
    """A 304 answer for a client that holds the current version (`etag`)."""
    response = current_app.response_class(status=304)
    response.set_etag(etag, weak=weak)
    response.cache_control.no_cache = True
    return response


def _token_field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _shared() -> bool:
    """Whether the cache is one every process reads (Redis), not this process's memory."""
    return type(cache.cache).__name__ not in _LOCAL_TYPES


def data_version() -> tuple[str, datetime]:
    """The data's version (`changes.stamp`), from the cache when it is there (no SQL)."""
    try:
        kept = cache.get(VERSION_KEY)
    except Exception:  # a cache that fails falls back on the database
        log.warning("page cache unavailable (version)", exc_info=True)
        kept = None
    if kept is not None:
        return kept
    stamp = changes.stamp(db.session)
    seconds = SHARED_VERSION_SECONDS if _shared() else LOCAL_VERSION_SECONDS
    try:
        # `add`, not `set`: a commit's token, put there since the database was read, wins.
        cache.add(VERSION_KEY, stamp, timeout=seconds)
    except Exception:
        log.warning("page cache unavailable (version)", exc_info=True)
    return stamp


def _version_raised() -> None:
    """Make every key after this commit new, at once.

    In a shared cache, a token never used before; in the process's memory, the version is
    read again from the database (where this commit is), as the other processes will.
    """
    try:
        if _shared():
            token = (uuid.uuid4().hex, utcnow())
            cache.set(VERSION_KEY, token, timeout=SHARED_VERSION_SECONDS)
        else:
            cache.delete(VERSION_KEY)
    except Exception:
        # The next answers may come from the cache until the token expires: say so loudly.
        log.error("page cache unavailable: a change was not told to it", exc_info=True)


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if changes.raised(session) and has_app_context():
        _version_raised()


def kept(name: str, compute):
    """`compute()`, kept in the cache per data version under `name`.

    For figures worked out from the whole database that every reader named alike reads alike
    (a list's totals per visibility, the pipeline's scorecards): `name` must hold whatever
    changes the answer besides the data. Uncommitted changes in the session are never kept.
    """
    if changes.pending(db.session) or type(cache.cache).__name__ == "NullCache":
        return compute()
    version, _changed_at = data_version()  # read first: a commit meanwhile makes a new key
    key = "kept:" + hashlib.sha256(f"{name}\n{version}".encode()).hexdigest()[:40]
    found = _read(key)
    if found is not None:
        return found[0]
    value = compute()
    _keep(key, (value,))
    return value


def _cacheable_request() -> bool:
    return (
        current_app.config.get("PAGE_CACHE", True)
        and request.method in ("GET", "HEAD")
        and not is_private()
        and "_flashes" not in session
        and not changes.pending(db.session)
    )


def _key(version: str) -> str:
    """The question's fingerprint: everything that changes the answer, and the data's version."""
    locale = current_locale()
    asked = "\n".join(
        (
            request.host_url,
            request.path,
            request.query_string.decode("latin-1"),
            locale,
            "khmer-digits" if locale == "km" and khmer_digits_on() else "",
            date.today().isoformat(),  # pages name this year, and how old things are
            version,
        )
    )
    return hashlib.sha256(asked.encode()).hexdigest()[:40]


def _session_view() -> dict:
    return {k: v for k, v in session.items() if k not in _SESSION_NOISE}


def _render(view, args, kwargs):
    """Run the view with the token placeholder; return (entry to keep or None, response)."""
    field = _token_field()
    before = _session_view()
    setattr(g, field, TOKEN_PLACEHOLDER)
    try:
        response = current_app.make_response(view(*args, **kwargs))
    finally:
        g.pop(field, None)
    if response.is_streamed:
        return None, response
    body = response.get_data()
    keep = (
        response.status_code == 200
        and "Set-Cookie" not in response.headers
        and "_flashes" not in session
        and _session_view() == before
        and not changes.pending(db.session)
        and len(body) <= MAX_BODY
    )
    entry = {
        "status": response.status_code,
        "headers": [(k, v) for k, v in response.headers.items() if k.lower() not in _NOT_KEPT],
        "body": body,
    }
    if keep:
        return entry, response
    if _PLACEHOLDER in body:  # an answer not kept still gets the visitor's own token
        response.set_data(body.replace(_PLACEHOLDER, _visitor_token()))
    return None, response


def _visitor_token() -> bytes:
    g.pop(_token_field(), None)
    return generate_csrf().encode()


def _answer(entry: dict, etag: str, changed_at: datetime, state: str):
    body = entry["body"]
    personal = _PLACEHOLDER in body
    if personal:
        body = body.replace(_PLACEHOLDER, _visitor_token())
    response = current_app.response_class(body, status=entry["status"], headers=entry["headers"])
    response.set_etag(etag, weak=True)
    response.last_modified = changed_at
    response.cache_control.no_cache = True
    if personal:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    response.vary.update(("Cookie", "Accept-Language"))
    response.headers["X-Cache"] = state
    return response


def _read(key: str):
    try:
        return cache.get(key)
    except Exception:  # a cache that fails must not fail the page: it is only a shortcut
        log.warning("page cache unavailable (read)", exc_info=True)
        return None


def _keep(key: str, entry) -> None:
    try:
        cache.set(key, entry)
    except Exception:  # as above
        log.warning("page cache unavailable (write)", exc_info=True)


def public_page(view):
    """Answer anonymous visitors from the cache while the data stay the same (ETag, 304)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable_request():
            return view(*args, **kwargs)
        version, changed_at = data_version()
        key = _key(version)
        etag = f"{key}.{int(time.time() // TOKEN_REFRESH)}"
        if request.if_none_match.contains_weak(etag):
            return not_modified(etag, weak=True)
        entry = _read(key)
        if entry is not None:
            return _answer(entry, etag, changed_at, "hit")
        entry, response = _render(view, args, kwargs)
        if entry is None:
            return response
        _keep(key, entry)
        return _answer(entry, etag, changed_at, "miss")

    return wrapper
