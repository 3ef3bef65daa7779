"""Province boundaries from a GeoJSON file, matched to the gazetteer by code or by name.

A feature matches a province by a code it carries (`KH-12`, `KH12`, `12`) in a property whose
name says code/ISO/pcode, else by its name, compared without case, accents, spaces and words
such as "Province", against the gazetteer's English and Khmer names and the known spelling
variants below. What matches nothing is kept and listed for CDC, never silently dropped.
The parsed and simplified file is cached in memory until the file changes.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal.mapping.geometry import simplify_geometry

# Spellings met in boundary files (geoBoundaries, OCHA, GADM, OpenStreetMap, older gazetteers).
NAME_VARIANTS: dict[str, tuple[str, ...]] = {
    "01": ("Banteay Meanchey", "Bantey Meanchey", "Banteay Mean Chey", "Banteay Meanchay"),
    "02": ("Battambang", "Batdambang", "Bat Dambang"),
    "03": ("Kampong Cham", "Kompong Cham", "Kampong Chaam"),
    "04": ("Kampong Chhnang", "Kompong Chhnang", "Kampong Chnang"),
    "05": ("Kampong Speu", "Kompong Speu", "Kampong Spoe"),
    "06": ("Kampong Thom", "Kompong Thom", "Kampong Thum"),
    "07": ("Kampot", "Kampaot"),
    "08": ("Kandal", "Kandaal"),
    "09": ("Koh Kong", "Kaoh Kong", "Koh Kang"),
    "10": ("Kratie", "Kracheh", "Kratié"),
    "11": ("Mondul Kiri", "Mondulkiri", "Mondol Kiri", "Mondolkiri", "Mondul Kiri Province"),
    "12": ("Phnom Penh", "Phnum Penh", "Phnom Penh Capital", "Phnom Penh Municipality"),
    "13": ("Preah Vihear", "Preah Vihéar", "Preah Vihea"),
    "14": ("Prey Veng", "Prey Vêng"),
    "15": ("Pursat", "Pouthisat", "Pousat", "Porsat"),
    "16": ("Ratanak Kiri", "Ratanakiri", "Rattanakiri", "Rotanokiri", "Rôtânôkiri"),
    "17": ("Siemreap", "Siem Reap", "Siem Riab", "Siemrab"),
    "18": ("Sihanoukville", "Preah Sihanouk", "Krong Preah Sihanouk", "Kampong Som"),
    "19": ("Stung Treng", "Stoeng Treng", "Steung Treng", "Stueng Traeng"),
    "20": ("Svay Rieng", "Svay Rieng"),
    "21": ("Takeo", "Takev", "Takéo"),
    "22": ("Otdar Meanchey", "Oddar Meanchey", "Oddar Mean Chey", "Otdar Mean Chey"),
    "23": ("Kep", "Kaeb", "Krong Kep"),
    "24": ("Pailin", "Krong Pailin"),
    "25": ("Tboung Khmum", "Tbong Khmum", "Tbaung Khmum", "Tboung Khmom"),
}

_NOISE_WORDS = re.compile(
    r"\b(province|provincial|capital|city|municipality|krong|khett|khaet|khet)\b"
)
_KHMER_PREFIXES = ("រាជធានី", "ខេត្ត", "ក្រុង")
_CODE = re.compile(r"^(?:KH[-_ .]?)?0*(\d{1,2})$")
_NAME_KEYS = ("shapename", "name", "name_en", "name_1", "adm1_en", "province", "province_name")


def normalise_name(text: str) -> str:
    """Fold a place name for comparison: no case, accents, spaces, punctuation or 'Province'."""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    for prefix in _KHMER_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c) or "\u1780" <= c <= "\u17ff")
    folded = _NOISE_WORDS.sub(" ", folded)
    return "".join(c for c in folded if c.isalnum())


def code_in(value) -> str | None:
    """Read a province number from `KH-12`, `KH12`, `12` or 12 as the two-digit code '12'."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return f"{value:02d}" if 0 < value < 100 else None
    found = _CODE.match(str(value).strip().upper())
    return f"{int(found.group(1)):02d}" if found and int(found.group(1)) else None


@dataclass
class BoundaryFeature:
    """One feature of the file, simplified, with the names and codes it carries."""

    index: int
    name: str
    codes: list[tuple[str, object]]  # (property, value) that look like codes
    names: list[str]
    geometry: dict | None
    properties: dict = field(default_factory=dict)


@dataclass
class BoundaryFile:
    """A parsed boundary file, or why it could not be read."""

    path: str
    features: list[BoundaryFeature] = field(default_factory=list)
    error: object = None  # a (lazily translated) message
    stamp: tuple = ()  # (modification time, size) of the file when it was read
    attribution: str | None = None


@dataclass
class Match:
    code: str
    feature: BoundaryFeature
    method: str  # "code", "name" or "variant"


@dataclass
class Unmatched:
    feature: BoundaryFeature
    reason: str  # "no_match", "duplicate", "no_geometry", "unknown_code"
    detail: str = ""


@dataclass
class Matching:
    """Which province got which shape, and what is left over on either side."""

    path: str | None
    error: object = None  # a (lazily translated) message
    attribution: str | None = None
    matches: dict[str, Match] = field(default_factory=dict)
    unmatched: list[Unmatched] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # province codes without a shape

    @property
    def shapes(self) -> dict[str, dict]:
        return {
            code: match.feature.geometry
            for code, match in self.matches.items()
            if match.feature.geometry is not None  # always: a feature without one is unmatched
        }

    @property
    def complete(self) -> bool:
        return not self.error and not self.unmatched and not self.missing


