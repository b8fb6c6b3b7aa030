"""The bundled Wuhai demo data set (``resources/demo/``, made by
``resources/demo/generate.py``; described in ``docs/demo-data.md``): the 992
grid cells, area names, cameras, sensors and the named places the scenarios
play out at. No Qt: the hub, the simulator and the console all read it.

Every coordinate is lon/lat in GCJ-02, the datum of the district outlines.
"""
from __future__ import annotations

import json
from pathlib import Path

import msgspec

from console.domain.grid import GridIndex
from console.protocol import Camera, Sensor
from console.resources import resource_path


class Area(msgspec.Struct, frozen=True):
    """A city, district, street or community (cells are in the grid)."""
    name: str
    name_en: str
    level: str
    parent: str | None


class Point(msgspec.Struct, frozen=True):
    """A named place a scenario happens at, with the cell that contains it
    and the camera nearest to it."""
    name: str
    kind: str
    street: str
    lat: float
    lon: float
    grid: str | None
    camera: str
    sensor: str | None = None


class Compound(msgspec.Struct, frozen=True):
    """One of the 11 pilot smart compounds (智慧小区) and its cameras."""
    id: str
    name: str
    street: str
    lat: float
    lon: float
    grid: str | None
    cameras: list[str]


class River(msgspec.Struct, frozen=True):
    flows: str
    cameras_upstream_to_downstream: list[str]


class Demo(msgspec.Struct, frozen=True):
    """``demo.json``: ``scenarios`` maps a scenario to the ids of the sensor,
    cameras and points it uses (see docs/demo-data.md)."""
    datum: str
    river: River
    points: dict[str, Point]
    compounds: list[Compound]
    scenarios: dict[str, dict[str, str]]


def _read(name: str) -> bytes:
    return resource_path("demo", name).read_bytes()


def load_grid_geojson() -> dict:
    """The cells as a GeoJSON FeatureCollection (what ``GET /grid.geojson`` serves)."""
    return json.loads(_read("grid.geojson"))


def load_areas() -> dict[str, Area]:
    """{code: Area} for the city, districts, streets and communities."""
    return msgspec.json.decode(_read("areas.json"), type=dict[str, Area])


def load_grid_index() -> GridIndex:
    """The cells for point lookups, with every area's Chinese name."""
    names = {code: area.name for code, area in load_areas().items()}
    return GridIndex.from_geojson(load_grid_geojson(), names)


class GridWorker(msgspec.Struct, frozen=True):
    """The 社区网格员 on duty for a community."""
    name: str
    phone: str

    @property
    def person(self) -> str:
        """As a case's ``assignee.person``."""
        return f"{self.name} {self.phone}"


def load_grid_workers(path: Path | None = None) -> dict[str, GridWorker]:
    """{community code: GridWorker}: the demo roster, or a city's own file
    of the same shape (``{"150302003003": {"name": ..., "phone": ...}}``)."""
    raw = Path(path).read_bytes() if path else _read("grid_workers.json")
    return msgspec.json.decode(raw, type=dict[str, GridWorker])


def load_cameras() -> list[Camera]:
    return msgspec.json.decode(_read("cameras.json"), type=list[Camera])


def load_sensors() -> list[Sensor]:
    return msgspec.json.decode(_read("sensors.json"), type=list[Sensor])


def load_demo() -> Demo:
    return msgspec.json.decode(_read("demo.json"), type=Demo)


def load_points() -> dict[str, Point]:
    """{id: Point}: the scenarios' named places (``haibei_underpass``, ...)."""
    return load_demo().points


def load_compounds() -> list[Compound]:
    return load_demo().compounds
