"""The grid map panel in a real QtWebEngine page against a real hub: the
grid drawn, live markers, clicks both ways, drill-down, the choropleth's
counts, and no request leaving the machine except to the tile server."""
from __future__ import annotations

import asyncio
import http.server
import json
import os
import re
import threading
import time
from pathlib import Path

import pytest

from console.app import prepare_environment

prepare_environment()       # --no-sandbox as root, before the first QtWebEngine page

from PySide6.QtCore import QLocale  # noqa: E402
from PySide6.QtGui import QFont
from PySide6.QtWebEngineCore import QWebEngineProfile, QWebEngineUrlRequestInterceptor
from PySide6.QtWidgets import QApplication

from console import theme
from console.client import Credentials, HubClient
from console.context import AppContext
from console.domain.demo import load_grid_index
from console.protocol import OPEN_STATUSES, format_ts
from console.qtstore import StoreAdapter
from console.settings import Settings
from console.store import LiveStore
from hub.testing import free_port
from panels.map import MapPanel
from tests.hubhelpers import create_case
from tests.qtasync import until

CELL = "150302004008002"          # a cell of 海北街道 (the rainstorm underpass)
CELL_LATLON = {"lat": 39.700144, "lon": 106.817028, "address": "海勃湾区海北街道人民路下穿通道"}


class Env:
    """A console's map panel on a real hub: store, adapter, context, client."""

    def __init__(self, hub, tmp_path, user="demo-dispatcher", mode="workstation", settings=None,
                 hub_url=None):
        self.store = LiveStore()
        self.adapter = StoreAdapter(self.store)
        self.settings = settings or Settings(tmp_path / "console.ini")
        self.ctx = AppContext(self.store, self.adapter, self.settings, hub_url=hub_url or hub.url,
                              display_mode=mode)
        self.messages: list[str] = []
        self.ctx.bus.status_message.connect(self._on_message)
        self.client = HubClient(hub.url, Credentials(user=user, password="demo"), self.store,
                                backoff_min=0.05, backoff_max=0.3)
        self.ctx.client = self.client
        self.panel: MapPanel | None = None
        self.drawn: list[int] = []        # cell counts the page reported over the QWebChannel

    def _on_message(self, text: str, _ms: int) -> None:
        self.messages.append(text)

    async def start(self, wait_grid: bool = True) -> MapPanel:
        self.panel = MapPanel(self.ctx)
        self.panel.view.bridge.grid_drawn.connect(self.drawn.append)
        self.panel.resize(1280, 800)
        self.panel.show()
        self.client.start()
        await self.client.wait_connected()
        if wait_grid:
            await until(lambda: self.panel.geometry_ is not None and self.panel.view.ready, 30, "grid and page")
            await self.wait_js(lambda s: s["cells"] == 992 and s["items"]["sensors"] > 0, "cells drawn")
        return self.panel

    async def js(self, expr: str):
        fut = asyncio.get_running_loop().create_future()

        def done(result):
            if not fut.done():
                fut.set_result(result)
        self.panel.view.evaluate(f"JSON.stringify({expr})", done)
        return json.loads(await asyncio.wait_for(fut, 10))

    async def wait_js(self, pred, what: str, timeout: float = 15.0, expr: str = "CB.stats()"):
        end = time.monotonic() + timeout
        while True:
            value = await self.js(expr)
            if pred(value):
                return value
            if time.monotonic() > end:
                raise TimeoutError(f"{what}: last {str(value)[:400]}")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        if self.panel is not None:
            assert self.panel.view.js_errors == [], self.panel.view.js_errors
            stats = await self.js("CB.stats()")
            assert stats["errors"] == []
            self.panel.shutdown()
            self.panel.close()
            self.panel.deleteLater()
        await self.client.close()
        self.adapter.close()


@pytest.fixture(autouse=True)
def _chinese_font(qapp):
    QLocale.setDefault(QLocale("zh_CN"))
    QApplication.setFont(QFont("Noto Sans CJK SC", 10))


@pytest.fixture
def env(hub, tmp_path, arun):
    e = Env(hub, tmp_path)
    yield e
    arun(e.close())


