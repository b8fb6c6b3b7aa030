"""The video panel without an X server (QT_QPA_PLATFORM=offscreen): libVLC
renders through video callbacks into memory, so the tiles' pictures can be
checked pixel by pixel; cameras and alarms come from a real hub on loopback.
The on-screen (X window) rendering is tested in test_video_xvfb.py."""
from __future__ import annotations

import asyncio
import os
import time
import types
from datetime import timedelta
from pathlib import Path

import msgspec
import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

from console.context import AppContext
from console.domain.grid import distance_m
from console.protocol import format_ts
from console.settings import Settings
from panels.video import LAYOUTS, VideoPanel
from tests.qtasync import until
from widgets import rtsp_relay, vlc_loader
from widgets import video_stream as vs
from widgets.video_testing import HttpTsCamera, free_tcp_port, make_test_clip
from widgets.video_alarm import nearest_camera
from widgets.video_tile import CAMERA_MIME

FAST = vs.StreamTiming(poll_ms=100, frame_ms=40, stall_after_s=1.5, offline_after_s=4.0,
                       connect_timeout_s=10.0, backoff_min_s=0.3, backoff_max_s=1.0)



@pytest.fixture
def console(live_console, tmp_path):
    def make(user: str = "demo-dispatcher", empty_wall: bool = True) -> AppContext:
        settings = Settings(tmp_path / "console.ini")
        settings.set("video/snapshot_dir", str(tmp_path / "snapshots"))
        if empty_wall:      # an arrangement with every tile empty is saved: no first-start cameras
            settings.set("video/tiles", ",")
        return live_console(settings, user)
    return make


@pytest.fixture
def make_panel(console):
    """Panels are shut down (players released) and destroyed on the GUI
    thread at the end, before the console closes."""
    panels: list[VideoPanel] = []

    def make(ctx, show: bool = True) -> VideoPanel:
        panel = VideoPanel(ctx, timing=FAST)
        panel.resize(1000, 640)
        if show:
            panel.show()
        panels.append(panel)
        return panel
    yield make
    for panel in panels:
        panel.shutdown()
        panel.close()
        shiboken6.delete(panel)


@pytest.fixture
def feeder(connect):
    return connect("demo-feeder")


def pixels(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
    return arr.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4].astype(np.int16)


def live(panel: VideoPanel, i: int) -> bool:
    s = panel.tiles[i].stream
    return s is not None and s.status == vs.LIVE


# --- layouts and arrangement ---------------------------------------------------------


def test_layouts_and_the_arrangement_survive_a_restart(qtbot, console, make_panel):
    ctx = console()
    panel = make_panel(ctx)
    for name, count in (("1x1", 1), ("2x2", 4), ("3x3", 9), ("4x4", 16), ("1+5", 6), ("1+7", 8)):
        panel.set_layout(name)
        assert len([t for t in panel.tiles if t.isVisible()]) == count == len(LAYOUTS[name])
    big = panel.tiles[0].geometry()
    small = panel.tiles[1].geometry()
    assert big.width() > 1.8 * small.width() and big.height() > 1.8 * small.height()  # 1 big + small
    panel.set_layout("2x2")
    # double-clicks in the list fill the tiles one after another, the alarm tile last
    for cam in ("CAM-0001", "CAM-0002", "CAM-0003"):
        panel.open_camera(cam)
    assert [panel.assignment(i) for i in range(4)] == ["CAM-0001", "CAM-0002", "CAM-0003", None]
    assert panel.alarm_tile_index == 3 and panel.tiles[3].alarm_tag.isVisible()
    panel.open_camera("CAM-0002")                     # already on screen: selected, not doubled
    assert panel.selected == 1 and [panel.assignment(i) for i in range(4)].count("CAM-0002") == 1
    panel.open_camera("NOT-A-CAMERA")                 # unknown ids are ignored
    panel.set_layout("3x3")
    assert ctx.settings.get("video/layout") == "3x3"
    assert ctx.settings.get("video/tiles").startswith("CAM-0001,CAM-0002,CAM-0003")
    panel.shutdown()
    again = make_panel(ctx)
    assert again.layout_name == "3x3"
    assert [again.assignment(i) for i in range(3)] == ["CAM-0001", "CAM-0002", "CAM-0003"]
    assert again.tiles[0].name.text() == ctx.store.cameras["CAM-0001"].name
    with pytest.raises(ValueError):
        again.set_layout("5x5")


