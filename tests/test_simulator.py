"""The demo feeder (hub/simulator.py): a real hub on a clock 600× fast (a
sim-hour in 6 s) fed by the simulator for 130 sim-minutes (~13 s), then
checked against the events the hub logged: the shift-start backlog, the live
day, the field units (demo-field) and a human dispatcher they must not fight;
then the hub restarts and a second simulator must not play a second backlog.
Plus the scheduler, the backlog's plan and determinism without a hub."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from console.client import CommandFailed, Credentials, HubClient
from console.domain import demo
from console.domain.grid import distance_m
from console.domain.units import unit_for_category
from console.protocol import OPEN_STATUSES, Case, format_ts, parse_ts
from hub.clock import ManualClock, ScaledClock
from hub.simulator import BACKLOG_ASSIGN_P, BACKLOG_FRESH_S, HUMAN_HOLD_S, Scheduler, Simulator, gas_profile, rain_profile
from hub.testing import HubThread

START = datetime(2026, 7, 15, 1, 0, tzinfo=timezone.utc)   # 09:00 in Wuhai
RATE = 600.0
PLAY = timedelta(minutes=130)       # every story of the first cycle has played out by then
MAX_REAL_S = 45.0                   # a starved box gets this long to get there
CYCLE = timedelta(hours=3)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Played:
    sim: Simulator
    events: list[dict]
    cases: dict[str, dict]
    problems: list[str]
    after_backlog: list[Case]           # the hub's cases when the backlog had played
    hub_now_after_backlog: datetime
    touched: list[tuple[str, int, str]]  # (case, version, ts) of the human's changes
    history: dict[str, list]            # case -> its history entries
    restarted: Simulator                # a second simulator, after a hub restart
    new_after_restart: list[str]        # the cases it made

    def of(self, kind: str) -> list[dict]:
        return [e["data"] for e in self.events if e["kind"] == kind]

    @property
    def start(self) -> str:
        return Simulator.ts(self.sim.start)


class _NoSink:
    def on_welcome(self, welcome, extra): pass
    def on_snapshot(self, snapshot): pass
    def on_event(self, event): pass
    def on_status(self, status): pass


async def _human(sim: Simulator, url: str, clock, touched: list, want: int = 6) -> None:
    """A dispatcher who re-assigns a case (same unit, a person named) just
    before the field would move it: the field must leave it for 2 minutes."""
    client = HubClient(url, Credentials("demo-dispatcher", "demo"), _NoSink())
    client.start()
    try:
        await client.wait_connected()
        await sim.backlog_done.wait()
        tried: set[str] = set()
        while len(touched) < want:
            now = clock.now().timestamp()
            for plan in list(sim.field_plans.values()):
                case = sim.field_sink.cases.get(plan.case)
                if plan.case in tried or plan.dropped or not now + 10 <= plan.due <= now + 80 \
                        or case is None or case.status != plan.status:
                    continue
                tried.add(case.id)
                try:
                    result = await client.command("case.assign", {
                        "case": case.id, "version": case.version, "unit": case.assignee.unit,
                        "person": "值班长", "note": "人工改派"})
                except CommandFailed:
                    continue        # the field was first: fine
                c = result["case"]
                touched.append((c["id"], c["version"], c["updated_at"]))
                break
            await asyncio.sleep(0.05)
    finally:
        await client.close()


def _all_events(hub: HubThread) -> list[dict]:
    """Every event the hub logged, as sent on the wire (read from its storage:
    faster than a replay, and a SyncClient left with unread frames from a 600×
    hub can wait its 10 s close timeout)."""
    rows = hub.call(lambda: hub.server.storage.db.execute(
        "SELECT seq, ts, kind, data FROM events ORDER BY seq").fetchall())
    return [{"seq": seq, "ts": ts, "kind": kind, "data": json.loads(data)} for seq, ts, kind, data in rows]


def _hub_cases(hub: HubThread) -> list[Case]:
    return hub.call(lambda: list(hub.server.core.cases.values()))


@pytest.fixture(scope="module")
def played(tmp_path_factory) -> Played:
    clock = ScaledClock(RATE, start=START)
    errors = _Errors()
    root = logging.getLogger()
    root.addHandler(errors)
    touched: list[tuple[str, int, str]] = []
    seen: dict = {}
    try:
        with HubThread(tmp_path_factory.mktemp("simhub"), clock=clock) as hub:
            sim = Simulator(hub.url, clock=clock, seed=1)

            async def watch_backlog() -> None:
                await sim.backlog_done.wait()
                seen["cases"] = await asyncio.to_thread(_hub_cases, hub)
                seen["now"] = clock.now()

            async def play() -> None:
                loop = asyncio.get_running_loop()
                task = asyncio.create_task(sim.run())
                helpers = [asyncio.create_task(watch_backlog()),
                           asyncio.create_task(_human(sim, hub.url, clock, touched))]
                target, deadline = (START + PLAY).timestamp(), loop.time() + MAX_REAL_S
                while loop.time() < deadline and not task.done():
                    nxt = sim.sched.next_time()
                    if sim.start is not None and nxt is not None and nxt >= target:
                        break           # the simulator has played PLAY (it may lag the clock)
                    await asyncio.sleep(0.1)
                settle = loop.time() + 2.0
                while sim.client.pending_count > 50 and loop.time() < settle:
                    await asyncio.sleep(0.05)
                for t in (task, *helpers):
                    t.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await t

            asyncio.run(play())
            events = _all_events(hub)
            history = hub.call(lambda: {cid: hub.server.storage.case_history(cid)
                                        for cid in {e["data"]["id"] for e in events
                                                    if e["kind"] == "case.created"}})

            # the hub restarts; the simulator comes back: no second backlog
            hub.restart()
            again = Simulator(hub.url, clock=clock, seed=2)

            async def replay() -> None:
                task = asyncio.create_task(again.run())
                await asyncio.wait_for(again.backlog_done.wait(), 20)
                await asyncio.sleep(1.0)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

            asyncio.run(replay())
            after_restart = hub.call(lambda: hub.server.storage.db.execute(
                "SELECT id FROM cases").fetchall())
    finally:
        root.removeHandler(errors)
    cases: dict[str, dict] = {}
    for e in events:
        if e["kind"] in ("case.created", "case.updated"):
            cases[e["data"]["id"]] = e["data"]
    problems = [f"{r.name}: {r.getMessage()}" for r in errors.records
                if r.levelno >= logging.ERROR or r.name == "hub.simulator"]
    assert "cases" in seen, "the backlog never finished"
    new = [cid for (cid,) in after_restart if cid not in history]
    return Played(sim, events, cases, problems, seen["cases"], seen["now"], touched, history,
                  again, new)


def test_nothing_was_refused_and_nothing_went_wrong(played):
    s = played.sim.stats
    sent = sum(n for k, n in s.items() if k.startswith("ingest."))
    assert s["refused"] == 0, played.problems
    assert s["field.refused"] == 0, played.problems     # conflicts (the human first) are fine
    assert s["ok"] + s["unacked"] == sent and s["ok"] > sent / 2 and sent > 3000, s
    assert s["backlog.ok"] == s["backlog.call"] == len(played.sim.backlog), s
    assert played.problems == []


def test_the_shift_opens_with_a_backlog(played):
    sim, start = played.sim, played.start
    assert sim.backlog_state == "played" and sim.backlog_real_s is not None
    assert sim.backlog_real_s < 20, sim.backlog_real_s
    backlog = [c for c in played.after_backlog if c.reported_at < start]
    assert len(backlog) == len(sim.backlog)
    open_ = [c for c in backlog if c.status in OPEN_STATUSES]
    assert len(open_) >= 30, len(open_)
    # reported over the previous 8 hours, both lines, every stage of the loop
    earliest = min(parse_ts(c.reported_at) for c in backlog)
    assert timedelta(hours=7) <= parse_ts(start) - earliest <= timedelta(hours=8)
    assert {c.source for c in backlog} == {"hotline_12345", "police_110"}
    assert {"received", "dispatched", "in_progress", "verifying", "closed"} <= {c.status for c in backlog}
    # some of it is overdue by the hub's clock, and the hub said so
    now = format_ts(played.hub_now_after_backlog)
    overdue = {c.id for c in open_ if c.due_at <= now}
    assert overdue
    flagged = {d["case"] for d in played.of("case.overdue")}
    assert overdue & flagged
    # the last shift dispatched to the category's own unit; fresh calls are the human's
    for c in backlog:
        if c.assignee is not None:
            assert c.assignee.unit == unit_for_category(c.category), c
        if parse_ts(start) - parse_ts(c.reported_at) < timedelta(seconds=BACKLOG_FRESH_S):
            assert c.status == "received", c
    closed = [c for c in backlog if c.status == "closed"]
    assert closed and len(closed) < len(open_) / 3
    for c in closed:
        h = played.history[c.id]
        assert [e.user for e in h] == ["demo-feeder"] + ["demo-field"] * 4
        assert h[-1].note == "核查通过" and h[-2].status == "verifying" and h[-2].note


def test_a_restart_plays_no_second_backlog(played):
    again = played.restarted
    assert again.backlog_state == "skipped" and again.stats["backlog.call"] == 0
    assert len(played.new_after_restart) < 30, played.new_after_restart     # the live day's only


def test_field_units_work_dispatched_cases(played):
    s = played.sim.stats
    assert s["field.in_progress"] >= 5 and s["field.verifying"] >= 5, s
    start = format_ts(played.hub_now_after_backlog)    # the live day's moves, not the backlog's
    moved = {}
    for cid, h in played.history.items():
        for e in h:
            if e.user == "demo-field" and e.op == "case.transition" and e.ts >= start \
                    and e.status in ("in_progress", "verifying"):
                moved.setdefault(e.status, []).append(cid)
                i = h.index(e)
                prev = h[i - 1]
                assert prev.status == {"in_progress": "dispatched", "verifying": "in_progress"}[e.status]
                while i > 1 and h[i - 2].status == prev.status:
                    i -= 1          # (a human may have changed it meanwhile, as in the test below)
                # units take their time: 5-20 min to start, 20-90 to finish
                gap = (parse_ts(e.ts) - parse_ts(h[i - 1].ts)).total_seconds()
                assert gap >= (5 * 60 if e.status == "in_progress" else 20 * 60) - 1, (cid, h)
                if e.status == "verifying":
                    assert e.note
    assert len(moved.get("in_progress", [])) >= 5 and len(moved.get("verifying", [])) >= 5, moved
    # live cases the hub dispatched itself (IoT, AI) are worked too; received ones never
    iot_ai = {c["id"] for c in played.cases.values() if c["source"] in ("iot", "ai_video")}
    assert iot_ai & set(moved["in_progress"])
    for cid, h in played.history.items():
        for i, e in enumerate(h):
            if e.user == "demo-field" and e.ts >= start:
                assert h[i - 1].status != "received", h
    # modest: at most a couple of live moves per sim-minute (2 per minute bucket,
    # so at most 4 in any sliding minute)
    ts = sorted(parse_ts(e.ts) for h in played.history.values() for e in h
                if e.user == "demo-field" and e.op == "case.transition" and e.ts >= start)
    for a, b in zip(ts, ts[4:]):
        assert b - a >= timedelta(minutes=1), (a, b)


def test_the_field_leaves_a_case_the_human_just_changed(played):
    assert len(played.touched) >= 3, played.touched
    assert played.sim.stats["field.held"] >= 1
    for cid, version, ts in played.touched:
        later = [e for e in played.history[cid] if e.version > version]
        for e in later:
            if e.user == "demo-field":
                assert parse_ts(e.ts) - parse_ts(ts) >= timedelta(seconds=HUMAN_HOLD_S), \
                    (cid, ts, played.history[cid])


def test_calls_arrive_from_both_lines_with_linkable_pairs(played):
    calls = [c for c in played.cases.values() if c["source"] in ("hotline_12345", "police_110")
             and c["reported_at"] >= played.start]       # the live day, not the backlog
    by_src = Counter(c["source"] for c in calls)
    assert by_src["hotline_12345"] >= 30 and by_src["police_110"] >= 10, by_src
    pairs = []
    for a in (c for c in calls if c["source"] == "hotline_12345"):
        for b in (c for c in calls if c["source"] == "police_110"):
            dt = (parse_ts(b["reported_at"]) - parse_ts(a["reported_at"])).total_seconds()
            d = distance_m(a["location"]["lat"], a["location"]["lon"],
                           b["location"]["lat"], b["location"]["lon"])
            if 0 <= dt <= 600 and d <= 500:
                pairs.append((a["id"], b["id"], a["category"], b["category"]))
    assert len(pairs) >= 2, pairs      # the rainstorm's pair and background ones
    assert any(a == "waterlogging" == b for _, _, a, b in pairs)
    titles = {c["title"] for c in calls}
    assert len(titles) >= 15            # templates, not one string


def test_parking_promoted_after_grace_and_most_cleared_gone(played):
    pending = {d["id"]: d for d in played.of("detection.pending")}
    cleared = [(pending[c["detection"]], c) for c in played.of("detection.cleared")
               if c["detection"] in pending]
    parking = [(d, c) for d, c in cleared if d["category"] == "illegal_parking"]
    promoted = [(d, c) for d, c in parking if c["reason"] == "promoted"]
    gone = [d for d, c in parking if c["reason"] == "gone"]
    assert promoted and len(gone) >= 5, Counter(c["reason"] for _, c in parking)
    assert len(gone) > len(promoted)
    story = [played.cases[c["case"]] for d, c in promoted if d["camera"] == "CAM-0002"]
    assert story, "the bus-stop car of scenario 2 was not promoted"
    case = story[0]
    assert case["source"] == "ai_video" and case["assignee"]["unit"] == "city_mgmt"
    assert case["evidence"] and case["evidence"][0]["url"].startswith("demo:CAM-0002/")
    for d, c in promoted:
        case = played.cases[c["case"]]
        assert parse_ts(case["updated_at"]) - parse_ts(d["first_seen"]) >= timedelta(seconds=900)


def test_rainstorm_makes_one_waterlogging_case_per_episode(played):
    t_end = START + CYCLE
    wl = [c for c in played.cases.values() if c["sensor"] == "WL-001"]
    first = [c for c in wl if parse_ts(c["reported_at"]) < t_end]
    assert len(first) == 1, [(c["id"], c["reported_at"]) for c in wl]
    assert first[0]["category"] == "waterlogging" and first[0]["assignee"]["unit"] == "emergency"
    values = [r["value"] for r in played.of("sensor.reading") if r["sensor"] == "WL-001"]
    peak = values.index(max(values))
    assert max(values) >= 25 and min(values[peak:]) <= 22     # the episode ended
    states = [s["state"] for s in played.of("sensor.state") if s["id"] == "WL-001"]
    if "offline" not in states[:4]:     # (a starved CI box can make the hub see a gauge go silent)
        assert states[:4] == ["warn", "alarm", "warn", "normal"], states
    # the other gauges rose (some to warn) but none to alarm
    others = {s["id"] for s in played.of("sensor.state")
              if s["id"].startswith("WL-") and s["id"] != "WL-001" and s["state"] == "warn"}
    assert others
    assert not [c for c in wl if c not in first and parse_ts(c["reported_at"]) < t_end]
    assert not [c for c in played.cases.values()
                if c["category"] == "waterlogging" and c["source"] == "iot" and c["sensor"] != "WL-001"]


def test_every_sensor_reports_and_normal_sensors_stay_normal(played):
    readings = Counter(r["sensor"] for r in played.of("sensor.reading"))
    sensors = {s.id for s in demo.load_sensors()}
    assert set(readings) == sensors
    iot = Counter(c["sensor"] for c in played.cases.values() if c["source"] == "iot")
    # only the story sensors ever alarm
    assert set(iot) <= {"WL-001", "GAS-001", "MH-001", "ER-001"}, iot
    assert {"WL-001", "GAS-001", "MH-001", "ER-001"} <= set(iot), iot


def test_a_first_start_writes_the_hour_before_it_and_a_restart_does_not(played):
    """The gauges open with a trend: the hour before the start, for every
    sensor, in time order, raising no alarm and no case; the elderly
    resident's radar climbs through that hour as its story says."""
    start = played.start
    past = [r for r in played.of("sensor.reading") if r["ts"] < start]
    per = Counter(r["sensor"] for r in past)
    sensors = {s.id: s for s in demo.load_sensors()}
    assert set(per) == set(sensors)
    for sid, n in per.items():                                        # one per interval (30 s at least)
        assert n == 3600 // max(sensors[sid].interval_s, 30), (sid, n)
    assert played.sim.stats["history.reading"] == len(past)
    assert min(r["ts"] for r in past) >= Simulator.ts(played.sim.start - 3600)
    assert all(r["state"] != "alarm" for r in past)
    assert not [c for c in played.cases.values() if c["source"] == "iot" and c["reported_at"] < start]
    elder = [r["value"] for r in past if r["sensor"] == "ER-001"]
    assert elder == sorted(elder) and elder[-1] - elder[0] >= 55          # minutes without movement
    # every past reading came before the first live one (the hub judges in order)
    seqs = [e["seq"] for e in played.events if e["kind"] == "sensor.reading"]
    past_seqs = {e["seq"] for e in played.events if e["kind"] == "sensor.reading" and e["data"]["ts"] < start}
    assert max(past_seqs) < min(q for q in seqs if q not in past_seqs)
    assert played.restarted.stats["history.reading"] == 0           # the hub has readings now