def _inside(area: str) -> dict:
    """A location in the first cell of ``area`` (the hub serves the same grid)."""
    index = load_grid_index()
    lat, lon = index.cells[min(c for c in index.cells if c.startswith(area))].centroid
    return {"lat": lat, "lon": lon, "address": index.name(area)}


def _expected_load(store: LiveStore, length: int, within: str = "") -> dict[str, list[int]]:
    """[open, overdue] per area inside ``within``, tallied straight from the store."""
    out: dict[str, list[int]] = {}
    for case in store.cases.values():
        if case.status in OPEN_STATUSES and case.grid and case.grid.startswith(within):
            row = out.setdefault(case.grid[:length], [0, 0])
            row[0] += 1
            row[1] += store.is_overdue(case)
    return out


# --- the grid, a live case, a click ----------------------------------------------------------

def test_grid_drawn_new_case_appears_within_2s_and_click_selects_it(env, connect, arun):
    dispatcher = connect("demo-dispatcher")

    async def main():
        panel = await env.start()
        await until(lambda: env.drawn, 5, "the page reporting the grid over the channel")
        assert env.drawn == [992]
        stats = await env.js("CB.stats()")
        assert stats["cells"] == 992 and stats["area"] == "1503" and stats["units"] == 3
        # one scale bar, metric only: no miles or feet
        scale = await env.js("[...document.querySelectorAll('.leaflet-control-scale-line')]"
                             ".map(e => e.textContent)")
        assert len(scale) == 1 and re.fullmatch(r"\d+ k?m", scale[0]), scale
        case = await asyncio.to_thread(create_case, dispatcher, location=CELL_LATLON, priority=1)
        acked = time.monotonic()
        item = await env.wait_js(lambda v: v is not None, "the new case's marker", 2.0,
                                 f"CB.item('cases', '{case['id']}')")
        assert time.monotonic() - acked < 2.0
        assert item["row"][3] == 1 and item["style"]["fill"] == theme.ALARM   # P1 in the queue's colour
        assert await env.js(f"CB.click('cases', '{case['id']}')") is True
        await until(lambda: env.store.selected_case == case["id"], 5, "selection from the map")
        stats = await env.wait_js(lambda s: s["selected"] == case["id"], "highlight ring")
        assert panel.view.js_errors == []
    arun(main())


def test_sensor_alarm_pulses_until_acknowledged_and_click_shows_gauge(env, connect, clock, arun):
    feeder, dispatcher = connect("demo-feeder"), connect("demo-dispatcher")
    shown: list[str] = []
    env.ctx.bus.show_sensor.connect(shown.append)

    async def main():
        await env.start()
        before = await env.js("CB.item('sensors', 'WL-001')")
        assert before["row"][4] in ("normal", "offline") and "pulse" not in before["className"]
        ack = await asyncio.to_thread(feeder.command, "ingest.reading",
                                      {"sensor": "WL-001", "value": 31.0, "ts": format_ts(clock.now())})
        assert ack["ok"] and ack["result"]["state"] == "alarm"
        alarm = await env.wait_js(lambda v: v["row"][4] == "alarm", "alarm state",
                                  expr="CB.item('sensors', 'WL-001')")
        assert "s-alarm" in alarm["className"] and "pulse" in alarm["className"]
        ack = await asyncio.to_thread(dispatcher.command, "sensor.ack", {"sensor": "WL-001"})
        assert ack["ok"]
        acked = await env.wait_js(lambda v: v["row"][5] is True, "acknowledged",
                                  expr="CB.item('sensors', 'WL-001')")
        assert "pulse" not in acked["className"] and "s-alarm" in acked["className"]
        assert await env.js("CB.click('sensors', 'WL-001')") is True
        await until(lambda: shown == ["WL-001"], 5, "show_sensor")
    arun(main())


# --- drill-down ------------------------------------------------------------------------------------

