"""Typed, versioned console settings on QSettings (an INI file).

Tests and the demo pass their own file, so nothing ever reads or writes a
dispatcher's real settings by accident (napari's ``_fresh_settings`` idea).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from platformdirs import user_config_dir
from PySide6.QtCore import QByteArray, QSettings

SETTINGS_VERSION = 1

DEFAULTS: dict[str, Any] = {
    "hub/url": "ws://127.0.0.1:8765/ws",
    "login/user": "",
    "login/remember_password": False,
    "ui/language": "zh_CN",
    "ui/display_mode": "workstation",   # or "wall"
    "map/tile_url": "",                 # a city's internal XYZ tile server, {z}/{x}/{y}
    "map/layers": "cases,sensors,cameras,river,detections",
    "queue/sound": True,
    "queue/tab": "received",
    "queue/sort": "sla",                # column, "-column" for descending
    "queue/mine": "{}",                 # JSON {user: [case ids they acted on here]}
    "queue/filters_open": False,        # the source/category/priority/area rows unfolded
    "video/layout": "2x2",
    "video/tiles": "",                  # comma-separated camera ids per tile
    "video/alarm_tile": -1,             # tile that new alarms' cameras open in; -1 = the last
    "video/snapshot_dir": "",           # "" = the per-user data dir's snapshots/
    "sensors/kind": "",                 # gauges filter: "" = every kind
    "sensors/state": "",                # "", "attention" (warn+alarm), "alarm", "offline"
    "sensors/sort": "alarm_first",
}
# key -> function(old settings) applied when moving from version N-1 to N
MIGRATIONS: dict[int, Any] = {}


def default_path() -> Path:
    return Path(user_config_dir("citybrain-console", "citybrain")) / "console.ini"


class Settings:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.qs = QSettings(str(self.path), QSettings.Format.IniFormat)
        self._migrate()

    def _migrate(self) -> None:
        version = int(self.qs.value("meta/version", 0) or 0)
        for v in range(version + 1, SETTINGS_VERSION + 1):
            if v in MIGRATIONS:
                MIGRATIONS[v](self.qs)
        self.qs.setValue("meta/version", SETTINGS_VERSION)

    def get(self, key: str) -> Any:
        default = DEFAULTS[key]
        value = self.qs.value(key, default)
        if isinstance(default, bool):
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        if isinstance(default, int):
            try:
                return int(value)
            except (TypeError, ValueError):
                return default
        return value if isinstance(value, str) else str(value)

    def is_set(self, key: str) -> bool:
        """Whether the user (or an earlier run) chose a value for ``key``."""
        return self.qs.contains(key)

    def set(self, key: str, value: Any) -> None:
        if key not in DEFAULTS:
            raise KeyError(f"unknown setting {key}")
        self.qs.setValue(key, value)

    # window geometry and dock layout are opaque Qt blobs
    def get_bytes(self, key: str) -> QByteArray | None:
        value = self.qs.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_bytes(self, key: str, value: QByteArray) -> None:
        self.qs.setValue(key, value)

    def sync(self) -> None:
        self.qs.sync()