def test_the_other_stories_reach_the_hub(played):
    by = Counter((c["category"], c["camera"]) for c in played.cases.values() if c["source"] == "ai_video")
    sc = demo.load_demo().scenarios
    assert by[("illegal_fishing", sc["yellow_river"]["fishing_camera"])] == 1
    assert by[("floating_pollution", sc["yellow_river"]["pollution_camera"])] == 1
    assert by[("thrown_from_height", sc["smart_compound"]["camera"])] == 1
    assert by[("fire_lane_blocked", sc["smart_compound"]["fire_lane_camera"])] >= 1
    street = {cat for cat, _ in by} & {"street_vending", "lane_occupation", "garbage_dumping"}
    assert street, by
    assert played.of("camera.status"), "no camera blips"


# --- without a hub ----------------------------------------------------------------------

def _dry(seed: int, hours: float) -> tuple[Simulator, list[tuple[str, dict]]]:
    clock = ManualClock(START)
    sim = Simulator("ws://unused", clock=clock, seed=seed)
    out: list[tuple[str, dict]] = []
    sim.send_hook = lambda op, args: out.append((op, args))
    sim.setup(clock.now(), demo.load_sensors(), demo.load_cameras())
    sim.run_until(START + timedelta(hours=hours), limit=None)
    return sim, out


