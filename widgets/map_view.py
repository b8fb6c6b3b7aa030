"""The web view the grid map lives in, and the bridge between page and Python.

* :class:`MapBridge` is the only object the page sees (over QWebChannel):
  it takes plain strings from the page's clicks and re-emits them as Qt
  signals; it exposes no widget (orange-widget-base's rule).
* :class:`MapView` loads the generated page and queues ``CB.apply`` batches
  until the page says it is ready, so a push made while the page is still
  loading is not lost (STYLE.md).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Callable

import msgspec
from PySide6.QtCore import QObject, QUrl, Signal, Slot
from PySide6.QtGui import QOffscreenSurface, QOpenGLContext
from PySide6.QtQuick import QQuickWindow, QSGRendererInterface
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)
_encode = msgspec.json.Encoder().encode


class MapBridge(QObject):
    """Slots the page calls; each re-emits what happened."""
    page_ready = Signal()
    grid_drawn = Signal(int)       # how many cells the page drew
    case_clicked = Signal(str)
    cell_clicked = Signal(str)
    sensor_clicked = Signal(str)
    camera_clicked = Signal(str)

    @Slot()
    def pageReady(self) -> None:
        self.page_ready.emit()

    @Slot(int)
    def gridDrawn(self, cells: int) -> None:
        self.grid_drawn.emit(cells)

    @Slot(str)
    def caseClicked(self, case_id: str) -> None:
        self.case_clicked.emit(case_id)

    @Slot(str)
    def cellClicked(self, code: str) -> None:
        self.cell_clicked.emit(code)

    @Slot(str)
    def sensorClicked(self, sensor_id: str) -> None:
        self.sensor_clicked.emit(sensor_id)

    @Slot(str)
    def cameraClicked(self, camera_id: str) -> None:
        self.camera_clicked.emit(camera_id)


class MapPage(QWebEnginePage):
    """Routes the page's console to our log; keeps JS errors for tests."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.js_errors: list[str] = []

    def javaScriptConsoleMessage(self, level, message: str, line: int, source: str) -> None:
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            self.js_errors.append(f"{Path(source).name}:{line}: {message}")
            log.error("map page: %s (%s:%d)", message, source, line)
        else:
            log.debug("map page: %s", message)


SOFTWARE_GL = ("llvmpipe", "softpipe", "swrast", "swiftshader")
_scene_graph_chosen = False


def choose_scene_graph() -> str:
    """Before the first web view: on a machine without a GPU (Mesa's
    llvmpipe, e.g. under Xvfb), draw the view with Qt Quick's software
    scene graph. Composited through software OpenGL, each frame of a busy
    map held the UI thread up to ~100 ms (bench/map.py: worst stall 104 ms
    with OpenGL, 30 ms with software on this 2-core machine). With a real
    GPU, or QT_QUICK_BACKEND / QSG_RHI_BACKEND set, nothing changes."""
    global _scene_graph_chosen
    if _scene_graph_chosen:
        return "unchanged"
    _scene_graph_chosen = True
    if os.environ.get("QT_QUICK_BACKEND") or os.environ.get("QSG_RHI_BACKEND"):
        return "environment"
    renderer = _gl_renderer()
    if renderer is not None and not any(k in renderer.lower() for k in SOFTWARE_GL):
        return "opengl"
    QQuickWindow.setGraphicsApi(QSGRendererInterface.GraphicsApi.Software)
    log.info("map view: software scene graph (OpenGL renderer: %s)", renderer or "none")
    return "software"


def _gl_renderer() -> str | None:
    """The OpenGL renderer's name, or None where there is no OpenGL
    (the offscreen platform)."""
    context, surface = QOpenGLContext(), QOffscreenSurface()
    surface.create()
    try:
        if not context.create() or not context.makeCurrent(surface):
            return None
        name = context.functions().glGetString(GL_RENDERER)
        context.doneCurrent()
        return str(name or "")
    finally:
        surface.destroy()


GL_RENDERER = 0x1F01


class MapView(QWebEngineView):
    """Shows the map page; ``push(batch)`` sends one batch to ``CB.apply``."""

    def __init__(self, parent: QWidget | None = None):
        choose_scene_graph()
        super().__init__(parent)
        self.bridge = MapBridge(self)
        self._page = MapPage(self)
        self._channel = QWebChannel(self._page)
        self._channel.registerObject("bridge", self.bridge)
        self._page.setWebChannel(self._channel)
        self.setPage(self._page)
        self.ready = False
        self._queue: list[bytes] = []
        self.pushed_bytes = 0
        self.bridge.page_ready.connect(self._on_page_ready)
        self._page.loadFinished.connect(self._on_load_finished)

    @property
    def js_errors(self) -> list[str]:
        return self._page.js_errors

    def load_page(self, path: Path, remote_tiles: bool = False) -> None:
        """Load the generated page. A ``file://`` page may reach no remote
        URL at all (QtWebEngine's default); only a configured tile server
        lifts that, and the page names no other remote address."""
        self.ready = False
        self._page.settings().setAttribute(
            QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, remote_tiles)
        self.load(QUrl.fromLocalFile(str(path)))

    def push(self, batch: dict) -> None:
        """Send a batch now, or as soon as the page is ready."""
        payload = _encode(batch)
        if self.ready:
            self._run(payload)
        else:
            self._queue.append(payload)

    def drop_queued(self) -> None:
        """Forget batches not yet sent (a full resend follows)."""
        self._queue.clear()

    def evaluate(self, script: str, callback: Callable[[Any], None]) -> None:
        """Run ``script`` in the page; ``callback(result)`` on the UI thread."""
        self._page.runJavaScript(script, 0, callback)

    def _run(self, payload: bytes) -> None:
        self.pushed_bytes += len(payload)
        self._page.runJavaScript("CB.apply(" + payload.decode() + ");", 0)

    def _on_page_ready(self) -> None:
        self.ready = True
        queued, self._queue = self._queue, []
        for payload in queued:
            self._run(payload)

    def _on_load_finished(self, ok: bool) -> None:
        if not ok:
            log.error("map page failed to load: %s", self.url().toString())
