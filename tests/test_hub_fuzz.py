"""Fuzz the hub through real WebSocket sessions (hypothesis).

A demo hub on a ManualClock gets generated frames on four sessions at once
(dispatcher, viewer, wall, feeder): arbitrary text, arbitrary JSON values,
almost-right frames (valid types with wrong-typed, missing or extra fields,
odd numbers, unicode, nested junk), and commands of every op with args of
near-valid shape (real case, sensor, camera and unit ids, the contract's
enums, plausible times) or garbage. One hypothesis example is ``BATCH``
frames. Frames are pipelined: every ``ROUND`` frames each session sends a
known-good command and the answers are read up to its ack. Now and then the
clock moves and the hub's timed rules run.

Checked, on every round:

* no session is ever closed, and the known-good command always gets an ok ack;
* every command frame with a string ``id`` (and a string ``op``, object
  ``args``) gets exactly one ack with that id, acks in the order sent; every
  other frame exactly one ``error`` ``bad_frame``; no other error frame;
* acks use the contract's error codes only; a known op the role may not run
  is ``forbidden``; a mutating command re-sent with a used id gets the first
  ack verbatim;
* every session gets every event once, seqs gapless, and (at the end) each
  event as the dispatcher got it, redacted for the session's role;
* the hub logs nothing at ERROR (a failed command, rule or connection).

At the end the hub's in-memory state is compared with a fresh load from its
SQLite file, and the file's invariants are checked: seq gapless in the events
table, each case's version equals its number of history entries, statuses
are the contract's, links are symmetric, the newest event of each case is
the case as stored.
"""
from __future__ import annotations

import itertools
import json
import logging
import math
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta, timezone

import msgspec
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from console.domain import demo
from console.protocol import (
    CAMERA_STATUSES, CATEGORIES, OPS, RELATIONS, SENSOR_STATES, SOURCES, STATUSES, Case, format_ts,
)
from hub import redact
from hub.core import HubCore, default_units
from hub.testing import HubThread, ManualClock, SyncClient

# --- the contract, as the test's own oracle ---------------------------------------

STAFF = {"dispatcher", "supervisor"}
READERS = {"dispatcher", "supervisor", "viewer", "wall"}
WHO_MAY = {"case.create": STAFF, "case.assign": STAFF, "case.transition": STAFF,
           "case.link": STAFF, "case.unlink": STAFF, "sensor.ack": STAFF, "case.attach": STAFF,
           "case.history": READERS, "sensor.history": READERS,
           "ingest.call": {"feeder"}, "ingest.reading": {"feeder"},
           "ingest.detection": {"feeder"}, "ingest.camera": {"feeder"}}
READ_ONLY = {"case.history", "sensor.history"}
ACK_ERRORS = {"invalid", "not_found", "conflict", "forbidden"}
CASE_EVENTS = {"case.created", "case.updated"}

# the sessions: (user, role)
USERS = (("demo-dispatcher", "dispatcher"), ("demo-viewer", "viewer"),
         ("demo-wall", "wall"), ("demo-feeder", "feeder"))
BATCH = 32                       # frames per hypothesis example
ROUND = 64                       # frames between two reads of the answers
BASE = ManualClock().now()       # the hub's clock at start (2026-11-25T02:00Z)
DAY = "20261125"                 # case ids: C-<day in CST>-NNNNNN; the clock stays in it
MAX_ADVANCE_S = 10 * 3600

SENSORS = [s.id for s in demo.load_sensors()]
CAMERAS = [c.id for c in demo.load_cameras()]
UNITS = [u.id for u in default_units()]
GRID_CELLS = sorted(demo.load_grid_index().cells)[:40]


class Fresh:
    """Placeholder for the command id: a new unique id at send time."""


class Reuse:
    """Placeholder for the command id: one this session used before."""

    def __init__(self, k: int):
        self.k = k


ID_MARK = "\x00ID\x00"   # the same, inside a raw text frame


class KnownCase:
    """Placeholder for a case id: the k-th (mod n) case the fuzzer has seen."""

    def __init__(self, k: int):
        self.k = k


class Current:
    """Placeholder for ``version``: the version of ``args.case`` as last seen."""


CURRENT = Current()


def _has_lone_surrogate(obj) -> bool:
    if isinstance(obj, str):
        return any(0xD800 <= ord(ch) <= 0xDFFF for ch in obj)
    if isinstance(obj, list):
        return any(_has_lone_surrogate(v) for v in obj)
    if isinstance(obj, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in obj.items())
    return False


def strict_json(text: str):
    """RFC 8259 JSON: no NaN/Infinity, numbers in range, no lone surrogates.
    Returns (value, duplicate_keys_at_top)."""
    top_dup = []

    def pairs(items):
        d = {}
        for k, v in items:
            if k in d:
                top_dup.append(k)
            d[k] = v
        return d

    def no_constant(name):
        raise ValueError(f"{name} is not JSON")

    def finite(s):
        v = float(s)
        if math.isinf(v):
            raise ValueError("number out of range")
        return v

    obj = json.loads(text, object_pairs_hook=pairs, parse_constant=no_constant, parse_float=finite)
    if _has_lone_surrogate(obj):
        raise ValueError("lone surrogate")
    return obj, bool(top_dup)


