"""The City Brain wire protocol v1, as typed msgspec structures.

This module is the one place that knows how frames look on the wire
(``../shared/protocol.md``; the full reference is ``docs/protocol.md``). It
imports no Qt, so the hub, the console and the tests share it.

* ``encode(obj) -> bytes`` turns any frame or object into one JSON text.
* ``decode_client_frame`` / ``decode_server_frame`` turn a received text into
  a typed frame or raise :class:`ProtocolError` naming the field at fault.
* ``decode_args(op, args)`` validates a command's ``args`` for its op.
* ``decode_event_data(kind, raw)`` types an event's ``data`` by its kind.

Times stay ISO 8601 strings (``2026-11-25T03:33:21.123Z``) in the structures:
that is their wire form, they sort chronologically as text, and only the few
places that do arithmetic on them parse them (:func:`parse_ts`).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, Union

import msgspec
from msgspec import Meta, Raw, Struct, field

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 1_048_576

# --- vocabularies fixed by the contract -------------------------------------

SOURCES = ("hotline_12345", "police_110", "ai_video", "iot", "grid_patrol", "citizen_app")
STATUSES = ("received", "dispatched", "in_progress", "verifying", "closed", "rejected")
OPEN_STATUSES = ("received", "dispatched", "in_progress", "verifying")
CATEGORIES = (
    "illegal_parking", "street_vending", "lane_occupation", "garbage_dumping",
    "illegal_fishing", "floating_pollution", "thrown_from_height", "fire_lane_blocked",
    "shed_fire_smoke", "waterlogging", "manhole_displaced", "gas_leak", "elder_alert",
    "public_order", "dispute", "noise", "road_damage", "other",
)
RELATIONS = ("12345-110", "duplicate", "related")
ROLES = ("dispatcher", "supervisor", "viewer", "wall", "feeder")
SENSOR_KINDS = ("water_level", "manhole", "gas", "elder_radar")
SENSOR_STATES = ("normal", "warn", "alarm", "offline")
CAMERA_STATUSES = ("online", "offline")
ERROR_CODES = ("invalid", "not_found", "conflict", "forbidden", "unauthorized", "bad_frame")
EVENT_KINDS = (
    "case.created", "case.updated", "case.overdue", "sensor.reading", "sensor.state",
    "camera.status", "detection.pending", "detection.cleared",
)

Source = Literal["hotline_12345", "police_110", "ai_video", "iot", "grid_patrol", "citizen_app"]
Category = Literal[
    "illegal_parking", "street_vending", "lane_occupation", "garbage_dumping",
    "illegal_fishing", "floating_pollution", "thrown_from_height", "fire_lane_blocked",
    "shed_fire_smoke", "waterlogging", "manhole_displaced", "gas_leak", "elder_alert",
    "public_order", "dispute", "noise", "road_damage", "other",
]
Status = Literal["received", "dispatched", "in_progress", "verifying", "closed", "rejected"]
Relation = Literal["12345-110", "duplicate", "related"]
Line = Literal["12345", "110"]
CameraStatus = Literal["online", "offline"]
Priority = Annotated[int, Meta(ge=1, le=4)]
NonEmpty = Annotated[str, Meta(min_length=1)]
Text = Annotated[str, Meta(min_length=1, max_length=200)]
LongText = Annotated[str, Meta(max_length=4000)]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]
Timestamp = Annotated[str, Meta(min_length=10, max_length=40)]

# --- time ---------------------------------------------------------------------

_TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def format_ts(dt: datetime) -> str:
    """The contract's time form: UTC, milliseconds, ``Z``."""
    dt = dt.astimezone(timezone.utc)
    if dt.year >= 1000:
        # the hub formats several times per command: %-formatting is ~4x
        # faster than strftime and gives the same text for 4-digit years
        return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
            dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond // 1000)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


_last_parsed: tuple[str | None, datetime | None] = (None, None)


TS_MIN_YEAR, TS_MAX_YEAR = 1970, 2999   # what the hub accepts as an event's time


def parse_ts(text: str) -> datetime:
    """Parse a contract time; raises ``ValueError`` on anything else."""
    global _last_parsed
    last = _last_parsed
    if type(text) is str and text == last[0]:
        # the same text is often parsed twice in a row (validated in
        # decode_args, then used); datetimes are immutable
        return last[1]
    if not _TS_RE.match(text):
        raise ValueError(f"not an ISO 8601 time with zone: {text!r}")
    try:
        dt = datetime.fromisoformat(text).astimezone(timezone.utc)
    except OverflowError:   # e.g. 9999-12-31T23:59:59-01:00 is past datetime's end in UTC
        raise ValueError(f"time out of range: {text!r}") from None
    if not TS_MIN_YEAR <= dt.year <= TS_MAX_YEAR:
        # a due time or grace end computed from it must still be a datetime
        raise ValueError(f"time out of range ({TS_MIN_YEAR}-{TS_MAX_YEAR}): {text!r}")
    _last_parsed = (text, dt)
    return dt


