"""Public downloads of the whole database: made once per question and data version, then served.

An anonymous visitor's export (the project list, the map's table, the IATI XML) is the same
for every visitor who asks the same question in the same language while the data stay the
same. So the first request writes the file to `PORTAL_DOWNLOAD_CACHE_DIR` and later ones are
served from there; the data's version (`portal.changes`) is part of the name, so a change of
the data makes a new file. Answers carry an ETag and Last-Modified: a client asking again
with them gets 304 and no body. Downloads that are not 304 count against the address's
budget (`PORTAL_DOWNLOAD_LIMIT`, in the database like the login throttles), so one address
cannot occupy the workers; past it the answer is 429 with Retry-After.

Logged-in readers get their own rows (per-row rules decide what they see): never cached.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from datetime import date
from pathlib import Path

from flask import current_app, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from portal import changes, throttle
from portal.cache import not_modified
from portal.errors import render_error
from portal.extensions import db
from portal.i18n import current_locale

# Headers of the first answer that the cached copies keep.
KEPT_HEADERS = ("Content-Disposition",)


def _folder() -> Path:
    folder = Path(current_app.config["DOWNLOAD_CACHE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _question(kwargs: dict) -> str:
    """The question's fingerprint: the route, its arguments, the query string, the language."""
    asked = {
        "endpoint": request.endpoint,
        "view_args": sorted((k, str(v)) for k, v in kwargs.items()),
        "args": sorted(request.args.items(multi=True)),
        "locale": current_locale(),
        # File names and the IATI file's generation time carry the day.
        "day": date.today().isoformat(),
    }
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()[:32]


def _write(response, path: Path, version: str) -> None:
    """Write a response's body (streamed or not) to `path` atomically, with its headers."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"v{version}-.part-")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in response.iter_encoded():
                out.write(chunk)
        meta = {
            "mimetype": response.mimetype,
            "headers": {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers},
        }
        path.with_suffix(".json").write_text(json.dumps(meta))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        response.close()


def _forget_older(folder: Path, version: str) -> None:
    """Remove the files of earlier data versions (and parts left by a stopped writer)."""
    prefix = f"v{version}-"
    for entry in folder.iterdir():
        if not entry.name.startswith(prefix):
            entry.unlink(missing_ok=True)


def public_download(view):
    """Serve `view`'s answer to anonymous visitors from a cached file (ETag, 304, a budget)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated:
            return view(*args, **kwargs)
        version, changed_at = changes.stamp(db.session)
        etag = f"v{version}-{_question(kwargs)}"
        if etag in request.if_none_match:
            return not_modified(etag)
        wait = throttle.count_download(request.remote_addr)
        db.session.commit()  # the count stays whatever this request does next
        if wait:
            response = current_app.make_response(
                render_error(429, _("Too many downloads from your address. Please wait a moment."))
            )
            response.headers["Retry-After"] = str(wait)
            return response
        folder = _folder()
        path = folder / etag
        if not path.exists():
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code != 200:
                return response
            _forget_older(folder, version)
            _write(response, path, version)
        meta = json.loads(path.with_suffix(".json").read_text())
        response = send_file(
            path,
            mimetype=meta["mimetype"],
            etag=etag,
            last_modified=changed_at,
            conditional=True,
            max_age=0,
        )
        response.headers.update(meta["headers"])
        response.cache_control.public = True
        response.cache_control.no_cache = True
        return response

    return wrapper