def expected_answer(text: str | bytes) -> tuple:
    """What the contract says the hub answers to a frame on a live session:
    ("ack", id, op), ("bad",) or ("either", id, op) (duplicate keys: the
    contract does not say which one counts)."""
    if isinstance(text, bytes):
        return ("bad",)
    try:
        obj, dup = strict_json(text)
    except (ValueError, RecursionError):
        return ("bad",)
    if not isinstance(obj, dict) or obj.get("type") != "command":
        return ("either", None, None) if dup else ("bad",)
    cid, op, args = obj.get("id"), obj.get("op"), obj.get("args")
    if isinstance(cid, str) and isinstance(op, str) and isinstance(args, dict):
        return ("either", cid, op) if dup else ("ack", cid, op)
    return ("either", cid if isinstance(cid, str) else None, op) if dup else ("bad",)


# --- strategies ---------------------------------------------------------------------
# Leaves are mostly picked from pools of nasty values built once (one choice
# each, so ~10,000 frames generate in seconds); hypothesis decides the
# structure (which op, which fields, which damage) and sometimes draws a
# leaf from scratch.

_rnd = random.Random(20261125)
_CHARS = ["a", "Z", "0", "9", " ", "\t", "\n", '"', "\\", "/", "\x00", "\x1f", "\x7f", "é", "王", "海",
          "勃", "湾", "🚓", "👨\u200d👩\u200d👧", "\u202e", "\u200b", "\ufeff", "\uffff", "\U0010ffff",
          "%s", "{", "}", "[", "]", ",", ":", "-", ".", "e", "T"]
TEXTS = ["", " ", "王小明", "王", "海勃湾区 人民南路", "🚓🚒", "\x00", "\u202eabc", "a" * 201, "b" * 4001,
         "\\", '"', "null", "true", "0", "-1", "1e400", "NaN", f"C-{DAY}-000001", f"C-{DAY}-999999",
         "C-", "WL-001 ", "wl-001", "CAM-0001\x00", "municipal", "closed", "alarm", "online", "12345",
         "110", "13800000000", "138", "\ufeff", "\U0010ffff", "<script>", "' OR 1=1 --",
         "%s%s%s", "\r\n", "../../etc/passwd", "𝕏" * 50]
TEXTS += ["".join(_rnd.choice(_CHARS) for _ in range(_rnd.choice([1, 2, 5, 10, 30, 60])))
          for _ in range(160)]
NUMBERS = [0, 1, 2, 3, 4, 5, 7, 12, -1, -3, 2 ** 31, 2 ** 53 + 1, 2 ** 63, 2 ** 64, -2 ** 63 - 1,
           10 ** 30, 10 ** 400, 0.5, 1.0, 1.5, -0.0, 1e308, -1e308, 5e-324, 3.14159, 39.668,
           106.822, 99999.5, True, False]


def _junk_value(depth: int = 0):
    r = _rnd.random()
    if depth < 3 and r < 0.25:
        return [_junk_value(depth + 1) for _ in range(_rnd.randint(0, 3))]
    if depth < 3 and r < 0.5:
        return {_rnd.choice(TEXTS[:40] + ["type", "id", "op", "args", "case", "version"]):
                _junk_value(depth + 1) for _ in range(_rnd.randint(0, 3))}
    return _rnd.choice([None, _rnd.choice(NUMBERS), _rnd.choice(TEXTS)])


JUNK = [None, True, False, 0, -1, "", [], {}, [[]], {"": {}}, 10 ** 30, 1e308, "x"]
JUNK += [_junk_value() for _ in range(250)]


# hypothesis' integers and sampled_from favour the bounds and the first
# elements; these pick about uniformly
_u16 = st.integers(0, 2 ** 16 - 1)


def _pick(draw, seq):
    return seq[draw(_u16) % len(seq)]


def percent(draw) -> int:
    return draw(_u16) % 100


def choice(seq):
    seq = tuple(seq)
    return _u16.map(lambda i: seq[i % len(seq)])


def uniform(lo: int, hi: int):
    return st.integers(0, 2 ** 20 - 1).map(lambda i: lo + i % (hi - lo + 1))


def _pooled(pool, fresh, fresh_pct: int):
    pool = tuple(pool)

    @st.composite
    def strategy(draw):
        if percent(draw) < fresh_pct:
            return draw(fresh)
        return _pick(draw, pool)
    return strategy()


texts = _pooled(TEXTS, st.text(max_size=20), 10)
odd_numbers = _pooled(NUMBERS, st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
                      25)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), odd_numbers, texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=6)
junk = _pooled(JUNK, json_values, 10)


def _either(*options):
    """Pick among (percent, strategy) pairs; the last takes the rest."""
    @st.composite
    def strategy(draw):
        r = percent(draw)
        for pct, strat in options[:-1]:
            if r < pct:
                return draw(strat)
            r -= pct
        return draw(options[-1][1])
    return strategy()


