"""What the grid map shows, computed from the live store (no Qt).

* :class:`CaseLoad` keeps open / overdue / due-soon counts per grid cell for
  the choropleth, incrementally, so a burst of changed cases costs only those
  cases, and a sweep catches cases that turned amber or red as time passed.
* The ``*_row`` functions turn store objects into the compact JSON rows the
  page's ``CB.apply`` takes. They never include a caller's name or phone or a
  case's free-text description: the map is on the video wall too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Iterable

from console import labels
from console.domain.sla import AMBER_FRACTION
from console.i18n import language
from console.protocol import OPEN_STATUSES, Camera, Case, Detection, Sensor, format_ts, parse_ts
from console.store import LiveStore

# case flags, as the page reads them
OVERDUE = 1
DUE_SOON = 2

# what a sensor's value is measured in, by kind (the demo sensors' units)
VALUE_UNITS = {"water_level": "cm", "manhole": "°", "gas": "%LEL", "elder_radar": "min"}


@dataclass(frozen=True)
class Words:
    """The few UI words the rows use, translated by the panel (``tr``)."""
    overdue: str = "Overdue"
    due_soon: str = "Due soon"
    acked: str = "Acknowledged"
    offline: str = "Offline"
    minutes: str = "min"


def now_iso(store: LiveStore) -> str:
    return format_ts(store.hub_now())


def amber_at(case: Case) -> str:
    """When the case's SLA clock turns amber (AMBER_FRACTION of its time used)."""
    try:
        reported, due = parse_ts(case.reported_at), parse_ts(case.due_at)
    except ValueError:
        return case.due_at
    return format_ts(reported + (due - reported) * AMBER_FRACTION)


class CaseLoad:
    """Open cases per cell: ``cells[code] = [open, overdue, due_soon]``."""

    def __init__(self) -> None:
        self.cells: dict[str, list[int]] = {}
        self._by_case: dict[str, tuple[str | None, int]] = {}   # id -> (cell, flags)
        self._amber: dict[str, tuple[str, str]] = {}             # id -> (due_at, amber_at)
        self.unlocated = 0                                       # open cases with no cell

    def __len__(self) -> int:
        return len(self._by_case)

    def flags_of(self, case_id: str) -> int | None:
        entry = self._by_case.get(case_id)
        return None if entry is None else entry[1]

    def reset(self, store: LiveStore) -> None:
        self.cells.clear()
        self._by_case.clear()
        self.unlocated = 0
        self._amber = {k: v for k, v in self._amber.items() if k in store.cases}
        self.update(store, store.cases.keys())

    def update(self, store: LiveStore, ids: Iterable[str]) -> set[str]:
        """Re-count these cases; returns those whose cell or flags changed
        (or that opened, closed or vanished)."""
        now = now_iso(store)
        changed = set()
        for cid in ids:
            case = store.cases.get(cid)
            entry = None
            if case is not None and case.status in OPEN_STATUSES:
                entry = (case.grid, self._flags(store, case, now))
            if self._by_case.get(cid) != entry:
                self._set(cid, entry)
                changed.add(cid)
        return changed

    def sweep(self, store: LiveStore) -> set[str]:
        """Time passed: re-judge every open case's SLA flags."""
        return self.update(store, list(self._by_case))

    def _flags(self, store: LiveStore, case: Case, now: str) -> int:
        if case.id in store.overdue or case.due_at <= now:
            return OVERDUE
        cached = self._amber.get(case.id)
        if cached is None or cached[0] != case.due_at:
            cached = self._amber[case.id] = (case.due_at, amber_at(case))
        return DUE_SOON if now >= cached[1] else 0

    def _set(self, cid: str, entry: tuple[str | None, int] | None) -> None:
        old = self._by_case.pop(cid, None)
        if old is not None:
            self._count(old, -1)
        if entry is not None:
            self._by_case[cid] = entry
            self._count(entry, +1)
        else:
            self._amber.pop(cid, None)

    def _count(self, entry: tuple[str | None, int], sign: int) -> None:
        cell, flags = entry
        if not cell:
            self.unlocated += sign
            return
        row = self.cells.get(cell)
        if row is None:
            row = self.cells[cell] = [0, 0, 0]
        row[0] += sign
        row[1] += sign if flags & OVERDUE else 0
        row[2] += sign if flags & DUE_SOON else 0
        if row[0] == 0:
            del self.cells[cell]

    def aggregate(self, area: str, unit_len: int) -> dict[str, list[int]]:
        """Counts of the units (codes of length ``unit_len``) inside ``area``."""
        out: dict[str, list[int]] = {}
        for cell, (n, od, soon) in self.cells.items():
            if cell.startswith(area):
                row = out.setdefault(cell[:unit_len], [0, 0, 0])
                row[0] += n
                row[1] += od
                row[2] += soon
        return out

    def totals(self) -> tuple[int, int, int]:
        """(open, overdue, due soon) over every open case, located or not."""
        overdue = sum(1 for _, f in self._by_case.values() if f & OVERDUE)
        soon = sum(1 for _, f in self._by_case.values() if f & DUE_SOON)
        return len(self._by_case), overdue, soon