def test_same_seed_same_day_other_seed_other_day():
    _, a = _dry(5, 1.5)
    _, b = _dry(5, 1.5)
    _, c = _dry(6, 1.5)
    assert a == b
    assert a != c
    ts = [args["ts"] for _, args in a]
    assert ts == sorted(ts)          # played in sim-time order


def test_scheduler_runs_in_time_then_schedule_order():
    s, ran = Scheduler(), []
    s.at(5.0, lambda t, x: ran.append(x), "b")
    s.at(1.0, lambda t, x: ran.append(x), "a")
    s.at(5.0, lambda t, x: ran.append(x), "c")
    s.at(9.0, lambda t, x: ran.append(x), "d")
    assert s.run_due(5.0) == 3 and ran == ["a", "b", "c"] and s.next_time() == 9.0


def test_profiles_never_flap_or_end_the_episode_early():
    import random
    for seed in range(50):
        r = random.Random(seed)
        level = rain_profile(r, rise=r.uniform(0.75, 0.85), hover_min=r.uniform(18, 22),
                             peak=r.uniform(29, 33), recede=r.uniform(0.9, 1.2))
        vals = [v for v in (level(m * 60.0) for m in range(0, 200)) if v is not None]
        i = next(i for i, v in enumerate(vals) if v >= 25)
        j = next(j for j in range(i, len(vals)) if vals[j] <= 22)
        assert max(vals[j:]) < 25                  # no second episode
        assert j - i >= 25                         # ~20 min hovering before the peak, no early end
        gas = gas_profile(r, peak=r.uniform(21, 23), hold_min=r.uniform(10, 14))
        g = [v for v in (gas(s * 30.0) for s in range(0, 80)) if v is not None]
        i = next(i for i, v in enumerate(g) if v >= 20)
        j = next(j for j in range(i, len(g)) if g[j] <= 18)
        assert max(g[j:]) < 20 and min(g[i:j]) > 18


