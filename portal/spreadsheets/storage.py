"""Keep an uploaded workbook between its preview and its confirmation.

The file sits under UPLOAD_DIR/spreadsheets, named by its uploader's id and a random token;
only that user can confirm it, and files older than a day are removed.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import current_app

SUBFOLDER = "spreadsheets"
MAX_AGE_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / SUBFOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(user, token: str) -> Path | None:
    if not TOKEN.match(token or ""):
        return None
    return _folder() / f"{int(user.id)}-{token}.xlsx"


def _remove_old(folder: Path) -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in folder.glob("*.xlsx"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def keep(user, content: bytes) -> str:
    """Store the workbook for `user`; return the token that finds it again."""
    folder = _folder()
    _remove_old(folder)
    token = secrets.token_urlsafe(24)
    path = folder / f"{int(user.id)}-{token}.xlsx"
    path.write_bytes(content)
    path.chmod(0o600)
    return token


def load(user, token: str) -> bytes | None:
    """The workbook `user` stored under `token`, unless it is gone or too old."""
    path = _path(user, token)
    if path is None or not path.is_file():
        return None
    if path.stat().st_mtime < time.time() - MAX_AGE_SECONDS:
        path.unlink(missing_ok=True)
        return None
    return path.read_bytes()


def discard(user, token: str) -> None:
    """Remove a stored workbook (after it was written, or abandoned)."""
    path = _path(user, token)
    if path is not None:
        path.unlink(missing_ok=True)
