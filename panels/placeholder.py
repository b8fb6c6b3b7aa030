"""Stands in for a panel whose module is not there yet (or failed to load):
the live counts from the store that matter to that panel, so the window is
useful from day one and a broken panel never takes the console down.

Like every panel it is a thin view: it holds no copies of store data and
recounts (at most a few times a second) when the store says something changed.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from console import labels, theme
from console.context import AppContext
from console.i18n import pick
from console.protocol import OPEN_STATUSES, SENSOR_STATES
from console.store import Changes, LiveStore
from panels import PanelSpec

RECOUNT_MS = 250
# Count = (name, value, level when the value is above zero)
Count = tuple[str, int, str | None]


class CountTile(QFrame):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("CountTile")
        self.value = QLabel("–", objectName="CountValue", alignment=Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel(objectName="CountName", alignment=Qt.AlignmentFlag.AlignCenter,
                           wordWrap=True)
        self.setMinimumWidth(80)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.value)
        layout.addWidget(self.name)

    def show_count(self, name: str, value: int, level: str | None) -> None:
        self.name.setText(name)
        self.value.setText(str(value))
        lit = level if value else None
        theme.set_level(self, lit)
        theme.set_level(self.value, lit)


class PlaceholderPanel(QWidget):
    COLUMNS = 3

    def __init__(self, ctx: AppContext, spec: PanelSpec, reason: str = ""):
        super().__init__()
        self.ctx = ctx
        self.spec = spec
        self.setObjectName(f"placeholder-{spec.name}")
        self._counter = COUNTERS.get(spec.name, _overview)
        self._tiles: list[CountTile] = []
        self._build(reason)
        self._timer = QTimer(self, singleShot=True, interval=RECOUNT_MS)
        self._timer.timeout.connect(self.recount)
        ctx.adapter.changed.connect(self._on_changed)
        self.recount()

    def _build(self, reason: str) -> None:
        title = QLabel(self.tr("%1 — live summary")
                       .replace("%1", pick(self.spec.title)), objectName="PlaceholderTitle")
        title.setProperty("role", "muted")
        title.setWordWrap(True)
        self._grid = QGridLayout()
        self._grid.setSpacing(8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(title)
        layout.addLayout(self._grid)
        layout.addStretch(1)
        if reason:
            note = QLabel(reason, objectName="PlaceholderReason", wordWrap=True)
            note.setProperty("role", "muted")
            layout.addWidget(note)

    def _on_changed(self, changes: Changes) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def recount(self) -> None:
        counts = self._counter(self.ctx.store)
        while len(self._tiles) < len(counts):
            tile = CountTile(self)
            i = len(self._tiles)
            self._grid.addWidget(tile, i // self.COLUMNS, i % self.COLUMNS)
            self._tiles.append(tile)
        for tile, (name, value, level) in zip(self._tiles, counts):
            tile.show_count(name, value, level)

    def counts(self) -> dict[str, int]:
        """Name -> value as shown (tests read this)."""
        return {t.name.text(): int(t.value.text()) for t in self._tiles}


# --- what each panel's placeholder counts --------------------------------------
translate = QCoreApplication.translate  # lupdate extracts translate("Context", "…")


def _case_counts(store: LiveStore) -> list[Count]:
    by_status = Counter(c.status for c in store.open_cases())
    counts: list[Count] = [(labels.status(s), by_status.get(s, 0), "warn" if s == "received" else None)
                           for s in OPEN_STATUSES]
    counts.append((translate("PlaceholderPanel", "Overdue"), _overdue(store), "alarm"))
    counts.append((translate("PlaceholderPanel", "Open cases"), sum(by_status.values()), None))
    return counts


def _overdue(store: LiveStore) -> int:
    return sum(1 for c in store.open_cases() if store.is_overdue(c))


def _sensor_counts(store: LiveStore) -> list[Count]:
    by_state = Counter(s.state for s in store.sensors.values())
    level = {"warn": "warn", "alarm": "alarm", "offline": "offline"}
    counts: list[Count] = [(labels.sensor_state(st), by_state.get(st, 0), level.get(st))
                           for st in SENSOR_STATES]
    unacked = sum(1 for s in store.sensors.values() if s.state == "alarm" and not s.acked)
    counts.append((translate("PlaceholderPanel", "Alarms not acknowledged"), unacked, "alarm"))
    return counts


def _camera_counts(store: LiveStore) -> list[Count]:
    online = sum(1 for c in store.cameras.values() if c.status == "online")
    return [(translate("PlaceholderPanel", "Cameras online"), online, "ok"),
            (translate("PlaceholderPanel", "Cameras offline"), len(store.cameras) - online, "offline"),
            (translate("PlaceholderPanel", "Pending AI detections"), len(store.detections), "warn")]


def _detail_counts(store: LiveStore) -> list[Count]:
    open_n = sum(1 for _ in store.open_cases())
    return [(translate("PlaceholderPanel", "Open cases"), open_n, None),
            (translate("PlaceholderPanel", "Overdue"), _overdue(store), "alarm"),
            (translate("PlaceholderPanel", "Closed or rejected (24 h)"), len(store.cases) - open_n, "ok")]


def _overview(store: LiveStore) -> list[Count]:
    alarms = sum(1 for s in store.sensors.values() if s.state == "alarm")
    return (_detail_counts(store)[:2]
            + [(translate("PlaceholderPanel", "Sensors in alarm"), alarms, "alarm")]
            + _camera_counts(store)[1:])


COUNTERS: dict[str, Callable[[LiveStore], list[Count]]] = {
    "queue": _case_counts, "detail": _detail_counts, "map": _overview,
    "video": _camera_counts, "sensors": _sensor_counts,
}
