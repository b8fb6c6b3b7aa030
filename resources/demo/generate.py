"""Generate the deterministic Wuhai demo data set (grid, areas, cameras,
sensors, scenario points) under ``resources/demo/``.

    python resources/demo/generate.py            # rewrite the committed files
    python resources/demo/generate.py --out DIR  # write them elsewhere

The 992 real grid cells are not public, so this builds a synthetic but
plausible grid: square lattice cells grown as compact blobs around a centre
per street (streets and towns from the public gazetteer), inside the real
district outlines in ``boundaries/`` (GCJ-02, like every coordinate here).
Everything random comes from fixed seeds, so two runs give identical bytes.
``docs/demo-data.md`` describes the files.
"""
from __future__ import annotations

import argparse
import heapq
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # run as a script from anywhere

from console.domain.grid import GridIndex, distance_m, point_in_geometry  # noqa: E402
from console.domain.units import unit_for_sensor_kind  # noqa: E402
from console.protocol import Camera, Location, Sensor, Thresholds, to_builtins  # noqa: E402

SEED = 150300
TOTAL_CELLS = 992
CELL_M = 350.0        # urban lattice pitch: a block or two, what one grid worker walks
TOWN_FACTOR = 2       # town cells are 2x2 urban cells: fewer people per km²
MARGIN_M = 120.0      # keep cells off the outline: along the river it is mid-stream

# A local equirectangular projection: over 100 km the error is far below a
# cell, and it keeps lattice cells exact lon/lat rectangles.
LON0, LAT0 = 106.82, 39.50
M_PER_DEG_LAT = 6_371_000.0 * math.pi / 180
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(LAT0))

CITY = ("1503", "乌海市", "Wuhai City")
DISTRICTS = [
    ("150302", "海勃湾区", "Haibowan District"),
    ("150303", "海南区", "Hainan District"),
    ("150304", "乌达区", "Wuda District"),
]


@dataclass
class Street:
    code: str
    zh: str
    en: str
    lon: float            # where the blob grows from (the street's centre)
    lat: float
    budget: int           # number of cells
    communities: list[tuple[str, str]]  # (zh, en) names, north to south

    @property
    def district(self) -> str:
        return self.code[:6]

    @property
    def is_town(self) -> bool:
        return self.zh.endswith("镇")

    @property
    def unit(self) -> int:
        return TOWN_FACTOR if self.is_town else 1


def _c(*pairs: str) -> list[tuple[str, str]]:
    """Community names from "中文:Pinyin" pairs."""
    return [tuple(p.split(":")) for p in pairs]  # type: ignore[misc]


# Street and town codes follow the national pattern: 街道 001-099, 镇 100-.
# Centres are plausible guesses inside the outlines; budgets put about half
# the cells in Haibowan, the main urban area.
STREETS = [
    Street("150302001", "新华街道", "Xinhua Subdistrict", 106.826, 39.672, 92, _c(
        "新华里:Xinhuali", "团结:Tuanjie", "光明:Guangming", "人民:Renmin",
        "公园:Gongyuan", "民族:Minzu", "友谊:Youyi", "车站:Chezhan")),
    Street("150302002", "新华西街道", "Xinhuaxi Subdistrict", 106.800, 39.677, 78, _c(
        "育才:Yucai", "和平:Heping", "胜利:Shengli", "林荫:Linyin", "红旗:Hongqi", "幸福:Xingfu")),
    Street("150302003", "凤凰岭街道", "Fenghuangling Subdistrict", 106.851, 39.660, 80, _c(
        "凤凰:Fenghuang", "朝阳:Chaoyang", "向阳:Xiangyang", "长青:Changqing",
        "东山:Dongshan", "康乐:Kangle")),
    Street("150302004", "海北街道", "Haibei Subdistrict", 106.818, 39.701, 96, _c(
        "北苑:Beiyuan", "前进:Qianjin", "建设:Jianshe", "文化:Wenhua", "兴隆:Xinglong",
        "丰收:Fengshou", "铁路:Tielu", "海达:Haida")),
    Street("150302005", "滨河街道", "Binhe Subdistrict", 106.801, 39.644, 72, _c(
        "黄河:Huanghe", "迎宾:Yingbin", "明珠:Mingzhu", "滨湖:Binhu",
        "新世纪:Xinshiji", "阳光:Yangguang")),
    Street("150302006", "卡布其街道", "Kabuqi Subdistrict", 106.833, 39.728, 60, _c(
        "惠民:Huimin", "安居:Anju", "北山:Beishan", "绿洲:Lüzhou", "和谐:Hexie")),
    Street("150302100", "千里山镇", "Qianlishan Town", 106.820, 39.780, 22, _c(
        "千里山:Qianlishan", "新地:Xindi")),
    Street("150303001", "拉僧仲街道", "Lasengzhong Subdistrict", 106.879, 39.448, 96, _c(
        "东风:Dongfeng", "新城:Xincheng", "育英:Yuying", "锦绣:Jinxiu", "泰和:Taihe",
        "祥和:Xianghe", "西城:Xicheng", "东城:Dongcheng", "富民:Fumin")),
    Street("150303002", "西卓子山街道", "Xizhuozishan Subdistrict", 106.906, 39.427, 74, _c(
        "卓子山:Zhuozishan", "学府:Xuefu", "怡园:Yiyuan", "馨园:Xinyuan", "康泰:Kangtai",
        "宏达:Hongda", "广场:Guangchang")),
    Street("150303100", "拉僧庙镇", "Lasengmiao Town", 106.885, 39.512, 26, _c(
        "拉僧庙:Lasengmiao", "赛汗乌素:Saihanwusu", "联合:Lianhe")),
    Street("150303101", "公乌素镇", "Gongwusu Town", 106.925, 39.360, 20, _c(
        "公乌素:Gongwusu", "平沟:Pinggou")),
    Street("150303102", "巴音陶亥镇", "Bayintaohai Town", 106.830, 39.290, 26, _c(
        "巴音陶亥:Bayintaohai", "渡口:Dukou", "万亩滩:Wanmutan")),
    Street("150304001", "巴音赛街道", "Bayinsai Subdistrict", 106.700, 39.513, 40, _c(
        "乌兰:Wulan", "巴彦:Bayan", "赛汗:Saihan", "金沙:Jinsha")),
    Street("150304002", "三道坎街道", "Sandaokan Subdistrict", 106.734, 39.527, 36, _c(
        "黄河湾:Huanghewan", "桥头:Qiaotou", "沙湖:Shahu")),
    Street("150304003", "五虎山街道", "Wuhushan Subdistrict", 106.675, 39.500, 34, _c(
        "矿区:Kuangqu", "工人村:Gongrencun", "煤城:Meicheng")),
    Street("150304004", "梁家沟街道", "Liangjiagou Subdistrict", 106.716, 39.483, 30, _c(
        "春晖:Chunhui", "永安:Yong'an", "南苑:Nanyuan")),
    Street("150304005", "滨海街道", "Binhai Subdistrict", 106.735, 39.502, 36, _c(
        "海韵:Haiyun", "星光:Xingguang", "翠园:Cuiyuan")),
    Street("150304006", "新达街道", "Xinda Subdistrict", 106.714, 39.497, 36, _c(
        "文明:Wenming", "永兴:Yongxing", "站前:Zhanqian")),
    Street("150304007", "苏海图街道", "Suhaitu Subdistrict", 106.692, 39.477, 24, _c(
        "西山:Xishan", "新兴:Xinxing")),
    Street("150304100", "乌兰淖尔镇", "Wulannaoer Town", 106.690, 39.585, 14, _c(
        "乌兰淖尔:Wulannaoer", "白音:Baiyin")),
]
STREET_BY_ZH = {s.zh: s for s in STREETS}
COMMUNITY_MIN, COMMUNITY_MAX = 6, 14


