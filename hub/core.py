"""The hub's state and its command handlers, without networking.

``HubCore`` holds the live objects in memory (open and recent cases, sensors,
cameras, pending detections, units), mirrors every change to :mod:`storage`
inside the caller's transaction, and appends the events each change causes to
``pending_events``. The server commits, then broadcasts those events and only
then sends the ack: the contract's durability rule.

Every handler validates completely before it changes anything, in the order
the contract fixes: forbidden, invalid args, not_found, conflict, invalid move.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import msgspec

from console import evidence as ev_rules
from console.domain import cases as loop
from console.domain.categories import CATEGORY_INFO, category_info, default_priority, grace_seconds
from console.domain.grid import GridIndex
from console.domain.sla import due_at
from console.domain.units import SENSOR_KIND_CATEGORY, UNITS, unit_for_category
from console.protocol import (
    OPEN_STATUSES, READ_OPS, Assignee, Camera, CameraStatusChange, Case, CaseOverdue, Caller,
    Detection, DetectionCleared, Evidence, Link, Location, ProtocolError, Sensor, SensorReading,
    Unit, decode_args, encode, format_ts, parse_ts,
)
from hub import rules
from hub.storage import Storage

log = logging.getLogger("hub.core")

CST = timezone(timedelta(hours=8))  # the city's calendar day, for case ids

# Who may run each op (protocol "Commands").
STAFF = frozenset({"dispatcher", "supervisor"})
READERS = frozenset({"dispatcher", "supervisor", "viewer", "wall"})
FEEDER = frozenset({"feeder"})
OP_ROLES: dict[str, frozenset[str]] = {
    "case.create": STAFF, "case.assign": STAFF, "case.transition": STAFF,
    "case.link": STAFF, "case.unlink": STAFF, "sensor.ack": STAFF,
    "case.attach": STAFF,     # extension op (docs/protocol.md)
    "case.history": READERS, "sensor.history": READERS,
    "ingest.call": FEEDER, "ingest.reading": FEEDER, "ingest.detection": FEEDER,
    "ingest.camera": FEEDER,
}
LINE_SOURCE = {"12345": "hotline_12345", "110": "police_110"}
UNSEEN_AFTER_S = 300
OFFLINE_INTERVALS = 3
LIVE_WINDOW = timedelta(hours=24)
HISTORY_LIMIT = 20_000


class CommandError(Exception):
    """A refusal: becomes an ``ack`` with ``ok: false``."""

    def __init__(self, code: str, message: str, field: str | None = None, current: Any = None):
        super().__init__(message)
        self.code, self.message, self.field, self.current = code, message, field, current


@dataclass
class EventRecord:
    seq: int
    ts: str
    kind: str
    data: Any            # the typed object
    raw: bytes           # its JSON, as stored


@dataclass
class SensorState:
    sensor: Sensor
    episode_case: str | None
    last_rx: datetime    # hub clock time of the last reading received


@dataclass
class PendingDetection:
    det: Detection
    key: str
    last_rx: datetime
    evidence: list[Evidence] = field(default_factory=list)


GRID_WORKER_UNIT = "grid_worker"


@dataclass
class HubRules:
    """Knobs of the city's rules (configurable per deployment)."""
    grace_overrides: dict[str, int] = field(default_factory=dict)
    retention: timedelta = timedelta(days=7)
    unseen_after_s: float = UNSEEN_AFTER_S
    # {community code: "name phone"}: who a case for the grid workers goes to
    duty_roster: dict[str, str] = field(default_factory=dict)