def test_drill_down_by_code_click_and_back_up(env, arun):
    async def main():
        panel = await env.start()
        panel.drill_to("150302")
        stats = await env.wait_js(lambda s: s["area"] == "150302", "district level")
        assert stats["units"] == 7                     # its six streets and one town
        assert [n for _, n in panel.breadcrumb.path] == ["乌海市", "海勃湾区"]
        # a click on a cell inside goes one level down, to its street
        assert await env.js(f"CB.click('cells', '{CELL}')") is True
        await env.wait_js(lambda s: s["area"] == "150302004", "street level")
        assert panel.breadcrumb.path[-1] == ("150302004", "海北街道")
        panel.drill_to(CELL[:12])
        await env.wait_js(lambda s: s["area"] == CELL[:12], "community level")
        await env.js(f"CB.click('cells', '{CELL}')")
        await env.wait_js(lambda s: s["area"] == CELL and s["units"] == 1, "the cell itself")
        # back up one level at a time, and up to the city by the breadcrumb
        panel.go_up()
        await env.wait_js(lambda s: s["area"] == CELL[:12], "up to the community")
        panel.breadcrumb.buttons()[0].click()
        await env.wait_js(lambda s: s["area"] == "1503", "back to the city")
        # a click outside the area moves across to the sibling that holds it
        panel.drill_to("150302")
        await env.wait_js(lambda s: s["area"] == "150302", "district again")
        await env.js("CB.click('cells', '150303001001001')")
        await env.wait_js(lambda s: s["area"] == "150303", "the neighbouring district")
        # codes that are not areas of this grid change nothing
        for bad in ("999999", "1503029", "", "15030x", "150302004008999"):
            panel.drill_to(bad)
        await asyncio.sleep(0.3)
        assert (await env.js("CB.stats()"))["area"] == "150303" and panel.area == "150303"
    arun(main())


# --- the choropleth --------------------------------------------------------------------------------

def test_choropleth_counts_match_the_store_and_overdue_turns_red(env, connect, clock, hub, arun):
    dispatcher = connect("demo-dispatcher")
    for _ in range(3):
        create_case(dispatcher, location=CELL_LATLON, priority=1)          # 2 h: will be overdue
    for district, priority in (("150303", 4), ("150304", 3)):
        create_case(dispatcher, location=_inside(district), priority=priority)
    dispatcher.close()

    async def main():
        panel = await env.start()
        await until(lambda: len([c for c in env.store.cases.values() if c.status in OPEN_STATUSES]) >= 5)
        expected = _expected_load(env.store, 6)
        stats = await env.wait_js(lambda s: {k: v[:2] for k, v in s["load"].items()} == expected,
                                  "city counts")
        assert sorted(stats["load"]) == ["150302", "150303", "150304"]
        assert sum(v[0] for v in stats["load"].values()) >= 5
        open_fill = await env.js(f"CB.cellStyle('{CELL}')")
        assert open_fill["fill"] == theme.ACCENT       # open work, nothing overdue yet

        await asyncio.to_thread(clock.advance, 2 * 3600 + 60)
        await asyncio.to_thread(hub.run_rules)
        await until(lambda: len(env.store.overdue) >= 3, 10, "overdue events")
        expected = _expected_load(env.store, 6)
        assert expected["150302"][1] >= 3
        await env.wait_js(lambda s: {k: v[:2] for k, v in s["load"].items()} == expected, "overdue counts")
        red = await env.js(f"CB.cellStyle('{CELL}')")
        assert red["fill"] == theme.ALARM and red["opacity"] > open_fill["opacity"]
        assert "overdue" in panel.status.text() and panel.status.property("level") == "alarm"
        # the whole district is red from afar; close up only the cell with the cases is
        neighbour = next(c for c in sorted(load_grid_index().cells) if c.startswith("150302") and c != CELL)
        assert (await env.js(f"CB.cellStyle('{neighbour}')"))["fill"] == theme.ALARM
        env.ctx.adapter.select_case(next(iter(env.store.overdue)))         # the map flies to it
        await env.wait_js(lambda s: s["ownCells"] and s["zoom"] >= 14, "close up: each cell its own")
        assert (await env.js(f"CB.cellStyle('{CELL}')"))["fill"] == theme.ALARM
        assert (await env.js(f"CB.cellStyle('{neighbour}')"))["fill"] not in (theme.ALARM, theme.ACCENT)

        panel.drill_to("150302")
        expected = _expected_load(env.store, 9, within="150302")
        stats = await env.wait_js(lambda s: s["area"] == "150302" and
                                  {k: v[:2] for k, v in s["load"].items()} == expected, "street counts")
        assert stats["load"]["150302004"][1] >= 3
        # cells outside the area are dimmed, not coloured by load
        dim = await env.js("CB.cellStyle('150303001001001')")
        assert dim["fill"] not in (theme.ALARM, theme.ACCENT, theme.WARN)
    arun(main())