# --- projection and outlines ------------------------------------------------------

def to_lonlat(x: float, y: float) -> tuple[float, float]:
    return round(float(LON0 + x / M_PER_DEG_LON), 6), round(float(LAT0 + y / M_PER_DEG_LAT), 6)


def to_xy(lon: float, lat: float) -> tuple[float, float]:
    return (lon - LON0) * M_PER_DEG_LON, (lat - LAT0) * M_PER_DEG_LAT


def load_outlines() -> dict[str, dict]:
    return {code: json.loads((HERE / "boundaries" / f"{code}.geojson").read_text("utf-8"))
            for code in ["150300"] + [d[0] for d in DISTRICTS]}


def outline_vertices(geometry: dict) -> list[tuple[float, float]]:
    return [(p[0], p[1]) for poly in geometry["coordinates"] for ring in poly for p in ring]


class Lattice:
    """Which lattice squares fit inside which district (with the margin).

    A square is inside when its margin-grown corners and edge midpoints are
    inside and no outline vertex pokes into it: for these simple polygons that
    is containment, and cheap enough to test cell by cell."""

    def __init__(self, outlines: dict[str, dict]):
        self.outlines = outlines
        self.vertices = {c: np.array([to_xy(*v) for v in outline_vertices(g)])
                         for c, g in outlines.items()}
        self._cache: dict[tuple, bool] = {}

    def fits(self, district: str, x0: float, y0: float, x1: float, y1: float) -> bool:
        key = (district, x0, y0, x1, y1)
        if key not in self._cache:
            self._cache[key] = self._fits(district, x0 - MARGIN_M, y0 - MARGIN_M,
                                          x1 + MARGIN_M, y1 + MARGIN_M)
        return self._cache[key]

    def _fits(self, district: str, x0: float, y0: float, x1: float, y1: float) -> bool:
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        probes = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (xm, y0), (xm, y1), (x0, ym), (x1, ym)]
        geom = self.outlines[district]
        if not all(point_in_geometry(*to_lonlat(x, y), geom) for x, y in probes):
            return False
        v = self.vertices[district]
        poking = (v[:, 0] > x0) & (v[:, 0] < x1) & (v[:, 1] > y0) & (v[:, 1] < y1)
        return not poking.any()


# --- growing streets --------------------------------------------------------------

def smooth_noise(rng: np.random.Generator):
    """A smooth field in [-1, 1] (a few random plane waves, 1.5-4 km long):
    it bends the blobs' edges so streets do not all come out as discs."""
    n = 5
    angles = rng.uniform(0, math.pi, n)
    waves = rng.uniform(1500, 4000, n)
    phases = rng.uniform(0, 2 * math.pi, n)
    kx, ky = np.cos(angles) * 2 * math.pi / waves, np.sin(angles) * 2 * math.pi / waves

    def field_at(x: float, y: float) -> float:
        return float(np.sin(kx * x + ky * y + phases).sum() / n)
    return field_at


