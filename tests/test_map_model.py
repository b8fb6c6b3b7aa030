"""The grid map's model, without a web view: grid geometry and drill-down,
case load against a real hub's live store, the rows the page gets, fetching
the grid (and failing to), and the generated page asking nothing of the
internet."""
from __future__ import annotations

import asyncio
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from console.client import Credentials, HubClient
from console.domain.sla import AMBER_FRACTION
from console.protocol import OPEN_STATUSES
from console.store import LiveStore
from hub.testing import free_port
from tests.hubhelpers import create_case
from widgets.map_geometry import GridFormatError, MapGeometry
from widgets.map_grid import GridUnavailable, download_grid
from widgets.map_model import DUE_SOON, OVERDUE, CaseLoad, Words, case_row
from widgets.map_page import render_page, valid_tile_url

COMMUNITY = "150302001001"


def _cell(code: str, x: int, y: int, size: float = 0.01) -> dict:
    x0, y0 = 106.8 + x * size, 39.6 + y * size
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Feature", "properties": {"code": code, "name": code, "district": "d", "street": "s",
                                              "community": "c"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _block() -> dict:
    """Four cells in a 2x2 block of one community, and one lone cell elsewhere."""
    cells = [_cell(f"{COMMUNITY}00{i + 1}", i % 2, i // 2) for i in range(4)]
    cells.append(_cell("150303001001001", 5, 5))
    return {"type": "FeatureCollection", "features": cells}


def _http_url(hub, path: str) -> str:
    return hub.url.replace("ws://", "http://").replace("/ws", "/" + path)


# --- geometry --------------------------------------------------------------------------

def test_area_outline_keeps_only_outer_edges():
    geo = MapGeometry.from_geojson(_block())
    community = geo.area(COMMUNITY)
    # a 2x2 block's boundary is 8 unit edges; the 4 inner edges cancelled
    assert len(community.outline) == 8
    lats = {p[0] for seg in community.outline for p in seg}
    assert lats == {39.6, 39.61, 39.62}
    assert all(not (seg[0][0] == seg[1][0] == 39.61) for seg in community.outline), "inner edge left"
    assert len(geo.area("150303001001001").outline) == 4
    assert geo.area("1503").bounds == ((39.6, 106.8), (39.66, 106.86))
    assert geo.area("150304") is None


def test_drill_targets_down_across_and_at_the_bottom():
    geo = MapGeometry.from_geojson(_block())
    cell = f"{COMMUNITY}001"
    assert geo.target_of_click("1503", cell) == "150302"
    assert geo.target_of_click("150302", cell) == "150302001"
    assert geo.target_of_click("150302001", cell) == COMMUNITY
    assert geo.target_of_click(COMMUNITY, cell) == cell
    assert geo.target_of_click(cell, cell) == cell
    # a click outside the area moves across to the sibling that holds it
    assert geo.target_of_click("150302", "150303001001001") == "150303"
    assert geo.units(COMMUNITY) == [f"{COMMUNITY}00{i}" for i in range(1, 5)]


@pytest.mark.parametrize("bad", [
    [], "grid", {"type": "Feature"}, {"type": "FeatureCollection", "features": []},
    {"type": "FeatureCollection", "features": [{"properties": {"code": "1503"}, "geometry": {"type": "Polygon"}}]},
    {"type": "FeatureCollection", "features": [{"properties": {"code": "150302001001001"},
                                                "geometry": {"type": "Point", "coordinates": [1, 2]}}]},
    {"type": "FeatureCollection", "features": [{"properties": {"code": "150302001001001"},
                                                "geometry": {"type": "Polygon", "coordinates": [[["x"]]]}}]},
])
def test_bad_grid_is_refused_with_a_reason(bad):
    with pytest.raises(GridFormatError):
        MapGeometry.from_geojson(bad)


def test_hub_grid_downloads_with_every_level(hub):
    geo = download_grid(_http_url(hub, "grid.geojson"))
    assert len(geo.rings) == 992
    assert geo.units("1503") == ["150302", "150303", "150304"]
    view = geo.view_payload("150302", geo.index.name)
    assert view["unitLen"] == 9 and "新华街道" in [u["n"] for u in view["units"]]
    assert all(u["o"] for u in view["units"]), "every street has an outline"


# --- fetching failures ---------------------------------------------------------------------

class _BadGrids(http.server.BaseHTTPRequestHandler):
    BODIES = {"/notjson": b"<html>proxy login</html>", "/notgeo": b'{"type": "Feature"}',
              "/empty": b'{"type": "FeatureCollection", "features": []}'}

    def do_GET(self):
        body = self.BODIES.get(self.path)
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write(body or b"no")

    def log_message(self, *args):
        pass


@pytest.fixture
def bad_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BadGrids)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path, reason", [("/notjson", "not JSON"), ("/notgeo", "FeatureCollection"),
                                          ("/empty", "no cells"), ("/missing", "HTTP 404")])