# --- selection from elsewhere, cameras, detections, layers -----------------------------------------

def test_selection_elsewhere_flies_to_the_case_and_cameras_open(env, connect, clock, arun):
    dispatcher, feeder = connect("demo-dispatcher"), connect("demo-feeder")
    case = create_case(dispatcher, location=CELL_LATLON)
    det = feeder.command("ingest.detection", {"camera": "CAM-0001", "category": "illegal_parking",
                                              "key": "蒙C12345", "ts": format_ts(clock.now()), "present": True})
    assert det["ok"] and "detection" in det["result"]
    opened: list[str] = []
    env.ctx.bus.open_camera.connect(opened.append)

    async def main():
        await env.start()
        await env.wait_js(lambda v: v is not None, "case marker", expr=f"CB.item('cases', '{case['id']}')")
        before = (await env.js("CB.stats()"))["zoom"]
        env.adapter.select_case(case["id"])              # as the queue panel would
        stats = await env.wait_js(lambda s: s["selected"] == case["id"] and s["zoom"] >= 16.9,
                                  "flown to the selected case")
        assert stats["zoom"] > before
        # the countdown tag of the pending detection, on the hub's clock
        det_id = det["result"]["detection"]["id"]
        tag = await env.wait_js(lambda v: v is not None and "cb-det" in v.get("className", ""),
                                "detection tag", expr=f"CB.item('detections', '{det_id}')")
        assert tag["row"][5] == "CAM-0001"
        text = await env.js(f"document.querySelector('.cb-det .box').textContent")
        assert "14:" in text or "15:00" in text, text     # 15 min of grace, just started
        assert await env.js("CB.click('cameras', 'CAM-0002')") is True
        assert await env.js(f"CB.click('detections', '{det_id}')") is True
        await until(lambda: opened == ["CAM-0002", "CAM-0001"], 5, "open_camera")
        # a selection cleared elsewhere removes the ring
        env.adapter.select_case(None)
        await env.wait_js(lambda s: s["selected"] is None, "ring removed")
    arun(main())


def test_layer_toggles_are_applied_and_remembered(env, arun):
    async def main():
        panel = await env.start()
        assert panel.layers == ["cases", "sensors", "cameras", "river", "detections"]
        panel.layer_buttons["cameras"].click()
        panel.layer_buttons["sensors"].click()
        stats = await env.wait_js(lambda s: "cameras" not in s["layers"], "cameras hidden")
        assert stats["layers"] == ["cases", "river", "detections"]
        assert env.settings.get("map/layers") == "cases,river,detections"
        # the Yellow River cameras are a layer of their own (scenario 3)
        river = await env.js("CB.layerOf('cameras', 'CAM-0064')")
        street = await env.js("CB.layerOf('cameras', 'CAM-0001')")
        assert (river, street) == ("river", "cameras")
        panel.set_layers(["cases", "nonsense"])
        stats = await env.wait_js(lambda s: s["layers"] == ["cases"], "only cases")
        assert env.settings.get("map/layers") == "cases"
    arun(main())


# --- failure paths -------------------------------------------------------------------------------------

