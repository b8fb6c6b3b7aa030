"""Every frame of the contract round-trips through console.protocol; every
kind of malformed frame gives a ProtocolError naming the field.

The examples are the JSON blocks of docs/protocol.md, so the reference can't
drift from the code."""
from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
import pytest

from console import protocol as P

DOC = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"
EXAMPLES = re.findall(r"```json\n(.*?)\n```", DOC.read_text(encoding="utf-8"), re.S)


def _struct_view(original: dict, struct) -> dict:
    """The original restricted to what the struct knows (unknown fields are ignored)."""
    names = set(struct.__struct_fields__) | {"type"}
    return {k: v for k, v in original.items() if k in names}


def _drop_none(d):
    if isinstance(d, dict):
        return {k: _drop_none(v) for k, v in d.items() if v is not None}
    if isinstance(d, list):
        return [_drop_none(v) for v in d]
    return d


def test_docs_hold_an_example_of_every_frame_event_kind_and_op():
    frames = [json.loads(e) for e in EXAMPLES]
    types = {f["type"] for f in frames}
    assert types == {"hello", "welcome", "snapshot", "event", "command", "ack", "error"}
    assert {f["kind"] for f in frames if f["type"] == "event"} == set(P.EVENT_KINDS)
    ops = {f["op"] for f in frames if f["type"] == "command"}
    assert ops >= set(P.OPS) - {"case.unlink"}  # unlink takes link's args


@pytest.mark.parametrize("text", EXAMPLES, ids=[json.loads(e)["type"] + str(i) for i, e in enumerate(EXAMPLES)])
def test_example_round_trips(text):
    original = json.loads(text)
    client_side = original["type"] in ("hello", "command")
    frame = (P.decode_client_frame if client_side else P.decode_server_frame)(text)
    again = json.loads(P.encode(frame))
    assert _drop_none(again) == _drop_none(_struct_view(original, frame))
    if isinstance(frame, P.Event):
        data = P.decode_event_data(frame.kind, frame.data)
        assert isinstance(data, P.EVENT_DATA_TYPES[frame.kind])
        assert _drop_none(json.loads(P.encode(data))) == _drop_none(original["data"])
    if isinstance(frame, P.Command):
        args = P.decode_args(frame.op, frame.args)
        assert _drop_none(msgspec.to_builtins(args)) == _drop_none(original["args"])
    if isinstance(frame, P.Snapshot):
        assert all(isinstance(c, P.Case) for c in frame.cases)


def test_every_op_has_typed_args():
    assert set(P.OP_ARGS) == {"case.create", "case.assign", "case.transition", "case.link",
                              "case.unlink", "case.history", "sensor.history", "sensor.ack",
                              "ingest.call", "ingest.reading", "ingest.detection", "ingest.camera",
                              "case.attach"}   # the one extension op (docs/protocol.md)


@pytest.mark.parametrize("frame,field", [
    ('{"type":"hello","since":"yesterday"}', "since"),
    ('{"type":"hello","user":5}', "user"),
    ('{"type":"command","id":"1","op":"x"}', "args"),
    ('{"type":"command","op":"x","args":{}}', "id"),
    ('{"type":"command","id":true,"op":"x","args":{}}', "id"),
    ('{"type":"command","id":"1","op":["x"],"args":{}}', "op"),
    ('{"nottype":1}', "type"),
    ('{"type":null}', "type"),
    ('{"type":"snapshot"}', "type"),      # a server frame sent by a client
    ('not json', None),
    ('[]', None),
    ('12', None),
])
def test_malformed_client_frames_name_the_field(frame, field):
    with pytest.raises(P.ProtocolError) as info:
        P.decode_client_frame(frame)
    assert info.value.field == field
    assert info.value.reason


@pytest.mark.parametrize("frame,field", [
    ('{"type":"welcome","user":"u","role":"viewer","token":"t"}', "seq"),
    ('{"type":"event","seq":"1","ts":"t","kind":"k","data":{}}', "seq"),
    ('{"type":"event","seq":1,"ts":"t","data":{}}', "kind"),
    ('{"type":"snapshot","seq":1,"cases":[{"id":"x"}]}', "cases.0.version"),
    ('{"type":"ack","ok":true}', "id"),
    ('{"type":"error","code":"bad_frame"}', "message"),
    ('{"type":"hello"}', "type"),
])
def test_malformed_server_frames_name_the_field(frame, field):
    with pytest.raises(P.ProtocolError) as info:
        P.decode_server_frame(frame)
    assert info.value.field == field


@pytest.mark.parametrize("op,args,field", [
    ("case.create", {"source": "fax", "category": "noise", "title": "t",
                     "location": {"lat": 39.6, "lon": 106.8}}, "source"),
    ("case.create", {"source": "iot", "category": "noise", "title": "",
                     "location": {"lat": 39.6, "lon": 106.8}}, "title"),
    ("case.create", {"source": "iot", "category": "noise", "title": "t",
                     "location": {"lat": 39.6}}, "location.lon"),
    ("case.assign", {"case": "C-1", "version": 1.5, "unit": "u"}, "version"),
    ("case.transition", {"case": "C-1", "version": 1, "to": "done"}, "to"),
    ("case.link", {"case": "C-1", "version": 1, "other": "C-2", "relation": "friends"}, "relation"),
    ("sensor.history", {"sensor": "S", "since": "2026-13-45T00:00:00Z"}, "since"),
    ("ingest.call", {"line": "119", "caller": {"phone": "1"}, "category": "noise", "title": "t",
                     "location": {"lat": 1, "lon": 1}, "ts": "2026-11-25T00:00:00.000Z"}, "line"),
    ("ingest.call", {"line": "110", "caller": {"name": "x"}, "category": "noise", "title": "t",
                     "location": {"lat": 1, "lon": 1}, "ts": "2026-11-25T00:00:00.000Z"}, "caller.phone"),
    ("ingest.reading", {"sensor": "S", "value": "high", "ts": "2026-11-25T00:00:00.000Z"}, "value"),
    ("ingest.detection", {"camera": "C", "category": "noise", "key": "k",
                          "ts": "2026-11-25T00:00:00.000Z", "present": "yes"}, "present"),
    ("ingest.camera", {"camera": "C", "status": "broken", "ts": "2026-11-25T00:00:00.000Z"}, "status"),
])
def test_bad_args_name_the_field(op, args, field):
    with pytest.raises(P.ProtocolError) as info:
        P.decode_args(op, args)
    assert info.value.field == field


def test_unknown_op():
    with pytest.raises(P.ProtocolError) as info:
        P.decode_args("case.explode", {})
    assert info.value.field == "op"


def test_unknown_event_kind_decodes_as_plain_data():
    assert P.decode_event_data("weather.alert", b'{"level":"red"}') == {"level": "red"}


def test_times():
    assert P.format_ts(P.parse_ts("2026-11-25T11:33:21.123456+08:00")) == "2026-11-25T03:33:21.123Z"
    for bad in ("2026-11-25", "2026-11-25T03:33:21", "yesterday", "2026-11-25T03:33:21.1Zjunk"):
        with pytest.raises(ValueError):
            P.parse_ts(bad)
