"""The bundled Wuhai demo data set (resources/demo/): the grid's shape and
codes, the cameras and sensors, the scenario points, and that the generator
reproduces the committed files byte for byte."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from console.domain import demo
from console.domain.grid import CODE_LENGTHS, distance_m, level_of, point_in_geometry
from console.domain.units import UNIT_BY_ID, unit_for_sensor_kind
from console.protocol import Camera, Sensor
from console.resources import resource_path

DISTRICTS = {"150302": "海勃湾区", "150303": "海南区", "150304": "乌达区"}
# The public gazetteer's streets and towns (docs/demo-data.md): every one must be in the grid.
GAZETTEER_STREETS = {
    "150302": ["新华街道", "新华西街道", "凤凰岭街道", "海北街道", "滨河街道", "卡布其街道", "千里山镇"],
    "150304": ["巴音赛街道", "三道坎街道", "五虎山街道", "梁家沟街道", "滨海街道", "新达街道",
               "苏海图街道", "乌兰淖尔镇"],
    "150303": ["拉僧仲街道", "西卓子山街道", "拉僧庙镇", "公乌素镇", "巴音陶亥镇"],
}
URBAN_CENTRES = [(39.66, 106.82), (39.50, 106.72), (39.44, 106.89)]  # Haibowan, Wuda, Hainan
CLIPS = {"traffic", "community", "river_night", "river_day", "street"}
GENERATED = ["grid.geojson", "areas.json", "cameras.json", "sensors.json", "demo.json"]


def outline(code: str) -> dict:
    return json.loads(resource_path("demo", "boundaries", f"{code}.geojson").read_text("utf-8"))


@pytest.fixture(scope="module")
def grid():
    return demo.load_grid_geojson()


@pytest.fixture(scope="module")
def features(grid):
    return grid["features"]


@pytest.fixture(scope="module")
def areas():
    return demo.load_areas()


@pytest.fixture(scope="module")
def index():
    return demo.load_grid_index()


@pytest.fixture(scope="module")
def cameras():
    return demo.load_cameras()


@pytest.fixture(scope="module")
def sensors():
    return demo.load_sensors()


@pytest.fixture(scope="module")
def data():
    return demo.load_demo()


def rects(features) -> np.ndarray:
    """Each cell's (lon0, lat0, lon1, lat1)."""
    out = []
    for f in features:
        ring = f["geometry"]["coordinates"][0]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        out.append((min(xs), min(ys), max(xs), max(ys)))
    return np.array(out)


# --- the grid -----------------------------------------------------------------------

def test_exactly_992_distinct_cells(features):
    codes = [f["properties"]["code"] for f in features]
    assert len(codes) == 992
    assert len(set(codes)) == 992
    assert all(f["properties"]["level"] == "grid" for f in features)
    assert all(f["geometry"]["type"] == "Polygon" for f in features)


def test_cell_codes_nest_in_the_named_areas(features, areas):
    for f in features:
        p = f["properties"]
        code = p["code"]
        assert re.fullmatch(r"\d{15}", code), code
        assert code[:6] in DISTRICTS
        for level in ("city", "district", "street", "community"):
            prefix = code[: CODE_LENGTHS[level]]
            assert prefix in areas, prefix
            assert areas[prefix].level == level
        assert p["district"] == areas[code[:6]].name
        assert p["street"] == areas[code[:9]].name
        assert p["community"] == areas[code[:12]].name
        assert p["name"].startswith(p["community"]) and p["name"].endswith("网格")


def test_every_area_nests_in_its_parent(areas, features):
    cell_codes = [f["properties"]["code"] for f in features]
    assert areas["1503"].parent is None and areas["1503"].level == "city"
    for code, area in areas.items():
        assert level_of(code) == area.level
        assert area.name and area.name_en
        if area.level != "city":
            assert area.parent in areas, code
            assert code.startswith(area.parent)
            assert len(area.parent) < len(code)
            # no empty areas: every district, street and community has cells
            assert any(c.startswith(code) for c in cell_codes), code
    assert {c for c, a in areas.items() if a.level == "district"} == set(DISTRICTS)


def test_every_gazetteer_street_is_in_its_district(areas):
    for district, names in GAZETTEER_STREETS.items():
        found = {a.name for c, a in areas.items() if a.level == "street" and a.parent == district}
        assert found == set(names), district


def test_communities_have_6_to_14_cells(features, areas):
    sizes = Counter(f["properties"]["code"][:12] for f in features)
    assert set(sizes) == {c for c, a in areas.items() if a.level == "community"}
    assert all(6 <= n <= 14 for n in sizes.values()), sizes
    names = [a.name for a in areas.values() if a.level == "community"]
    assert len(names) == len(set(names)), "community names repeat"


def test_every_cell_is_inside_its_districts_outline(features):
    outlines = {code: outline(code) for code in DISTRICTS}
    for f in features:
        geom = outlines[f["properties"]["code"][:6]]
        for lon, lat in f["geometry"]["coordinates"][0]:
            assert point_in_geometry(lon, lat, geom), f["properties"]["code"]


