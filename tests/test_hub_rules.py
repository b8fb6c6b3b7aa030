"""The city's rules on ingested data: AI grace, thresholds with hysteresis,
one case per alarm episode, offline sensors, overdue cases, camera status."""
from __future__ import annotations

from datetime import timedelta

import pytest

from console.protocol import format_ts
from hub.testing import SyncClient
from tests.hubhelpers import create_case


@pytest.fixture
def feeder(connect):
    c = connect("demo-feeder")
    c.snapshot = c.recv()
    return c


@pytest.fixture
def disp(connect):
    c = connect("demo-dispatcher")
    c.snapshot = c.recv()
    return c


def _first(snapshot: dict, kind: str) -> dict:
    return next(s for s in snapshot["sensors"] if s["kind"] == kind)


def _camera(snapshot: dict, group: str = "traffic") -> dict:
    return next(c for c in snapshot["cameras"] if c["group"] == group)


def at(clock, seconds: float) -> str:
    return format_ts(clock.now() + timedelta(seconds=seconds))


# --- AI grace ------------------------------------------------------------------

def sight(feeder, cam, key, ts, present=True, category="illegal_parking", snapshot=None):
    args = {"camera": cam["id"], "category": category, "key": key, "ts": ts, "present": present}
    if snapshot:
        args["snapshot"] = snapshot
    ack = feeder.command("ingest.detection", args)
    assert ack["ok"], ack
    return ack["result"]


def test_parking_grace_promotes_only_after_15_minutes_of_sightings(feeder, disp, clock):
    cam = _camera(feeder.snapshot)
    r = sight(feeder, cam, "蒙C·12345", at(clock, 0), snapshot="http://cam/1.jpg")
    det = r["detection"]
    assert det["first_seen"] == at(clock, 0) and det["promote_at"] == at(clock, 900)
    assert det["camera"] == cam["id"] and det["grid"] == cam["grid"]
    for minute in range(1, 15):
        assert "detection" in sight(feeder, cam, "蒙C·12345", at(clock, 60 * minute))
    r = sight(feeder, cam, "蒙C·12345", at(clock, 900), snapshot="http://cam/2.jpg")
    case = r["case"]
    assert case["source"] == "ai_video" and case["category"] == "illegal_parking"
    assert case["camera"] == cam["id"] and case["status"] == "dispatched"
    assert case["assignee"]["unit"] == "city_mgmt"
    assert [e["url"] for e in case["evidence"]] == ["http://cam/1.jpg", "http://cam/2.jpg"]
    disp.recv_until(lambda f: f.get("kind") == "detection.cleared")
    cleared = [e["data"] for e in disp.events if e["kind"] == "detection.cleared"][-1]
    assert cleared == {"detection": det["id"], "reason": "promoted", "case": case["id"]}
    # while that case is open, more sightings make nothing
    assert sight(feeder, cam, "蒙C·12345", at(clock, 960)) == {}


def test_parking_cleared_within_grace_makes_no_case(feeder, disp, clock):
    cam = _camera(feeder.snapshot)
    det = sight(feeder, cam, "蒙C·A0001", at(clock, 0))["detection"]
    assert sight(feeder, cam, "蒙C·A0001", at(clock, 300), present=False) == {}
    disp.recv_until(lambda f: f.get("kind") == "detection.cleared")
    assert disp.events[-1]["data"] == {"detection": det["id"], "reason": "gone", "case": None} or \
        disp.events[-1]["data"] == {"detection": det["id"], "reason": "gone"}
    assert not [e for e in disp.events if e["kind"] == "case.created"]


def test_unseen_detection_clears_after_5_minutes_of_hub_time(hub, feeder, disp, clock):
    cam = _camera(feeder.snapshot)
    det = sight(feeder, cam, "蒙C·B0002", at(clock, 0))["detection"]
    clock.advance(299)
    hub.run_rules()
    clock.advance(2)
    hub.run_rules()
    ev = disp.recv_until(lambda f: f.get("kind") == "detection.cleared")
    assert ev["data"]["detection"] == det["id"] and ev["data"]["reason"] == "unseen"