def now_ts() -> str:
    return format_ts(datetime.now(timezone.utc))


# --- objects --------------------------------------------------------------------


class Location(Struct, gc=False):
    lat: Latitude
    lon: Longitude
    address: str | None = None


class Caller(Struct, gc=False):
    name: str | None = None
    phone: str | None = None


class Assignee(Struct, gc=False):
    unit: str
    person: str | None = None


class Link(Struct, frozen=True, gc=False):
    case: str
    relation: str


class Evidence(Struct, gc=False):
    kind: str
    url: str
    ts: str


class Case(Struct, gc=False):
    """A case. ``gc=False`` and tuples keep a million of them out of the
    cyclic garbage collector's walk (they hold no reference cycles)."""
    id: str
    version: int
    source: str
    category: str
    title: str
    status: str
    priority: int
    location: Location
    reported_at: str
    updated_at: str
    due_at: str
    description: str | None = None
    grid: str | None = None
    assignee: Assignee | None = None
    caller: Caller | None = None
    links: tuple[Link, ...] = ()
    camera: str | None = None
    sensor: str | None = None
    evidence: tuple[Evidence, ...] = ()


class Thresholds(Struct, gc=False):
    warn: float
    alarm: float
    hysteresis: float = 0.0
    direction: Literal["above", "below"] = "above"


class Sensor(Struct, gc=False):
    id: str
    kind: str
    name: str
    location: Location
    unit: str
    interval_s: float
    thresholds: Thresholds
    state: str = "normal"
    acked: bool = False
    grid: str | None = None
    value: float | None = None
    ts: str | None = None


class Camera(Struct, gc=False):
    id: str
    name: str
    url: str
    location: Location
    group: str
    status: str = "online"
    grid: str | None = None


class Detection(Struct, gc=False):
    id: str
    category: str
    camera: str
    key: str
    location: Location
    first_seen: str
    promote_at: str
    grid: str | None = None
    snapshot: str | None = None


class Unit(Struct, gc=False):
    id: str
    name: str
    kind: str


class HistoryEntry(Struct, gc=False):
    seq: int | None
    ts: str
    user: str
    op: str
    version: int
    status: str
    note: str | None = None


class Reading(Struct, gc=False):
    ts: str
    value: float


# --- event payloads that are not a whole object ---------------------------------


class CaseOverdue(Struct, gc=False):
    case: str
    due_at: str


class SensorReading(Struct, gc=False):
    sensor: str
    value: float
    ts: str
    state: str


class CameraStatusChange(Struct, gc=False):
    camera: str
    status: str
    ts: str


class DetectionCleared(Struct, omit_defaults=True, gc=False):
    detection: str
    reason: Literal["gone", "unseen", "promoted"]
    case: str | None = None


EVENT_DATA_TYPES: dict[str, type] = {
    "case.created": Case,
    "case.updated": Case,
    "case.overdue": CaseOverdue,
    "sensor.reading": SensorReading,
    "sensor.state": Sensor,
    "camera.status": CameraStatusChange,
    "detection.pending": Detection,
    "detection.cleared": DetectionCleared,
}

# --- frames ---------------------------------------------------------------------


class Hello(Struct, tag="hello", tag_field="type"):
    user: str | None = None
    password: str | None = None
    token: str | None = None
    since: int | None = None
    client: str | None = None


class Command(Struct, tag="command", tag_field="type"):
    id: str
    op: str
    args: dict[str, Any]


class Welcome(Struct, tag="welcome", tag_field="type"):
    user: str
    role: str
    token: str
    seq: int


class Snapshot(Struct, tag="snapshot", tag_field="type"):
    seq: int
    cases: list[Case] = field(default_factory=list)
    sensors: list[Sensor] = field(default_factory=list)
    cameras: list[Camera] = field(default_factory=list)
    detections: list[Detection] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)


class Event(Struct, tag="event", tag_field="type", gc=False):
    """An event as received: ``data`` stays raw JSON until typed by its kind."""
    seq: int
    ts: str
    kind: str
    data: Raw