def test_cells_are_lattice_rectangles_that_do_not_overlap(features):
    for f in features:
        ring = f["geometry"]["coordinates"][0]
        assert len(ring) == 5 and ring[0] == ring[-1]
        assert len({p[0] for p in ring}) == 2 and len({p[1] for p in ring}) == 2
    r = rects(features)
    # interiors overlap when both extents overlap by more than rounding
    ox = np.minimum(r[:, None, 2], r[None, :, 2]) - np.maximum(r[:, None, 0], r[None, :, 0])
    oy = np.minimum(r[:, None, 3], r[None, :, 3]) - np.maximum(r[:, None, 1], r[None, :, 1])
    overlap = (ox > 1e-6) & (oy > 1e-6)
    np.fill_diagonal(overlap, False)
    assert not overlap.any(), np.argwhere(overlap)[:5]


def test_each_cells_centre_is_in_exactly_that_cell(features, index):
    r = rects(features)
    lon_c, lat_c = (r[:, 0] + r[:, 2]) / 2, (r[:, 1] + r[:, 3]) / 2
    for f, lon, lat in zip(features, lon_c, lat_c):
        inside = (r[:, 0] < lon) & (lon < r[:, 2]) & (r[:, 1] < lat) & (lat < r[:, 3])
        assert inside.sum() == 1
        assert index.cell_at(lat, lon).code == f["properties"]["code"]


def test_cells_sit_where_people_live(features):
    per_district = Counter(f["properties"]["code"][:6] for f in features)
    assert 0.4 <= per_district["150302"] / 992 <= 0.6, "Haibowan should hold about half"
    assert min(per_district.values()) >= 150
    r = rects(features)
    lat, lon = (r[:, 1] + r[:, 3]) / 2, (r[:, 0] + r[:, 2]) / 2
    near_town = sum(min(distance_m(a, o, clat, clon) for clat, clon in URBAN_CENTRES) < 9000
                    for a, o in zip(lat, lon))
    assert near_town / 992 >= 0.85, "most cells belong in the three urban areas"


# --- cameras and sensors ---------------------------------------------------------------

def check_grid(index, district: str, code: str | None, lat: float, lon: float, what: str) -> None:
    """A thing's ``grid`` is the cell containing it, or (off the grid, e.g. on
    a river bank) a cell of its district within 2 km, or null if none."""
    hit = index.cell_at(lat, lon)
    if hit:
        assert code == hit.code, what
        return
    if code is None:
        assert not any(c.code.startswith(district) and distance_m(lat, lon, *c.centroid) < 2000
                       for c in index.cells.values()), f"{what} has a cell within 2 km"
        return
    assert code in index.cells, what
    assert distance_m(lat, lon, *index.cells[code].centroid) <= 2000, what


def district_of(lat: float, lon: float) -> str:
    hits = [c for c in DISTRICTS if point_in_geometry(lon, lat, outline(c))]
    assert len(hits) == 1, (lat, lon, hits)
    return hits[0]


def test_cameras(cameras, index):
    assert len(cameras) >= 60
    assert all(isinstance(c, Camera) for c in cameras)
    assert len({c.id for c in cameras}) == len(cameras)
    city = outline("150300")
    groups = Counter(c.group for c in cameras)
    assert groups["yellow_river"] == 19
    assert set(groups) == {"yellow_river", "traffic", "community", "city_mgmt"}
    for cam in cameras:
        assert re.fullmatch(r"CAM-\d{4}", cam.id)
        assert cam.status == "online"
        assert cam.url.startswith("demo:") and cam.url[5:] in CLIPS, cam.url
        loc = cam.location
        assert point_in_geometry(loc.lon, loc.lat, city), cam.id
        check_grid(index, district_of(loc.lat, loc.lon), cam.grid, loc.lat, loc.lon, cam.id)


def test_river_cameras_line_the_wuda_haibowan_reach(cameras):
    wuda, haibowan = outline("150304"), outline("150302")
    shared = {tuple(p) for p in wuda["coordinates"][0][0]} & {tuple(p) for p in haibowan["coordinates"][0][0]}
    river = [c for c in cameras if c.group == "yellow_river"]
    assert all(c.url in ("demo:river_day", "demo:river_night") for c in river)
    assert all(c.name.startswith("黄河高点 乌达-海勃湾段") for c in river)
    for cam in river:
        lat, lon = cam.location.lat, cam.location.lon
        assert 39.43 <= lat <= 39.64
        assert district_of(lat, lon) in ("150302", "150304")
        assert min(distance_m(lat, lon, p[1], p[0]) for p in shared) < 700, cam.name
    banks = Counter(district_of(c.location.lat, c.location.lon) for c in river)
    assert banks["150302"] and banks["150304"], "cameras on both banks"