# --- rows for the page ------------------------------------------------------------

@lru_cache(maxsize=1024)
def _case_head(priority: int, category: str, status: str, _language: str) -> str:
    # a few hundred combinations at most; thousands of rows a second share them
    return f"{labels.priority(priority)} · {labels.category(category)} · {labels.status(status)}"


def case_row(case: Case, flags: int, words: Words) -> list:
    """``[id, lat, lon, priority, flags, tooltip]``."""
    lines = [_case_head(case.priority, case.category, case.status, language()), case.title]
    if case.location.address:
        lines.append(case.location.address)
    if case.assignee is not None:
        lines.append(f"→ {labels.unit(case.assignee.unit)}")
    if flags & OVERDUE:
        lines.append(words.overdue)
    elif flags & DUE_SOON:
        lines.append(words.due_soon)
    lines.append(case.id)
    return [case.id, case.location.lat, case.location.lon, case.priority, flags, "\n".join(lines)]


def sensor_value(sensor: Sensor, words: Words) -> str:
    if sensor.value is None:
        return ""
    unit = words.minutes if sensor.kind == "elder_radar" else VALUE_UNITS.get(sensor.kind, "")
    return f"{sensor.value:g} {unit}".strip()


def sensor_row(sensor: Sensor, words: Words) -> list:
    """``[id, lat, lon, kind, state, acked, tooltip]``."""
    head = f"{labels.sensor_kind(sensor.kind)} · {labels.sensor_state(sensor.state)}"
    if sensor.acked:
        head += f" ({words.acked})"
    lines = [head, sensor.name]
    value = sensor_value(sensor, words)
    if value:
        lines.append(value)
    return [sensor.id, sensor.location.lat, sensor.location.lon, sensor.kind, sensor.state,
            bool(sensor.acked), "\n".join(lines)]


def camera_row(camera: Camera, words: Words) -> list:
    """``[id, lat, lon, group, status, tooltip]``."""
    lines = [f"{labels.camera_group(camera.group)} · {camera.id}", camera.name]
    if camera.status != "online":
        lines.append(words.offline)
    return [camera.id, camera.location.lat, camera.location.lon, camera.group, camera.status,
            "\n".join(lines)]


def detection_row(det: Detection) -> list:
    """``[id, lat, lon, category label, promote_at (epoch ms), camera]``: the
    page counts down to promote_at on the hub's clock."""
    return [det.id, det.location.lat, det.location.lon, labels.category(det.category),
            _epoch_ms(det.promote_at), det.camera]


def _epoch_ms(ts: str) -> int:
    try:
        return int(parse_ts(ts).timestamp() * 1000)
    except ValueError:
        return 0


def clock_row(store: LiveStore) -> list:
    """``[hub now (epoch ms), rate]``: the page runs the hub's clock between pushes."""
    now: datetime = store.hub_now()
    return [int(now.timestamp() * 1000), store.clock_rate]