def test_category_without_grace_makes_a_case_at_first_sighting(feeder, clock):
    cam = _camera(feeder.snapshot, "city_mgmt")
    r = sight(feeder, cam, "vendor-cart-1", at(clock, 0), category="street_vending")
    assert r["case"]["category"] == "street_vending" and r["case"]["caller"] is None


def test_replayed_sightings_give_the_same_outcome(tmp_path, clock):
    """Grace runs on the sightings' own clock: the same stream, the same case."""
    from hub.testing import HubThread
    outcomes = []
    for run in range(2):
        with HubThread(tmp_path / f"h{run}", clock=clock) as h:
            f = SyncClient(h.url, user="demo-feeder")
            snap = f.recv()
            cam = _camera(snap)
            base = "2026-11-25T02:03:00.000Z"
            from console.protocol import parse_ts
            t0 = parse_ts(base)
            res = [sight(f, cam, "蒙C·R1", format_ts(t0 + timedelta(seconds=s))) for s in (0, 400, 899, 901)]
            outcomes.append([sorted(r) for r in res] + [res[-1]["case"]["reported_at"]])
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][:4] == [["detection"], ["detection"], ["detection"], ["case"]]


# --- thresholds and episodes ----------------------------------------------------

def read(feeder, sensor, value, ts):
    ack = feeder.command("ingest.reading", {"sensor": sensor["id"], "value": value, "ts": ts})
    assert ack["ok"], ack
    return ack["result"]["state"]


def test_hysteresis_and_one_case_per_episode(feeder, disp, clock):
    s = _first(feeder.snapshot, "water_level")
    t = s["thresholds"]
    warn, alarm, h = t["warn"], t["alarm"], t["hysteresis"]
    values = [warn - 1, warn, warn - h / 2, alarm, alarm - h / 2, alarm + 1, alarm - h / 3,
              alarm, alarm - h, warn + 0.1, alarm + 2, warn - h]
    states = [read(feeder, s, v, at(clock, 60 * i)) for i, v in enumerate(values)]
    assert states == ["normal", "warn", "warn", "alarm", "alarm", "alarm", "alarm",
                      "alarm", "warn", "warn", "alarm", "normal"]
    disp.drain(0.3)
    created = [e["data"] for e in disp.events if e["kind"] == "case.created"]
    # two episodes: the first ended at alarm - hysteresis, the second began at alarm + 2
    assert len(created) == 2
    c = created[0]
    assert c["source"] == "iot" and c["sensor"] == s["id"] and c["category"] == "waterlogging"
    assert c["status"] == "dispatched" and c["assignee"]["unit"] == s["unit"] and c["priority"] == 1
    hist = disp.command("case.history", {"case": c["id"]})["result"]["entries"]
    assert hist[0]["user"] == "hub"
    state_events = [e["data"]["state"] for e in disp.events if e["kind"] == "sensor.state"]
    assert state_events == ["warn", "alarm", "warn", "alarm", "normal"]
    readings = [e for e in disp.events if e["kind"] == "sensor.reading"]
    assert len(readings) == len(values)
    assert readings[0]["data"] == {"sensor": s["id"], "value": values[0], "ts": at(clock, 0), "state": "normal"}


def test_value_hovering_at_alarm_line_does_not_flap(feeder, disp, clock):
    s = _first(feeder.snapshot, "gas")
    t = s["thresholds"]
    for i in range(40):
        wobble = t["alarm"] + (0.4 if i % 2 else -0.4) * t["hysteresis"]
        read(feeder, s, wobble, at(clock, 30 * i))
    disp.drain(0.3)
    # the first reading is just under the line (warn); after that no flapping
    assert [e["data"]["state"] for e in disp.events if e["kind"] == "sensor.state"] == ["warn", "alarm"]
    assert len([e for e in disp.events if e["kind"] == "case.created"]) == 1


def test_offline_after_three_missed_intervals_does_not_end_episode(hub, feeder, disp, clock):
    s = _first(feeder.snapshot, "water_level")
    read(feeder, s, s["thresholds"]["alarm"] + 5, at(clock, 0))
    clock.advance(3 * s["interval_s"] - 1)
    hub.run_rules()
    ack = disp.command("sensor.ack", {"sensor": s["id"]})  # still alarm, not offline yet
    assert ack["ok"] and ack["result"]["sensor"]["state"] == "alarm"
    # every other sensor has been silent since the hub started, so all go offline
    clock.advance(2)
    hub.run_rules()
    ev = disp.recv_until(lambda f: f.get("kind") == "sensor.state" and f["data"]["id"] == s["id"]
                         and f["data"]["state"] == "offline")
    assert ev["data"]["acked"] is False
    assert read(feeder, s, s["thresholds"]["alarm"] + 5, at(clock, 0)) == "alarm"
    disp.drain(0.3)
    assert len([e for e in disp.events if e["kind"] == "case.created"]) == 1


