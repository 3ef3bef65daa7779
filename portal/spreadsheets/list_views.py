"""Downloads of the portal's lists as CSV or XLSX, for the people who may see each list."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from portal.exports import csv_response, xlsx_response
from portal.spreadsheets.lists import LISTS

bp = Blueprint("lists", __name__, url_prefix="/exports")


@bp.get("/<name>.<any(csv, xlsx):fmt>")
def download(name: str, fmt: str):
    """Download one list, filtered as its page is; refused (403) to those who may not see it
    (the public is asked to log in, unless the list's page is open to it too)."""
    export = LISTS.get(name)
    if export is None:
        abort(404)
    if not export.allowed(current_user):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        abort(403)
    header, rows = export.rows(request.args, current_user)
    filename = f"{name.replace('_', '-')}-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, header, rows)
    return xlsx_response(filename, str(export.title), header, rows)