class OutEvent(Struct, tag="event", tag_field="type"):
    """An event as sent: ``data`` is the typed object (or a prepared ``Raw``)."""
    seq: int
    ts: str
    kind: str
    data: Any


class AckError(Struct, omit_defaults=True):
    code: str
    message: str
    current: Any = None
    field: str | None = None


class Ack(Struct, tag="ack", tag_field="type", omit_defaults=True):
    id: str
    ok: bool
    result: Any = None
    seq: int | None = None
    error: AckError | None = None


class Error(Struct, tag="error", tag_field="type"):
    code: str
    message: str


ClientFrame = Union[Hello, Command]
ServerFrame = Union[Welcome, Snapshot, Event, Ack, Error]

# --- command args, one struct per op -------------------------------------------


class CaseCreateArgs(Struct):
    source: Source
    category: Category
    title: Text
    location: Location
    description: LongText | None = None
    grid: str | None = None
    caller: Caller | None = None
    priority: Priority | None = None


class CaseAssignArgs(Struct):
    case: NonEmpty
    version: int
    unit: NonEmpty
    person: str | None = None
    note: LongText | None = None


class CaseTransitionArgs(Struct):
    case: NonEmpty
    version: int
    to: Status
    note: LongText | None = None


class CaseLinkArgs(Struct):
    case: NonEmpty
    version: int
    other: NonEmpty
    relation: Relation


class CaseAttachArgs(Struct):
    """Extension op (docs/protocol.md, "case.attach"): evidence added by staff."""
    case: NonEmpty
    version: int
    kind: Literal["snapshot", "clip"]
    url: NonEmpty
    note: LongText | None = None


class CaseHistoryArgs(Struct):
    case: NonEmpty


class SensorHistoryArgs(Struct):
    sensor: NonEmpty
    since: Timestamp
    until: Timestamp | None = None


class SensorAckArgs(Struct):
    sensor: NonEmpty


class IngestCaller(Struct):
    phone: NonEmpty
    name: str | None = None


class IngestCallArgs(Struct):
    line: Line
    caller: IngestCaller
    category: Category
    title: Text
    location: Location
    ts: Timestamp
    description: LongText | None = None


class IngestReadingArgs(Struct):
    sensor: NonEmpty
    value: float
    ts: Timestamp


class IngestDetectionArgs(Struct):
    camera: NonEmpty
    category: Category
    key: NonEmpty
    ts: Timestamp
    present: bool
    snapshot: str | None = None


class IngestCameraArgs(Struct):
    camera: NonEmpty
    status: CameraStatus
    ts: Timestamp


OP_ARGS: dict[str, type] = {
    "case.create": CaseCreateArgs,
    "case.assign": CaseAssignArgs,
    "case.transition": CaseTransitionArgs,
    "case.link": CaseLinkArgs,
    "case.unlink": CaseLinkArgs,
    "case.attach": CaseAttachArgs,
    "case.history": CaseHistoryArgs,
    "sensor.history": SensorHistoryArgs,
    "sensor.ack": SensorAckArgs,
    "ingest.call": IngestCallArgs,
    "ingest.reading": IngestReadingArgs,
    "ingest.detection": IngestDetectionArgs,
    "ingest.camera": IngestCameraArgs,
}
OPS = tuple(OP_ARGS)
READ_OPS = frozenset({"case.history", "sensor.history"})
# Fields whose value is a time: checked beyond msgspec's type check.
_TIME_FIELDS = {"ts", "since", "until"}

# --- errors ------------------------------------------------------------------------


class ProtocolError(ValueError):
    """A frame or argument that does not follow the contract.

    ``field`` is the dotted path of the offending field (``"args.version"``,
    ``"type"``) or ``None`` when the whole frame is at fault (not JSON, not an
    object). ``reason`` says what was wrong, in words a log reader understands.
    """

    def __init__(self, reason: str, field: str | None = None):
        self.reason = reason
        self.field = field
        super().__init__(f"{field}: {reason}" if field else reason)


_PATH_RE = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_MISSING_RE = re.compile(r"missing required field `(?P<name>[^`]+)`")


def _from_msgspec(exc: Exception, prefix: str = "") -> ProtocolError:
    """Turn msgspec's message (``Expected `int`, got `str` - at `$.seq` ``)
    into a ProtocolError with a dotted field path."""
    text = str(exc)
    path = ""
    m = _PATH_RE.search(text)
    if m:
        path = m.group("path").lstrip(".")
        text = text[: m.start()]
        path = re.sub(r"\[(\d+)\]", r".\1", path)
    missing = _MISSING_RE.search(text)
    if missing:
        path = f"{path}.{missing.group('name')}" if path else missing.group("name")
        text = "required field is missing"
    if prefix:
        path = f"{prefix}.{path}" if path else prefix
    return ProtocolError(text, path or None)