@dataclass
class Blob:
    """One street's cells while it grows, in its own lattice units."""
    street: Street
    cells: list[tuple[int, int]] = field(default_factory=list)
    heap: list[tuple[float, int, int]] = field(default_factory=list)
    seen: set[tuple[int, int]] = field(default_factory=set)

    @property
    def pitch(self) -> float:
        return CELL_M * self.street.unit

    @property
    def centre(self) -> tuple[float, float]:
        return to_xy(self.street.lon, self.street.lat)

    def rect(self, i: int, j: int) -> tuple[float, float, float, float]:
        p = self.pitch
        return i * p, j * p, (i + 1) * p, (j + 1) * p

    def fine_cells(self, i: int, j: int) -> list[tuple[int, int]]:
        u = self.street.unit
        return [(u * i + a, u * j + b) for a in range(u) for b in range(u)]

    def push(self, i: int, j: int, noise) -> None:
        if (i, j) in self.seen:
            return
        self.seen.add((i, j))
        cx, cy = (i + 0.5) * self.pitch, (j + 0.5) * self.pitch
        ox, oy = self.centre
        prio = math.hypot(cx - ox, cy - oy) * (1 + 0.3 * noise(cx, cy))
        heapq.heappush(self.heap, (round(prio, 3), i, j))


def grow_streets(lattice: Lattice, rng: np.random.Generator) -> dict[str, list[tuple[float, float, float, float]]]:
    """Grow every street from its centre, nearest-first, one cell at a time
    to whichever street is furthest behind its budget, so neighbouring
    streets share the space like a weighted Voronoi diagram and every street
    stays contiguous. Returns each street's cells as metre rectangles."""
    noise = smooth_noise(rng)
    taken: set[tuple[int, int]] = set()  # fine-lattice squares already claimed
    blobs = [Blob(s) for s in STREETS]
    for b in blobs:
        ox, oy = b.centre
        b.push(math.floor(ox / b.pitch), math.floor(oy / b.pitch), noise)
    for _ in range(sum(s.budget for s in STREETS)):
        blob = min((b for b in blobs if len(b.cells) < b.street.budget),
                   key=lambda b: (len(b.cells) / b.street.budget, b.street.code))
        cell = _next_free(blob, lattice, taken)
        blob.cells.append(cell)
        taken.update(blob.fine_cells(*cell))
        i, j = cell
        for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            blob.push(i + di, j + dj, noise)
    return {b.street.code: [b.rect(*c) for c in b.cells] for b in blobs}


def _next_free(blob: Blob, lattice: Lattice, taken: set) -> tuple[int, int]:
    while blob.heap:
        _, i, j = heapq.heappop(blob.heap)
        if any(f in taken for f in blob.fine_cells(i, j)):
            continue
        if lattice.fits(blob.street.district, *blob.rect(i, j)):
            return i, j
    raise RuntimeError(f"{blob.street.zh} is boxed in after {len(blob.cells)} cells: "
                       "move its centre or lower its budget")


# --- communities and codes -----------------------------------------------------

