"""The map's blueprint, shared by its two view modules (the provinces' and the districts'),
and the policy of the map's own document (the folium frame)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint

bp = Blueprint("mapping", __name__, url_prefix="/map")


def frame_policy(tiles: str | None) -> str:
    images = "'self' data:"
    if tiles:
        parts = urlsplit(tiles.replace("{s}.", "*."))
        if parts.scheme in ("http", "https") and parts.netloc:
            images += f" {parts.scheme}://{parts.netloc}"
    # folium writes inline scripts: allowed here, in this document only, and nothing external.
    return (
        "default-src 'none'; script-src 'self' 'unsafe-inline'; "
        f"style-src 'self' 'unsafe-inline'; img-src {images}; font-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
    )
