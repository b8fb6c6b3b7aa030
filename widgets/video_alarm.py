"""Which camera shows a new case (alarm follows video). No Qt.

An AI-video case names its camera. An IoT case names its sensor: show the
nearest camera within ``NEAREST_CAMERA_M`` of the sensor (the rainstorm
scenario's underpass gauge has a junction camera ~190 m away). Other cases
(hotline calls) don't pull a camera by themselves: a dispatcher asks for the
nearest one with one key (V, bus.alarm_case)."""
from __future__ import annotations

from datetime import timedelta

from console.domain.grid import distance_m
from console.protocol import OPEN_STATUSES, Camera, Case, parse_ts
from console.store import LiveStore

NEAREST_CAMERA_M = 300.0
FRESH_FOR = timedelta(minutes=10)     # older cases replayed after a reconnect don't pop up


def nearest_camera(store: LiveStore, lat: float, lon: float,
                   max_m: float = NEAREST_CAMERA_M) -> Camera | None:
    best, best_d = None, max_m
    for cam in store.cameras.values():
        d = distance_m(lat, lon, cam.location.lat, cam.location.lon)
        if d <= best_d:
            best, best_d = cam, d
    return best


def camera_for_case(store: LiveStore, case: Case, max_m: float = NEAREST_CAMERA_M, *,
                    asked: bool = False) -> str | None:
    """The case's camera; for an IoT case the one nearest its sensor; when a
    dispatcher ``asked`` for one, the one nearest any case's location."""
    if case.camera and case.camera in store.cameras:
        return case.camera
    if case.sensor or asked:
        sensor = store.sensors.get(case.sensor) if case.sensor else None
        loc = sensor.location if sensor is not None else case.location
        cam = nearest_camera(store, loc.lat, loc.lon, max_m)
        return cam.id if cam else None
    return None


def is_fresh_alarm(store: LiveStore, case: Case) -> bool:
    """Open, and reported within the last few minutes of hub time."""
    if case.status not in OPEN_STATUSES:
        return False
    try:
        reported = parse_ts(case.reported_at)
    except ValueError:
        return False
    return store.hub_now() - reported <= FRESH_FOR


def pick_alarm(store: LiveStore, case_ids: set[str]) -> tuple[Case, str] | None:
    """Of a batch of new cases, the most urgent fresh one that has a camera."""
    best: tuple[tuple, Case, str] | None = None
    for cid in case_ids:
        case = store.cases.get(cid)
        if case is None or not is_fresh_alarm(store, case):
            continue
        cam = camera_for_case(store, case)
        if cam is None:
            continue
        key = (case.priority, _neg(case.reported_at))
        if best is None or key < best[0]:
            best = (key, case, cam)
    return None if best is None else (best[1], best[2])


def _neg(ts: str) -> tuple[int, ...]:
    """Sort newest first with plain tuple ordering."""
    return tuple(-ord(ch) for ch in ts)