def test_unusable_grid_answers_raise_grid_unavailable(bad_server, path, reason):
    with pytest.raises(GridUnavailable, match=reason):
        download_grid(bad_server + path, timeout=5)


def test_unreachable_hub_raises_grid_unavailable():
    with pytest.raises(GridUnavailable):
        download_grid(f"http://127.0.0.1:{free_port()}/grid.geojson", timeout=5)


# --- case load against a real hub -------------------------------------------------------------

def _expected(store: LiveStore, length: int) -> dict[str, list[int]]:
    """Counts straight from the store, the way a supervisor would tally them."""
    out: dict[str, list[int]] = {}
    for case in store.cases.values():
        if case.status in OPEN_STATUSES and case.grid:
            row = out.setdefault(case.grid[:length], [0, 0])
            row[0] += 1
            row[1] += store.is_overdue(case)
    return out


def test_case_load_follows_the_store(hub, clock, connect):
    dispatcher = connect("demo-dispatcher")
    p1 = create_case(dispatcher, priority=1, title="井盖缺失")
    create_case(dispatcher, priority=3, location={"lat": 39.52, "lon": 106.80, "address": "乌达区"})
    dispatcher.close()      # it would not read the events that follow

    async def main():
        store = LiveStore()
        client = HubClient(hub.url, Credentials(user="demo-dispatcher", password="demo"), store)
        client.start()
        await client.wait_connected()
        while store.seq is None:
            await asyncio.sleep(0.02)
        load = CaseLoad()
        load.reset(store)
        assert {k: v[:2] for k, v in load.aggregate("1503", 6).items()} == _expected(store, 6)
        assert load.totals()[1] == 0

        # two hours on: the P1 is overdue (the hub says so), the P3 not yet
        await asyncio.to_thread(clock.advance, 2 * 3600 + 60)
        await asyncio.to_thread(hub.run_rules)
        while p1["id"] not in store.overdue:
            await asyncio.sleep(0.02)
        changed = load.update(store, store.take_changes().cases)
        assert p1["id"] in changed and load.flags_of(p1["id"]) == OVERDUE
        assert {k: v[:2] for k, v in load.aggregate("1503", 6).items()} == _expected(store, 6)

        # closing a case takes it off the map
        case = store.cases[p1["id"]]
        await client.command("case.transition", {"case": case.id, "version": case.version,
                                                 "to": "rejected", "note": "重复"})
        assert load.update(store, [case.id]) == {case.id}
        assert load.flags_of(case.id) is None
        assert {k: v[:2] for k, v in load.aggregate("1503", 6).items()} == _expected(store, 6)
        await client.close()
        return store

    store = asyncio.run(main())
    assert len(store.cases) >= 2


def test_sweep_turns_cases_amber_as_time_passes(hub, clock, connect):
    case = create_case(connect("demo-dispatcher"), priority=2)     # 8 h to be done

    async def main():
        store = LiveStore()
        client = HubClient(hub.url, Credentials(user="demo-dispatcher", password="demo"), store,
                           backoff_min=0.05, backoff_max=0.2)
        client.start()
        await client.wait_connected()
        while store.seq is None:
            await asyncio.sleep(0.02)
        load = CaseLoad()
        load.reset(store)
        assert load.flags_of(case["id"]) == 0
        assert load.sweep(store) == set(), "nothing changes while nothing is due"
        # past 80 % of the 8 h, with no event about it: the console learns the
        # hub's time at its next welcome, and the sweep finds the amber case
        await asyncio.to_thread(clock.advance, 8 * 3600 * AMBER_FRACTION + 60)
        await asyncio.to_thread(hub.drop_connections)
        while store.hub_now() < clock.now():
            await asyncio.sleep(0.02)
        assert load.sweep(store) == {case["id"]}
        assert load.flags_of(case["id"]) == DUE_SOON
        assert load.aggregate("1503", 6)[case["grid"][:6]][2] == 1
        await client.close()
    asyncio.run(main())


