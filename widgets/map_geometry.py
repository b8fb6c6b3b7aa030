"""The grid's shapes as the map draws them, derived once from the hub's
``/grid.geojson`` (no Qt).

The hub serves only the 992 cells; the district, street and community areas
are unions of their cells. Neighbouring cells share their edges exactly
(one lattice), so an area's outline is the set of its cells' edges that no
other cell of the same area also has: inner edges cancel in pairs. Where a
grid does not share edges exactly, the outline degrades to the cells' own
edges, which is still a correct (if busier) drawing.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from console.domain.grid import CODE_LENGTHS, LEVELS, GridIndex, level_of, prefix_at

LatLng = tuple[float, float]
Segment = tuple[LatLng, LatLng]

# six decimals is ~0.1 m: enough to keep shared vertices identical and the
# page payload small
_ROUND = 6


class GridFormatError(ValueError):
    """The hub's grid is not a FeatureCollection of coded cell polygons."""


@dataclass
class AreaShape:
    code: str
    outline: list[Segment]
    anchor: LatLng                     # where the area's label goes
    bounds: tuple[LatLng, LatLng]      # (south-west, north-east)


@dataclass
class MapGeometry:
    index: GridIndex
    rings: dict[str, tuple[tuple[LatLng, ...], ...]]   # cell code -> outer rings as (lat, lon)
    _areas: dict[str, AreaShape] = field(default_factory=dict)

    @classmethod
    def from_geojson(cls, collection: Any) -> "MapGeometry":
        """Validate and index the hub's grid; GridFormatError if unusable."""
        features = [_compact(f) for f in _features(collection)]
        try:
            index = GridIndex.from_geojson({"features": features})
            rings = {f["properties"]["code"]: _outer_rings(f["geometry"]) for f in features}
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise GridFormatError(f"bad cell geometry: {exc!r}") from None
        return cls(index, rings)

    def precompute(self) -> "MapGeometry":
        """Build every area's shape now (about 0.1 s for 992 cells), so
        drilling down later costs nothing on the UI thread."""
        for code in list(self.index.names) + list(self.rings):
            try:
                level_of(code)
            except ValueError:
                continue
            self.area(code)
        return self

    # --- areas ---------------------------------------------------------------------
    def cells_in(self, area: str) -> list[str]:
        return [code for code in self.rings if code.startswith(area)]

    def area(self, code: str) -> AreaShape | None:
        """The outline, label anchor and bounds of any area or cell with cells."""
        shape = self._areas.get(code)
        if shape is None:
            cells = self.cells_in(code)
            if not cells:
                return None
            shape = self._areas[code] = self._shape(code, cells)
        return shape

    def _shape(self, code: str, cells: list[str]) -> AreaShape:
        edges: Counter[Segment] = Counter()
        for cell in cells:
            for ring in self.rings[cell]:
                for a, b in zip(ring, ring[1:]):
                    if a != b:
                        edges[(a, b) if a <= b else (b, a)] += 1
        outline = [seg for seg, n in edges.items() if n == 1]
        points = [p for cell in cells for ring in self.rings[cell] for p in ring]
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        bounds = ((min(lats), min(lons)), (max(lats), max(lons)))
        return AreaShape(code, outline, self._anchor(cells), bounds)

    def _anchor(self, cells: list[str]) -> LatLng:
        """The centre of the cell nearest the mean of the cells' centres: a
        label point that lies inside the area even when it is concave."""
        centres = [self.index.cells[c].centroid for c in cells]
        mlat = sum(c[0] for c in centres) / len(centres)
        mlon = sum(c[1] for c in centres) / len(centres)
        best = min(centres, key=lambda c: (c[0] - mlat) ** 2 + (c[1] - mlon) ** 2)
        return round(best[0], _ROUND), round(best[1], _ROUND)

    # --- navigation ---------------------------------------------------------------
    def unit_level(self, area: str) -> str:
        """The level the map colours when showing ``area``: one below it,
        or the cell itself at the bottom."""
        idx = LEVELS.index(level_of(area))
        return LEVELS[min(idx + 1, len(LEVELS) - 1)]

    def units(self, area: str) -> list[str]:
        """The areas (or cells) the map colours and labels inside ``area``."""
        if level_of(area) == "grid":
            return [area] if area in self.rings else []
        return self.index.children(area)

    def target_of_click(self, area: str, cell: str) -> str:
        """Where a click on ``cell`` takes the map while it shows ``area``:
        one level down inside it, or across to the sibling area holding the
        cell when it lies outside."""
        level = level_of(area)
        if not cell.startswith(area):
            return prefix_at(cell, level)
        return prefix_at(cell, self.unit_level(area))

    # --- what the page gets ---------------------------------------------------------
    def cells_payload(self) -> list[list]:
        """``[[code, [[lat, lon], ...] or [[[lat, lon], ...], ...]], ...]`` for CB.setGrid."""
        out = []
        for code, rings in self.rings.items():
            out.append([code, [list(map(list, r)) for r in rings] if len(rings) > 1
                        else [list(p) for p in rings[0]]])
        return out

    def view_payload(self, area: str, name: Callable[[str], str]) -> dict:
        """The current level for CB.setView: the units' outlines and labels,
        the area's own outline and the bounds to fit."""
        shape = self.area(area)
        if shape is None:
            raise KeyError(area)
        units = []
        for code in self.units(area):
            unit = self.area(code)
            units.append({"c": code, "n": name(code), "at": list(unit.anchor),
                          "o": [[list(a), list(b)] for a, b in unit.outline]})
        (s, w), (n, e) = shape.bounds
        return {"area": area, "level": level_of(area), "unitLen": CODE_LENGTHS[self.unit_level(area)],
                "units": units, "outline": [[list(a), list(b)] for a, b in shape.outline],
                "bounds": [[s, w], [n, e]]}


def _features(collection: Any) -> list[dict]:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise GridFormatError("not a GeoJSON FeatureCollection")
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise GridFormatError("the grid has no cells")
    good = []
    for f in features:
        props = f.get("properties") if isinstance(f, dict) else None
        code = props.get("code") if isinstance(props, dict) else None
        geom = f.get("geometry") if isinstance(f, dict) else None
        if not isinstance(code, str) or not _is_cell(code):
            raise GridFormatError(f"a feature without a 15-digit cell code: {code!r}")
        if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
            raise GridFormatError(f"cell {code} is not a polygon")
        good.append(f)
    return good


def _is_cell(code: str) -> bool:
    try:
        return level_of(code) == "grid"
    except ValueError:
        return False


def _outer_rings(geometry: dict) -> tuple[tuple[LatLng, ...], ...]:
    """GeoJSON [lon, lat] outer rings as rounded (lat, lon); holes are not
    drawn (grid cells have none)."""
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return tuple(tuple((round(float(p[1]), _ROUND), round(float(p[0]), _ROUND)) for p in poly[0])
                 for poly in polys)


def _compact(feature: dict) -> dict:
    """The feature with its coordinates as nested tuples. The console keeps
    the grid for its whole life: tuples of floats drop out of the cyclic
    GC's tracking, lists (~9,000 for 992 cells) would lengthen every full
    collection, a pause of the UI thread (bench/map.py)."""
    geom = feature["geometry"]
    return {**feature, "geometry": {"type": geom["type"], "coordinates": _tuples(geom.get("coordinates"))}}


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value
