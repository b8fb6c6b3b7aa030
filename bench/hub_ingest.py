#!/usr/bin/env python3
"""Hub ingest benchmark: sustained ``ingest.reading`` throughput with fan-out,
and the latency of a dispatcher's commands under that load.

    .venv/bin/python bench/hub_ingest.py [--duration 20] [--warmup 3] [--clients 10] [--window 128]

What runs (each in its own OS process, so the hub owns a core):

* the hub: ``python -m hub --port P --data TMP --demo`` (a subprocess);
* the feeder (worker process): one ``demo-feeder`` session that keeps
  ``--window`` ``ingest.reading`` commands in flight (pipelined: a new command
  goes out as each ack comes back), cycling over the demo's 48 sensors with
  values inside their normal band;
* the audience (worker process): ``--clients`` logged-in sessions (roles
  mixed: dispatcher, supervisor, viewer, wall) that read every frame, check
  that event seqs rise by exactly one, and count ``sensor.reading`` events;
* the dispatcher (this process): one ``demo-dispatcher`` session that sends a
  ``case.assign`` every 20 ms on a fixed schedule (open loop, so a slow ack
  does not hide later ones; a ``case.create`` when the case it would touch
  still has a command in flight) and measures send -> ack.

Readings/s counts the ok acks the feeder received inside the measured window
(after ``--warmup``). Every connection receives every event, so after the
feeder stops each audience client must hold exactly as many
``sensor.reading`` events as the feeder got ok acks (warm-up included); the
run fails (exit 1) otherwise.

The load-side clients speak WebSocket through a small hand-written frame
reader (``RawWS`` below: RFC 6455 handshake, masked client frames, unmasked
server frames, ping -> pong) and look at frames with byte-string checks
instead of JSON parsing. With ~70,000 frames/s to read on a 2-core machine,
the websockets client's per-frame cost (tens of microseconds) would make the
load generator, not the hub, the bottleneck. The hub itself is unchanged and
sees ordinary WebSocket clients.

The last line printed is one JSON object (``readings_per_s``,
``cmd_p50_ms``, ``cmd_p99_ms``, ...), for scripts.
"""
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this directory comes first on sys.path, where a sibling
# module may shadow the standard library (bench/queue.py would hide `queue`);
# spawned workers inherit the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from datetime import datetime, timezone

import psutil

try:
    from websockets.speedups import apply_mask  # C
except ImportError:  # pragma: no cover
    from websockets.utils import apply_mask

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo"
AUDIENCE_USERS = ("demo-dispatcher", "demo-supervisor", "demo-viewer", "demo-wall")
READING_MARK = b'"kind":"sensor.reading"'
EVENT_PREFIX = b'{"type":"event","seq":'
ACK_PREFIX = b'{"type":"ack","id":"'


# --- a minimal WebSocket client for the load side ------------------------------------

class RawWS(asyncio.Protocol):
    """Just enough RFC 6455 for a load generator: text frames in and out.

    ``on_text(payload: bytes)`` is called for every text message, in order.
    ``on_chunk()`` (optional) after each batch of frames read from the socket.
    """

    def __init__(self, host: str, port: int, on_text, on_chunk=None):
        self.host, self.port = host, port
        self.on_text = on_text
        self.on_chunk = on_chunk
        self.buf = bytearray()
        self.upgraded = False
        self.opened = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self._frag: list[bytes] | None = None
        self.frames = 0

    @classmethod
    async def connect(cls, host: str, port: int, on_text, on_chunk=None) -> "RawWS":
        loop = asyncio.get_running_loop()
        _, proto = await loop.create_connection(lambda: cls(host, port, on_text, on_chunk), host, port)
        await asyncio.wait_for(proto.opened, 10)
        return proto

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((f"GET /ws HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                         "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())

    def connection_lost(self, exc) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"connection lost during handshake: {exc}"))
        if not self.closed.done():
            self.closed.set_result(exc)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end])
            del buf[:end + 4]
            if not head.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(ConnectionError(head.split(b"\r\n", 1)[0].decode()))
                self.transport.close()
                return
            self.upgraded = True
            self.opened.set_result(None)
        pos, size = 0, len(buf)
        on_text = self.on_text
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            n = b1 & 0x7F
            hl = 2
            if n == 126:
                if size - pos < 4:
                    break
                n = int.from_bytes(buf[pos + 2:pos + 4], "big")
                hl = 4
            elif n == 127:
                if size - pos < 10:
                    break
                n = int.from_bytes(buf[pos + 2:pos + 10], "big")
                hl = 10
            end = pos + hl + n
            if end > size:
                break
            payload = bytes(buf[pos + hl:end])
            pos = end
            opcode = b0 & 0x0F
            fin = b0 & 0x80
            if opcode == 1 and fin:
                self.frames += 1
                on_text(payload)
            elif opcode == 1 or (opcode == 0 and self._frag is not None):
                self._frag = (self._frag or []) + [payload]
                if fin:
                    whole, self._frag = b"".join(self._frag), None
                    self.frames += 1
                    on_text(whole)
            elif opcode == 9:           # ping -> pong
                self._send(0xA, payload)
            elif opcode == 8:           # close: answer and stop
                self._send(0x8, payload[:2])
                self.transport.close()
                break
        if pos:
            del buf[:pos]
        if self.on_chunk is not None:
            self.on_chunk()

    def _send(self, opcode: int, payload: bytes) -> None:
        self.transport.write(self.frame(payload, opcode))

    @staticmethod
    def frame(payload: bytes, opcode: int = 1) -> bytes:
        n = len(payload)
        if n < 126:
            head = bytes((0x80 | opcode, 0x80 | n))
        elif n < 65536:
            head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
        else:
            head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        return head + mask + apply_mask(payload, mask)

    def send_text(self, payload: bytes) -> None:
        self.transport.write(self.frame(payload))

    def send_many(self, payloads: list[bytes]) -> None:
        frame = self.frame
        self.transport.write(b"".join([frame(p) for p in payloads]))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            try:
                self._send(0x8, (1000).to_bytes(2, "big"))
            finally:
                self.transport.close()