def test_case_rows_carry_no_caller_or_description(hub, connect):
    created = create_case(connect("demo-dispatcher"), description="独居老人家中漏水",
                          caller={"name": "王小明", "phone": "13800000000"})

    async def main():
        store = LiveStore()
        client = HubClient(hub.url, Credentials(user="demo-dispatcher", password="demo"), store)
        client.start()
        await client.wait_connected()
        while created["id"] not in store.cases:
            await asyncio.sleep(0.02)
        await client.close()
        return store

    store = asyncio.run(main())
    case = store.cases[created["id"]]
    assert case.caller.phone == "13800000000", "the dispatcher's store has the caller..."
    text = repr(case_row(case, OVERDUE, Words(due_soon="临期", overdue="已超期")))
    for secret in ("王小明", "13800000000", "独居老人家中漏水"):
        assert secret not in text, "...but the map never shows it"
    assert "已超期" in text and case.id in text


# --- the page asks nothing of the internet --------------------------------------------------

_REF = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')\s]+)|@import\s+(?:url\()?["']?([^"')\s;]+)""",
                  re.IGNORECASE)


def _references(text: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in _REF.finditer(text)]


def _page_references(html_path: Path) -> list[str]:
    """Every src/href/url()/@import in the page and in the CSS it links."""
    refs = _references(html_path.read_text("utf-8"))
    for ref in list(refs):
        if ref.startswith("file://") and ref.endswith(".css"):
            css = Path(unquote(urlsplit(ref).path))
            refs += [r for r in _references(css.read_text("utf-8")) if not r.startswith("data:")]
    return refs


CONFIG = {"layers": [], "palette": {}, "words": {}}


def test_page_without_tiles_is_fully_local(tmp_path):
    page = render_page(tmp_path, CONFIG)
    refs = _page_references(page)
    assert any(r.endswith("leaflet.js") for r in refs) and any(r.endswith("map.js") for r in refs)
    remote = [r for r in refs if r.lower().startswith(("http:", "https:", "//"))]
    assert remote == []
    for ref in refs:
        if ref.startswith("file://"):
            assert Path(unquote(urlsplit(ref).path)).exists(), ref
    html = page.read_text("utf-8")
    assert re.findall(r"https?://", html, re.IGNORECASE) == []
    assert "cdn." not in html and "code.jquery.com" not in html and "bootstrap" not in html
    assert "L.control.scale()" not in html          # folium's scale shows miles; ours is metric only
    assert '<html lang="zh-CN"' in html


def test_page_with_tiles_names_only_the_tile_server(tmp_path):
    tiles = "https://tiles.wuhai.gov.local/dark/{z}/{x}/{y}.png"
    page = render_page(tmp_path, CONFIG, tiles)
    html = page.read_text("utf-8")
    urls = re.findall(r"""https?://[^\s"'<>)]+""", html)
    assert urls and set(urls) == {tiles}
    assert [r for r in _page_references(page) if r.lower().startswith(("http:", "https:", "//"))] == []


@pytest.mark.parametrize("url, ok", [
    ("https://tiles.city.local/{z}/{x}/{y}.png", True), ("file:///srv/tiles/{z}/{x}/{y}.png", True),
    ("", False), ("https://tiles.city.local/tile.png", False), ("ftp://t/{z}/{x}/{y}", False),
    ("javascript:alert(1)//{z}{x}{y}", False),
])
def test_tile_url_must_be_an_xyz_template(tmp_path, url, ok):
    assert valid_tile_url(url) is ok
    if url and not ok:
        with pytest.raises(ValueError):
            render_page(tmp_path, CONFIG, url)