def test_sensors(sensors, index):
    assert len(sensors) >= 40
    assert all(isinstance(s, Sensor) for s in sensors)
    assert len({s.id for s in sensors}) == len(sensors)
    kinds = Counter(s.kind for s in sensors)
    assert kinds["water_level"] >= 12 and kinds["manhole"] >= 10
    assert kinds["gas"] >= 8 and kinds["elder_radar"] >= 10
    prefixes = {"water_level": "WL", "manhole": "MH", "gas": "GAS", "elder_radar": "ER"}
    intervals = {"water_level": 60, "gas": 30, "manhole": 300, "elder_radar": 60}
    city = outline("150300")
    for s in sensors:
        assert re.fullmatch(rf"{prefixes[s.kind]}-\d{{3}}", s.id), s.id
        assert s.unit in UNIT_BY_ID and s.unit == unit_for_sensor_kind(s.kind)
        assert s.interval_s == intervals[s.kind]
        t = s.thresholds
        assert t.direction == "above" and 0 < t.hysteresis < t.warn < t.alarm
        assert s.state == "normal" and s.acked is False and s.ts is None
        assert s.value is not None and 0 <= s.value < t.warn - t.hysteresis, "baseline is normal"
        loc = s.location
        assert point_in_geometry(loc.lon, loc.lat, city), s.id
        check_grid(index, district_of(loc.lat, loc.lon), s.grid, loc.lat, loc.lon, s.id)


def test_elder_radars_reveal_no_flat(sensors):
    for s in sensors:
        if s.kind == "elder_radar":
            assert not re.search(r"\d+号楼|单元|室", (s.location.address or "") + s.name)


# --- what the scenarios need -------------------------------------------------------------

def test_scenario_points_reference_real_things(data, cameras, sensors, index):
    cams = {c.id: c for c in cameras}
    sens = {s.id: s for s in sensors}
    assert data.datum == "GCJ-02"
    for pid, p in data.points.items():
        assert p.camera in cams, pid
        assert p.sensor is None or p.sensor in sens, pid
        assert p.grid == index.cell_at(p.lat, p.lon).code, pid
    for name, refs in data.scenarios.items():
        for key, ref in refs.items():
            assert ref in cams or ref in sens or ref in data.points or \
                ref in {c.id for c in data.compounds}, (name, key, ref)
    river = data.river.cameras_upstream_to_downstream
    assert len(river) == 19 and all(cams[c].group == "yellow_river" for c in river)
    lats = [cams[c].location.lat for c in river]
    assert data.river.flows == "north" and lats == sorted(lats)


def test_rainstorm_underpass_gauge_has_a_camera_and_two_callers_nearby(data, cameras, sensors):
    s1 = data.scenarios["rainstorm"]
    gauge = next(s for s in sensors if s.id == s1["sensor"])
    cam = next(c for c in cameras if c.id == s1["camera"])
    assert gauge.kind == "water_level" and gauge.name.startswith("海北街道") and "下穿" in gauge.name
    assert distance_m(gauge.location.lat, gauge.location.lon, cam.location.lat, cam.location.lon) <= 300
    a, b = data.points[s1["call_12345"]], data.points[s1["call_110"]]
    assert a.grid == b.grid == gauge.grid
    assert distance_m(a.lat, a.lon, b.lat, b.lon) <= 300
    assert "haibei_market" in data.points


def test_other_scenarios_have_their_things(data, cameras, sensors):
    cams = {c.id: c for c in cameras}
    sens = {s.id: s for s in sensors}
    sc = data.scenarios
    assert cams[sc["illegal_parking"]["camera"]].name.startswith("新华街道")
    assert "公交" in data.points[sc["illegal_parking"]["point"]].name
    fishing, pollution = (cams[sc["yellow_river"][k]] for k in ("fishing_camera", "pollution_camera"))
    assert fishing.group == pollution.group == "yellow_river"
    assert pollution.location.lat > fishing.location.lat, "pollution drifts downstream (north)"
    assert sens[sc["elder"]["sensor"]].name.startswith("凤凰岭街道")
    gas = sens[sc["gas"]["sensor"]]
    assert gas.kind == "gas" and "美食街" in gas.name
    manhole, junction = sens[sc["manhole"]["sensor"]], cams[sc["manhole"]["camera"]]
    assert manhole.kind == "manhole" and junction.group == "traffic"
    assert distance_m(manhole.location.lat, manhole.location.lon,
                      junction.location.lat, junction.location.lon) <= 100
    assert sum(s.kind == "elder_radar" and s.name.startswith("凤凰岭街道") for s in sensors) >= 2
    assert sum(s.kind == "gas" and ("美食" in s.name or "餐饮" in s.name) for s in sensors) >= 3


def test_eleven_smart_compounds_with_cameras(data, cameras):
    cams = {c.id: c for c in cameras}
    assert len(data.compounds) == 11
    assert len({c.name for c in data.compounds}) == 11
    for compound in data.compounds:
        assert compound.cameras
        for cid in compound.cameras:
            cam = cams[cid]
            assert cam.group == "community" and compound.name in cam.name
            assert distance_m(cam.location.lat, cam.location.lon, compound.lat, compound.lon) < 150


# --- the generator -------------------------------------------------------------------

def test_generator_reproduces_the_committed_files(tmp_path):
    script = resource_path("demo", "generate.py")
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True, timeout=90)
    for name in GENERATED:
        fresh = (tmp_path / name).read_bytes()
        assert fresh == resource_path("demo", name).read_bytes(), f"{name} differs: rerun generate.py"
