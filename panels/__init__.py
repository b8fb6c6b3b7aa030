"""The dock panels a dispatcher sees. Each is a thin view over the live store:
``Panel(ctx: AppContext)``; it reads ``ctx.store``, listens to
``ctx.adapter.changed`` and sends commands through ``ctx``.

The main window builds one dock per spec below. A panel module that is not
there yet (or fails to import) is shown as a placeholder with live counts.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PanelSpec:
    name: str               # objectName: the key of the saved dock layout
    title: tuple[str, str]  # (中文, English)
    target: str             # "module:Class"
    area: str               # left, right, top, bottom
    shortcut: str           # raises and focuses the panel


PANELS: list[PanelSpec] = [
    PanelSpec("queue", ("案件队列", "Case queue"), "panels.queue:CaseQueuePanel", "left", "Alt+1"),
    PanelSpec("detail", ("案件详情", "Case detail"), "panels.case_detail:CaseDetailPanel", "left", "Alt+2"),
    PanelSpec("map", ("网格地图", "Grid map"), "panels.map:MapPanel", "top", "Alt+3"),
    PanelSpec("video", ("视频监控", "Video"), "panels.video:VideoPanel", "right", "Alt+4"),
    PanelSpec("sensors", ("物联感知", "Sensors"), "panels.sensors:SensorPanel", "right", "Alt+5"),
]