def test_unreachable_grid_and_bad_tile_url_leave_a_working_page(hub, tmp_path, arun):
    settings = Settings(tmp_path / "console.ini")
    settings.set("map/tile_url", "http://tiles.local/no-template.png")
    e = Env(hub, tmp_path, settings=settings, hub_url=f"ws://127.0.0.1:{free_port()}/ws")

    async def main():
        panel = await e.start(wait_grid=False)
        await until(lambda: panel.grid_loader.attempts >= 1 and "retrying" in panel.status.text(), 20,
                    "grid failure shown")
        assert panel.status.property("level") == "warn"
        assert any("XYZ" in m for m in e.messages), e.messages
        await until(lambda: panel.view.ready, 20, "page ready")
        # the live layers still work without a grid
        stats = await e.wait_js(lambda s: s["items"]["sensors"] == 48, "sensors without a grid")
        assert stats["cells"] == 0 and stats["area"] is None
        html = Path(panel.view.url().toLocalFile()).read_text("utf-8")
        assert "tiles.local" not in html and "L.tileLayer" not in html
        await e.close()
    arun(main())


def test_wall_mode_shows_no_caller_data_and_larger_marks(hub, tmp_path, connect, arun):
    case = create_case(connect("demo-dispatcher"), location=CELL_LATLON, description="老人独居漏水",
                       caller={"name": "王小明", "phone": "13800000000"})
    e = Env(hub, tmp_path, user="demo-wall", mode="wall")

    async def main():
        await e.start()
        item = await e.wait_js(lambda v: v is not None, "case on the wall",
                               expr=f"CB.item('cases', '{case['id']}')")
        text = json.dumps(item, ensure_ascii=False)
        for secret in ("王小明", "13800000000", "老人独居漏水"):
            assert secret not in text
        assert item["style"]["radius"] >= 8
        assert await e.js("document.body.classList.contains('cb-wall')") is True
        await e.close()
    arun(main())


# --- nothing leaves the machine but tile requests -----------------------------------------------------

class _Recorder(QWebEngineUrlRequestInterceptor):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def interceptRequest(self, info):
        self.urls.append(info.requestUrl().toString())


class _Tiles(http.server.BaseHTTPRequestHandler):
    PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c63f8cfc0f01f0005000201e2a6cb3e"
                        "0000000049454e44ae426082")

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(self.PNG)

    def log_message(self, *args):
        pass


def test_no_request_leaves_the_machine_except_to_the_tile_server(hub, tmp_path, arun):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    settings = Settings(tmp_path / "console.ini")
    settings.set("map/tile_url", origin + "/tiles/{z}/{x}/{y}.png")
    recorder = _Recorder()
    profile = QWebEngineProfile.defaultProfile()
    profile.setUrlRequestInterceptor(recorder)
    e = Env(hub, tmp_path, settings=settings)

    async def main():
        await e.start()
        await until(lambda: any(u.startswith(origin + "/tiles/") for u in recorder.urls), 15, "tiles")
        await e.close()

    try:
        arun(main())
    finally:
        profile.setUrlRequestInterceptor(None)
        server.shutdown()
        server.server_close()
    local = ("file:", "qrc:", "data:", "blob:", "about:")
    strays = [u for u in recorder.urls if not u.startswith(local) and not u.startswith(origin + "/tiles/")]
    assert strays == []
    assert any(u.endswith("leaflet.js") for u in recorder.urls), "the interceptor saw the page load"


# --- drawing without a GPU ----------------------------------------------------------------------------

@pytest.mark.xvfb
def test_software_scene_graph_where_opengl_is_software(env, arun):
    """Composited through llvmpipe, a busy map held the UI thread ~100 ms a
    frame (bench/map.py): without a GPU the view uses Qt Quick's software
    scene graph. Under Xvfb (Mesa llvmpipe) only: offscreen has no OpenGL
    and Qt Quick falls back to software by itself."""
    from PySide6.QtQuick import QQuickWindow
    from widgets.map_view import SOFTWARE_GL, _gl_renderer

    async def main():
        await env.start()
    arun(main())
    renderer = _gl_renderer()
    software = renderer is None or any(k in renderer.lower() for k in SOFTWARE_GL)
    if software and not (os.environ.get("QT_QUICK_BACKEND") or os.environ.get("QSG_RHI_BACKEND")):
        assert QQuickWindow.sceneGraphBackend() == "software", renderer