def test_dry_day_values_respect_thresholds():
    sim, out = _dry(3, 4)
    sensors = {s.id: s for s in demo.load_sensors()}
    story = {"WL-001", "GAS-001", "MH-001", "ER-001"}
    for op, args in out:
        if op == "ingest.reading" and args["sensor"] not in story:
            s = sensors[args["sensor"]]
            limit = s.thresholds.alarm - s.thresholds.hysteresis if s.kind == "water_level" \
                else s.thresholds.warn
            assert 0 <= args["value"] < limit, args
    phones = [a["caller"]["phone"] for op, a in out if op == "ingest.call"]
    assert all(len(p) == 11 and p.isdigit() and p[0] == "1" for p in phones)
    plates = [a["key"] for op, a in out if op == "ingest.detection" and a["category"] == "illegal_parking"]
    assert plates and all(len(p) == 8 and p[2] == "·" for p in plates)


def _case(status: str, source: str = "hotline_12345", reported: datetime = START) -> Case:
    from console.protocol import Location
    ts = format_ts(reported)
    return Case(id=f"C-{status}-{reported.timestamp():.0f}", version=1, source=source,
                category="noise", title="t", status=status, priority=4,
                location=Location(39.65, 106.8, "x"), reported_at=ts, updated_at=ts, due_at=ts)


