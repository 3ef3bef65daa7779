"""District boundaries from a GeoJSON file, matched to the gazetteer's districts.

A district file need not carry a province (geoBoundaries' 2014 districts carry only a name),
so each feature's province is found first: from a province code or name among its properties
when it has one, else by geometry (most of a sample of its points lie inside that province's
shape in the province boundary file). The feature is then matched by name among that
province's districts only: the same name, then the same spelling skeleton (romanisations
differ: "Mongkol Borei" and "Mangkul Bourei"), then one clearly most similar name. A 4-digit
district code in the properties matches directly. What matches nothing is listed for CDC.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from portal.mapping import boundaries
from portal.mapping.boundaries import BoundaryFeature, code_in, normalise_name
from portal.mapping.geometry import contains, extent, polygons

SIMILAR = 0.75  # difflib ratio a name must reach to be taken as a spelling of another
MARGIN = 0.15  # ... and by how much it must beat the second-best name of the province
SAMPLE = 16  # points of a feature tested against the province shapes
_DISTRICT_WORDS = re.compile(r"(district|srok|khan|krong|municipality)")
_DISTRICT_CODE = re.compile(r"^(?:KH)?(\d{4})$")
_PROVINCE_KEYS = ("adm1", "province", "prov")
_ODC_ATTRIBUTION = "Open Development Cambodia; geoBoundaries (CC BY 4.0)"


@dataclass
class DistrictMatch:
    code: str
    feature: BoundaryFeature
    method: str  # "code", "name", "variant" or "similar"


@dataclass
class DistrictUnmatched:
    feature: BoundaryFeature
    reason: str  # "no_province", "no_match", "duplicate", "no_geometry"
    province: str | None = None
    detail: str = ""


@dataclass
class DistrictMatching:
    """Which district got which shape, and what is left over on either side."""

    path: str | None
    error: object = None
    attribution: str | None = None
    matches: dict[str, DistrictMatch] = field(default_factory=dict)
    unmatched: list[DistrictUnmatched] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # district codes without a shape

    @property
    def shapes(self) -> dict[str, dict]:
        return {
            code: match.feature.geometry
            for code, match in self.matches.items()
            if match.feature.geometry is not None
        }


def name_key(text: str) -> str:
    """Fold a district name: no case, accents, spaces, or words such as 'District', 'Krong'."""
    return _DISTRICT_WORDS.sub("", normalise_name(text))


def skeleton(text: str) -> str:
    """Reduce a romanised Khmer name to its consonants, which romanisations mostly agree on."""
    folded = name_key(text)
    for long, short in (("ou", "o"), ("oe", "e"), ("ea", "a"), ("ae", "e"), ("aa", "a")):
        folded = folded.replace(long, short)
    folded = re.sub(r"[aeiouy]", "", folded)
    return re.sub(r"(.)\1+", r"\1", folded)


def _sample(geometry: dict) -> list[tuple[float, float]]:
    """Points inside the shape's outline: vertices pulled a tenth of the way to the middle."""
    outline = [point for polygon in polygons(geometry) for point in polygon[0]]
    if not outline:
        return []
    middle_x = sum(p[0] for p in outline) / len(outline)
    middle_y = sum(p[1] for p in outline) / len(outline)
    step = max(1, len(outline) // SAMPLE)
    return [(x + (middle_x - x) * 0.1, y + (middle_y - y) * 0.1) for x, y, *_ in outline[::step]][
        :SAMPLE
    ]


def province_by_geometry(geometry: dict | None, provinces: dict[str, dict]) -> str | None:
    """Return the province most of the shape's sample points lie in (None when none)."""
    if not geometry:
        return None
    boxes = {code: extent([shape]) for code, shape in provinces.items()}
    votes: dict[str, int] = {}
    for x, y in _sample(geometry):
        for code, box in boxes.items():
            inside_box = box and box[0] <= x <= box[2] and box[1] <= y <= box[3]
            if inside_box and contains(provinces[code], x, y):
                votes[code] = votes.get(code, 0) + 1
    return max(sorted(votes), key=lambda code: votes[code]) if votes else None


def _province_by_properties(feature: BoundaryFeature, province_names: dict) -> str | None:
    for key, value in feature.properties.items():
        if not any(part in key.lower() for part in _PROVINCE_KEYS) or value in (None, ""):
            continue
        code = code_in(value)
        if code:
            return code
        found = province_names.get(normalise_name(str(value)))
        if found:
            return found[0]
    return None


def _district_code(feature: BoundaryFeature, known: set[str]) -> str | None:
    for _key, value in feature.codes:
        found = _DISTRICT_CODE.match(str(value).strip().upper())
        if found and found.group(1) in known:
            return found.group(1)
    return None


def _by_name(names: list[str], candidates: list[tuple[str, str, str]]) -> tuple[str, str]:
    """Return (code, method) of the candidate (code, English, Khmer) named; ('', '') if none."""
    for name in names:
        key = name_key(name)
        for code, name_en, name_km in candidates:
            if key in (name_key(name_en), name_key(name_km or "")):
                return code, "name"
    for name in names:
        same = [code for code, name_en, _km in candidates if skeleton(name_en) == skeleton(name)]
        if len(same) == 1:
            return same[0], "variant"
    for name in names:
        scored = sorted(
            (
                (difflib.SequenceMatcher(None, name_key(name), name_key(name_en)).ratio(), code)
                for code, name_en, _km in candidates
            ),
            reverse=True,
        )
        clear = len(scored) == 1 or (len(scored) > 1 and scored[0][0] - scored[1][0] >= MARGIN)
        if scored and scored[0][0] >= SIMILAR and clear:
            return scored[0][1], "similar"
    return "", ""


def match(
    boundary_file: boundaries.BoundaryFile | None,
    districts,
    province_shapes: dict[str, dict],
    provinces=(),
) -> DistrictMatching:
    """Match the file's features to districts given as (code, province, name_en, name_km)."""
    districts = list(districts)
    result = DistrictMatching(boundary_file.path if boundary_file else None)
    if boundary_file is None or boundary_file.error:
        result.error = boundary_file.error if boundary_file else None
        result.missing = [row[0] for row in districts]
        return result
    result.attribution = _ODC_ATTRIBUTION if boundary_file.attribution else None
    by_province: dict[str, list[tuple[str, str, str]]] = {}
    for code, province, name_en, name_km in districts:
        by_province.setdefault(province, []).append((code, name_en, name_km))
    known = {row[0] for row in districts}
    everywhere = [row for rows in by_province.values() for row in rows]
    province_names = boundaries.name_index(provinces)
    for feature in boundary_file.features:
        if feature.geometry is None:
            result.unmatched.append(DistrictUnmatched(feature, "no_geometry"))
            continue
        code, method = _district_code(feature, known) or "", "code"
        province = code[:2] if code else None
        if not code:
            province = _province_by_properties(feature, province_names)
            province = province or province_by_geometry(feature.geometry, province_shapes)
            candidates = by_province.get(province, []) if province else everywhere
            code, method = _by_name(feature.names, candidates)
            if not code:
                reason = "no_match" if province or province_shapes else "no_province"
                result.unmatched.append(DistrictUnmatched(feature, reason, province))
                continue
        if code in result.matches:
            other = result.matches[code].feature.name
            result.unmatched.append(
                DistrictUnmatched(feature, "duplicate", code[:2], f"{code} {other}")
            )
            continue
        result.matches[code] = DistrictMatch(code, feature, method)
    result.missing = [row[0] for row in districts if row[0] not in result.matches]
    return result


_matchings: dict[tuple, DistrictMatching] = {}


def matching_for(path: str | None, districts, province_matching, provinces) -> DistrictMatching:
    """Return the (cached) matching of the district file against the gazetteer's districts."""
    boundary_file = boundaries.load(path)
    districts = tuple(districts)
    provinces = tuple(provinces)
    key = (
        path,
        boundary_file.stamp if boundary_file else None,
        province_matching.path,
        tuple(sorted(province_matching.matches)),
        districts,
        provinces,
    )
    found = _matchings.get(key)
    if found is None:
        found = match(boundary_file, districts, province_matching.shapes, provinces)
        if len(_matchings) > 16:
            _matchings.clear()
        _matchings[key] = found
    return found
