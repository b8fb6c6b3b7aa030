"""``--demo``: a real hub inside the console process, on the console's own
asyncio loop, seeded with the Wuhai demo data, plus the demo simulator
feeding it (when that module is installed)."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from platformdirs import user_data_dir

log = logging.getLogger("console.demo_hub")


def default_demo_dir() -> Path:
    return Path(user_data_dir("citybrain-console", "citybrain")) / "demo-hub"


class EmbeddedHub:
    def __init__(self, data_dir: Path | None = None, *, speed: float = 1.0, simulate: bool = True,
                 port: int = 0):
        self.data_dir = Path(data_dir) if data_dir else default_demo_dir()
        self.speed, self.simulate, self.port = speed, simulate, port
        self.server = None
        self.url = ""
        self._sim_task: asyncio.Task | None = None

    async def start(self) -> str:
        """Start on a free loopback port; returns the hub's ws:// URL."""
        from hub.app import build_server
        from hub.clock import ScaledClock, SystemClock
        from hub.server import HubConfig
        self.data_dir.mkdir(parents=True, exist_ok=True)
        clock = ScaledClock(self.speed) if self.speed != 1.0 else SystemClock()
        config = HubConfig(data_dir=self.data_dir, host="127.0.0.1", port=self.port)
        self.server = build_server(config, clock, demo=True)
        await self.server.start()
        self.url = f"ws://127.0.0.1:{self.server.port}/ws"
        log.info("embedded demo hub on %s (data in %s, speed ×%g)", self.url, self.data_dir, self.speed)
        if self.simulate:
            self._start_simulator()
        return self.url

    def _start_simulator(self) -> None:
        try:
            from hub.simulator import Simulator
        except ImportError as exc:
            log.warning("demo simulator not available (%s): the demo hub runs without "
                        "simulated events", exc)
            return
        sim = Simulator(self.url, clock=self.server.clock)
        self._sim_task = asyncio.ensure_future(sim.run())
        self._sim_task.add_done_callback(_report_end)

    async def stop(self) -> None:
        if self._sim_task is not None:
            self._sim_task.cancel()
            try:
                await self._sim_task
            except (asyncio.CancelledError, Exception):
                pass
            self._sim_task = None
        if self.server is not None:
            await self.server.stop()
            self.server = None


def _report_end(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("demo simulator stopped", exc_info=task.exception())
