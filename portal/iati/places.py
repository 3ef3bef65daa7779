"""IATI locations to the portal's provinces: by administrative code (ISO 3166-2), by name, or
by the point inside a province's boundary (when the map has the province polygons)."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process
from sqlalchemy import select

from portal.extensions import db
from portal.mapping.geometry import contains
from portal.reference.models import District, Province

# Spellings found in IATI files and maps for the gazetteer's province names.
ALIASES = {
    "siem reap": "17",
    "preah sihanouk": "18",
    "sihanouk": "18",
    "kampong som": "18",
    "mondulkiri": "11",
    "ratanakiri": "16",
    "ratanakkiri": "16",
    "oddar meanchey": "22",
    "tbong khmum": "25",
    "tboung khmum": "25",
    "krong kep": "23",
    "krong pailin": "24",
    "takev": "21",
}
COUNTRY_NAMES = {"cambodia", "kingdom of cambodia", "kh", "nationwide", "kh cambodia"}
NAME_SCORE = 90
ISO_CODE = re.compile(r"^KH-(\d{1,2})$", re.IGNORECASE)


def _plain(name: str) -> str:
    text = name.casefold().replace("kompong", "kampong").replace("khet ", "")
    for word in ("province", "capital", "city", "municipality", "krong "):
        text = text.replace(word, " ")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


class ProvinceFinder:
    """Matches location names and codes against the gazetteer, loaded once per batch."""

    def __init__(self, shapes: dict[str, dict] | None = None) -> None:
        self.shapes = shapes or {}  # province code -> its GeoJSON geometry
        self.names: dict[str, str] = dict(ALIASES)
        self.codes: set[str] = set()
        for code, name_en, name_km in db.session.execute(
            select(Province.code, Province.name_en, Province.name_km)
        ):
            self.codes.add(code)
            self.names[_plain(name_en)] = code
            if name_km:
                self.names[name_km.strip()] = code
        self.districts = {
            code: province
            for code, province in db.session.execute(select(District.code, District.province_code))
        }

    def is_country(self, location: dict) -> bool:
        """The location is Cambodia itself (or nothing at all): it names no province."""
        name = _plain(location.get("name") or "")
        codes = [a["code"].upper() for a in location.get("administrative") or []]
        if not name and not codes:
            return not location.get("point")  # a point alone names a place
        return name in COUNTRY_NAMES or codes == ["KH"]

    def province(self, location: dict) -> str | None:
        """The province code of a location, or None when it matches none."""
        for admin in location.get("administrative") or []:
            match = ISO_CODE.match(admin.get("code") or "")
            if admin.get("vocabulary") == "A4" and match:
                code = f"{int(match.group(1)):02d}"
                if code in self.codes:
                    return code
        name = location.get("name")
        plain = _plain(name) if name else ""
        if plain in self.names:
            return self.names[plain]
        if name and name.strip() in self.names:
            return self.names[name.strip()]
        within = self.containing(location.get("point"))
        if within is not None:
            return within
        if not name:
            return None
        best = process.extractOne(
            plain, list(self.names), scorer=fuzz.ratio, score_cutoff=NAME_SCORE
        )
        return self.names[best[0]] if best else None

    def district(self, location: dict, province: str) -> str | None:
        """The district the portal's own export recorded, when it lies in the province."""
        code = (location.get("district") or "").strip()
        return code if code and self.districts.get(code) == province else None

    def containing(self, point) -> str | None:
        """The province whose boundary holds the point (latitude, longitude), if any (the
        parser keeps only points their publisher says are exact)."""
        if not point or not self.shapes:
            return None
        latitude, longitude = point
        for code, geometry in self.shapes.items():
            if contains(geometry, longitude, latitude):
                return code
        return None