# --- encode / decode -----------------------------------------------------------

_encoder = msgspec.json.Encoder()
_client_decoder = msgspec.json.Decoder(ClientFrame)
_server_decoder = msgspec.json.Decoder(ServerFrame)
_any_decoder = msgspec.json.Decoder()
_event_decoders = {kind: msgspec.json.Decoder(t) for kind, t in EVENT_DATA_TYPES.items()}

_CLIENT_TYPES = ("hello", "command")
_SERVER_TYPES = ("welcome", "snapshot", "event", "ack", "error")


def encode(obj: Any) -> bytes:
    """One frame or object as compact UTF-8 JSON."""
    return _encoder.encode(obj)


def encode_text(obj: Any) -> str:
    return _encoder.encode(obj).decode()


def _diagnose(data: bytes | str, known: tuple[str, ...]) -> ProtocolError:
    """Explain why a frame failed to decode, naming the field at fault."""
    try:
        obj = _any_decoder.decode(data)
    except msgspec.DecodeError as exc:
        return ProtocolError(f"not valid JSON ({exc})")
    if not isinstance(obj, dict):
        return ProtocolError(f"a frame must be a JSON object, not {type(obj).__name__}")
    kind = obj.get("type")
    if kind is None:
        return ProtocolError("every frame needs a type", "type")
    if not isinstance(kind, str):
        return ProtocolError(f"must be a string, not {type(kind).__name__}", "type")
    if kind not in known:
        return ProtocolError(f"unknown frame type {kind!r}; expected one of {', '.join(known)}", "type")
    return ProtocolError("malformed frame")


def _decode(decoder: msgspec.json.Decoder, data: bytes | str, known: tuple[str, ...],
            limit: int | None = None):
    if isinstance(data, str):
        data = data.encode()
    if limit is not None and len(data) > limit:
        raise ProtocolError(f"frame of {len(data)} bytes exceeds {limit}")
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as exc:
        pre = _diagnose(data, known)
        if pre.field == "type" or pre.field is None and pre.reason != "malformed frame":
            raise pre from None
        raise _from_msgspec(exc) from None
    except msgspec.DecodeError:
        raise _diagnose(data, known) from None


def decode_client_frame(data: bytes | str) -> Hello | Command:
    """Decode what a client sends the hub: ``hello`` or ``command`` (at most
    ``MAX_FRAME_BYTES``, the contract's limit on what a client may send)."""
    return _decode(_client_decoder, data, _CLIENT_TYPES, MAX_FRAME_BYTES)


#: The typed decoder behind :func:`decode_server_frame`, for the console's hot
#: path: it raises msgspec's errors; on one, call ``decode_server_frame`` for
#: the ProtocolError naming the field.
server_frame_decoder = _server_decoder


def decode_server_frame(data: bytes | str) -> Welcome | Snapshot | Event | Ack | Error:
    """Decode what the hub sends a client. No size limit: a snapshot of a
    busy city is many MiB (the 1 MiB limit is on what clients send)."""
    return _decode(_server_decoder, data, _SERVER_TYPES)


def decode_event_data(kind: str, data: Raw | bytes) -> Any:
    """Type an event's ``data`` by its ``kind``; unknown kinds give a plain dict
    (the contract lets a hub add kinds: a client ignores what it doesn't know)."""
    decoder = _event_decoders.get(kind)
    try:
        if decoder is None:
            return _any_decoder.decode(data)
        return decoder.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise _from_msgspec(exc, "data") from None


def decode_args(op: str, args: dict[str, Any]) -> Struct:
    """Validate ``args`` for ``op``; raises ProtocolError with ``field`` like
    ``"version"`` (relative to args) when a value is missing or wrong."""
    typ = OP_ARGS.get(op)
    if typ is None:
        raise ProtocolError(f"unknown op {op!r}", "op")
    try:
        parsed = msgspec.convert(args, typ)
    except msgspec.ValidationError as exc:
        raise _from_msgspec(exc) from None
    for name in _TIME_FIELDS:
        value = getattr(parsed, name, None)
        if value is not None:
            try:
                parse_ts(value)
            except ValueError as exc:
                raise ProtocolError(str(exc), name) from None
    return parsed


def to_builtins(obj: Any) -> Any:
    return msgspec.to_builtins(obj)


def convert(obj: Any, typ: type) -> Any:
    return msgspec.convert(obj, typ)