def test_backlog_plan_is_deterministic_and_leaves_the_live_day_alone():
    t0 = START.timestamp()
    a = Simulator("ws://unused", seed=5).plan_backlog(t0)
    b = Simulator("ws://unused", seed=5).plan_backlog(t0)
    c = Simulator("ws://unused", seed=6).plan_backlog(t0)
    assert a == b and a != c
    assert len(a) >= 60
    assert all(t0 - 8 * 3600 <= x.t < t0 and x.args["ts"] == Simulator.ts(x.t) for x in a)
    assert [x.t for x in a] == sorted(x.t for x in a)
    lines = Counter(x.args["line"] for x in a)
    assert lines["12345"] >= 20 and lines["110"] >= 10, lines
    # same-incident 110 twins: a 110 call 2-6 min after a 12345 call, nearby
    twins = [(p, q) for p in a if p.args["line"] == "12345" for q in a if q.args["line"] == "110"
             and 120 <= q.t - p.t <= 360 and distance_m(
                 p.args["location"]["lat"], p.args["location"]["lon"],
                 q.args["location"]["lat"], q.args["location"]["lon"]) <= 450]
    assert twins
    # fresh calls are the human's; most older ones went to their category's unit
    assert all(x.to == "received" for x in a if t0 - x.t < BACKLOG_FRESH_S)
    older = [x for x in a if t0 - x.t >= BACKLOG_FRESH_S]
    worked = [x for x in older if x.to != "received"]
    assert BACKLOG_ASSIGN_P - 0.2 <= len(worked) / len(older) <= min(1.0, BACKLOG_ASSIGN_P + 0.2), \
        (len(worked), len(older))
    assert all(x.unit == unit_for_category(x.args["category"]) for x in worked)
    stages = Counter(x.to for x in worked)
    assert set(stages) == {"dispatched", "in_progress", "verifying", "closed"}, stages
    assert stages["closed"] < len(a) / 5
    # planning a backlog draws nothing from the live day's generator
    clock = ManualClock(START)
    sim = Simulator("ws://unused", clock=clock, seed=5)
    out: list[tuple[str, dict]] = []
    sim.send_hook = lambda op, args: out.append((op, args))
    sim.plan_backlog(t0)
    sim.setup(clock.now(), demo.load_sensors(), demo.load_cameras())
    sim.run_until(START + timedelta(hours=1.5), limit=None)
    assert out == _dry(5, 1.5)[1]


def test_a_backlog_only_for_a_fresh_hall():
    sim = Simulator("ws://unused", seed=1)
    old = START - timedelta(hours=30)
    assert sim.wants_backlog([], START)
    assert sim.wants_backlog([_case("closed", reported=old), _case("in_progress", "iot", START)], START)
    assert not sim.wants_backlog([_case("received", reported=old + timedelta(seconds=i))
                                  for i in range(10)], START)
    assert not sim.wants_backlog([_case("closed", reported=START - timedelta(hours=2))], START)
    assert not Simulator("ws://unused", seed=1, backlog_s=0).wants_backlog([], START)