class HubCore:
    def __init__(self, storage: Storage, clock, grid: GridIndex, hub_rules: HubRules | None = None):
        self.db = storage
        self.clock = clock
        self.grid = grid
        self.rules = hub_rules or HubRules()
        self.pending_events: list[EventRecord] = []
        self._handlers: dict[str, Callable[[str, Any], dict]] = {
            "case.create": self._case_create, "case.assign": self._case_assign,
            "case.transition": self._case_transition, "case.link": self._case_link,
            "case.unlink": self._case_unlink, "case.history": self._case_history,
            "case.attach": self._case_attach,
            "sensor.history": self._sensor_history, "sensor.ack": self._sensor_ack,
            "ingest.call": self._ingest_call, "ingest.reading": self._ingest_reading,
            "ingest.detection": self._ingest_detection, "ingest.camera": self._ingest_camera,
        }
        self.load()

    # --- state from disk ----------------------------------------------------------
    def load(self) -> None:
        """(Re)build the in-memory state from storage (also used to recover
        from a failed command: the database is the truth)."""
        now = self.clock.now()
        self.seq = self.db.last_seq()
        self.cases: dict[str, Case] = {c.id: c for c in self.db.live_cases(format_ts(now - LIVE_WINDOW))}
        self.overdue_sent = self.db.overdue_sent()
        self.sensors = {s.id: SensorState(s, ep, now) for s, ep in self.db.sensors()}
        self.cameras = {c.id: c for c in self.db.cameras()}
        self.units = {u.id: u for u in self.db.units()}
        self.detections: dict[str, PendingDetection] = {}
        self.detection_by_key: dict[str, str] = {}
        for det, key, last_rx, ev in self.db.pending_detections():
            pd = PendingDetection(det, key, parse_ts(last_rx), msgspec.json.decode(ev, type=list[Evidence]))
            self.detections[det.id] = pd
            self.detection_by_key[key] = det.id
        self.open_ai_keys: dict[str, str] = self.db.open_ai_keys()
        self.pending_events.clear()

    def seed(self, units: list[Unit], cameras: list[Camera], sensors: list[Sensor]) -> None:
        """Add configuration objects that are missing (never overwrites live state)."""
        for u in units:
            if u.id not in self.units:
                self.db.put_unit(u)
                self.units[u.id] = u
        for c in cameras:
            if c.id not in self.cameras:
                self.db.put_camera(c)
                self.cameras[c.id] = c
        now = self.clock.now()
        for s in sensors:
            if s.id not in self.sensors:
                self.db.put_sensor(s, None)
                self.sensors[s.id] = SensorState(s, None, now)

    # --- helpers ---------------------------------------------------------------
    def now(self) -> tuple[datetime, str]:
        dt = self.clock.now()
        return dt, format_ts(dt)

    def emit(self, kind: str, data: Any, ts: str | None = None) -> int:
        """Record an event; ``ts`` is the hub clock's now (formatted), when the
        caller has it already."""
        self.seq += 1
        if ts is None:
            ts = format_ts(self.clock.now())
        raw = encode(data)
        self.db.append_event(self.seq, ts, kind, raw)
        self.pending_events.append(EventRecord(self.seq, ts, kind, data, raw))
        return self.seq

    def take_events(self) -> list[EventRecord]:
        events, self.pending_events = self.pending_events, []
        return events

    def get_case(self, case_id: str) -> Case | None:
        return self.cases.get(case_id) or self.db.get_case(case_id)

    def _require_case(self, case_id: str, field: str = "case") -> Case:
        case = self.get_case(case_id)
        if case is None:
            raise CommandError("not_found", f"no case {case_id}", field)
        return case

    def _check_version(self, case: Case, version: int) -> None:
        if case.version != version:
            raise CommandError("conflict", f"case {case.id} is at version {case.version}, "
                               f"not {version}", "version", current=case)

    def _new_case_id(self, now: datetime) -> str:
        day = now.astimezone(CST).strftime("%Y%m%d")
        return f"C-{day}-{self.db.next_counter('case-' + day):06d}"

    def _save_case(self, case: Case, user: str, op: str, note: str | None, kind: str,
                   ai_key: str | None = None) -> int:
        self.db.put_case(case, ai_key)
        self.cases[case.id] = case
        seq = self.emit(kind, case)
        self.db.add_audit(case.updated_at, user, op, case.id, case.version, case.status, note, seq)
        if ai_key and case.status in OPEN_STATUSES:
            self.open_ai_keys[ai_key] = case.id
        elif case.source == "ai_video" and case.status not in OPEN_STATUSES:
            # the sighting key is free again once its case is closed or rejected
            for k in [k for k, cid in self.open_ai_keys.items() if cid == case.id]:
                del self.open_ai_keys[k]
        return seq

    def _update(self, case: Case, user: str, op: str, note: str | None, **changes) -> Case:
        _, ts = self.now()
        new = msgspec.structs.replace(case, version=case.version + 1, updated_at=ts, **changes)
        self._save_case(new, user, op, note, "case.updated")
        return new

    def _grid_for(self, loc: Location) -> str | None:
        cell = self.grid.nearest_cell(loc.lat, loc.lon, max_m=1000)
        return cell.code if cell else None

    def _make_case(self, user: str, op: str, *, source: str, category: str, title: str,
                   location: Location, reported: datetime, description: str | None = None,
                   grid: str | None = None, caller: Caller | None = None, priority: int | None = None,
                   assignee: Assignee | None = None, camera: str | None = None,
                   sensor: str | None = None, evidence: list[Evidence] | None = None,
                   note: str | None = None, ai_key: str | None = None) -> Case:
        now, ts = self.now()
        prio = priority or default_priority(category)
        grid = grid or self._grid_for(location)
        assignee = self._on_duty(assignee, grid)
        case = Case(
            id=self._new_case_id(now), version=1, source=source, category=category, title=title,
            status="dispatched" if assignee else "received", priority=prio, location=location,
            reported_at=format_ts(reported), updated_at=ts,
            due_at=format_ts(due_at(reported, category, prio)), description=description,
            grid=grid, assignee=assignee, caller=caller,
            links=(), camera=camera, sensor=sensor, evidence=tuple(evidence or ()))
        self._save_case(case, user, op, note, "case.created", ai_key)
        return case

    # --- the command entry point ---------------------------------------------------
    def execute(self, user: str, role: str, op: str, args: dict) -> dict:
        """Run one command; returns its result dict or raises CommandError."""
        roles = OP_ROLES.get(op)
        if roles is None:
            raise CommandError("invalid", f"unknown op {op!r}", "op")
        if role not in roles:
            raise CommandError("forbidden", f"the {role} role may not {op}")
        try:
            parsed = decode_args(op, args)
        except ProtocolError as exc:
            raise CommandError("invalid", exc.reason, exc.field) from None
        return self._handlers[op](user, parsed)

    # --- case ops ------------------------------------------------------------------
    def _case_create(self, user: str, a) -> dict:
        if a.grid is not None and a.grid not in self.grid.cells:
            raise CommandError("invalid", f"unknown grid cell {a.grid}", "grid")
        now, _ = self.now()
        case = self._make_case(user, "case.create", source=a.source, category=a.category,
                               title=a.title, location=a.location, reported=now,
                               description=a.description, grid=a.grid, caller=a.caller,
                               priority=a.priority)
        return {"case": case}

    def _on_duty(self, assignee: Assignee | None, grid: str | None) -> Assignee | None:
        """A case for the grid workers names the one on duty in its
        community (name and phone), unless a person was given."""
        if (assignee is None or assignee.person or assignee.unit != GRID_WORKER_UNIT
                or not grid):
            return assignee
        person = self.rules.duty_roster.get(grid[:12])
        return msgspec.structs.replace(assignee, person=person) if person else assignee

    def _case_assign(self, user: str, a) -> dict:
        case = self._require_case(a.case)
        if a.unit not in self.units:
            raise CommandError("not_found", f"no unit {a.unit}", "unit")
        self._check_version(case, a.version)
        if not loop.can_assign(case.status):
            raise CommandError("invalid", f"a {case.status} case cannot be assigned", "case")
        status = "dispatched" if case.status == "received" else case.status
        new = self._update(case, user, "case.assign", a.note,
                           assignee=self._on_duty(Assignee(unit=a.unit, person=a.person), case.grid),
                           status=status)
        return {"case": new}

    def _case_transition(self, user: str, a) -> dict:
        case = self._require_case(a.case)
        self._check_version(case, a.version)
        try:
            loop.check_move(case.status, a.to, a.note, case.assignee is not None)
        except loop.MoveError as exc:
            raise CommandError("invalid", str(exc), exc.field) from None
        return {"case": self._update(case, user, "case.transition", a.note, status=a.to)}

    def _link_pair(self, a) -> tuple[Case, Case]:
        case = self._require_case(a.case)
        other = self._require_case(a.other, "other")
        self._check_version(case, a.version)
        return case, other

    def _case_link(self, user: str, a) -> dict:
        case, other = self._link_pair(a)
        if case.id == other.id:
            raise CommandError("invalid", "a case cannot be linked to itself", "other")
        if a.relation == "12345-110" and {case.source, other.source} != {"hotline_12345", "police_110"}:
            raise CommandError("invalid", "12345-110 links a hotline_12345 case with a police_110 case",
                               "relation")
        if Link(other.id, a.relation) in case.links:
            raise CommandError("invalid", f"{case.id} and {other.id} are already linked as {a.relation}",
                               "other")
        note = f"{a.relation} {other.id}"
        new = self._update(case, user, "case.link", note, links=case.links + (Link(other.id, a.relation),))
        self._update(other, user, "case.link", f"{a.relation} {case.id}",
                     links=tuple(l for l in other.links if l != Link(case.id, a.relation))
                     + (Link(case.id, a.relation),))
        return {"case": new}

    def _case_unlink(self, user: str, a) -> dict:
        case, other = self._link_pair(a)
        link = Link(other.id, a.relation)
        if link not in case.links:
            raise CommandError("not_found", f"{case.id} has no {a.relation} link to {other.id}", "other")
        new = self._update(case, user, "case.unlink", f"{a.relation} {other.id}",
                           links=tuple(l for l in case.links if l != link))
        back = Link(case.id, a.relation)
        if back in other.links:
            self._update(other, user, "case.unlink", f"{a.relation} {case.id}",
                         links=tuple(l for l in other.links if l != back))
        return {"case": new}

    def _case_attach(self, user: str, a) -> dict:
        try:
            ev_rules.check_url(a.url, a.kind)      # invalid args come before not_found
        except ev_rules.EvidenceError as exc:
            raise CommandError("invalid", str(exc), "url") from None
        case = self._require_case(a.case)
        self._check_version(case, a.version)
        if not loop.is_open(case.status):
            raise CommandError("invalid", f"a {case.status} case takes no more evidence", "case")
        inline = ev_rules.inline_chars([e.url for e in case.evidence] + [a.url])
        if ev_rules.is_data_url(a.url) and inline > ev_rules.MAX_INLINE_PER_CASE:
            raise CommandError("invalid", f"case {case.id} holds too many inline pictures "
                               f"(at most {ev_rules.MAX_INLINE_PER_CASE // 1024} KiB together); "
                               "attach this one by reference", "url")
        _, ts = self.now()
        evidence = case.evidence + (Evidence(a.kind, a.url, ts),)
        return {"case": self._update(case, user, "case.attach", a.note, evidence=evidence)}

    def _case_history(self, user: str, a) -> dict:
        self._require_case(a.case)
        return {"entries": self.db.case_history(a.case)}

    # --- sensors -------------------------------------------------------------------
    def _require_sensor(self, sensor_id: str) -> SensorState:
        st = self.sensors.get(sensor_id)
        if st is None:
            raise CommandError("not_found", f"no sensor {sensor_id}", "sensor")
        return st

    def _sensor_history(self, user: str, a) -> dict:
        self._require_sensor(a.sensor)
        since = format_ts(parse_ts(a.since))
        until = format_ts(parse_ts(a.until)) if a.until else None
        rows = self.db.readings(a.sensor, since, until, HISTORY_LIMIT)
        return {"readings": [{"ts": ts, "value": v} for ts, v in rows]}

    def _sensor_ack(self, user: str, a) -> dict:
        st = self._require_sensor(a.sensor)
        if st.sensor.state not in ("warn", "alarm"):
            raise CommandError("invalid", f"sensor {a.sensor} is {st.sensor.state}: nothing to acknowledge",
                               "sensor")
        if not st.sensor.acked:
            self._set_sensor(st, acked=True)
            _, ts = self.now()
            self.db.add_audit(ts, user, "sensor.ack", st.sensor.id, None, st.sensor.state, None, self.seq)
        return {"sensor": st.sensor}

    def _set_sensor(self, st: SensorState, **changes) -> None:
        st.sensor = msgspec.structs.replace(st.sensor, **changes)
        self.db.put_sensor(st.sensor, st.episode_case)
        self.emit("sensor.state", st.sensor)

    def _ingest_reading(self, user: str, a) -> dict:
        st = self._require_sensor(a.sensor)
        ts = format_ts(parse_ts(a.ts))
        s = st.sensor
        state = rules.next_state(s.state, a.value, s.thresholds)
        st.last_rx = now = self.clock.now()
        now_ts = format_ts(now)
        self.db.add_reading(s.id, ts, a.value)
        changed = state != s.state
        st.sensor = msgspec.structs.replace(s, value=a.value, ts=ts, state=state,
                                            acked=False if changed else s.acked)
        self.emit("sensor.reading", SensorReading(s.id, a.value, ts, state), now_ts)
        if changed:
            self.emit("sensor.state", st.sensor, now_ts)
        if st.episode_case and rules.episode_ends(a.value, s.thresholds):
            st.episode_case = None
        elif state == "alarm" and st.episode_case is None:
            st.episode_case = self._open_episode_case(st, a.value, parse_ts(a.ts)).id
        self.db.put_sensor(st.sensor, st.episode_case)
        return {"sensor": s.id, "state": state}

    def _open_episode_case(self, st: SensorState, value: float, when: datetime) -> Case:
        s = st.sensor
        category = SENSOR_KIND_CATEGORY.get(s.kind, "other")
        info = category_info(category)
        return self._make_case(
            "hub", "ingest.reading", source="iot", category=category,
            title=f"{info.zh}: {s.name}", location=s.location, reported=when, grid=s.grid,
            description=f"{s.name} 读数 {value:g}，超过报警线 {s.thresholds.alarm:g}",
            assignee=Assignee(unit=s.unit), sensor=s.id,
            note=f"alarm episode opened at {value:g}")

    # --- calls, detections, cameras -------------------------------------------------
    def _ingest_call(self, user: str, a) -> dict:
        caller = Caller(name=a.caller.name, phone=a.caller.phone)
        case = self._make_case(user, "ingest.call", source=LINE_SOURCE[a.line], category=a.category,
                               title=a.title, location=a.location, reported=parse_ts(a.ts),
                               description=a.description, caller=caller)
        return {"case": case}

    def _require_camera(self, camera_id: str) -> Camera:
        cam = self.cameras.get(camera_id)
        if cam is None:
            raise CommandError("not_found", f"no camera {camera_id}", "camera")
        return cam

    @staticmethod
    def _ai_key(camera: str | None, category: str, key: str) -> str:
        return f"{camera}\x1f{category}\x1f{key}"

    def _ingest_detection(self, user: str, a) -> dict:
        cam = self._require_camera(a.camera)
        when = parse_ts(a.ts)
        key = self._ai_key(cam.id, a.category, a.key)
        if key in self.open_ai_keys:
            return {}
        det_id = self.detection_by_key.get(key)
        if det_id is not None:
            return self._sighting_of_pending(self.detections[det_id], a, when)
        if not a.present:
            return {}
        grace = grace_seconds(a.category, self.rules.grace_overrides)
        evidence = self._snapshot_evidence(a, when)
        if grace <= 0:
            return {"case": self._ai_case(cam, a.category, a.key, when, evidence)}
        return {"detection": self._new_detection(cam, a, key, when, grace, evidence)}

    @staticmethod
    def _snapshot_evidence(a, when: datetime) -> list[Evidence]:
        return [Evidence("snapshot", a.snapshot, format_ts(when))] if a.snapshot else []

    def _new_detection(self, cam: Camera, a, key: str, when: datetime, grace: int,
                       evidence: list[Evidence]) -> Detection:
        now, ts = self.now()
        det = Detection(id=f"D-{self.db.next_counter('detection'):08d}", category=a.category,
                        camera=cam.id, key=a.key, location=cam.location, grid=cam.grid,
                        first_seen=format_ts(when),
                        promote_at=format_ts(when + timedelta(seconds=grace)), snapshot=a.snapshot)
        pd = PendingDetection(det, key, now, evidence)
        self.detections[det.id] = pd
        self.detection_by_key[key] = det.id
        self.db.put_detection(det, key, "pending", ts, evidence)
        self.emit("detection.pending", det)
        return det

    def _sighting_of_pending(self, pd: PendingDetection, a, when: datetime) -> dict:
        now, ts = self.now()
        pd.last_rx = now
        if not a.present:
            self._clear_detection(pd, "gone")
            return {}
        pd.evidence.extend(self._snapshot_evidence(a, when))
        if when >= parse_ts(pd.det.promote_at):
            cam = self.cameras[pd.det.camera]
            case = self._ai_case(cam, pd.det.category, pd.det.key, parse_ts(pd.det.first_seen),
                                 pd.evidence)
            self._clear_detection(pd, "promoted", case.id)
            return {"case": case}
        self.db.put_detection(pd.det, pd.key, "pending", ts, pd.evidence)
        return {"detection": pd.det}

    def _clear_detection(self, pd: PendingDetection, reason: str, case_id: str | None = None) -> None:
        self.detections.pop(pd.det.id, None)
        self.detection_by_key.pop(pd.key, None)
        _, ts = self.now()
        self.db.put_detection(pd.det, pd.key, reason, ts, pd.evidence)
        self.emit("detection.cleared", DetectionCleared(pd.det.id, reason, case_id))

    def _ai_case(self, cam: Camera, category: str, key: str, first_seen: datetime,
                 evidence: list[Evidence]) -> Case:
        info = category_info(category)
        return self._make_case(
            "hub", "ingest.detection", source="ai_video", category=category,
            title=f"{info.zh}: {cam.name}", location=cam.location, reported=first_seen, grid=cam.grid,
            description=f"AI识别 {info.zh}（{key}），首次发现 {format_ts(first_seen)}",
            assignee=Assignee(unit=unit_for_category(category)), camera=cam.id,
            evidence=tuple(evidence), note=f"AI sighting {key}",
            ai_key=self._ai_key(cam.id, category, key))

    def _ingest_camera(self, user: str, a) -> dict:
        cam = self._require_camera(a.camera)
        if cam.status != a.status:
            cam = msgspec.structs.replace(cam, status=a.status)
            self.cameras[cam.id] = cam
            self.db.put_camera(cam)
            self.emit("camera.status", CameraStatusChange(cam.id, a.status, format_ts(parse_ts(a.ts))))
        return {}

    # --- timers: the rules that run on the hub's clock ---------------------------------
    def tick(self) -> None:
        now, ts = self.now()
        self._flag_overdue(ts)
        self._clear_unseen(now)
        self._mark_offline(now)
        self._evict_old_cases(now)

    def _flag_overdue(self, ts: str) -> None:
        for case in list(self.cases.values()):
            if case.status in OPEN_STATUSES and case.due_at <= ts and case.id not in self.overdue_sent:
                self.overdue_sent.add(case.id)
                self.db.mark_overdue_sent(case.id)
                self.emit("case.overdue", CaseOverdue(case.id, case.due_at))

    def _clear_unseen(self, now: datetime) -> None:
        limit = now - timedelta(seconds=self.rules.unseen_after_s)
        for pd in [p for p in self.detections.values() if p.last_rx < limit]:
            self._clear_detection(pd, "unseen")

    def _mark_offline(self, now: datetime) -> None:
        for st in self.sensors.values():
            silent = (now - st.last_rx).total_seconds()
            if st.sensor.state != "offline" and silent >= OFFLINE_INTERVALS * st.sensor.interval_s:
                self._set_sensor(st, state="offline", acked=False)

    def _evict_old_cases(self, now: datetime) -> None:
        cutoff = format_ts(now - LIVE_WINDOW)
        for cid in [c.id for c in self.cases.values()
                    if c.status not in OPEN_STATUSES and c.updated_at < cutoff]:
            del self.cases[cid]

    def prune(self) -> None:
        now, _ = self.now()
        self.db.prune(format_ts(now - self.rules.retention))

    # --- read views --------------------------------------------------------------
    def snapshot_parts(self) -> dict[str, list]:
        return {
            "cases": list(self.cases.values()),
            "sensors": [st.sensor for st in self.sensors.values()],
            "cameras": list(self.cameras.values()),
            "detections": [pd.det for pd in self.detections.values()],
            "units": list(self.units.values()),
        }

    def is_mutating(self, op: str) -> bool:
        return op in OP_ROLES and op not in READ_OPS


def default_units() -> list[Unit]:
    return list(UNITS)


__all__ = ["HubCore", "CommandError", "EventRecord", "HubRules", "OP_ROLES", "CATEGORY_INFO",
           "default_units"]