def _feature(index: int, raw: dict) -> BoundaryFeature:
    properties = raw.get("properties") or {}
    codes = [("id", raw["id"])] if "id" in raw else []
    names = []
    for key, value in properties.items():
        lowered = key.lower()
        if any(part in lowered for part in ("iso", "code", "pcode")) and value not in (None, ""):
            codes.append((key, value))
        elif (
            isinstance(value, str)
            and value.strip()
            and (lowered in _NAME_KEYS or "name" in lowered)
        ):
            names.append(value.strip())
    shown = names[0] if names else f"#{index + 1}"
    geometry = simplify_geometry(raw.get("geometry"))
    kept = {k: v for k, v in properties.items() if isinstance(v, str | int)}
    return BoundaryFeature(index, shown, codes, names, geometry, kept)


def parse(text: str, path: str = "") -> BoundaryFile:
    """Parse GeoJSON text into simplified features; a malformed file gives an error instead."""
    try:
        data = json.loads(text)
    except ValueError as error:
        return BoundaryFile(path, error=_l("not valid JSON (%(error)s)", error=str(error)))
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return BoundaryFile(path, error=_l("not a GeoJSON FeatureCollection"))
    raw_features = data.get("features")
    if not isinstance(raw_features, list):
        return BoundaryFile(path, error=_l("the FeatureCollection has no list of features"))
    features = [_feature(i, raw) for i, raw in enumerate(raw_features) if isinstance(raw, dict)]
    return BoundaryFile(path, features, attribution=_attribution(raw_features))


def _attribution(raw_features: list) -> str | None:
    """Return the credit a known source asks for (geoBoundaries files carry shapeID, shapeGroup)."""
    first = next((f for f in raw_features if isinstance(f, dict)), {})
    properties = first.get("properties") or {}
    if "shapeID" in properties and "shapeGroup" in properties:
        return "geoBoundaries, © OpenStreetMap contributors (ODbL)"
    return None


_cache: dict[str, tuple[tuple, BoundaryFile]] = {}
_lock = threading.Lock()


def load(path: str | None) -> BoundaryFile | None:
    """Read and simplify the boundary file once; reread only when it changes on disk."""
    if not path:
        return None
    file = Path(path)
    try:
        stat = file.stat()
    except OSError as error:
        return BoundaryFile(str(path), error=_l("cannot be read (%(error)s)", error=error.strerror))
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(str(path))
    if cached and cached[0] == stamp:
        return cached[1]
    with _lock:
        cached = _cache.get(str(path))
        if cached and cached[0] == stamp:
            return cached[1]
        try:
            loaded = parse(file.read_text(encoding="utf-8-sig"), str(path))
        except (OSError, UnicodeDecodeError) as error:
            loaded = BoundaryFile(
                str(path), error=_l("cannot be read (%(error)s)", error=str(error))
            )
        loaded.stamp = stamp
        _cache[str(path)] = (stamp, loaded)
        return loaded


def name_index(provinces) -> dict[str, tuple[str, str]]:
    """Map folded names to (code, 'name' or 'variant') for (code, name_en, name_km) rows."""
    index: dict[str, tuple[str, str]] = {}
    for code, _name_en, _name_km in provinces:
        for variant in NAME_VARIANTS.get(code, ()):
            index.setdefault(normalise_name(variant), (code, "variant"))
    for code, name_en, name_km in provinces:
        for name in (name_en, name_km):
            if name:
                index[normalise_name(name)] = (code, "name")
    return index


def _match_one(feature: BoundaryFeature, known: set[str], names: dict) -> tuple[str, str, str]:
    """Return (code, method, detail) for one feature; code '' when nothing matches."""
    bad_codes = []
    for key, value in feature.codes:
        code = code_in(value)
        if code in known:
            return code, "code", ""
        if code:
            bad_codes.append(f"{key}={value}")
    for name in feature.names:
        found = names.get(normalise_name(name))
        if found:
            return found[0], found[1], ""
    return "", "unknown_code" if bad_codes else "no_match", ", ".join(bad_codes)


def match(boundary_file: BoundaryFile | None, provinces) -> Matching:
    """Match the file's features to provinces given as (code, name_en, name_km) rows."""
    provinces = list(provinces)
    result = Matching(
        boundary_file.path if boundary_file else None,
        attribution=boundary_file.attribution if boundary_file else None,
    )
    if boundary_file is None or boundary_file.error:
        result.error = boundary_file.error if boundary_file else None
        result.missing = [code for code, _en, _km in provinces]
        return result
    known = {code for code, _en, _km in provinces}
    names = name_index(provinces)
    for feature in boundary_file.features:
        code, method, detail = _match_one(feature, known, names)
        if not code:
            result.unmatched.append(Unmatched(feature, method, detail))
        elif feature.geometry is None:
            result.unmatched.append(Unmatched(feature, "no_geometry", code))
        elif code in result.matches:
            result.unmatched.append(
                Unmatched(feature, "duplicate", f"{code} {result.matches[code].feature.name}")
            )
        else:
            result.matches[code] = Match(code, feature, method)
    result.missing = [code for code, _en, _km in provinces if code not in result.matches]
    return result


_matchings: dict[tuple, Matching] = {}


def matching_for(path: str | None, provinces) -> Matching:
    """Return the (cached) matching of the configured file against these provinces."""
    boundary_file = load(path)
    provinces = tuple(provinces)
    key = (path, boundary_file.stamp if boundary_file else None, provinces)
    found = _matchings.get(key)
    if found is None:
        found = match(boundary_file, provinces)
        if len(_matchings) > 32:
            _matchings.clear()
        _matchings[key] = found
    return found