def test_first_start_fills_four_tiles_one_camera_per_group(qtbot, console, make_panel):
    ctx = console(empty_wall=False)                   # nothing saved yet
    panel = make_panel(ctx)
    picked = [panel.assignment(i) for i in range(4)]
    cams = ctx.store.cameras
    assert all(picked) and all(cams[c].status == "online" for c in picked)
    assert len({cams[c].group for c in picked}) == 4  # traffic, compounds, Yellow River, streets
    assert [t.name.text() for t in panel.tiles[:4]] == [cams[c].name for c in picked]
    assert ctx.settings.get("video/tiles").startswith(",".join(picked))
    panel.put_camera(1, None)                         # the dispatcher's own arrangement ...
    panel.shutdown()
    again = make_panel(ctx)                           # ... is kept on the next start
    assert again.assignment(1) is None and again.assignment(0) == picked[0]


def test_narrow_names_keep_what_tells_cameras_apart(qtbot, console, make_panel):
    """Cameras of one street all start "新华街道 …": a narrow list or tile
    shows the site without the street, and a river camera keeps its number."""
    from console.labels import camera_site
    from widgets.video_camera_list import CAMERA_ID_ROLE
    ctx = console()
    panel = make_panel(ctx)
    cams = ctx.store.cameras
    assert camera_site("新华街道 人民路与新华大街交叉口") == "人民路与新华大街交叉口"
    assert camera_site("CAM-0001") is None
    view = panel.cameras.view
    panel.split.setSizes([150, 850])
    qtbot.waitUntil(lambda: view.viewport().width() <= 160)
    delegate, proxy = view.itemDelegate(), view.model()
    shown = {}
    for g in range(proxy.rowCount()):
        group = proxy.index(g, 0)
        for r in range(proxy.rowCount(group)):
            index = proxy.index(r, 0, group)
            option = QStyleOptionViewItem()
            option.rect = view.visualRect(index)
            option.widget = view
            option.initFrom(view)
            delegate.initStyleOption(option, index)
            shown[proxy.data(index, CAMERA_ID_ROLE)] = option.text
    assert len(shown) == len(cams)
    street = [cid for cid, c in cams.items() if c.name.startswith("新华街道 ")]
    assert len(street) >= 3
    # the street is dropped, and these cameras no longer read alike
    # where the whole name does not fit, the street goes first; the cameras
    # of that street then still read differently
    shortened = [c for c in street if shown[c] != cams[c].name]
    assert shortened, "no name was shortened in a 150 px list"
    assert all(not shown[c].startswith("新华街道") for c in shortened)
    assert len({shown[c] for c in street}) == len(street)
    river = [cid for cid, c in cams.items() if c.group == "yellow_river"]
    assert all(shown[c].endswith(cams[c].name[-2:]) for c in river)   # "…段 08" keeps 08
    # a tile: the whole name when it fits, else the site
    panel.put_camera(0, street[0])
    label = panel.tiles[0].name
    assert label.text() == cams[street[0]].name                      # text() stays whole
    label.resize(2000, label.height())
    assert label.shown_text() == cams[street[0]].name
    label.resize(label.fontMetrics().horizontalAdvance(camera_site(cams[street[0]].name)) + 4, label.height())
    assert label.shown_text() == camera_site(cams[street[0]].name)
    # an alarm banner with a long title ends in "…" instead of being cut off
    tile = panel.tiles[0]
    tile.set_alarm("C-1", "紧急 · 治安秩序 · " + "醉酒男子躺在路中" * 6)
    tile.banner.resize(200, tile.banner.height())
    assert tile.banner.shown_text().endswith("…") and tile.banner.text().endswith("躺在路中")


