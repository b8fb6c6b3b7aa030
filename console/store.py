"""The console's live state: what the hub has told us, in plain Python.

Every panel reads from here; nothing here imports Qt. The hub client feeds it
(it implements the client's ``Sink``); each applied frame records what changed
in ``pending`` and calls ``on_dirty`` once per burst, so the Qt adapter
(:mod:`console.qtstore`) can hand panels one batch of changes per frame.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

import msgspec

from console.client import ConnectionStatus
from console.protocol import (
    EVENT_DATA_TYPES, OPEN_STATUSES, Camera, CameraStatusChange, Case, CaseOverdue, Detection,
    DetectionCleared, Event, Sensor, SensorReading, Snapshot, Unit, Welcome, decode_event_data, format_ts,
    parse_ts,
)
from console.readings import ReadingBuffer

READINGS_KEPT = 720          # per sensor: 12 h at one a minute
RECENT_WINDOW = timedelta(hours=24)
_intern = sys.intern
_fromiso = datetime.fromisoformat
_monotonic = time.monotonic


@dataclass
class Changes:
    """What changed since the last batch. ``reset`` means everything did."""
    reset: bool = False
    cases: set[str] = field(default_factory=set)
    new_cases: set[str] = field(default_factory=set)
    removed_cases: set[str] = field(default_factory=set)
    overdue: set[str] = field(default_factory=set)
    sensors: set[str] = field(default_factory=set)
    readings: set[str] = field(default_factory=set)
    cameras: set[str] = field(default_factory=set)
    detections: set[str] = field(default_factory=set)
    status: bool = False
    selection: bool = False
    events: int = 0

    def __bool__(self) -> bool:
        return bool(self.reset or self.cases or self.removed_cases or self.overdue or self.sensors
                    or self.readings or self.cameras or self.detections or self.status
                    or self.selection)


class LiveStore:
    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.sensors: dict[str, Sensor] = {}
        self.cameras: dict[str, Camera] = {}
        self.detections: dict[str, Detection] = {}
        self.units: dict[str, Unit] = {}
        self.overdue: set[str] = set()
        self.readings: dict[str, ReadingBuffer] = {}
        self.seq: int | None = None
        self.user: str | None = None
        self.role: str | None = None
        self.status = ConnectionStatus("closed")
        self.selected_case: str | None = None
        self.last_data_at: float | None = None    # time.monotonic() of the newest frame
        self._clock_origin = (datetime.now(timezone.utc), time.monotonic())
        self.clock_rate = 1.0
        self.pending = Changes()
        self.on_dirty: Callable[[], None] | None = None
        self._signalled = False           # on_dirty called since the last take_changes
        self.events_applied = 0

    # --- change tracking -------------------------------------------------------
    def _dirty(self) -> Changes:
        # A flag, not ``bool(self.pending)``: this runs for every event, and
        # Changes.__bool__ looks at ten fields.
        if not self._signalled and self.on_dirty is not None:
            self._signalled = True
            self.on_dirty()
        return self.pending

    def take_changes(self) -> Changes:
        changes, self.pending = self.pending, Changes()
        self._signalled = False
        return changes

    # --- the hub's clock ----------------------------------------------------------
    def hub_now(self) -> datetime:
        """Hub time, from the welcome's ``now`` and ``rate`` (a demo hub may
        run faster than the wall clock; a real one corrects workstation skew)."""
        origin, mono = self._clock_origin
        return origin + timedelta(seconds=(time.monotonic() - mono) * self.clock_rate)

    def data_age_s(self) -> float | None:
        return None if self.last_data_at is None else time.monotonic() - self.last_data_at

    # --- the client's sink ----------------------------------------------------------
    def on_welcome(self, welcome: Welcome, extra: dict) -> None:
        self.user, self.role = welcome.user, welcome.role
        try:
            self._clock_origin = (parse_ts(extra["now"]), time.monotonic())
            self.clock_rate = float(extra.get("rate", 1.0))
        except (KeyError, TypeError, ValueError):
            self._clock_origin = (datetime.now(timezone.utc), time.monotonic())
            self.clock_rate = 1.0
        self.last_data_at = time.monotonic()
        self._dirty().status = True

    def on_status(self, status: ConnectionStatus) -> None:
        self.status = status
        self._dirty().status = True

    def on_snapshot(self, snap: Snapshot) -> None:
        self.cases = {c.id: self._intern_case(c) for c in snap.cases}
        self.sensors = {s.id: s for s in snap.sensors}
        self.cameras = {c.id: c for c in snap.cameras}
        self.detections = {d.id: d for d in snap.detections}
        self.units = {u.id: u for u in snap.units}
        now = _iso(self.hub_now())
        self.overdue = {c.id for c in self.cases.values()
                        if c.status in OPEN_STATUSES and c.due_at <= now}
        for sid in list(self.readings):
            if sid not in self.sensors:
                del self.readings[sid]
        self.seq = snap.seq
        self.last_data_at = time.monotonic()
        ch = self._dirty()
        ch.reset = True

    def on_event(self, ev: Event) -> None:
        # the hot path (most of the console's work during a burst): one route
        # lookup, the typed decode, the handler; the bookkeeping in few writes
        route = _ROUTES.get(ev.kind)
        if route is not None:   # a kind this console does not know is skipped (the contract)
            try:
                data = route[0](ev.data)
            except (msgspec.ValidationError, msgspec.DecodeError):
                data = decode_event_data(ev.kind, ev.data)   # raises the error naming the field
            route[1](self, data)
        self.seq = ev.seq
        self.events_applied += 1
        self.last_data_at = _monotonic()
        self.pending.events += 1

    # --- event handlers ---------------------------------------------------------------
    @staticmethod
    def _intern_case(c: Case) -> Case:
        """Share the few distinct strings a million cases repeat."""
        c.source, c.category, c.status = _intern(c.source), _intern(c.category), _intern(c.status)
        if c.grid:
            c.grid = _intern(c.grid)
        return c

    def _case(self, case: Case) -> None:
        cid = case.id
        cases = self.cases
        old = cases.get(cid)
        if old is None:
            cases[cid] = self._intern_case(case)
            ch = self._dirty()
            ch.new_cases.add(cid)
        else:
            if old.version > case.version:
                return
            # Share the old version's strings where they did not change: an
            # equality test, where interning would hash the fresh string.
            if case.status == old.status:
                case.status = old.status
            else:
                case.status = _intern(case.status)
            if case.source == old.source and case.category == old.category and case.grid == old.grid:
                case.source, case.category, case.grid = old.source, old.category, old.grid
            else:
                case.source, case.category = _intern(case.source), _intern(case.category)
                if case.grid:
                    case.grid = _intern(case.grid)
            cases[cid] = case
            ch = self._dirty()
        ch.cases.add(cid)
        if case.status not in OPEN_STATUSES:
            self.overdue.discard(cid)

    def _overdue(self, o: CaseOverdue) -> None:
        case = self.cases.get(o.case)
        if case is not None and case.status in OPEN_STATUSES:
            self.overdue.add(o.case)
            ch = self._dirty()
            ch.overdue.add(o.case)
            ch.cases.add(o.case)

    def _reading(self, r: SensorReading) -> None:
        s = self.sensors.get(r.sensor)
        if s is None:
            return
        # in place: readings are most of the stream, and the store owns its objects
        ts = r.ts
        s.value, s.ts, s.state = r.value, ts, r.state
        try:
            t = _fromiso(ts).timestamp()   # the hub sends contract times (with a zone)
        except ValueError:
            t = time.time()
        buf = self.readings.get(r.sensor)
        if buf is None:
            buf = self.readings[r.sensor] = ReadingBuffer(READINGS_KEPT)
        buf.append(t, r.value)
        if not self._signalled:
            self._dirty()
        self.pending.readings.add(r.sensor)

    def _sensor(self, s: Sensor) -> None:
        self.sensors[s.id] = s
        self._dirty().sensors.add(s.id)

    def _camera_status(self, c: CameraStatusChange) -> None:
        cam = self.cameras.get(c.camera)
        if cam is not None:
            self.cameras[c.camera] = msgspec.structs.replace(cam, status=c.status)
            self._dirty().cameras.add(c.camera)

    def _detection(self, d: Detection) -> None:
        self.detections[d.id] = d
        self._dirty().detections.add(d.id)

    def _detection_cleared(self, d: DetectionCleared) -> None:
        if self.detections.pop(d.detection, None) is not None:
            self._dirty().detections.add(d.detection)

    _HANDLERS = {
        "case.created": _case, "case.updated": _case, "case.overdue": _overdue,
        "sensor.reading": _reading, "sensor.state": _sensor, "camera.status": _camera_status,
        "detection.pending": _detection, "detection.cleared": _detection_cleared,
    }

    # --- local state and housekeeping -------------------------------------------------
    def clear(self) -> None:
        """Forget everything (logout, or a login as someone else): nothing of
        one session's data may show in the next (a wall must never inherit a
        dispatcher's callers)."""
        self.cases, self.sensors, self.cameras, self.detections, self.units = {}, {}, {}, {}, {}
        self.overdue, self.readings = set(), {}
        self.seq = self.user = self.role = self.selected_case = self.last_data_at = None
        ch = self._dirty()
        ch.reset = ch.selection = True

    def select_case(self, case_id: str | None) -> None:
        if case_id != self.selected_case:
            self.selected_case = case_id
            self._dirty().selection = True

    def merge_history(self, sensor_id: str, readings: Iterable[tuple[float, float]]) -> None:
        """Put ``sensor.history`` results before the live readings we hold."""
        buf = self.readings.get(sensor_id) or ()
        first_live = buf[0][0] if buf else float("inf")
        older = sorted(r for r in readings if r[0] < first_live)
        self.readings[sensor_id] = ReadingBuffer(READINGS_KEPT, [*older, *buf])
        self._dirty().readings.add(sensor_id)

    def evict_old(self) -> int:
        """Drop closed or rejected cases that left the 24 h window."""
        cutoff = _iso(self.hub_now() - RECENT_WINDOW)
        gone = [cid for cid, c in self.cases.items()
                if c.status not in OPEN_STATUSES and c.updated_at < cutoff and cid != self.selected_case]
        for cid in gone:
            del self.cases[cid]
        if gone:
            self._dirty().removed_cases.update(gone)
        return len(gone)

    def is_overdue(self, case: Case) -> bool:
        return case.status in OPEN_STATUSES and (case.id in self.overdue or
                                                 case.due_at <= _iso(self.hub_now()))

    def open_cases(self) -> Iterable[Case]:
        return (c for c in self.cases.values() if c.status in OPEN_STATUSES)


# kind -> (typed decoder, handler): one lookup per event on the hot path
_ROUTES = {kind: (msgspec.json.Decoder(EVENT_DATA_TYPES[kind]).decode, handler)
           for kind, handler in LiveStore._HANDLERS.items()}


def _iso(dt: datetime) -> str:
    """Contract time text, comparable with the cases' ISO strings."""
    return format_ts(dt)
