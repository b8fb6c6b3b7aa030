#!/usr/bin/env python3
"""A picture of the grid map panel alone, under the demo (docs/img/map.png).

    DISPLAY=:N QT_QPA_PLATFORM=xcb .venv/bin/python bench/map_shot.py docs/img/map.png [--wait 20]

Runs what ``main.py --demo`` runs — the embedded demo hub with its simulator,
the hub client and the live store — but shows only ``panels.map.MapPanel``
(``--screenshot`` of the main window would make the map one dock among five).
It waits until the page reports the 992 cells and the store's open cases
drawn, lets the simulator run ``--wait`` seconds more, and saves the panel.
Without a DISPLAY it starts a private Xvfb (QtWebEngine draws nothing
offscreen on some machines).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)          # the project root, not bench/ (its queue.py shadows the stdlib's)

from bench.map import start_xvfb  # noqa: E402


async def js(view, expr: str):
    fut = asyncio.get_running_loop().create_future()
    view.evaluate(f"JSON.stringify({expr})", lambda r: fut.done() or fut.set_result(r))
    return json.loads(await fut)


async def shoot(args, data_dir: Path) -> bool:
    from console.client import Credentials, HubClient
    from console.context import AppContext
    from console.demo_hub import EmbeddedHub
    from console.protocol import OPEN_STATUSES
    from console.qtstore import StoreAdapter
    from console.settings import Settings
    from console.store import LiveStore
    from panels.map import MapPanel

    hub = EmbeddedHub(data_dir / "hub", simulate=True)
    url = await hub.start()
    store = LiveStore()
    adapter = StoreAdapter(store)
    ctx = AppContext(store, adapter, Settings(data_dir / "console.ini"), hub_url=url)
    client = HubClient(url, Credentials(user="demo-dispatcher", password="demo"), store)
    ctx.client = client
    panel = MapPanel(ctx)
    panel.resize(args.width, args.height)
    panel.show()
    client.start()
    await client.wait_connected()
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if panel.view.ready:
            stats = await js(panel.view, "CB.stats()")
            open_cases = sum(c.status in OPEN_STATUSES for c in store.cases.values())
            if stats["cells"] == 992 and stats["items"]["cases"] >= open_cases > 0:
                break
        await asyncio.sleep(0.2)
    else:
        print("the map did not draw the grid and the cases within 60 s", file=sys.stderr)
        return False
    await asyncio.sleep(args.wait)
    if args.drill:
        panel.drill_to(args.drill)
        await asyncio.sleep(3)
    stats = await js(panel.view, "CB.stats()")
    ok = panel.grab().save(str(args.out))
    print(json.dumps({"saved": ok, "path": str(args.out), "cells": stats["cells"], "items": stats["items"],
                      "load": len(stats["load"]), "status": panel.status.text(), "errors": stats["errors"]},
                     ensure_ascii=False))
    panel.shutdown()
    await client.close()
    await hub.stop()
    return ok


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--wait", type=float, default=20.0, help="seconds of simulated activity after the first draw")
    p.add_argument("--width", type=int, default=1600)
    p.add_argument("--height", type=int, default=1000)
    p.add_argument("--lang", default="zh_CN")
    p.add_argument("--drill", default="", help="an area code to drill into before the picture")
    args = p.parse_args()

    xvfb = start_xvfb()
    from console.app import install_translators, prepare_environment, setup_language
    prepare_environment()
    setup_language(args.lang)
    import qasync
    from PySide6.QtWidgets import QApplication
    from console import theme
    app = QApplication([sys.argv[0]])
    translators = install_translators(app)  # noqa: F841
    theme.apply(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with tempfile.TemporaryDirectory(prefix="map-shot-") as tmp:
            ok = loop.run_until_complete(shoot(args, Path(tmp)))
    finally:
        if xvfb is not None:
            xvfb.terminate()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