def test_drop_a_camera_on_a_tile_and_move_tiles(qtbot, console, make_panel):
    ctx = console()
    panel = make_panel(ctx)
    tile = panel.tiles[2]
    mime = QMimeData()
    mime.setData(CAMERA_MIME, b"CAM-0005")
    center = QPointF(tile.rect().center())
    event = QDropEvent(center, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    tile.dropEvent(event)
    assert panel.assignment(2) == "CAM-0005" and tile.name.text() == ctx.store.cameras["CAM-0005"].name
    panel.swap_tiles(0, 2)                            # a tile dragged onto another
    assert panel.assignment(0) == "CAM-0005" and panel.assignment(2) is None
    panel.select_tile(0)
    panel.clear_selected()
    assert panel.assignment(0) is None


@pytest.mark.parametrize("user, wall, shown", [
    ("demo-dispatcher", False, True),
    ("demo-dispatcher", True, False),      # the wall display, whoever is logged in there
    ("demo-wall", False, False),           # a wall login: the hub would refuse case.attach
    ("demo-viewer", False, None),          # a viewer may save a picture, not attach it
])
def test_snapshot_and_attach_only_where_the_screen_may_use_them(qtbot, console, make_panel, user, wall,
                                                                shown):
    ctx = console(user)
    ctx.display_mode = "wall" if wall else "workstation"
    panel = make_panel(ctx)
    snapshot, attach = (True, False) if shown is None else (shown, shown)
    assert panel.snapshot_button.isVisible() == snapshot
    assert panel.attach_button.isVisible() == attach and panel.attach_action.isVisible() == attach
    messages: list[str] = []
    ctx.bus.status_message.connect(lambda text, _ms: messages.append(text))
    panel.snapshot_selected()                 # Ctrl+Shift+S on an empty tile
    assert bool(messages) == snapshot         # "Nothing to snapshot…" only where it may


# --- playing -----------------------------------------------------------------------------


def test_clips_play_and_hidden_tiles_stop_decoding(qtbot, arun, console, make_panel):
    ctx = console()
    panel = make_panel(ctx)
    assert panel.mode == "callback" and panel.failure is None
    panel.put_camera(0, "CAM-0001")                   # traffic clip
    panel.put_camera(1, "CAM-0070")                   # a Yellow River camera

    async def body():
        await until(lambda: live(panel, 0) and live(panel, 1), timeout=20, what="two live tiles")
        frames = panel.tiles[0].stream.frames
        first = pixels(frames.image())
        await until(lambda: frames.frames > 25, what="a second of frames")
        second = pixels(frames.image())
        assert first.mean() > 20 and second.mean() > 20, "black picture"
        assert np.abs(first - second).mean() > 0.5, "the picture does not change"
        assert panel.tiles[0].badge.text() == "LIVE"
        # double-click: tile 0 fills the panel; the covered tile stops decoding
        panel.toggle_maximize(0)
        assert not panel.tiles[1].isVisible()
        assert panel.tiles[1].stream.status == vs.PAUSED and not panel.tiles[1].stream.running
        count = panel.tiles[1].stream.frames.frames
        await until(lambda: frames.frames > 60)
        assert panel.tiles[1].stream.frames.frames - count < 3
        panel.toggle_maximize(0)                      # and back
        await until(lambda: live(panel, 1), timeout=20, what="tile 1 live again")
        panel.hide()                                  # the panel hidden: nothing decodes
        assert all(not t.stream.running for t in panel.tiles)
        panel.show()
        await until(lambda: live(panel, 0), timeout=20)
    arun(body(), timeout=90)


def test_snapshot_saves_a_png_and_reports_its_path(qtbot, arun, console, make_panel, tmp_path):
    ctx = console()
    panel = make_panel(ctx)
    messages: list[str] = []
    ctx.bus.status_message.connect(lambda text, _ms: messages.append(text))
    panel.select_tile(1)
    panel.snapshot_selected()                          # an empty tile
    assert messages[-1] == "Nothing to snapshot in this tile"
    panel.put_camera(0, "CAM-0002")
    panel.select_tile(0)

    async def body():
        await until(lambda: live(panel, 0), timeout=20)
        panel.snapshot_selected()
        await until(lambda: messages[-1].startswith("Snapshot saved"), what="snapshot")
    arun(body())
    path = Path(panel.last_snapshot)
    assert path.parent == tmp_path / "snapshots" and path.name.startswith("CAM-0002_")
    assert path.name in messages[-1] and QApplication.clipboard().text() == str(path)
    img = QImage(str(path))
    assert img.width() == 640 and pixels(img).mean() > 20


def test_dead_streams_retry_with_backoff_without_blocking_the_ui(qtbot, arun, console, make_panel):
    """Nothing listens on the port: each tile fails, goes offline and
    retries later; the GUI thread keeps ticking all along (libVLC's
    play/stop run on the tiles' own worker lanes)."""
    ctx = console()
    panel = make_panel(ctx)
    port = free_tcp_port()
    store = ctx.store
    for i, cid in enumerate(("CAM-0011", "CAM-0012", "CAM-0013")):
        store.cameras[cid] = msgspec.structs.replace(store.cameras[cid],
                                                     url=f"http://127.0.0.1:{port}/dead{i}.ts")
        panel.put_camera(i, cid)
    gaps: list[float] = []

    async def body():
        start = last = time.monotonic()
        restarted, seen_offline = False, set()
        while last - start < 6:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now
            seen_offline |= {i for i in range(3) if panel.tiles[i].stream.status == vs.OFFLINE}
            if not restarted and now - start > 3:
                restarted = True
                for i in range(3):                     # the dispatcher clicks "retry now"
                    panel.tiles[i].stream.restart()
        assert seen_offline == {0, 1, 2}
        s = panel.tiles[0].stream
        await until(lambda: s.status == vs.OFFLINE and s.retry_at is not None)
        panel._refresh_tile(panel.tiles[0])
        assert "retrying in" in panel.tiles[0].surface.message
    arun(body(), timeout=60)
    assert max(gaps) < 1.0, f"the UI thread was blocked for {max(gaps):.2f} s"


def test_rtsp_without_ffmpeg_says_what_to_install(qtbot, console, make_panel, monkeypatch):
    ctx = console()
    panel = make_panel(ctx)
    runtime = panel.runtime
    monkeypatch.setattr(runtime, "has_live555", False)
    monkeypatch.setattr(rtsp_relay.shutil, "which", lambda _name: None)
    ctx.store.cameras["CAM-0020"] = msgspec.structs.replace(
        ctx.store.cameras["CAM-0020"], url="rtsp://192.0.2.1/stream1")
    panel.put_camera(0, "CAM-0020")
    qtbot.waitUntil(lambda: panel.tiles[0].stream.status == vs.UNAVAILABLE, timeout=5000)
    panel._refresh_tile(panel.tiles[0])
    assert "apt install ffmpeg" in panel.tiles[0].surface.message
    assert panel.tiles[0].stream.retry_at is None          # no pointless retries


def test_rtsp_needs_the_relay_only_without_live555(tmp_path):
    assert rtsp_relay.needs_relay("rtsp://cam/1", has_live555=False)
    assert not rtsp_relay.needs_relay("rtsp://cam/1", has_live555=True)
    assert not rtsp_relay.needs_relay("http://cam/1.ts", has_live555=False)
    relay = rtsp_relay.RtspRelay("rtsp://10.0.0.5/ch1", ffmpeg="/usr/bin/ffmpeg", port=5004)
    cmd = relay.command()
    assert cmd[cmd.index("-rtsp_transport") + 1] == "tcp" and "-c" in cmd
    assert cmd[-1] == "udp://127.0.0.1:5004?pkt_size=1316"
    assert relay.mrl == "udp://@127.0.0.1:5004" and relay.media_options == (":network-caching=200",)
    plugins = tmp_path / "plugins" / "access"
    plugins.mkdir(parents=True)
    assert not vlc_loader.detect_live555([str(tmp_path / "plugins")])
    (plugins / "liblive555_plugin.so").write_bytes(b"")
    assert vlc_loader.detect_live555([str(tmp_path / "plugins")])


def test_a_hub_clip_url_missing_here_falls_back_to_the_local_clip(tmp_path):
    local = tmp_path / "clips"
    local.mkdir()
    (local / "traffic.mp4").write_bytes(b"x")
    url = vlc_loader.resolve_clip_url("file:///srv/hub/resources/demo/clips/traffic.mp4", local)
    assert url == (local / "traffic.mp4").as_uri()
    assert vlc_loader.resolve_clip_url("file:///nowhere/river.mp4", local) == "file:///nowhere/river.mp4"
    assert vlc_loader.resolve_clip_url("http://cam/1.ts", local) == "http://cam/1.ts"


# --- alarms follow video ------------------------------------------------------------------


def test_a_street_vending_sighting_opens_its_camera_in_the_alarm_tile(qtbot, arun, console, make_panel,
                                                                        feeder, clock):
    ctx = console()
    panel = make_panel(ctx)
    panel.put_camera(0, "CAM-0001")
    ack = feeder.command("ingest.detection", {"camera": "CAM-0029", "category": "street_vending",
                                              "key": "摊位-东门", "ts": format_ts(clock.now()),
                                              "present": True})
    assert ack["ok"] and "case" in ack["result"], ack
    case = ack["result"]["case"]

    async def body():
        await until(lambda: panel.assignment(3) == "CAM-0029", what="alarm tile")
    arun(body())
    tile = panel.tiles[3]
    assert tile.alarm_case == case["id"] and tile.banner.isVisible()
    assert case["title"] in tile.banner.text()
    assert panel.assignment(0) == "CAM-0001"               # the dispatcher's tiles stay
    # clicking the banner selects the case for the other panels
    panel._on_banner_clicked(case["id"])
    assert ctx.store.selected_case == case["id"]


def test_a_water_alarm_opens_the_nearest_camera(qtbot, arun, console, make_panel, feeder, clock):
    ctx = console()
    panel = make_panel(ctx)
    panel.set_layout("3x3")
    ack = feeder.command("ingest.reading", {"sensor": "WL-001", "value": 27.0,
                                            "ts": format_ts(clock.now())})
    assert ack["ok"] and ack["result"]["state"] == "alarm"

    async def body():
        await until(lambda: panel.tiles[8].alarm_case is not None, what="alarm tile")
    arun(body())
    cam = ctx.store.cameras[panel.assignment(8)]
    sensor = ctx.store.sensors["WL-001"]
    d = distance_m(sensor.location.lat, sensor.location.lon, cam.location.lat, cam.location.lon)
    assert cam.id == "CAM-0009" and d <= 300
    case = ctx.store.cases[panel.tiles[8].alarm_case]
    assert case.sensor == "WL-001" and case.category == "waterlogging"


def test_bus_requests_open_cameras_and_case_alarms(qtbot, arun, console, make_panel, connect):
    ctx = console()
    panel = make_panel(ctx)
    messages: list[str] = []
    ctx.bus.status_message.connect(lambda text, _ms: messages.append(text))
    ctx.bus.open_camera.emit("CAM-0040")                  # the map's camera marker
    assert panel.assignment(0) == "CAM-0040"
    dispatcher = connect("demo-dispatcher")
    far = dispatcher.command("case.create", {
        "source": "hotline_12345", "category": "noise", "title": "夜间施工噪音",
        "location": {"lat": 39.30, "lon": 106.60}})["result"]["case"]
    vending = dispatcher.command("case.create", {
        "source": "hotline_12345", "category": "street_vending", "title": "占道经营",
        "location": {"lat": 39.700414, "lon": 106.817378}})["result"]["case"]

    async def body():
        await until(lambda: far["id"] in ctx.store.cases and vending["id"] in ctx.store.cases)
    arun(body())
    assert panel.tiles[3].alarm_case is None              # hotline calls don't pull a camera
    ctx.bus.alarm_case.emit(far["id"])
    assert messages[-1] == "No camera within 300 m of this case"
    # asked for (the V key on a selected case): the camera nearest the call
    ctx.bus.alarm_case.emit(vending["id"])
    near = nearest_camera(ctx.store, 39.700414, 106.817378)
    assert near is not None and panel.assignment(3) == near.id
    assert panel.tiles[3].alarm_case == vending["id"]
    from widgets.case_actions import CaseActions
    actions = CaseActions(ctx, panel)
    ctx.adapter.select_case(far["id"])
    actions.refresh()
    assert actions.actions["camera"].isEnabled() and actions.actions["camera"].shortcut().toString() == "V"
    actions.actions["camera"].trigger()
    assert messages[-1] == "No camera within 300 m of this case"


# --- no libVLC ------------------------------------------------------------------------------


@pytest.fixture
def broken_vlc(monkeypatch):
    """Make the loader see a missing or broken libVLC; restore afterwards."""
    vlc_loader.reset()
    yield monkeypatch
    monkeypatch.undo()
    vlc_loader.reset()


def _fake_vlc(version_error: bool = False, instance=None):
    mod = types.SimpleNamespace()

    def get_version():
        if version_error:
            raise NameError("no function 'libvlc_get_version'")
        return b"3.0.24"
    mod.libvlc_get_version = get_version
    mod.Instance = lambda *_a: instance
    return mod


@pytest.mark.parametrize("fake, reason, words", [
    ("import", "import", "could not be loaded"),
    ("no_libvlc", "no_libvlc", "was not found"),
    ("instance", "instance", "without its plugins"),
])
def test_without_libvlc_the_panel_says_how_to_install_it(qtbot, console, make_panel, broken_vlc,
                                                         fake, reason, words):
    if fake == "import":
        def fail():
            raise ImportError("No module named 'vlc'")
        broken_vlc.setattr(vlc_loader, "_import_vlc", fail)
    else:
        broken_vlc.setattr(vlc_loader, "_import_vlc",
                           lambda: _fake_vlc(version_error=fake == "no_libvlc"))
    ctx = console()
    panel = make_panel(ctx)
    assert panel.runtime is None and panel.failure.reason == reason
    text = panel.notice.text()
    assert panel.notice.isVisible() and words in text
    assert "sudo apt install libvlc5 vlc-plugin-base vlc-plugin-video-output" in text
    assert "Everything else in the console works normally" in text
    panel.open_camera("CAM-0001")                          # still arranged, just not played
    assert panel.assignment(0) == "CAM-0001"
    assert panel.tiles[0].badge.text() == "No video"


def test_frozen_bundle_points_python_vlc_at_the_bundled_libvlc(monkeypatch, tmp_path):
    monkeypatch.delenv("VLC_PLUGIN_PATH", raising=False)
    monkeypatch.delenv("PYTHON_VLC_LIB_PATH", raising=False)
    monkeypatch.setattr(vlc_loader.sys, "frozen", True, raising=False)
    monkeypatch.setattr(vlc_loader.sys, "_MEIPASS", str(tmp_path), raising=False)
    vlc_loader.prepare_frozen_env()
    assert os.environ["VLC_PLUGIN_PATH"] == str(tmp_path / "vlc" / "plugins")
    assert os.environ["PYTHON_VLC_LIB_PATH"].startswith(str(tmp_path))


def test_stale_and_offline_badges_follow_frame_arrival(qtbot, arun, console, make_panel, tmp_path):
    """A camera that stops sending: live -> stalled -> offline -> retry."""
    clip = make_test_clip(tmp_path / "cam.mp4", seconds=4)
    ctx = console()
    panel = make_panel(ctx)
    with HttpTsCamera(clip) as cam:
        ctx.store.cameras["CAM-0030"] = msgspec.structs.replace(ctx.store.cameras["CAM-0030"], url=cam.url)
        panel.put_camera(0, "CAM-0030")
        s = panel.tiles[0].stream
        seen: list[str] = []
        s.status_changed.connect(seen.append)

        async def body():
            await until(lambda: s.status == vs.LIVE, timeout=25, what="live")
            cam.kill()
            await until(lambda: s.status == vs.OFFLINE, timeout=25, what="offline")
            assert vs.STALLED in seen or "ended" in s.detail or "error" in s.detail
            cam.start()
            await until(lambda: s.status == vs.LIVE, timeout=30, what="live again")
        arun(body(), timeout=90)
    assert seen.index(vs.OFFLINE) < len(seen) - 1

