"""The five-level grid (GB/T 30428.1 style codes) and finding the cell that
contains a point.

Levels by code length: city 4 (``1503``), district 6, street 9, community 12,
grid cell 15. A code starts with its parent's code.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

LEVELS = ("city", "district", "street", "community", "grid")
CODE_LENGTHS = {"city": 4, "district": 6, "street": 9, "community": 12, "grid": 15}
_LEVEL_BY_LENGTH = {n: lvl for lvl, n in CODE_LENGTHS.items()}
CITY_CODE = "1503"

LEVEL_NAMES = {
    "city": ("市", "City"),
    "district": ("区", "District"),
    "street": ("街道", "Street"),
    "community": ("社区", "Community"),
    "grid": ("网格", "Grid cell"),
}


def level_of(code: str) -> str:
    """The level a code belongs to; ValueError for a malformed code."""
    if not code.isdigit() or len(code) not in _LEVEL_BY_LENGTH:
        raise ValueError(f"not a grid code: {code!r}")
    return _LEVEL_BY_LENGTH[len(code)]


def parent_code(code: str) -> str | None:
    idx = LEVELS.index(level_of(code))
    return None if idx == 0 else code[: CODE_LENGTHS[LEVELS[idx - 1]]]


def ancestors(code: str) -> list[str]:
    """Codes from the city down to (not including) ``code``."""
    idx = LEVELS.index(level_of(code))
    return [code[: CODE_LENGTHS[lvl]] for lvl in LEVELS[:idx]]


def prefix_at(code: str, level: str) -> str:
    """The code of ``code``'s ancestor (or itself) at ``level``."""
    return code[: CODE_LENGTHS[level]]


def is_within(code: str, area: str) -> bool:
    return code.startswith(area)


# --- geometry -------------------------------------------------------------------

EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


Ring = Sequence[Sequence[float]]  # [[lon, lat], ...]


def point_in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Even-odd ray casting; rings are GeoJSON ``[lon, lat]`` lists."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def point_in_polygon(lon: float, lat: float, polygon: Sequence[Ring]) -> bool:
    """A GeoJSON Polygon's coordinates: outer ring then holes."""
    if not polygon or not point_in_ring(lon, lat, polygon[0]):
        return False
    return not any(point_in_ring(lon, lat, hole) for hole in polygon[1:])


def point_in_geometry(lon: float, lat: float, geometry: dict) -> bool:
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Polygon":
        return point_in_polygon(lon, lat, coords)
    if kind == "MultiPolygon":
        return any(point_in_polygon(lon, lat, poly) for poly in coords)
    raise ValueError(f"unsupported geometry {kind}")


def _bbox(geometry: dict) -> tuple[float, float, float, float]:
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    xs = [p[0] for poly in polys for p in poly[0]]
    ys = [p[1] for poly in polys for p in poly[0]]
    return min(xs), min(ys), max(xs), max(ys)


@dataclass
class GridCell:
    code: str
    name: str
    district: str
    street: str
    community: str
    geometry: dict
    bbox: tuple[float, float, float, float] = field(default=(0, 0, 0, 0))

    @property
    def centroid(self) -> tuple[float, float]:
        """(lat, lon) of the outer ring's vertex mean: good enough for cells."""
        ring = self.geometry["coordinates"][0] if self.geometry["type"] == "Polygon" \
            else self.geometry["coordinates"][0][0]
        pts = ring[:-1] if ring[0] == ring[-1] else ring
        return (sum(p[1] for p in pts) / len(pts), sum(p[0] for p in pts) / len(pts))

    def contains(self, lat: float, lon: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        return x0 <= lon <= x1 and y0 <= lat <= y1 and point_in_geometry(lon, lat, self.geometry)


class GridIndex:
    """The grid cells with a coarse bucket index for point lookups and the
    names of every area at every level."""

    BUCKET_DEG = 0.02

    def __init__(self, cells: Iterable[GridCell]):
        self.cells: dict[str, GridCell] = {}
        self.names: dict[str, str] = {}
        self._buckets: dict[tuple[int, int], list[GridCell]] = {}
        for cell in cells:
            cell.bbox = _bbox(cell.geometry)
            self.cells[cell.code] = cell
            self._add_to_buckets(cell)

    @classmethod
    def from_geojson(cls, collection: dict, area_names: dict[str, str] | None = None) -> "GridIndex":
        cells = []
        for feat in collection["features"]:
            p = feat["properties"]
            cells.append(GridCell(p["code"], p["name"], p.get("district", ""), p.get("street", ""),
                                  p.get("community", ""), feat["geometry"]))
        index = cls(cells)
        for cell in index.cells.values():
            for lvl, name in (("district", cell.district), ("street", cell.street),
                              ("community", cell.community)):
                index.names.setdefault(prefix_at(cell.code, lvl), name)
            index.names[cell.code] = cell.name
        index.names.setdefault(CITY_CODE, "乌海市")
        if area_names:
            index.names.update(area_names)
        return index

    def _keys(self, bbox):
        b = self.BUCKET_DEG
        x0, y0, x1, y1 = bbox
        for i in range(math.floor(x0 / b), math.floor(x1 / b) + 1):
            for j in range(math.floor(y0 / b), math.floor(y1 / b) + 1):
                yield i, j

    def _add_to_buckets(self, cell: GridCell) -> None:
        for key in self._keys(cell.bbox):
            self._buckets.setdefault(key, []).append(cell)

    def cell_at(self, lat: float, lon: float) -> GridCell | None:
        b = self.BUCKET_DEG
        for cell in self._buckets.get((math.floor(lon / b), math.floor(lat / b)), ()):
            if cell.contains(lat, lon):
                return cell
        return None

    def nearest_cell(self, lat: float, lon: float, max_m: float = 2000) -> GridCell | None:
        """The containing cell, else the cell with the nearest centroid within ``max_m``."""
        hit = self.cell_at(lat, lon)
        if hit:
            return hit
        best, best_d = None, max_m
        for cell in self.cells.values():
            clat, clon = cell.centroid
            d = distance_m(lat, lon, clat, clon)
            if d < best_d:
                best, best_d = cell, d
        return best

    def children(self, code: str) -> list[str]:
        """Codes one level below ``code`` that have cells."""
        idx = LEVELS.index(level_of(code))
        if idx == len(LEVELS) - 1:
            return []
        n = CODE_LENGTHS[LEVELS[idx + 1]]
        return sorted({c[:n] for c in self.cells if c.startswith(code)})

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def path_names(self, code: str) -> list[tuple[str, str]]:
        """[(code, name)] from the city down to ``code``."""
        return [(c, self.name(c)) for c in ancestors(code) + [code]]
