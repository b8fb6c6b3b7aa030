"""Fetching the grid from the hub, off the UI thread.

``GET /grid.geojson`` (no login needed) returns the 992 cells. Download,
JSON parsing and building every area's outline (~0.2 s together) run as one
plain function in the asyncio loop's default executor; the result comes back
on the UI thread as a signal. Until the hub answers, the loader retries with
backoff, so a console started before its hub still gets its map.
"""
from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request

from PySide6.QtCore import QObject, Signal

from widgets.map_geometry import GridFormatError, MapGeometry

log = logging.getLogger(__name__)
MAX_GRID_BYTES = 32 * 1024 * 1024


class GridUnavailable(Exception):
    """The hub did not give a usable grid (message says why)."""


def download_grid(url: str, timeout: float = 10.0) -> MapGeometry:
    """Fetch, validate and prepare the grid; runs in a worker thread."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            body = resp.read(MAX_GRID_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise GridUnavailable(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise GridUnavailable(str(getattr(exc, "reason", exc))) from None
    if len(body) > MAX_GRID_BYTES:
        raise GridUnavailable("grid larger than 32 MB")
    try:
        collection = json.loads(body)
    except ValueError:
        raise GridUnavailable("not JSON") from None
    try:
        return MapGeometry.from_geojson(collection).precompute()
    except GridFormatError as exc:
        raise GridUnavailable(str(exc)) from None


class GridLoader(QObject):
    """``start(url)``; emits ``loaded(MapGeometry)`` once, or ``failed(reason)``
    after each failed try (it keeps trying, backing off to ``backoff_max``)."""

    loaded = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, backoff_min: float = 1.0,
                 backoff_max: float = 30.0):
        super().__init__(parent)
        self.backoff_min, self.backoff_max = backoff_min, backoff_max
        self.attempts = 0
        self._task: asyncio.Task | None = None

    def start(self, url: str) -> None:
        self.close()
        self._task = asyncio.ensure_future(self._run(url))

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self, url: str) -> None:
        loop = asyncio.get_running_loop()
        delay = self.backoff_min
        while True:
            self.attempts += 1
            try:
                geometry = await loop.run_in_executor(None, download_grid, url)
            except GridUnavailable as exc:
                log.warning("grid from %s unavailable: %s (retry in %.0f s)", url, exc, delay)
                self.failed.emit(str(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)
                continue
            self.loaded.emit(geometry)
            return

    def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None