def community_sizes(total: int, k: int, rng: np.random.Generator) -> list[int]:
    """k sizes summing to ``total``, uneven (real communities are) but within
    the 6-14 cells a community's grid workers can cover."""
    sizes = [total // k + (1 if n < total % k else 0) for n in range(k)]
    for _ in range(3 * k):
        a, b = rng.integers(0, k, 2)
        move = int(rng.integers(1, 3))
        if a != b and sizes[a] - move >= COMMUNITY_MIN and sizes[b] + move <= COMMUNITY_MAX:
            sizes[a] -= move
            sizes[b] += move
    return sizes


def split_communities(centres: list[tuple[float, float]], neighbours: list[set[int]],
                      sizes: list[int]) -> list[list[int]]:
    """Balanced recursive bisection: sweep from one end of the cells into the
    first part, through lattice neighbours so it stays in one piece, until it
    holds the cells for the first half of ``sizes``. Unlike k-means this hits
    the sizes exactly. Tries the longer extent first and keeps the first cut
    that leaves the rest in one piece too."""
    def sweep(idx: list[int], n: int, axis: int, sign: int) -> list[int]:
        pool = set(idx)
        key = lambda k: (sign * centres[k][axis], centres[k][1 - axis], k)  # noqa: E731
        start = min(idx, key=key)
        part, heap, seen = [], [(key(start), start)], {start}
        while len(part) < n:
            if not heap:  # a disconnected pool: restart from its next extreme cell
                rest = min((k for k in pool if k not in seen), key=key)
                seen.add(rest)
                heapq.heappush(heap, (key(rest), rest))
            _, k = heapq.heappop(heap)
            part.append(k)
            for m in neighbours[k]:
                if m in pool and m not in seen:
                    seen.add(m)
                    heapq.heappush(heap, (key(m), m))
        return part

    def cut(idx: list[int], sz: list[int]) -> list[list[int]]:
        if len(sz) == 1:
            return [idx]
        half = len(sz) // 2
        n = sum(sz[:half])
        xs = [centres[k][0] for k in idx]
        ys = [centres[k][1] for k in idx]
        longer = 0 if max(xs) - min(xs) >= max(ys) - min(ys) else 1
        best = None
        for axis, sign in ((longer, 1), (longer, -1), (1 - longer, 1), (1 - longer, -1)):
            first = sweep(idx, n, axis, sign)
            rest = [k for k in idx if k not in set(first)]
            pieces = components(rest, neighbours)
            if best is None or pieces < best[0]:
                best = (pieces, first, rest)
            if pieces == 1:
                break
        _, first, rest = best
        return cut(first, sz[:half]) + cut(rest, sz[half:])
    return cut(list(range(len(centres))), sizes)


def components(idx: list[int], neighbours: list[set[int]]) -> int:
    """How many pieces the cells ``idx`` fall into."""
    pool, seen, count = set(idx), set(), 0
    for k in idx:
        if k in seen:
            continue
        count += 1
        stack = [k]
        seen.add(k)
        while stack:
            for m in neighbours[stack.pop()]:
                if m in pool and m not in seen:
                    seen.add(m)
                    stack.append(m)
    return count


def lattice_neighbours(rects: list[tuple[float, float, float, float]]) -> list[set[int]]:
    """Edge-sharing neighbours among one street's cells (all one pitch)."""
    pitch = rects[0][2] - rects[0][0]
    keys = [(round(r[0] / pitch), round(r[1] / pitch)) for r in rects]
    at = {key: k for k, key in enumerate(keys)}
    steps = ((1, 0), (-1, 0), (0, 1), (0, -1))
    return [{at[(i + di, j + dj)] for di, dj in steps if (i + di, j + dj) in at} for i, j in keys]


def reading_order(xy: tuple[float, float]) -> tuple[float, float]:
    """North to south, then west to east: how a map is read."""
    return (-round(xy[1], 3), round(xy[0], 3))


@dataclass
class Cell:
    code: str
    name: str
    street: Street
    community: str
    rect: tuple[float, float, float, float]

    @property
    def centre(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.rect
        return (x0 + x1) / 2, (y0 + y1) / 2


def build_cells(rects: dict[str, list], rng: np.random.Generator) -> tuple[list[Cell], dict[str, tuple[str, str]]]:
    """Split each street into communities and number everything. Returns the
    cells and {community code: (zh, en)}."""
    cells: list[Cell] = []
    communities: dict[str, tuple[str, str]] = {}
    for street in STREETS:
        street_rects = rects[street.code]
        centres = [((r[0] + r[2]) / 2, (r[1] + r[3]) / 2) for r in street_rects]
        sizes = community_sizes(len(street_rects), len(street.communities), rng)
        groups = split_communities(centres, lattice_neighbours(street_rects), sizes)
        groups.sort(key=lambda g: reading_order(tuple(np.mean([centres[k] for k in g], axis=0))))
        for n, (group, (zh, en)) in enumerate(zip(groups, street.communities), start=1):
            ccode = f"{street.code}{n:03d}"
            cname = f"{zh}社区"
            communities[ccode] = (cname, f"{en} Community")
            group = sorted(group, key=lambda k: reading_order(centres[k]))
            for m, k in enumerate(group, start=1):
                cells.append(Cell(f"{ccode}{m:03d}", f"{cname}第{m:02d}网格", street, cname,
                                  street_rects[k]))
    return cells, communities


# --- output: grid and areas -----------------------------------------------------

def district_name(code: str) -> str:
    return next(zh for c, zh, _ in DISTRICTS if c == code)


def cell_feature(cell: Cell) -> dict:
    x0, y0, x1, y1 = cell.rect
    ring = [to_lonlat(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
    return {
        "type": "Feature",
        "properties": {
            "code": cell.code, "name": cell.name, "level": "grid",
            "district": district_name(cell.street.district), "street": cell.street.zh,
            "community": cell.community,
        },
        "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
    }


def grid_geojson(cells: list[Cell]) -> dict:
    return {"type": "FeatureCollection",
            "features": [cell_feature(c) for c in sorted(cells, key=lambda c: c.code)]}


def areas(communities: dict[str, tuple[str, str]]) -> dict[str, dict]:
    out = {CITY[0]: {"name": CITY[1], "name_en": CITY[2], "level": "city", "parent": None}}
    for code, zh, en in DISTRICTS:
        out[code] = {"name": zh, "name_en": en, "level": "district", "parent": CITY[0]}
    for s in STREETS:
        out[s.code] = {"name": s.zh, "name_en": s.en, "level": "street", "parent": s.district}
    for code, (zh, en) in communities.items():
        out[code] = {"name": zh, "name_en": en, "level": "community", "parent": code[:9]}
    return dict(sorted(out.items()))


# --- the grid workers' duty roster ----------------------------------------------

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = ("秀英", "桂兰", "丽娟", "海燕", "建军", "志强", "红梅", "晓东", "俊峰", "雅琴", "立新", "春梅",
         "永刚", "淑芬", "文静", "宏伟", "玉兰", "国庆", "晓燕", "卫东", "丽华", "德胜", "慧敏", "振华")


def grid_workers(communities: dict[str, tuple[str, str]], rng: np.random.Generator) -> dict[str, dict]:
    """One 社区网格员 on duty per community: a name and a mobile number
    (invented; 0473 is Wuhai's area code, used as the number's middle)."""
    out = {}
    for code in sorted(communities):
        name = SURNAMES[int(rng.integers(len(SURNAMES)))] + GIVEN[int(rng.integers(len(GIVEN)))]
        prefix = ("139", "138", "150", "158", "187", "135")[int(rng.integers(6))]
        out[code] = {"name": name, "phone": f"{prefix}0473{int(rng.integers(10000)):04d}"}
    return out


# --- placing cameras, sensors and points ---------------------------------------

class Placer:
    """Puts named things on the map: inside a cell of the street they are
    named after, so their ``grid`` is the cell that contains them."""

    def __init__(self, cells: list[Cell], index: GridIndex, outlines: dict, rng: np.random.Generator):
        self.rng = rng
        self.index = index
        self.outlines = outlines
        self.by_street: dict[str, list[Cell]] = {}
        for c in cells:
            self.by_street.setdefault(c.street.zh, []).append(c)
        self.used: set[tuple[str, str]] = set()  # (kind, cell code): spread things out

    def cell_near(self, street_zh: str, dx: float = 0.0, dy: float = 0.0) -> Cell:
        """The street's cell nearest to its centre moved by (dx, dy) metres."""
        s = STREET_BY_ZH[street_zh]
        ox, oy = to_xy(s.lon, s.lat)
        return min(self.by_street[street_zh],
                   key=lambda c: (math.hypot(c.centre[0] - ox - dx, c.centre[1] - oy - dy), c.code))

    def random_cell(self, street_zh: str, kind: str) -> Cell:
        """A cell of the street not yet used for this kind of thing."""
        free = [c for c in self.by_street[street_zh] if (kind, c.code) not in self.used]
        cell = free[int(self.rng.integers(0, len(free)))]
        self.used.add((kind, cell.code))
        return cell

    def jitter(self, cell: Cell) -> tuple[float, float]:
        """A point well inside the cell (not on its edge, where the containing
        cell would be ambiguous)."""
        cx, cy = cell.centre
        half = CELL_M * cell.street.unit / 2
        fx, fy = self.rng.uniform(-0.6, 0.6, 2)
        return cx + fx * half, cy + fy * half

    def grid_for(self, x: float, y: float, district: str | None = None) -> str | None:
        """The containing cell, else the nearest cell of the same district
        within 2 km (a river bank is not in any cell), else None."""
        lon, lat = to_lonlat(x, y)
        hit = self.index.cell_at(lat, lon)
        if hit:
            return hit.code
        best, best_d = None, 2000.0
        for cell in self.index.cells.values():
            if district and not cell.code.startswith(district):
                continue
            clat, clon = cell.centroid
            d = distance_m(lat, lon, clat, clon)
            if d < best_d:
                best, best_d = cell.code, d
        return best

    def location(self, x: float, y: float, address: str) -> Location:
        lon, lat = to_lonlat(x, y)
        return Location(lat=lat, lon=lon, address=address)


def address(street_zh: str, place: str) -> str:
    return f"{district_name(STREET_BY_ZH[street_zh].district)}{street_zh}{place}"


# Camera groups and the bundled clip each shows (the console resolves "demo:<clip>").
CLIPS = {"traffic": "traffic", "community": "community", "city_mgmt": "street"}

TRAFFIC_JUNCTIONS = {
    "新华街道": ["人民路与新华大街交叉口", "新华大街人民广场公交站", "黄河街与团结路交叉口",
              "人民路与友谊街交叉口"],
    "新华西街道": ["新华大街与林荫路交叉口", "育才路与胜利街交叉口"],
    "凤凰岭街道": ["千里山路与朝阳街交叉口", "凤凰岭路与长青街交叉口"],
    "海北街道": ["人民路与北环路交叉口", "海北大街与建设路交叉口", "铁路街与前进路交叉口"],
    "滨河街道": ["滨河大道与迎宾路交叉口", "滨河大道与黄河大街交叉口", "市政府广场东路口"],
    "卡布其街道": ["卡布其大街与北山路交叉口", "110国道卡布其路口"],
    "巴音赛街道": ["乌达大街与巴音赛路交叉口"],
    "三道坎街道": ["三道坎路与黄河桥路交叉口"],
    "新达街道": ["新达街与民主路交叉口", "乌达火车站站前路口"],
    "滨海街道": ["滨海大道与海韵路交叉口"],
    "梁家沟街道": ["梁家沟路与永安街交叉口"],
    "五虎山街道": ["五虎山路与矿区街交叉口"],
    "拉僧仲街道": ["拉僧仲路与东风街交叉口", "海南大街与新城路交叉口", "109国道海南区路口"],
    "西卓子山街道": ["卓子山路与学府街交叉口", "海南大街与广场路交叉口"],
}

MARKET_STREETS = {
    "海北街道": ["海北农贸市场东门", "北环路夜市"],
    "新华街道": ["新华步行街", "人民广场夜市", "美食街东口"],
    "新华西街道": ["林荫路早市"],
    "凤凰岭街道": ["凤凰岭农贸市场"],
    "滨河街道": ["滨河夜市"],
    "卡布其街道": ["卡布其综合市场"],
    "新达街道": ["新达农贸市场"],
    "巴音赛街道": ["巴音赛美食街"],
    "拉僧仲街道": ["海南区农贸市场"],
    "西卓子山街道": ["卓子山夜市"],
}

# The 11 pilot smart compounds (智慧小区): (street, name).
COMPOUNDS = [
    ("滨河街道", "滨河花园"), ("滨河街道", "黄河明珠小区"), ("新华街道", "人民花园"),
    ("海北街道", "海北阳光小区"), ("凤凰岭街道", "凤凰嘉园"), ("新华西街道", "育才苑"),
    ("新达街道", "新达家园"), ("巴音赛街道", "金沙湾小区"), ("滨海街道", "海韵佳苑"),
    ("拉僧仲街道", "锦绣华庭"), ("西卓子山街道", "学府花园"),
]

# Scenario anchors, metres from the cell's centre; chosen so the things a
# scenario pairs up (gauge and camera, two callers) are within 300 m and share a cell.
UNDERPASS_OFFSETS = {
    "gauge": (-80.0, 30.0), "camera": (100.0, 90.0),
    "call_12345": (-50.0, 60.0), "call_110": (110.0, -110.0),
}


@dataclass
class Catalogue:
    cameras: list[Camera] = field(default_factory=list)
    sensors: list[Sensor] = field(default_factory=list)
    points: dict[str, dict] = field(default_factory=dict)
    compounds: list[dict] = field(default_factory=list)
    river: list[str] = field(default_factory=list)

    def add_camera(self, placer: Placer, name: str, group: str, clip: str, x: float, y: float,
                   addr: str, district: str | None = None) -> Camera:
        cam = Camera(id=f"CAM-{len(self.cameras) + 1:04d}", name=name, url=f"demo:{clip}",
                     location=placer.location(x, y, addr), group=group, status="online",
                     grid=placer.grid_for(x, y, district))
        self.cameras.append(cam)
        return cam


def place_cameras(cat: Catalogue, placer: Placer, anchor: Cell) -> None:
    ax, ay = anchor.centre
    for street, junctions in TRAFFIC_JUNCTIONS.items():
        for junction in junctions:
            if junction == "人民路与北环路交叉口":  # scenario 1: beside the underpass gauge
                dx, dy = UNDERPASS_OFFSETS["camera"]
                x, y = ax + dx, ay + dy
            else:
                x, y = placer.jitter(placer.random_cell(street, "camera"))
            cat.add_camera(placer, f"{street} {junction}", "traffic", CLIPS["traffic"],
                           x, y, address(street, junction))
    for street, markets in MARKET_STREETS.items():
        for market in markets:
            if market == "海北农贸市场东门":  # scenario 1: "the underpass near the market"
                x, y = ax - 60.0, ay + CELL_M * 0.8
            else:
                x, y = placer.jitter(placer.random_cell(street, "camera"))
            cat.add_camera(placer, f"{street} {market}", "city_mgmt", CLIPS["city_mgmt"],
                           x, y, address(street, market))
    for n, (street, compound) in enumerate(COMPOUNDS, start=1):
        cell = placer.random_cell(street, "compound")
        x, y = placer.jitter(cell)
        ids = []
        for what, (dx, dy) in (("高空抛物监测", (0.0, 0.0)), ("消防通道", (40.0, -30.0))):
            cam = cat.add_camera(placer, f"{street} {compound} {what}", "community",
                                 CLIPS["community"], x + dx, y + dy, address(street, compound))
            ids.append(cam.id)
        lon, lat = to_lonlat(x, y)
        cat.compounds.append({"id": f"SC-{n:02d}", "name": compound, "street": street,
                              "lat": lat, "lon": lon, "grid": placer.grid_for(x, y),
                              "cameras": ids})
    place_river_cameras(cat, placer)


def river_line(outlines: dict) -> list[tuple[float, float]]:
    """The Wuda-Haibowan boundary, i.e. the Yellow River's course on that
    reach, south to north (the river flows north here), in metres."""
    wuda = set(outline_vertices(outlines["150304"]))
    shared = [v for v in outline_vertices(outlines["150302"]) if v in wuda]
    return [to_xy(*v) for v in sorted(set(shared), key=lambda v: v[1])]


def along(line: list[tuple[float, float]], t: float) -> tuple[float, float, float, float]:
    """The point at fraction ``t`` of the line's length and the unit tangent there."""
    pairs = [(a, b, math.dist(a, b)) for a, b in zip(line, line[1:]) if a != b]
    target = t * sum(d for _, _, d in pairs)
    for n, (a, b, d) in enumerate(pairs):
        if target <= d or n == len(pairs) - 1:
            f = min(1.0, target / d)
            return (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]),
                    (b[0] - a[0]) / d, (b[1] - a[1]) / d)
        target -= d
    raise ValueError("a line needs two distinct points")


RIVER_CAMERAS = 19


def place_river_cameras(cat: Catalogue, placer: Placer) -> None:
    """The 19 high cameras, evenly along the reach, alternating banks, set
    back from the mid-stream boundary so each stands on its own bank."""
    line = river_line(placer.outlines)
    for n in range(1, RIVER_CAMERAS + 1):
        px, py, tx, ty = along(line, (n - 0.5) / RIVER_CAMERAS)
        east = n % 2 == 1
        district = "150302" if east else "150304"
        side = 1 if east else -1
        for back in (300.0, 220.0, 150.0, 100.0):
            # (ty, -tx) points east for a line running north.
            x, y = px + side * back * ty, py - side * back * tx
            if point_in_geometry(*to_lonlat(x, y), placer.outlines[district]):
                break
        else:
            raise RuntimeError(f"river camera {n} fits on neither bank")
        bank = "黄河东岸" if east else "黄河西岸"
        # Only picks the bundled footage: both clips get used, one per bank.
        clip = "river_day" if east else "river_night"
        cam = cat.add_camera(placer, f"黄河高点 乌达-海勃湾段 {n:02d}", "yellow_river", clip, x, y,
                             f"{district_name(district)}{bank}", district)
        cat.river.append(cam.id)


# kind -> (id prefix, reporting interval in s, thresholds); what the values
# mean is in docs/demo-data.md.
SENSOR_KINDS = {
    "water_level": ("WL", 60, Thresholds(warn=15.0, alarm=25.0, hysteresis=3.0, direction="above")),
    "gas": ("GAS", 30, Thresholds(warn=10.0, alarm=20.0, hysteresis=2.0, direction="above")),
    "manhole": ("MH", 300, Thresholds(warn=5.0, alarm=15.0, hysteresis=2.0, direction="above")),
    "elder_radar": ("ER", 60, Thresholds(warn=480.0, alarm=720.0, hysteresis=30.0, direction="above")),
}

# Water gauges sit where water collects: underpasses and under bridges.
WATER_GAUGES = [
    ("海北街道", "人民路下穿通道"), ("海北街道", "北环路下穿通道"), ("海北街道", "铁路桥下穿通道"),
    ("新华街道", "新华大街下穿通道"), ("新华西街道", "林荫路铁路桥下"), ("凤凰岭街道", "千里山路立交桥下"),
    ("滨河街道", "黄河大桥东引桥下"), ("滨河街道", "滨河大道下穿通道"), ("卡布其街道", "110国道立交桥下"),
    ("三道坎街道", "乌达黄河大桥西引桥下"), ("新达街道", "乌达火车站地道"), ("巴音赛街道", "乌达大街下穿通道"),
    ("拉僧仲街道", "109国道立交桥下"), ("西卓子山街道", "海南大街铁路桥下"),
]
GAS_MONITORS = [
    ("新华街道", "美食街"), ("巴音赛街道", "美食街"), ("滨河街道", "滨河夜市"), ("海北街道", "海北农贸市场"),
    ("凤凰岭街道", "凤凰岭路餐饮街"), ("新华西街道", "林荫路餐饮街"), ("卡布其街道", "燃气调压站"),
    ("新达街道", "新达餐饮街"), ("拉僧仲街道", "东风街餐饮街"), ("西卓子山街道", "燃气调压站"),
]
MANHOLES = [
    ("新华街道", "人民路与新华大街交叉口"), ("新华街道", "黄河街"), ("新华西街道", "林荫路"),
    ("凤凰岭街道", "千里山路"), ("海北街道", "海北大街"), ("海北街道", "人民路"), ("滨河街道", "滨河大道"),
    ("滨河街道", "迎宾路"), ("卡布其街道", "卡布其大街"), ("新达街道", "新达街"), ("巴音赛街道", "乌达大街"),
    ("拉僧仲街道", "拉僧仲路"),
]
ELDER_RADARS = ["凤凰岭街道"] * 5 + ["新华街道"] * 2 + ["海北街道"] * 2 + ["新达街道", "拉僧仲街道", "五虎山街道"]


def baseline(kind: str, rng: np.random.Generator) -> float:
    """A normal reading: dry underpass, trace gas, a cover lying flat, a
    resident who moved recently."""
    if kind == "water_level":
        return 0.0
    if kind == "gas":
        return round(float(rng.uniform(0.0, 1.5)), 1)
    if kind == "manhole":
        return round(float(rng.uniform(0.2, 1.2)), 1)
    return float(rng.integers(3, 46))


class SensorMaker:
    def __init__(self, cat: Catalogue, placer: Placer):
        self.cat, self.placer = cat, placer
        self.counts: dict[str, int] = {}

    def add(self, kind: str, name: str, x: float, y: float, addr: str, district: str) -> Sensor:
        prefix, interval, thresholds = SENSOR_KINDS[kind]
        self.counts[kind] = self.counts.get(kind, 0) + 1
        sensor = Sensor(
            id=f"{prefix}-{self.counts[kind]:03d}", kind=kind, name=name,
            location=self.placer.location(x, y, addr), unit=unit_for_sensor_kind(kind),
            interval_s=interval, thresholds=thresholds, state="normal", acked=False,
            grid=self.placer.grid_for(x, y, district), value=baseline(kind, self.placer.rng), ts=None)
        self.cat.sensors.append(sensor)
        return sensor


def place_sensors(cat: Catalogue, placer: Placer, anchor: Cell) -> None:
    make = SensorMaker(cat, placer)
    cams = {c.name: c for c in cat.cameras}
    ax, ay = anchor.centre
    for street, place in WATER_GAUGES:
        district = STREET_BY_ZH[street].district
        if place == "人民路下穿通道":
            dx, dy = UNDERPASS_OFFSETS["gauge"]
            x, y = ax + dx, ay + dy
        elif "黄河大桥" in place:  # on the riverside edge of the street, under the bridge approach
            x, y = placer.jitter(placer.cell_near(street, dx=-5000.0))
        else:
            x, y = placer.jitter(placer.random_cell(street, "water_level"))
        make.add("water_level", f"{street} {place} 水位计", x, y, address(street, place), district)
    for street, place in GAS_MONITORS:
        x, y = _near_camera_or_random(placer, cams, f"{street} {place}", street, "gas")
        make.add("gas", f"{street} {place} 燃气监测", x, y, address(street, place),
                 STREET_BY_ZH[street].district)
    for n, (street, road) in enumerate(MANHOLES, start=1):
        x, y = _near_camera_or_random(placer, cams, f"{street} {road}", street, "manhole")
        make.add("manhole", f"{street} {road} {n:02d}号井盖", x, y, address(street, road),
                 STREET_BY_ZH[street].district)
    for n, street in enumerate(ELDER_RADARS, start=1):
        x, y = placer.jitter(placer.random_cell(street, "elder_radar"))
        cell = placer.index.cell_at(*reversed(to_lonlat(x, y)))
        # The community, never the flat: the wall must not show where the resident lives.
        make.add("elder_radar", f"{street} {cell.community} 独居老人雷达 {n:02d}", x, y,
                 address(street, cell.community), STREET_BY_ZH[street].district)


def _near_camera_or_random(placer: Placer, cams: dict, cam_name: str, street: str, kind: str):
    """Next to the camera that watches this place (the junction camera that
    confirms a tilted cover, the market camera over a restaurant street), else
    anywhere in the street."""
    for name, cam in cams.items():
        if name.startswith(cam_name) and cam.group in ("traffic", "city_mgmt"):
            x, y = to_xy(cam.location.lon, cam.location.lat)
            return x + 30.0, y - 25.0
    return placer.jitter(placer.random_cell(street, kind))


# --- scenario points ----------------------------------------------------------------

def nearest_camera(cat: Catalogue, lat: float, lon: float, group: str | None = None) -> str:
    cams = [c for c in cat.cameras if group is None or c.group == group]
    return min(cams, key=lambda c: (distance_m(lat, lon, c.location.lat, c.location.lon), c.id)).id


def add_point(cat: Catalogue, placer: Placer, pid: str, name: str, kind: str, street: str,
              x: float, y: float, sensor: str | None = None) -> None:
    lon, lat = to_lonlat(x, y)
    point = {"name": name, "kind": kind, "street": street, "lat": lat, "lon": lon,
             "grid": placer.grid_for(x, y), "camera": nearest_camera(cat, lat, lon)}
    if sensor:
        point["sensor"] = sensor
    cat.points[pid] = point


def place_points(cat: Catalogue, placer: Placer, anchor: Cell) -> dict:
    """The named places the scenarios in docs/demo-data.md play out at."""
    ax, ay = anchor.centre
    by_name = {s.name: s for s in cat.sensors}
    cams = {c.name: c for c in cat.cameras}

    def at_sensor(pid, name, kind, sensor_name):
        s = by_name[sensor_name]
        street = sensor_name.split()[0]
        add_point(cat, placer, pid, name, kind, street, *to_xy(s.location.lon, s.location.lat), s.id)

    def at_camera(pid, name, kind, cam_name, dx=0.0, dy=0.0):
        c = cams[cam_name]
        x, y = to_xy(c.location.lon, c.location.lat)
        add_point(cat, placer, pid, name, kind, cam_name.split()[0], x + dx, y + dy)

    at_sensor("haibei_underpass", "海北街道 人民路下穿通道", "underpass", "海北街道 人民路下穿通道 水位计")
    at_camera("haibei_market", "海北街道 海北农贸市场", "market", "海北街道 海北农贸市场东门")
    for key, label in (("call_12345", "人民路下穿通道 (农贸市场旁)"), ("call_110", "人民路下穿通道北口")):
        dx, dy = UNDERPASS_OFFSETS[key]
        add_point(cat, placer, f"haibei_{key}", f"海北街道 {label}", "call", "海北街道", ax + dx, ay + dy)
    at_camera("xinhua_bus_stop", "新华街道 新华大街人民广场公交站", "bus_stop",
              "新华街道 新华大街人民广场公交站", 15.0, 10.0)
    at_sensor("restaurant_street", "新华街道 美食街", "restaurant_street", "新华街道 美食街 燃气监测")
    at_sensor("manhole_junction", "新华街道 人民路与新华大街交叉口", "junction",
              "新华街道 人民路与新华大街交叉口 01号井盖")
    radar = next(s for s in cat.sensors if s.kind == "elder_radar" and s.name.startswith("凤凰岭街道"))
    at_sensor("fenghuangling_elder", radar.name, "elder_home", radar.name)
    # Scenario 3 plays at night and its cases want a cell: two night cameras
    # with one, the second further north, i.e. downstream.
    river = [c for c in cat.cameras if c.group == "yellow_river" and c.url == "demo:river_night" and c.grid]
    return {
        "rainstorm": {"sensor": by_name["海北街道 人民路下穿通道 水位计"].id,
                      "camera": cams["海北街道 人民路与北环路交叉口"].id,
                      "call_12345": "haibei_call_12345", "call_110": "haibei_call_110",
                      "point": "haibei_underpass"},
        "illegal_parking": {"camera": cams["新华街道 新华大街人民广场公交站"].id, "point": "xinhua_bus_stop"},
        # upstream first: the pollution is seen again downstream, i.e. further north
        "yellow_river": {"fishing_camera": river[1].id, "pollution_camera": river[2].id},
        "elder": {"sensor": radar.id, "point": "fenghuangling_elder"},
        "gas": {"sensor": by_name["新华街道 美食街 燃气监测"].id, "point": "restaurant_street"},
        "manhole": {"sensor": by_name["新华街道 人民路与新华大街交叉口 01号井盖"].id,
                    "camera": cams["新华街道 人民路与新华大街交叉口"].id, "point": "manhole_junction"},
        "smart_compound": {"compound": cat.compounds[0]["id"], "camera": cat.compounds[0]["cameras"][0],
                           "fire_lane_camera": cat.compounds[0]["cameras"][1]},
    }


# --- writing ------------------------------------------------------------------------

def dump_json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def dump_geojson(collection: dict) -> str:
    """One feature per line: small enough to ship, readable in a diff."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def generate() -> dict[str, str]:
    """Build everything; returns {file name: text}."""
    rng = lambda k: np.random.default_rng([SEED, k])  # one stream per purpose  # noqa: E731
    outlines = load_outlines()
    assert sum(s.budget for s in STREETS) == TOTAL_CELLS
    rects = grow_streets(Lattice(outlines), rng(1))
    cells, communities = build_cells(rects, rng(2))
    geojson = grid_geojson(cells)
    index = GridIndex.from_geojson(geojson)
    placer = Placer(cells, index, outlines, rng(3))
    anchor = placer.cell_near("海北街道")  # the underpass of scenario 1, mid-street
    cat = Catalogue()
    place_cameras(cat, placer, anchor)
    place_sensors(cat, placer, anchor)
    scenarios = place_points(cat, placer, anchor)
    demo = {
        "datum": "GCJ-02",
        "river": {"flows": "north", "cameras_upstream_to_downstream": cat.river},
        "points": cat.points,
        "compounds": cat.compounds,
        "scenarios": scenarios,
    }
    return {
        "grid.geojson": dump_geojson(geojson),
        "areas.json": dump_json(areas(communities)),
        "cameras.json": dump_json(to_builtins(cat.cameras)),
        "sensors.json": dump_json(to_builtins(cat.sensors)),
        "demo.json": dump_json(demo),
        "grid_workers.json": dump_json(grid_workers(communities, rng(5))),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="directory to write into")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in generate().items():
        (args.out / name).write_bytes(text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
