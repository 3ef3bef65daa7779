"""Evidence files: checked by content, kept outside static/ under random names, served safely.

A file is accepted when its content is one of the allowed types (read from its first bytes,
not from its name) and its name's extension agrees with that content.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
SUBFOLDER = "evidence"

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# kind -> {allowed extension: the Content-Type it is served with}
KINDS = {
    "pdf": {".pdf": "application/pdf"},
    "png": {".png": "image/png"},
    "jpeg": {".jpg": "image/jpeg", ".jpeg": "image/jpeg"},
    "xlsx": {".xlsx": _XLSX},
    "docx": {".docx": _DOCX},
    "text": {".csv": "text/csv; charset=utf-8", ".txt": "text/plain; charset=utf-8"},
}
ALLOWED_EXTENSIONS = sorted(ext for exts in KINDS.values() for ext in exts)
ALLOWED_TEXT = _l(
    "Attach a PDF, a PNG or JPEG image, an Excel (.xlsx) or Word (.docx) file, "
    "or a CSV or plain-text file, of at most 10 MB each."
)


@dataclass
class Upload:
    """A file as received: its name and (up to the limit) its bytes."""

    filename: str
    data: bytes
    too_large: bool = False


@dataclass
class CheckedFile:
    """A file that passed every check, with what the portal records about it."""

    original_name: str
    data: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def read(storage) -> Upload:
    """Read an uploaded file, never more than the limit plus one byte."""
    data = storage.stream.read(MAX_BYTES + 1)
    return Upload(storage.filename or "", data[:MAX_BYTES], too_large=len(data) > MAX_BYTES)


def display_name(filename: str) -> str:
    """The file's own name, without any folder and without control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-255:] or "evidence"


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    if any(name.startswith("word/") for name in names):
        return "docx"
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def detect(data: bytes) -> str | None:
    """The kind of file the bytes are (pdf, png, jpeg, xlsx, docx, text), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if _is_text(data):
        return "text"
    return None


def check(upload: Upload) -> CheckedFile:
    """Accept a file by size, content and name; raise ValueError with the reason otherwise."""
    name = display_name(upload.filename)
    if upload.too_large:
        raise ValueError(str(_l("“%(name)s” is larger than 10 MB.", name=name)))
    if not upload.data:
        raise ValueError(str(_l("“%(name)s” is empty.", name=name)))
    kind = detect(upload.data)
    extension = os.path.splitext(name)[1].lower()
    if kind is None or extension not in ALLOWED_EXTENSIONS:
        raise ValueError(
            str(_l("“%(name)s” is not a type of file the portal accepts.", name=name))
            + " "
            + str(ALLOWED_TEXT)
        )
    if extension not in KINDS[kind]:
        raise ValueError(
            str(
                _l(
                    "The content of “%(name)s” does not match its name: it is a %(kind)s file.",
                    name=name,
                    kind=kind.upper(),
                )
            )
        )
    return CheckedFile(
        original_name=name,
        data=upload.data,
        content_type=KINDS[kind][extension],
        sha256=hashlib.sha256(upload.data).hexdigest(),
    )


def folder() -> Path:
    """The folder evidence is kept in (created when missing); never under static/."""
    path = Path(current_app.config["UPLOAD_DIR"]) / SUBFOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(checked: CheckedFile) -> str:
    """Write the file under a new random name; return that name."""
    stored_name = secrets.token_hex(24)
    target = folder() / stored_name
    try:
        with open(target, "xb") as handle:
            handle.write(checked.data)
    except OSError:
        target.unlink(missing_ok=True)  # a half-written file (the disk is full) is of no use
        raise
    target.chmod(0o640)
    return stored_name


def path_of(stored_name: str) -> Path:
    """Where a stored file is; refuse names that are not ours (no folders, hex only)."""
    if not stored_name or not all(ch in "0123456789abcdef" for ch in stored_name):
        raise ValueError(stored_name)
    return folder() / stored_name


def discard(stored_names: list[str]) -> None:
    """Remove stored files whose record was not saved after all."""
    for stored_name in stored_names:
        try:
            path_of(stored_name).unlink(missing_ok=True)
        except (ValueError, OSError):
            continue


def download(evidence):
    """A response sending a stored file as an attachment with safe headers; None if missing."""
    try:
        path = path_of(evidence.stored_name)
    except ValueError:
        return None
    if not path.is_file():
        return None
    response = send_file(
        path,
        mimetype=evidence.content_type,
        as_attachment=True,
        download_name=evidence.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
