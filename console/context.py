"""What every panel is given: the live store (through its Qt adapter), the
hub client for commands, settings, and a bus for cross-panel requests
(open a camera in a tile, show a sensor's gauge, fly the map to a case)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from PySide6.QtCore import QObject, Signal

from console.client import HubClient, NotConnected
from console.qtstore import StoreAdapter
from console.settings import Settings
from console.store import LiveStore

ACTING_ROLES = ("dispatcher", "supervisor")   # the hub lets only these change anything
DISPLAY_ROLES = ("wall", "feeder")             # logins that only look (the hub redacts callers)


class ConsoleBus(QObject):
    """Requests between panels; the selected case lives in the store."""
    open_camera = Signal(str)            # camera id -> a video tile
    show_sensor = Signal(str)            # sensor id -> the gauges panel
    alarm_case = Signal(str)             # case id with a camera -> the alarm tile
    status_message = Signal(str, int)    # text, milliseconds


@dataclass
class AppContext:
    store: LiveStore
    adapter: StoreAdapter
    settings: Settings
    bus: ConsoleBus = field(default_factory=ConsoleBus)
    client: HubClient | None = None
    hub_url: str = ""
    display_mode: str = "workstation"    # "wall" for the video wall

    def submit(self, op: str, args: dict) -> asyncio.Future:
        """Send a command; the future resolves with its result (see HubClient)."""
        if self.client is None:
            raise NotConnected("not connected to a hub")
        return self.client.submit(op, args)

    async def command(self, op: str, args: dict, timeout: float | None = None) -> dict:
        if self.client is None:
            raise NotConnected("not connected to a hub")
        return await self.client.command(op, args, timeout)

    def hub_http_url(self, path: str) -> str:
        """``ws://host:port/ws`` -> ``http://host:port/<path>`` (same port)."""
        parts = urlsplit(self.hub_url)
        scheme = "https" if parts.scheme == "wss" else "http"
        return urlunsplit((scheme, parts.netloc, "/" + path.lstrip("/"), "", ""))

    @property
    def is_wall(self) -> bool:
        return self.display_mode == "wall"

    @property
    def is_display_only(self) -> bool:
        """The wall display, or a wall/feeder login: a screen that only shows.
        Panels then offer nothing to click that changes or saves anything
        (no snapshot, no acknowledge, no case actions)."""
        return self.is_wall or self.store.role in DISPLAY_ROLES

    @property
    def may_act(self) -> bool:
        """Whether to offer what the hub lets only staff do (acknowledge a
        sensor, attach a snapshot, case actions): the one test every panel
        uses, so the wall never shows a button the hub would answer
        ``forbidden``."""
        return not self.is_display_only and self.store.role in ACTING_ROLES

    @property
    def may_show_callers(self) -> bool:
        """False on the video wall, whoever is logged in there, and for the
        roles the hub redacts callers for: a panel then shows no caller field
        at all (not an empty one)."""
        return not self.is_display_only
