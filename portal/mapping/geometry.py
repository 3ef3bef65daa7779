"""Small plane geometry on GeoJSON lon/lat: simplification, extents, point in polygon."""

from __future__ import annotations

from collections.abc import Iterator

Ring = list[list[float]]
Polygon = list[Ring]

# About 300 m at Cambodia's latitude: invisible at the national scale, and it keeps the page light.
SIMPLIFY_TOLERANCE = 0.003
DECIMALS = 4


def polygons(geometry: dict | None) -> list[Polygon]:
    """Return the polygons of a Polygon or MultiPolygon geometry (others have none)."""
    kind = (geometry or {}).get("type")
    coordinates = (geometry or {}).get("coordinates") or []
    if kind == "Polygon":
        return [coordinates]
    if kind == "MultiPolygon":
        return list(coordinates)
    return []


def _perpendicular(point, start, end) -> float:
    (x, y), (x1, y1), (x2, y2) = point[:2], start[:2], end[:2]
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5


def simplify_line(points: Ring, tolerance: float) -> Ring:
    """Douglas-Peucker: keep the points that matter at `tolerance` (iterative, no recursion)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            distance = _perpendicular(points[i], points[first], points[last])
            if distance > farthest:
                farthest, index = distance, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def _rounded(ring: Ring) -> Ring:
    out: Ring = []
    for point in ring:
        rounded = [round(float(point[0]), DECIMALS), round(float(point[1]), DECIMALS)]
        if not out or out[-1] != rounded:
            out.append(rounded)
    return out


def simplify_ring(ring: Ring, tolerance: float) -> Ring | None:
    """Simplify a closed ring; None when it shrinks below a triangle at this tolerance."""
    if len(ring) < 4:
        return None
    # A closed ring starts and ends on the same point: split it in two so both halves simplify.
    middle = len(ring) // 2
    simplified = simplify_line(ring[: middle + 1], tolerance)[:-1] + simplify_line(
        ring[middle:], tolerance
    )
    simplified = _rounded(simplified)
    if simplified[0] != simplified[-1]:
        simplified.append(simplified[0])
    return simplified if len(simplified) >= 4 else None


def simplify_geometry(geometry: dict | None, tolerance: float = SIMPLIFY_TOLERANCE) -> dict | None:
    """Return a simplified (Multi)Polygon; tiny islands go, a polygon's outline always stays."""
    kept: list[Polygon] = []
    for polygon in polygons(geometry):
        if not polygon:
            continue
        outer = simplify_ring(polygon[0], tolerance)
        if outer is None:
            if len(kept) or len(polygons(geometry)) > 1:
                continue  # an islet too small to see: drop it
            outer = _rounded(polygon[0])
        holes = [hole for hole in (simplify_ring(r, tolerance) for r in polygon[1:]) if hole]
        kept.append([outer, *holes])
    if not kept:
        return None
    if len(kept) == 1:
        return {"type": "Polygon", "coordinates": kept[0]}
    return {"type": "MultiPolygon", "coordinates": kept}


def points(geometry: dict) -> Iterator[list[float]]:
    """Yield every vertex of a (Multi)Polygon."""
    for polygon in polygons(geometry):
        for ring in polygon:
            yield from ring


def extent(geometries) -> tuple[float, float, float, float] | None:
    """Return (west, south, east, north) around the geometries, or None when empty."""
    xs, ys = [], []
    for geometry in geometries:
        for x, y, *_rest in points(geometry):
            xs.append(x)
            ys.append(y)
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _in_ring(x: float, y: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(geometry: dict, lon: float, lat: float) -> bool:
    """Say whether the point lies inside the (Multi)Polygon (holes excluded)."""
    for polygon in polygons(geometry):
        if (
            polygon
            and _in_ring(lon, lat, polygon[0])
            and not any(_in_ring(lon, lat, hole) for hole in polygon[1:])
        ):
            return True
    return False