async def login(host: str, port: int, user: str, on_text, on_chunk=None) -> tuple[RawWS, dict, asyncio.Queue]:
    """Connect and log in; returns the connection, the welcome, and a queue
    that got the catch-up frames (the snapshot). Frames after the snapshot go
    to ``on_text``."""
    first: asyncio.Queue = asyncio.Queue()
    state = {"handoff": False}

    def route(payload: bytes) -> None:
        if state["handoff"]:
            on_text(payload)
        else:
            first.put_nowait(payload)
            if payload.startswith(b'{"type":"snapshot"') or payload.startswith(b'{"type":"error"'):
                state["handoff"] = True

    ws = await RawWS.connect(host, port, route, on_chunk)
    ws.send_text(json.dumps({"type": "hello", "user": user, "password": PASSWORD, "since": None,
                             "client": "bench/hub_ingest"}).encode())
    welcome = json.loads(await asyncio.wait_for(first.get(), 30))
    if welcome.get("type") != "welcome":
        raise RuntimeError(f"login {user} refused: {welcome}")
    return ws, welcome, first


def iso_now() -> str:
    dt = datetime.now(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def cpu_seconds(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


# --- the audience ---------------------------------------------------------------

def audience_main(conn, host: str, port: int, clients: int) -> None:
    asyncio.run(_audience(conn, host, port, clients))


async def _audience(conn, host: str, port: int, n: int) -> None:
    loop = asyncio.get_running_loop()
    stats = [{"readings": 0, "events": 0, "last_seq": None, "gaps": 0, "frames": 0} for _ in range(n)]
    conns = []

    def counter(st: dict):
        def on_text(p: bytes) -> None:
            if p.startswith(EVENT_PREFIX):
                seq = int(p[22:p.index(b",", 22)])  # len(EVENT_PREFIX) == 22
                last = st["last_seq"]
                if last is not None and seq != last + 1:
                    st["gaps"] += 1
                st["last_seq"] = seq
                st["events"] += 1
                if READING_MARK in p:
                    st["readings"] += 1
        return on_text

    for i in range(n):
        st = stats[i]
        ws, welcome, _ = await login(host, port, AUDIENCE_USERS[i % len(AUDIENCE_USERS)], counter(st))
        if st["last_seq"] is None:
            st["last_seq"] = welcome["seq"]
        conns.append(ws)
    proc = psutil.Process()
    conn.send({"ready": True})
    # wait for the coordinator: ("expect", seq) once the load has stopped
    msg = await loop.run_in_executor(None, conn.recv)
    cpu = cpu_seconds(proc)
    target = msg[1]
    t0 = time.monotonic()
    while any((st["last_seq"] or 0) < target for st in stats) and time.monotonic() - t0 < 60:
        await asyncio.sleep(0.01)
    drain_s = time.monotonic() - t0
    for ws, st in zip(conns, stats):
        st["frames"] = ws.frames
        st["closed"] = ws.closed.done()
        ws.close()
    conn.send({"stats": stats, "drain_s": drain_s, "cpu_s_total": cpu_seconds(proc),
               "cpu_s_at_stop": cpu})


# --- the feeder ------------------------------------------------------------------

def feeder_main(conn, host: str, port: int, window: int) -> None:
    asyncio.run(_feeder(conn, host, port, window))


def normal_value(sensor: dict, i: int) -> float:
    t = sensor["thresholds"]
    span = max(t["hysteresis"], 1.0)
    if t["direction"] == "above":
        base = t["warn"] - 2 * span
    else:
        base = t["warn"] + 2 * span
    return round(base - (i % 7) * 0.01 * span, 3)


async def _feeder(conn, host: str, port: int, window: int) -> None:
    loop = asyncio.get_running_loop()
    s = {"sent": 0, "acked": 0, "ok": 0, "in_window": 0, "errors": 0, "last_error": None,
         "running": False, "t_start": 0.0, "t_end": 0.0, "max_seq": 0}
    done = loop.create_future()
    ws_box: list[RawWS] = []
    templates: list[bytes] = []
    ts_cache = {"t": 0.0, "ts": iso_now()}

    def top_up() -> None:
        if not s["running"]:
            return
        room = window - (s["sent"] - s["acked"])
        if room <= 0:
            return
        now = time.monotonic()
        if now - ts_cache["t"] > 0.001:
            ts_cache["t"], ts_cache["ts"] = now, iso_now()
        ts = ts_cache["ts"].encode()
        base = s["sent"]
        k = len(templates)
        out = [templates[(base + j) % k] % (base + j, ts) for j in range(room)]
        s["sent"] += room
        ws_box[0].send_many(out)

    def on_text(p: bytes) -> None:
        if not p.startswith(ACK_PREFIX):
            return
        s["acked"] += 1
        if b'"ok":true' in p[:60]:
            s["ok"] += 1
            now = time.monotonic()
            if s["t_start"] <= now < s["t_end"]:
                s["in_window"] += 1
        else:
            s["errors"] += 1
            s["last_error"] = p[:300].decode(errors="replace")
        if not s["running"] and s["acked"] == s["sent"] and not done.done():
            done.set_result(None)

    ws, welcome, first = await login(host, port, "demo-feeder", on_text, top_up)
    snap = json.loads(await asyncio.wait_for(first.get(), 30))
    sensors = snap["sensors"]
    for i, sensor in enumerate(sensors * 7):
        # two conversions: the command id (%d) and the reading's ts (%s, bytes)
        templates.append(b'{"type":"command","id":"r%%d","op":"ingest.reading","args":'
                         b'{"sensor":"%s","value":%r,"ts":"%%s"}}'
                         % (sensor["id"].encode(), normal_value(sensor, i)))
    ws_box.append(ws)
    proc = psutil.Process()
    conn.send({"ready": True, "sensors": len(sensors)})
    t_start, t_end = await loop.run_in_executor(None, conn.recv)
    s["t_start"], s["t_end"] = t_start, t_end
    s["running"] = True
    cpu0 = cpu_seconds(proc)
    top_up()
    while time.monotonic() < t_end:
        await asyncio.sleep(0.05)
        if ws.closed.done():
            break
    s["running"] = False
    cpu1 = cpu_seconds(proc)
    if s["acked"] == s["sent"] and not done.done():
        done.set_result(None)
    try:
        await asyncio.wait_for(done, 30)
    except asyncio.TimeoutError:
        pass
    ws.close()
    conn.send({k: v for k, v in s.items() if k not in ("running",)}
              | {"cpu_s": cpu1 - cpu0, "sensors": len(sensors)})


# --- the dispatcher (this process) ------------------------------------------------------

async def dispatcher(host: str, port: int, t_start: float, t_end: float, period: float) -> dict:
    loop = asyncio.get_running_loop()
    waiting: dict[str, tuple[float, str | None]] = {}
    latencies: list[float] = []
    errors: list[str] = []
    acks: asyncio.Queue = asyncio.Queue()
    cases: dict[str, int | None] = {}     # id -> version (None while a command is in flight)

    def on_text(p: bytes) -> None:
        if p.startswith(ACK_PREFIX):
            now = time.monotonic()
            cid = p[len(ACK_PREFIX):p.index(b'"', len(ACK_PREFIX))].decode()
            sent, case = waiting.pop(cid, (None, None))
            ack = json.loads(p)
            if sent is not None and sent >= t_start:
                latencies.append(now - sent)
            if not ack["ok"]:
                errors.append(json.dumps(ack)[:300])
                if case:
                    cases[case] = (ack.get("error", {}).get("current") or {}).get("version")
            else:
                c = ack["result"]["case"]
                cases[c["id"]] = c["version"]
            acks.put_nowait(ack)

    ws, _, first = await login(host, port, "demo-dispatcher", on_text)
    await asyncio.wait_for(first.get(), 30)  # the snapshot
    n = 0

    def send(op: str, args: dict, case: str | None = None) -> None:
        nonlocal n
        n += 1
        cid = f"d{n}"
        waiting[cid] = (time.monotonic(), case)
        ws.send_text(json.dumps({"type": "command", "id": cid, "op": op, "args": args},
                                ensure_ascii=False).encode())

    create = {"source": "hotline_12345", "category": "road_damage", "title": "路面塌陷 (bench)",
              "location": {"lat": 39.668, "lon": 106.822, "address": "海勃湾区 人民南路"},
              "caller": {"name": "王小明", "phone": "13800000000"}}
    for _ in range(8):
        send("case.create", create)
    while len(cases) < 8:
        await asyncio.wait_for(acks.get(), 30)
    units = ("municipal", "sanitation")
    while time.monotonic() < t_start:
        await asyncio.sleep(0.005)
    tick = t_start
    i = 0
    while tick < t_end:
        free = [cid for cid, v in cases.items() if v is not None]
        if free:
            case = free[i % len(free)]
            version = cases[case]
            cases[case] = None
            send("case.assign", {"case": case, "version": version, "unit": units[i % 2],
                                 "note": f"bench {i}"}, case)
        else:
            send("case.create", create)
        i += 1
        tick += period
        delay = tick - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    deadline = time.monotonic() + 30
    while waiting and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    ws.close()
    return {"latencies": latencies, "errors": errors, "unanswered": len(waiting), "sent": i}


# --- the coordinator -------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_hub(data: Path, port: int, extra: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "hub", "--port", str(port), "--data", str(data), "--demo",
           "--log-level", "WARNING", *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                json.load(r)
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("hub exited: " + proc.stderr.read().decode(errors="replace"))
            time.sleep(0.1)
    proc.kill()
    raise TimeoutError("hub did not start")


def healthz(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
        return json.load(r)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(q / 100 * len(v) + 0.5)) - 1))
    return v[k]


