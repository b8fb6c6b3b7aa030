"""Assemble a hub: storage, grid, seed data, users; and run it."""
from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from console.domain import demo as demo_data
from console.domain.grid import GridIndex
from console.protocol import Camera
from console.resources import resource_path
from hub.core import default_units
from hub.server import HubConfig, HubServer

log = logging.getLogger("hub")

DEMO_USERS = {
    "demo-dispatcher": "dispatcher",
    "demo-supervisor": "supervisor",
    "demo-viewer": "viewer",
    "demo-wall": "wall",
    "demo-feeder": "feeder",
    "demo-field": "dispatcher",     # the units' field terminals, played by the simulator
}
DEMO_PASSWORD = "demo"


def resolve_demo_url(camera: Camera) -> Camera:
    """``demo:<clip>`` names a bundled clip; hand clients a file URL to it."""
    if camera.url.startswith("demo:"):
        clip = resource_path("demo", "clips", camera.url[5:] + ".mp4")
        import msgspec
        return msgspec.structs.replace(camera, url=clip.as_uri())
    return camera


def load_grid(grid_file: Path | None) -> tuple[GridIndex, bytes]:
    if grid_file is None:
        raw = resource_path("demo", "grid.geojson").read_bytes()
        return demo_data.load_grid_index(), raw
    import json
    raw = Path(grid_file).read_bytes()
    return GridIndex.from_geojson(json.loads(raw)), raw


def build_server(config: HubConfig, clock, *, demo: bool = False,
                 grid_file: Path | None = None) -> HubServer:
    grid, raw = load_grid(grid_file)
    config.grid_geojson = raw
    if demo and not config.rules.duty_roster:
        config.rules.duty_roster = {code: w.person for code, w in demo_data.load_grid_workers().items()}
    server = HubServer(config, clock, grid)
    st = server.storage
    st.begin()
    server.core.seed(default_units(), [], [])
    if demo:
        cameras = [resolve_demo_url(c) for c in demo_data.load_cameras()]
        server.core.seed([], cameras, demo_data.load_sensors())
        existing = {name for name, _ in st.users()}
        for name, role in DEMO_USERS.items():
            if name not in existing:
                server.add_user(name, role, DEMO_PASSWORD)
    st.commit()
    if demo:
        banner = "!" * 72
        log.warning("%s", banner)
        log.warning("DEMO MODE: demo data seeded; users %s have the password '%s'.",
                    ", ".join(DEMO_USERS), DEMO_PASSWORD)
        log.warning("Never run --demo on a hub that holds real cases.")
        log.warning("%s", banner)
    elif not st.users():
        log.warning("no users yet: add one with `citybrain-hub adduser NAME --role dispatcher`")
    return server


async def run_server(server: HubServer, simulate: bool = False, speed: float = 1.0,
                     stop: asyncio.Event | None = None) -> None:
    await server.start()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    sim_task = None
    if simulate:
        from hub.simulator import Simulator
        sim = Simulator(f"ws://127.0.0.1:{server.port}/ws", clock=server.clock)
        sim_task = asyncio.create_task(sim.run(), name="simulator")
    try:
        await stop.wait()
    finally:
        if sim_task:
            sim_task.cancel()
        await server.stop()
        log.info("hub stopped")