def test_sensor_ack_rules(feeder, disp, clock):
    s = _first(feeder.snapshot, "manhole")
    assert disp.command("sensor.ack", {"sensor": s["id"]})["error"]["code"] == "invalid"
    assert disp.command("sensor.ack", {"sensor": "NOPE"})["error"]["code"] == "not_found"
    read(feeder, s, s["thresholds"]["warn"], at(clock, 0))
    first = disp.command("sensor.ack", {"sensor": s["id"]})
    assert first["ok"] and first["result"]["sensor"]["acked"] is True and "seq" in first
    second = disp.command("sensor.ack", {"sensor": s["id"]})
    assert second["ok"] and "seq" not in second
    read(feeder, s, s["thresholds"]["alarm"], at(clock, 60))
    ev = disp.recv_until(lambda f: f.get("kind") == "sensor.state" and f["data"]["state"] == "alarm")
    assert ev["data"]["acked"] is False


def test_sensor_history_range(feeder, disp, clock):
    s = _first(feeder.snapshot, "gas")
    for i in range(10):
        read(feeder, s, float(i), at(clock, 30 * i))
    got = disp.command("sensor.history", {"sensor": s["id"], "since": at(clock, 60), "until": at(clock, 150)})
    assert [r["value"] for r in got["result"]["readings"]] == [2.0, 3.0, 4.0, 5.0]
    assert got["result"]["readings"][0]["ts"] == at(clock, 60)
    bad = disp.command("sensor.history", {"sensor": s["id"], "since": "yesterday"})
    assert bad["error"]["code"] == "invalid" and bad["error"]["field"] == "since"


# --- SLA and cameras --------------------------------------------------------------

def test_overdue_event_once_when_case_passes_due_at(hub, disp, clock):
    case = create_case(disp, category="gas_leak", priority=1)
    clock.advance(29 * 60)
    hub.run_rules()
    clock.advance(61)
    hub.run_rules()
    hub.run_rules()
    disp.drain(0.3)
    overdue = [e["data"] for e in disp.events if e["kind"] == "case.overdue"]
    assert overdue == [{"case": case["id"], "due_at": case["due_at"]}]


def test_closed_case_is_never_overdue(hub, disp, clock):
    case = create_case(disp, category="gas_leak", priority=1)
    disp.command("case.transition", {"case": case["id"], "version": 1, "to": "rejected", "note": "误报"})
    clock.advance(3600)
    hub.run_rules()
    disp.drain(0.3)
    assert not [e for e in disp.events if e["kind"] == "case.overdue"]


def test_camera_status_event_only_on_change(feeder, disp, clock):
    cam = _camera(feeder.snapshot)
    for status in ("offline", "offline", "online"):
        assert feeder.command("ingest.camera", {"camera": cam["id"], "status": status, "ts": at(clock, 0)})["ok"]
    disp.drain(0.3)
    got = [e["data"] for e in disp.events if e["kind"] == "camera.status"]
    assert [g["status"] for g in got] == ["offline", "online"] and got[0]["camera"] == cam["id"]


def test_ingest_call_makes_a_case_for_its_line(feeder, disp, clock):
    ack = feeder.command("ingest.call", {
        "line": "110", "caller": {"name": "赵六", "phone": "13900001111"}, "category": "waterlogging",
        "title": "下穿通道有车被困", "location": {"lat": 39.69, "lon": 106.83}, "ts": at(clock, -120)})
    assert ack["ok"]
    case = ack["result"]["case"]
    assert case["source"] == "police_110" and case["caller"] is None  # the feeder sees no callers
    assert case["reported_at"] == at(clock, -120)
    ev = disp.recv_until(lambda f: f.get("kind") == "case.created")
    assert ev["data"]["caller"] == {"name": "赵六", "phone": "13900001111"}