def run(args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="hub-ingest-"))
    port = args.port or free_port()
    host = "127.0.0.1"
    hub = start_hub(tmp / "data", port, args.hub_arg)
    hub_ps = psutil.Process(hub.pid)
    ctx = mp.get_context("spawn")
    aud_conn, aud_child = ctx.Pipe()
    feed_conn, feed_child = ctx.Pipe()
    audience = ctx.Process(target=audience_main, args=(aud_child, host, port, args.clients), daemon=True)
    feeder = ctx.Process(target=feeder_main, args=(feed_child, host, port, args.window), daemon=True)
    spy: list[subprocess.Popen] = []
    try:
        audience.start()
        if not aud_conn.poll(60):
            raise TimeoutError("audience did not log in")
        aud_conn.recv()
        feeder.start()
        if not feed_conn.poll(60):
            raise TimeoutError("feeder did not log in")
        feed_info = feed_conn.recv()
        t0 = time.monotonic() + 0.5
        t_start = t0 + args.warmup
        t_end = t_start + args.duration
        feed_conn.send((t_start, t_end))
        # a dispatcher starts (logs in) during the warm-up, measures in the window
        loop_result: dict = {}

        async def main_side():
            await asyncio.sleep(max(0.0, t0 - time.monotonic()))
            res = await dispatcher(host, port, t_start, t_end, args.period)
            loop_result.update(res)

        cpu_marks: dict[str, float] = {}

        async def cpu_probe():
            await asyncio.sleep(max(0.0, t_start - time.monotonic()))
            if args.py_spy:
                spy.append(subprocess.Popen(
                    [str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(hub.pid),
                     "-d", str(int(args.duration)), "-r", "200", "-f", "raw",
                     "-o", args.py_spy], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            cpu_marks["start"] = cpu_seconds(hub_ps)
            cpu_marks["t_start"] = time.monotonic()
            await asyncio.sleep(max(0.0, t_end - time.monotonic()))
            cpu_marks["end"] = cpu_seconds(hub_ps)
            cpu_marks["t_end"] = time.monotonic()

        async def both():
            await asyncio.gather(main_side(), cpu_probe())

        asyncio.run(both())
        if not feed_conn.poll(60):
            raise TimeoutError("feeder did not finish")
        feed = feed_conn.recv()
        final_seq = healthz(port)["seq"]
        aud_conn.send(("expect", final_seq))
        if not aud_conn.poll(90):
            raise TimeoutError("audience did not finish")
        aud = aud_conn.recv()
    finally:
        for s in spy:
            s.wait(60)
        for p in (feeder, audience):
            if p.is_alive():
                p.join(5)
            if p.is_alive():
                p.kill()
        if hub.poll() is None:
            hub.send_signal(signal.SIGTERM)
            try:
                hub.wait(20)
            except subprocess.TimeoutExpired:
                hub.kill()
        hub_err = hub.stderr.read().decode(errors="replace") if hub.stderr else ""
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    lat_ms = [x * 1000 for x in loop_result["latencies"]]
    window_s = cpu_marks["t_end"] - cpu_marks["t_start"]
    per_client = [st["readings"] for st in aud["stats"]]
    ok = (all(n == feed["ok"] for n in per_client)
          and all(st["gaps"] == 0 for st in aud["stats"]))
    result = {
        "readings_per_s": round(feed["in_window"] / args.duration, 1),
        "cmd_p50_ms": round(pct(lat_ms, 50), 2),
        "cmd_p99_ms": round(pct(lat_ms, 99), 2),
        "cmd_max_ms": round(max(lat_ms), 2) if lat_ms else None,
        "cmd_samples": len(lat_ms),
        "cmd_errors": len(loop_result["errors"]),
        "clients": args.clients,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "window": args.window,
        "readings_acked_total": feed["ok"],
        "reading_errors": feed["errors"],
        "events_per_client": per_client,
        "event_gaps": sum(st["gaps"] for st in aud["stats"]),
        "all_clients_got_every_reading": ok,
        "drain_s": round(aud["drain_s"], 3),
        "hub_cpu_pct": round(100 * (cpu_marks["end"] - cpu_marks["start"]) / window_s, 1),
        "feeder_cpu_pct": round(100 * feed["cpu_s"] / args.duration, 1),
        "final_seq": final_seq,
    }
    if loop_result["errors"]:
        result["cmd_first_error"] = loop_result["errors"][0]
    if feed["last_error"]:
        result["reading_last_error"] = feed["last_error"]
    errs = [line for line in hub_err.splitlines() if " ERROR " in line or "Traceback" in line]
    if errs:
        result["hub_errors"] = errs[-3:]
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds (default 20)")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring")
    p.add_argument("--clients", type=int, default=10, help="audience sessions (default 10)")
    p.add_argument("--window", type=int, default=128, help="feeder commands in flight (default 128)")
    p.add_argument("--period", type=float, default=0.020, help="dispatcher command period, s")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--keep", action="store_true", help="keep the hub's data directory")
    p.add_argument("--py-spy", metavar="FILE", help="profile the hub in the window (py-spy raw stacks)")
    p.add_argument("--hub-arg", action="append", default=[], help="extra argument for python -m hub")
    args = p.parse_args(argv)
    r = run(args)
    print(f"hub ingest: {r['readings_per_s']:.0f} readings/s acked "
          f"(window {args.window}, {args.duration:.0f} s after {args.warmup:.0f} s warm-up), "
          f"hub CPU {r['hub_cpu_pct']:.0f}%, feeder CPU {r['feeder_cpu_pct']:.0f}%")
    print(f"  fan-out: {args.clients} clients, sensor.reading events per client "
          f"{min(r['events_per_client'])}..{max(r['events_per_client'])} of {r['readings_acked_total']} "
          f"acked, seq gaps {r['event_gaps']}, drained {r['drain_s']:.2f} s after the load stopped")
    print(f"  dispatcher: {r['cmd_samples']} commands, ack latency p50 {r['cmd_p50_ms']:.1f} ms, "
          f"p99 {r['cmd_p99_ms']:.1f} ms, max {r['cmd_max_ms']} ms, errors {r['cmd_errors']}")
    target = r["readings_per_s"] >= 5000 and r["cmd_p99_ms"] < 50
    print(f"  target (>= 5000 readings/s, p99 < 50 ms): {'met' if target else 'NOT met'}; "
          f"every client got every reading: {r['all_clients_got_every_reading']}")
    print(json.dumps(r, ensure_ascii=False))
    return 0 if r["all_clients_got_every_reading"] else 1


if __name__ == "__main__":
    sys.exit(main())
