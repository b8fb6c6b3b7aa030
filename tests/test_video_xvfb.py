"""Video tiles on a real X server (Xvfb): libVLC draws into the tiles' native
windows (``set_xwindow``), as on a dispatcher's Linux workstation. The
checks read the screen itself — a player can report "Playing" over a black
tile (MACHINE.md P6) — so they grab the tile's region from the root window.

Run by ``./run test`` in its second phase (``-m xvfb``, QT_QPA_PLATFORM=xcb)."""
from __future__ import annotations

import asyncio

import msgspec
import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QPoint
from PySide6.QtGui import QGuiApplication, QImage

from console.settings import Settings
from panels.video import VideoPanel
from tests.qtasync import until
from widgets import video_stream as vs
from widgets.video_testing import HttpTsCamera, bundled_clip, make_test_clip

pytestmark = pytest.mark.xvfb

FAST = vs.StreamTiming(poll_ms=100, stall_after_s=1.5, offline_after_s=4.0, connect_timeout_s=10.0,
                       backoff_min_s=0.3, backoff_max_s=1.0)


@pytest.fixture(autouse=True)
def on_x(qapp):
    if QGuiApplication.platformName() != "xcb":
        pytest.skip("needs an X server: ./run test runs this under Xvfb (QT_QPA_PLATFORM=xcb)")
    yield   # (the cyclic GC runs only between tests: tests/conftest.py)


@pytest.fixture
def panel(live_console, tmp_path):
    settings = Settings(tmp_path / "console.ini")
    settings.set("video/tiles", ",")                 # an empty wall saved: no first-start cameras
    p = VideoPanel(live_console(settings), timing=FAST)
    p.setGeometry(40, 40, 1200, 720)
    p.show()
    yield p
    p.shutdown()
    p.close()
    shiboken6.delete(p)


def screen_pixels(widget) -> np.ndarray:
    """What the X server shows where the widget is (VLC's window included)."""
    top_left = widget.mapToGlobal(QPoint(0, 0))
    shot = QGuiApplication.primaryScreen().grabWindow(0, top_left.x(), top_left.y(),
                                                      widget.width(), widget.height())
    img = shot.toImage().convertToFormat(QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes())
    rows = arr.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4]
    # B, G, R only: the fourth byte of RGB32 is always 255 and would add ~64 to any mean
    return rows.reshape(img.height(), img.width(), 4)[..., :3].astype(np.int16)


async def changing_picture(widget) -> tuple[float, float]:
    """Mean brightness of the tile, and how much it changed in 0.6 s."""
    first = screen_pixels(widget)
    await asyncio.sleep(0.6)
    second = screen_pixels(widget)
    return float(second.mean()), float(np.abs(second - first).mean())


def use_url(panel: VideoPanel, camera_id: str, url: str) -> None:
    """As if the hub handed out this address for the camera."""
    store = panel.store
    store.cameras[camera_id] = msgspec.structs.replace(store.cameras[camera_id], url=url)


def test_clip_and_http_camera_show_changing_pictures_on_screen(panel, arun, tmp_path):
    assert panel.mode == "xwindow" and panel.runtime.window_output
    assert bundled_clip("traffic") is not None, "resources/demo/clips/traffic.mp4 is missing"
    clip = make_test_clip(tmp_path / "cam.mp4", seconds=4)
    with HttpTsCamera(clip) as cam:
        use_url(panel, "CAM-0030", cam.url)
        panel.put_camera(0, "CAM-0001")                   # file:// demo clip from the hub
        panel.put_camera(1, "CAM-0030")                   # http:// MPEG-TS "real camera"

        async def body():
            for i in (0, 1):
                tile = panel.tiles[i]
                await until(lambda: tile.stream.status == vs.LIVE, timeout=25, what=f"tile {i} live")
                await asyncio.sleep(0.5)
                brightness, change = await changing_picture(tile.surface)
                assert brightness > 20, f"tile {i} is black on screen ({brightness:.1f})"
                assert change > 1.0, f"tile {i}'s picture does not move ({change:.2f})"
                assert tile.badge.text() == "LIVE"
            empty = panel.tiles[2].surface
            assert screen_pixels(empty).mean() < 40        # an empty tile really is dark
        arun(body(), timeout=90)


def test_killed_stream_goes_offline_then_live_again(panel, arun, tmp_path):
    clip = make_test_clip(tmp_path / "cam.mp4", seconds=4)
    with HttpTsCamera(clip) as cam:
        use_url(panel, "CAM-0031", cam.url)
        panel.put_camera(0, "CAM-0031")
        tile = panel.tiles[0]
        seen: list[str] = []
        tile.stream.status_changed.connect(seen.append)

        async def body():
            await until(lambda: tile.stream.status == vs.LIVE, timeout=25, what="live")
            cam.kill()                                      # the camera dies
            await until(lambda: tile.stream.status == vs.OFFLINE, timeout=25, what="offline")
            panel._refresh_tile(tile)
            assert tile.badge.text() == "Offline" and "retrying" in tile.surface.message
            brightness, change = await changing_picture(tile.surface)
            # no frozen last frame, nothing moves: only the dark surface and its
            # "retrying in N s" line (whose countdown digit may change)
            assert brightness < 20 and change < 3.0, (brightness, change)
            cam.start()                                     # ... and comes back
            await until(lambda: tile.stream.status == vs.LIVE, timeout=30, what="live again")
            await asyncio.sleep(0.5)
            brightness, change = await changing_picture(tile.surface)
            assert brightness > 20 and change > 1.0, (brightness, change)
        arun(body(), timeout=90)
    assert seen.count(vs.LIVE) >= 2 and vs.OFFLINE in seen