def _ts_text(offset_s: int, ms: int, style: str) -> str:
    dt = BASE + timedelta(seconds=offset_s, milliseconds=ms)
    if style == "Z":
        return format_ts(dt)
    if style == "whole":
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "us":
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if style == "cst":
        return dt.astimezone(timezone(timedelta(hours=8))).isoformat(timespec="milliseconds")
    return dt.astimezone(timezone(timedelta(hours=-5, minutes=-30))).isoformat()


# Times near the hub's clock in the contract's forms, and near-misses, and
# the ends of datetime's range (they once overflowed: see the end of this file).
times = _either(
    (75, st.builds(_ts_text, st.integers(-8 * 86400, 2 * 86400), st.integers(0, 999),
                   choice(["Z", "Z", "whole", "us", "cst", "west"]))),
    (20, choice(["", "now", "2026-11-25", "2026-11-25T02:00:00", "2026-11-25 02:00:00Z",
                          "2026-13-01T00:00:00Z", "2026-11-25T25:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-25T02:00:00.1234567890Z", "2026-11-25T02:00:00+24:00",
                          "２０２６-11-25T02:00:00Z", "1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
                          "2026-11-25T02:00:00z", "9998-12-31T00:00:00Z", "9999-12-31T23:59:59Z",
                          "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])),
    (0, junk))

case_ids = _either((50, uniform(0, 1000).map(KnownCase)),
                   (25, uniform(1, 12).map(lambda n: f"C-{DAY}-{n:06d}")),
                   (15, uniform(1, 400).map(lambda n: f"C-{DAY}-{n:06d}")),
                   (0, texts))
versions = _either((50, st.just(CURRENT)), (30, uniform(1, 6)), (0, odd_numbers))
location = st.fixed_dictionaries(
    {"lat": _either((80, st.floats(39.45, 39.85)), (0, odd_numbers)),
     "lon": _either((80, st.floats(106.7, 107.0)), (0, odd_numbers))},
    optional={"address": _either((50, st.none()), (0, texts))})
phones = _either((70, st.integers(13000000000, 19999999999).map(str)), (0, texts))
callers = _either((20, st.none()), (0, st.fixed_dictionaries(
    {}, optional={"name": _either((20, st.none()), (0, texts)),
                  "phone": _either((20, st.none()), (0, phones))})))
categories = _either((75, choice(CATEGORIES)), (10, choice(["illegal_parking", "gas_leak"])),
                     (0, texts))
notes = _either((40, st.none()), (55, texts), (0, st.just("x" * 4001)))
sensors = _either((85, choice(SENSORS)), (0, texts))
cameras = _either((85, choice(CAMERAS)), (0, texts))
bools = _either((90, st.booleans()), (0, junk))


def _enum(values):
    return _either((85, choice(values)), (0, texts))


ARGS = {
    "case.create": st.fixed_dictionaries(
        {"source": _enum(SOURCES), "category": categories,
         "title": _either((60, choice(["路面塌陷", "占道经营", "t"])), (0, texts)),
         "location": location},
        optional={"description": notes, "grid": _enum(GRID_CELLS), "caller": callers,
                  "priority": _either((70, uniform(1, 4)), (0, odd_numbers))}),
    "case.assign": st.fixed_dictionaries(
        {"case": case_ids, "version": versions, "unit": _enum(UNITS)},
        optional={"person": _either((50, st.none()), (0, texts)), "note": notes}),
    "case.transition": st.fixed_dictionaries(
        {"case": case_ids, "version": versions, "to": _enum(STATUSES)}, optional={"note": notes}),
    "case.link": st.fixed_dictionaries(
        {"case": case_ids, "version": versions, "other": case_ids, "relation": _enum(RELATIONS)}),
    "case.history": st.fixed_dictionaries({"case": case_ids}),
    "sensor.history": st.fixed_dictionaries({"sensor": sensors, "since": times},
                                            optional={"until": _either((30, st.none()), (0, times))}),
    "sensor.ack": st.fixed_dictionaries({"sensor": sensors}),
    "ingest.call": st.fixed_dictionaries(
        {"line": _enum(["12345", "110"]),
         "caller": _either((85, st.fixed_dictionaries(
             {"phone": phones}, optional={"name": _either((30, st.none()), (0, texts))})), (0, junk)),
         "category": categories, "title": _either((60, st.just("噪音扰民")), (0, texts)),
         "location": location, "ts": times},
        optional={"description": notes}),
    "ingest.reading": st.fixed_dictionaries(
        {"sensor": sensors, "value": _either((85, st.floats(-20, 400)), (0, odd_numbers)), "ts": times}),
    "ingest.detection": st.fixed_dictionaries(
        {"camera": cameras, "category": categories,
         "key": _either((80, choice(["蒙B12345", "蒙B00001", "stall-1"])), (0, texts)),
         "ts": times, "present": bools},
        optional={"snapshot": _either((40, st.none()), (40, st.just("http://cam/snap.jpg")), (0, texts))}),
    "ingest.camera": st.fixed_dictionaries(
        {"camera": cameras, "status": _enum(CAMERA_STATUSES), "ts": times}),
}
ARGS["case.unlink"] = ARGS["case.link"]
_PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ"
        "/pLvAAAAAElFTkSuQmCC")
ARGS["case.attach"] = st.fixed_dictionaries(     # the extension op (docs/protocol.md)
    {"case": case_ids, "version": versions, "kind": _enum(["snapshot", "clip"]),
     "url": _either((40, choice([_PNG, "http://cam/snap.jpg", "rtsp://cam/rec", "file:///x.png"])),
                    (20, choice(["data:image/png;base64,@@", "data:image/jpeg;base64," + _PNG[22:],
                                 "data:text/plain;base64,aGk=", "ftp://x", "data:,"])),
                    (0, texts))},
    optional={"note": notes})
assert set(ARGS) == set(OPS)


# (strategies are built once, here: building them inside a draw is slow)
extra_keys = _either((50, choice(["case", "version", "args", "id", "x"])), (0, texts))
odd_ops = _either((50, choice(["case.delete", "CASE.CREATE", "", "ingest"])), (0, texts))
odd_types = _either((60, choice(["Command", "hello", "ack", "event", ""])), (0, junk))
ROLE_OPS = {role: choice(sorted(op for op, roles in WHO_MAY.items() if role in roles))
            for _, role in USERS}
any_op = choice(OPS)


@st.composite
def mutated(draw, base):
    """A dict from ``base`` with up to two fields dropped, added or garbled."""
    d = dict(draw(base))
    r = percent(draw)
    for _ in range(0 if r < 60 else 1 if r < 90 else 2):
        how = _pick(draw, ("drop", "extra", "garble"))
        if how == "extra" or not d:
            d[draw(extra_keys)] = draw(junk)
        elif how == "drop":
            del d[_pick(draw, sorted(d))]
        else:
            d[_pick(draw, sorted(d))] = draw(junk)
    return d


MUTATED = {op: mutated(strategy) for op, strategy in ARGS.items()}


@st.composite
def commands(draw, role: str):
    """A command: usually an op this role may run, with near-valid args."""
    r = percent(draw)
    if r < 70:
        op = draw(ROLE_OPS[role])
    elif r < 90:
        op = draw(any_op)
    else:
        op = draw(odd_ops)
    args = draw(MUTATED[op if op in ARGS else draw(any_op)]) if percent(draw) < 90 else draw(junk)
    r = percent(draw)
    cid = Fresh() if r < 80 else Reuse(draw(uniform(0, 40))) if r < 92 else draw(junk)
    frame = {"type": "command", "id": cid, "op": op, "args": args}
    # frame-level damage now and then
    damage = None if percent(draw) < 85 else _pick(draw, ("drop", "extra", "garble", "type"))
    if damage == "drop":
        del frame[_pick(draw, ("id", "op", "args", "type"))]
    elif damage == "extra":
        frame[draw(texts)] = draw(junk)
    elif damage == "garble":
        frame[_pick(draw, ("id", "op", "args"))] = draw(junk)
    elif damage == "type":
        frame["type"] = draw(odd_types)
    return frame


COMMANDS = {role: commands(role) for _, role in USERS}


near_frames = _either(
    (30, st.fixed_dictionaries(
        {"type": st.just("hello")},
        optional={"user": _either((50, choice([u for u, _ in USERS])), (0, junk)),
                  "password": _either((50, st.just("demo")), (0, junk)),
                  "token": junk, "since": _either((30, st.none()), (0, odd_numbers)), "client": junk})),
    (30, st.fixed_dictionaries(
        {"type": choice(["welcome", "snapshot", "event", "ack", "error"])},
        optional={"seq": odd_numbers, "id": junk, "ok": junk, "kind": junk, "data": junk,
                  "code": junk, "message": junk})),
    (30, st.dictionaries(_either((50, choice(["type", "id", "op", "args"])), (0, texts)), junk,
                         max_size=5)),
    (0, st.fixed_dictionaries({"type": junk})),
)


depths = st.one_of(st.integers(1, 400), st.integers(2500, 6000))
binaries = st.one_of(st.binary(max_size=40), st.just(
    ('{"type":"command","id":"bin","op":"case.history","args":{"case":"x"}}').encode()))


@st.composite
def specials(draw):
    """Texts a JSON library might choke on."""
    kind = _pick(draw, ("deep", "deep_args", "nan", "huge", "surrogate", "bom", "trailing",
                        "binary", "dup", "ws"))
    good = '{"type":"command","id":"%s","op":"case.history","args":{"case":"C-%s-000001"%s}}'
    if kind == "deep":
        n = draw(depths)
        opener, closer = _pick(draw, (("[", "]"), ('{"a":', "}")))
        return opener * n + ("1" if opener != "[" else "") + closer * n
    if kind == "deep_args":
        # depth <= 400 decodes (an extra field: ignored); >= 2500 is beyond
        # any JSON library's nesting limit: bad_frame, and the session lives on
        n = draw(depths)
        return good % (ID_MARK, DAY, ',"x":' + "[" * n + "]" * n)
    if kind == "nan":
        word = _pick(draw, ("NaN", "Infinity", "-Infinity", "nan"))
        return good % (ID_MARK, DAY, ',"x":' + word)
    if kind == "huge":
        word = _pick(draw, ("1e400", "-1e400", "1" * 5000, "1" * 400, "1e-400", "-0"))
        return good % (ID_MARK, DAY, ',"x":' + word)
    if kind == "surrogate":
        esc = _pick(draw, ("\\ud800", "\\udfff", "\\ud83d\\ude93", "\\u0000"))
        return good.replace('"op"', '"x":"%s","op"' % esc) % (ID_MARK, DAY, "")
    if kind == "bom":
        return "\ufeff" + good % (ID_MARK, DAY, "")
    if kind == "trailing":
        return good % (ID_MARK, DAY, "") + _pick(draw, (" ", "\n", " x", "}", ",", "\x00"))
    if kind == "binary":
        return draw(binaries)
    if kind == "dup":
        key, v1, v2 = _pick(draw, (("id", '"a1"', '"a2"'), ("id", "5", '"a3"'),
                                   ("type", '"hello"', '"command"'), ("args", "[]", "{}")))
        return ('{"type":"command","id":"%s","op":"case.history","args":{"case":"x"},"%s":%s,"%s":%s}'
                % (ID_MARK, key, v1, key, v2))
    return "\t\r\n " + good % (ID_MARK, DAY, "") + " \n"


SPECIALS = specials()
raw_texts = st.text(max_size=80)
jsonish_texts = st.text(alphabet='{}[]":,0123456789.-+eEtrufalsn \\', max_size=50)


@dataclass
class Spec:
    """One generated frame: who sends it and what."""
    session: int
    body: object                 # str, bytes, or an object to JSON-encode
    ascii: bool = True
    indent: int | None = None
    advance_s: int = 0           # move the clock first (and run the timed rules)


@st.composite
def frames(draw):
    r = percent(draw)     # the sessions that may change things get more
    session = 0 if r < 35 else 3 if r < 70 else 1 if r < 85 else 2
    role = USERS[session][1]
    r = percent(draw)
    if r < 65:
        body = draw(COMMANDS[role])
    elif r < 74:
        body = draw(near_frames)
    elif r < 80:
        body = draw(junk)
    elif r < 90:
        body = draw(SPECIALS)
    elif r < 95:
        body = draw(raw_texts)
    else:
        body = draw(jsonish_texts)
    advance = _pick(draw, (1, 30, 61, 299, 301, 900, 3600)) if percent(draw) < 2 else 0
    r = percent(draw)
    return Spec(session, body, r < 50, 1 if r % 5 == 0 else None, advance)


# --- the running side --------------------------------------------------------------------

class ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(f"{record.name}: {record.getMessage()}\n{record.exc_text or ''}")


@dataclass
class Sent:
    text: str | bytes
    expect: tuple


@dataclass
class Peer:
    """One fuzzing session and what it has seen."""
    user: str
    role: str
    client: SyncClient
    last_seq: int
    events: dict[int, tuple[str, object]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    used_ids: list[str] = field(default_factory=list)
    stored: dict[str, str] = field(default_factory=dict)   # id -> first stored ack (raw)

    @property
    def cls(self) -> str:
        return redact.ROLE_CLASS[self.role]


class Fuzzer:
    def __init__(self, hub: HubThread, clock: ManualClock):
        self.hub, self.clock = hub, clock
        self.ids = itertools.count(1)
        self.versions: dict[str, int] = {}    # case id -> newest version seen
        self.in_flight: Counter = Counter()      # case id -> commands sent since
        self._known: list[str] = []
        self.frames = 0
        self.advanced = 0
        self.answers = Counter()
        self.peers: list[Peer] = []
        for user, role in USERS:
            c = SyncClient(hub.url, user=user)
            snap = c.recv()
            assert snap["type"] == "snapshot"
            self.peers.append(Peer(user, role, c, snap["seq"]))
        # a few cases to aim at: C-<day>-000001 (12345, with a caller) ...
        disp = self.peers[0]
        loc = {"lat": 39.668, "lon": 106.822, "address": "海勃湾区 人民南路"}
        for source, category in [("hotline_12345", "road_damage"), ("police_110", "dispute"),
                                 ("hotline_12345", "noise"), ("grid_patrol", "garbage_dumping")]:
            self.send(disp, json.dumps({"type": "command", "id": self.new_id(), "op": "case.create",
                                        "args": {"source": source, "category": category,
                                                 "title": "种子工单", "location": loc,
                                                 "description": "fuzz seed",
                                                 "caller": {"name": "王小明", "phone": "13800000000"}}}))
        self.sync()
        assert f"C-{DAY}-000001" in json.dumps(self.hub.call(
            lambda: sorted(self.hub.server.core.cases)))

    def new_id(self) -> str:
        return f"f{next(self.ids)}"

    def resolve(self, args: dict) -> dict:
        """Fill in KnownCase and Current from the events seen so far."""
        known = self.known_cases or [f"C-{DAY}-000001"]
        out = {}
        for k, v in args.items():
            if isinstance(v, KnownCase):
                v = known[v.k % len(known)]
            out[k] = v
        if out.get("version") is CURRENT:
            # the newest version seen, plus one per command sent on it since
            # (optimistic: if one of those fails, the next ones conflict)
            case = out.get("case")
            if isinstance(case, str):
                out["version"] = self.versions.get(case, 1) + self.in_flight[case]
                self.in_flight[case] += 1
                if isinstance(out.get("other"), str):
                    self.in_flight[out["other"]] += 1
            else:
                out["version"] = 1
        return out

    @property
    def known_cases(self) -> list[str]:
        if len(self._known) != len(self.versions):
            self._known = sorted(self.versions)
        return self._known

    def send(self, peer: Peer, text: str | bytes) -> None:
        expect = expected_answer(text)
        peer.sent.append(Sent(text, expect))
        peer.client.send(text)

    def feed(self, spec: Spec) -> None:
        if spec.advance_s and self.advanced + spec.advance_s <= MAX_ADVANCE_S:
            self.advanced += spec.advance_s
            self.clock.advance(spec.advance_s)
            self.hub.run_rules()
        peer = self.peers[spec.session]
        body = spec.body
        if isinstance(body, dict) and isinstance(body.get("id"), (Fresh, Reuse)):
            body = dict(body)
            if isinstance(body["id"], Reuse) and peer.used_ids:
                body["id"] = peer.used_ids[-1 - body["id"].k % len(peer.used_ids)]
            else:
                body["id"] = self.new_id()
        if isinstance(body, dict) and isinstance(body.get("args"), dict):
            body = dict(body, args=self.resolve(body["args"]))
        if isinstance(body, str):
            text = body.replace(ID_MARK, self.new_id())
        elif isinstance(body, bytes):
            text = body
        else:
            text = json.dumps(body, ensure_ascii=spec.ascii, indent=spec.indent)
            if isinstance(body, dict) and isinstance(body.get("id"), str):
                peer.used_ids.append(body["id"])
                del peer.used_ids[:-100]
        self.send(peer, text)
        self.frames += 1
        if self.frames % ROUND == 0:
            self.sync()

    def sync(self) -> None:
        """Each session: a known-good command, then read every answer up to its ack."""
        sentinels = []
        for peer in self.peers:
            sid = f"known-good-{uuid.uuid4().hex}"
            if peer.role == "feeder":
                cmd = {"op": "ingest.camera", "args": {"camera": CAMERAS[0], "status": "online",
                                                       "ts": format_ts(self.clock.now())}}
            else:
                cmd = {"op": "case.history", "args": {"case": f"C-{DAY}-000001"}}
            self.send(peer, json.dumps({"type": "command", "id": sid, **cmd}))
            sentinels.append(sid)
        for peer, sid in zip(self.peers, sentinels):
            self.read_answers(peer, sid)
        self.in_flight.clear()

    def read_answers(self, peer: Peer, sentinel: str) -> None:
        acks: list[tuple[dict, str]] = []
        bad = 0
        while True:
            raw = peer.client.ws.recv(60)
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "event":
                assert frame["seq"] == peer.last_seq + 1, (peer.user, frame["seq"], peer.last_seq)
                peer.last_seq = frame["seq"]
                peer.events[frame["seq"]] = (frame["kind"], frame["data"])
                if frame["kind"] in CASE_EVENTS:
                    self.versions[frame["data"]["id"]] = frame["data"]["version"]
            elif kind == "ack":
                acks.append((frame, raw))
                if frame["id"] == sentinel:
                    break
            elif kind == "error":
                assert frame["code"] == "bad_frame", (peer.user, frame)
                bad += 1
            else:
                pytest.fail(f"{peer.user}: unexpected frame {raw[:300]}")
        sent, peer.sent = peer.sent, []
        self.check_answers(peer, sent, acks, bad)

    def check_answers(self, peer: Peer, sent: list[Sent], acks: list[tuple[dict, str]], bad: int) -> None:
        # acks come in the order the commands were sent; a frame with
        # duplicate keys ("either") may have been read as a command or not
        got_ids = [a["id"] for a, _ in acks]
        pairs, i = [], 0
        for s in sent:
            if s.expect[0] == "bad":
                continue
            if i < len(acks) and acks[i][0]["id"] == s.expect[1]:
                pairs.append((s, acks[i]))
                i += 1
            elif s.expect[0] == "ack":
                pytest.fail(self._explain(peer, sent, got_ids, bad))
        want_bad = sum(1 for s in sent if s.expect[0] != "ack") - sum(
            1 for s, _ in pairs if s.expect[0] == "either")
        if i != len(acks) or bad != want_bad:
            pytest.fail(self._explain(peer, sent, got_ids, bad))
        self.answers["bad_frame"] += bad
        for s, (ack, raw) in pairs:
            self.check_ack(peer, s, ack, raw)
        assert acks[-1][0]["ok"] is True, (peer.user, acks[-1][1])

    def check_ack(self, peer: Peer, s: Sent, ack: dict, raw: str) -> None:
        cid, op = s.expect[1], s.expect[2]
        mutating = op in WHO_MAY and op not in READ_ONLY
        replay = mutating and cid in peer.stored
        where = f"{peer.user} sent {s.text[:300]!r}, got {raw[:300]}"
        if replay:
            assert raw == peer.stored[cid], f"a re-sent id must get its first ack verbatim: {where}"
        if ack["ok"]:
            assert "result" in ack and "error" not in ack, where
            assert replay or peer.role in WHO_MAY.get(op, ()), where
            self.answers["ok"] += 1
        else:
            code = ack["error"]["code"]
            assert code in ACK_ERRORS, where
            self.answers[code] += 1
            if not replay:
                if op not in WHO_MAY:
                    assert code == "invalid", where
                elif peer.role not in WHO_MAY[op]:
                    assert code == "forbidden", where
        if mutating and cid not in peer.stored:
            peer.stored[cid] = raw

    @staticmethod
    def _explain(peer: Peer, sent: list[Sent], got_ids: list[str], bad: int) -> str:
        want = [s.expect[1] for s in sent if s.expect[0] == "ack"]
        lines = [f"{peer.user}: acks {got_ids[:50]} (want {want[:50]}), bad_frame {bad} "
                 f"(want {sum(1 for s in sent if s.expect[0] == 'bad')})"]
        missing = set(want) - set(got_ids)
        extra = set(got_ids) - set(want)
        for s in sent:
            if s.expect[0] == "ack" and s.expect[1] in missing or (
                    s.expect[0] == "bad" and isinstance(s.text, str) and any(x in s.text for x in extra)):
                lines.append(f"  frame {s.text[:300]!r} expected {s.expect}")
        return "\n".join(lines)

    # --- the end -----------------------------------------------------------------------------
    def finish(self) -> None:
        self.sync()
        final = self.hub.call(lambda: self.hub.server.core.seq)
        self.sync()     # every event of every command is out by now
        for peer in self.peers:
            assert peer.last_seq == final, (peer.user, peer.last_seq, final)
        self.check_events()
        check_state(self.hub)

    def check_events(self) -> None:
        ref = self.peers[0]
        for peer in self.peers[1:]:
            assert peer.events.keys() == ref.events.keys(), peer.user
            for seq, (kind, data) in ref.events.items():
                got_kind, got = peer.events[seq]
                assert got_kind == kind, (peer.user, seq)
                if kind in CASE_EVENTS:
                    want = json.loads(msgspec.json.encode(
                        redact.redact_case(msgspec.convert(data, Case), peer.cls)))
                    assert got == want, (peer.user, seq, got, data)
                    if peer.cls == redact.HIDDEN:
                        assert got["caller"] is None and got["description"] is None
                    elif peer.cls == redact.MASKED and data["caller"] and data["caller"]["phone"] \
                            and len(data["caller"]["phone"]) > 7:
                        assert got["caller"]["phone"] != data["caller"]["phone"], (seq, got)
                else:
                    assert got == data, (peer.user, seq)

    def close(self) -> None:
        for peer in self.peers:
            peer.client.close()


def check_state(hub: HubThread) -> None:
    """In-memory state == a fresh load from SQLite, and the file's invariants hold."""

    def compare():
        srv = hub.server
        live = srv.core
        fresh = HubCore(srv.storage, live.clock, live.grid, live.rules)
        db = srv.storage.db

        def view(core):
            return {
                "seq": core.seq,
                "cases": {k: msgspec.to_builtins(v) for k, v in core.cases.items()},
                "sensors": {k: (msgspec.to_builtins(s.sensor), s.episode_case)
                            for k, s in core.sensors.items()},
                "cameras": {k: msgspec.to_builtins(v) for k, v in core.cameras.items()},
                "units": {k: msgspec.to_builtins(v) for k, v in core.units.items()},
                "detections": {k: (msgspec.to_builtins(p.det), p.key, msgspec.to_builtins(p.evidence),
                                   format_ts(p.last_rx)) for k, p in core.detections.items()},
                "detection_by_key": dict(core.detection_by_key),
                "open_ai_keys": dict(core.open_ai_keys),
                "overdue_sent": set(core.overdue_sent),
            }

        rows = {
            "events": [r[0] for r in db.execute("SELECT seq FROM events ORDER BY seq")],
            "cases": db.execute("SELECT id, status, data FROM cases").fetchall(),
            "audit": db.execute("SELECT target, version, status FROM audit WHERE version IS NOT NULL "
                                "ORDER BY target, version, id").fetchall(),
            "case_events": db.execute("SELECT seq, data FROM events WHERE kind IN "
                                      "('case.created', 'case.updated') ORDER BY seq").fetchall(),
            "sensor_states": [r[0] for r in db.execute("SELECT data FROM sensors")],
            "camera_states": [r[0] for r in db.execute("SELECT data FROM cameras")],
        }
        return view(live), view(fresh), rows

    live, fresh, rows = hub.call(compare)
    for key in live:
        assert live[key] == fresh[key], f"in-memory {key} differs from a reload from SQLite"

    seqs = rows["events"]
    assert seqs == list(range(1, len(seqs) + 1)), "events table: seq not gapless from 1"
    assert seqs[-1] == live["seq"]

    history: dict[str, list[tuple[int, str]]] = {}
    for target, version, status in rows["audit"]:
        history.setdefault(target, []).append((version, status))
    cases = {}
    for cid, status, data in rows["cases"]:
        case = msgspec.json.decode(data)
        cases[cid] = case
        assert status == case["status"] and status in STATUSES, (cid, status)
        h = history.get(cid, [])
        assert [v for v, _ in h] == list(range(1, case["version"] + 1)), \
            f"{cid}: version {case['version']} but history versions {[v for v, _ in h]}"
        assert h[-1][1] == case["status"], (cid, h[-1], case["status"])
    for cid, case in cases.items():
        for link in case["links"]:
            other = cases.get(link["case"])
            assert other is not None, (cid, link)
            assert {"case": cid, "relation": link["relation"]} in other["links"], \
                f"link {cid} -> {link} has no way back"
    newest = {}
    for _, data in rows["case_events"]:
        c = msgspec.json.decode(data)
        newest[c["id"]] = c
    assert newest == cases, "the newest event of a case is not the case as stored"
    for data in rows["sensor_states"]:
        assert msgspec.json.decode(data)["state"] in SENSOR_STATES
    for data in rows["camera_states"]:
        assert msgspec.json.decode(data)["status"] in CAMERA_STATUSES
    assert set(live["cases"]) <= set(cases)


def run_fuzz(hub: HubThread, clock: ManualClock, n_frames: int) -> dict:
    errors = ErrorLog()
    for name in ("hub", "websockets"):
        logging.getLogger(name).addHandler(errors)
    fuzzer = Fuzzer(hub, clock)
    try:
        @settings(max_examples=n_frames // BATCH + 1, deadline=None, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(st.lists(frames(), min_size=BATCH, max_size=BATCH))
        def some_frames(specs: list[Spec]) -> None:
            for spec in specs:
                fuzzer.feed(spec)

        while fuzzer.frames < n_frames:
            some_frames()
        fuzzer.finish()
    finally:
        fuzzer.close()
        for name in ("hub", "websockets"):
            logging.getLogger(name).removeHandler(errors)
    assert not errors.records, "the hub logged errors:\n" + "\n".join(errors.records[:5])
    assert fuzzer.answers["ok"] > n_frames // 50 and fuzzer.answers["bad_frame"] > n_frames // 10, \
        fuzzer.answers
    return {"frames": fuzzer.frames, "answers": dict(fuzzer.answers), "seq": fuzzer.peers[0].last_seq}


# websockets' keepalive pings (another thread) use the random module;
# hypothesis notices and warns, but no strategy here uses it
QUIET = pytest.mark.filterwarnings("ignore:Do not use the `random` module")


@pytest.mark.slow
@pytest.mark.timeout(600)
@QUIET
def test_fuzz_10k_frames(hub, clock):
    stats = run_fuzz(hub, clock, 10_000)
    print(stats)


@pytest.mark.parametrize("compression", [None, "deflate"])
@QUIET
def test_fuzz_fast(tmp_path, compression):
    """A quick variant (~500 frames); also over permessage-deflate."""
    clock = ManualClock()
    with HubThread(tmp_path / "hub", clock=clock, config={"compression": compression}) as hub:
        stats = run_fuzz(hub, clock, 500)
    print(stats)


# --- times at the ends of datetime's range (found by the fuzzer: they once
# overflowed into 'internal' acks) -------------------------------------------------------------

@pytest.fixture
def feeder(connect):
    c = connect("demo-feeder")
    c.recv()
    return c


def test_reading_time_out_of_range_is_invalid(feeder):
    ack = feeder.command("ingest.reading", {"sensor": SENSORS[0], "value": 1.0,
                                            "ts": "9999-12-31T23:59:59-01:00"})
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "ts", ack


def test_detection_near_the_end_of_time_is_not_internal(feeder):
    ack = feeder.command("ingest.detection", {"camera": CAMERAS[0], "category": "illegal_parking",
                                              "key": "k", "ts": "9999-12-31T23:59:59Z",
                                              "present": True})
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "ts", ack


def test_call_near_the_end_of_time_is_not_internal(feeder):
    ack = feeder.command("ingest.call", {"line": "110", "caller": {"phone": "13800000000"},
                                         "category": "noise", "title": "t",
                                         "location": {"lat": 39.67, "lon": 106.82},
                                         "ts": "9999-12-31T23:59:59Z"})
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "ts", ack
