"""The event hot path (HubClient._dispatch -> LiveStore.on_event), frame by
frame, without a hub: the inlined fast path keeps the client's and the
store's semantics."""
from __future__ import annotations

import sys

import pytest

from console.client import Credentials, HubClient
from console.protocol import (
    Case, Location, OutEvent, ProtocolError, SensorReading, Snapshot, encode,
)
from console.store import LiveStore

TS = "2025-11-24T16:00:21.050Z"


def _case(version: int, status: str = "received", **kw) -> Case:
    fields = dict(id="C-1", version=version, source="hotline_12345", category="noise", title="t",
                  status=status, priority=2, location=Location(lat=40.8, lon=111.7),
                  reported_at=TS, updated_at=TS, due_at="2025-11-24T18:00:21.050Z", grid="G-1")
    fields.update(kw)
    return Case(**fields)


def _frame(seq: int, kind: str, data) -> bytes:
    return encode(OutEvent(seq, TS, kind, data))


def _client(snapshot: Snapshot | None = None) -> tuple[HubClient, LiveStore]:
    store = LiveStore()
    client = HubClient("ws://unused", Credentials(), store)
    client._dispatch(encode(snapshot or Snapshot(seq=0)))
    return client, store


def test_events_in_order_applied_duplicates_skipped_gap_raises():
    client, store = _client()
    client._dispatch(_frame(1, "case.created", _case(1)))
    client._dispatch(_frame(2, "future.kind", {"x": 1}))        # unknown kind: skipped, seq advances
    assert store.seq == client.last_seq == 2 and store.events_applied == 2
    client._dispatch(_frame(2, "case.updated", _case(9)))      # already applied
    assert store.cases["C-1"].version == 1 and client.last_seq == 2
    with pytest.raises(ProtocolError) as info:
        client._dispatch(_frame(4, "case.updated", _case(2)))
    assert info.value.field == "seq" and client.last_seq == 2 and store.cases["C-1"].version == 1


def test_malformed_frame_ignored_and_malformed_data_names_the_field(caplog):
    client, store = _client()
    client._dispatch(b'{"type": "event", "seq": "one"}')
    assert "malformed frame" in caplog.text and client.last_seq == 0
    bad = encode(OutEvent(1, TS, "sensor.reading", {"sensor": "S-1", "value": "high", "ts": TS,
                                                      "state": "normal"}))
    with pytest.raises(ProtocolError) as info:
        client._dispatch(bad)
    assert info.value.field == "data.value" and client.last_seq == 0


def test_case_update_shares_unchanged_strings_and_keeps_the_newest():
    client, store = _client()
    client._dispatch(_frame(1, "case.created", _case(1)))
    first = store.cases["C-1"]
    assert first.status is sys.intern("received") and first.source is sys.intern("hotline_12345")
    client._dispatch(_frame(2, "case.updated", _case(2, title="t2")))
    second = store.cases["C-1"]
    assert second.title == "t2" and second.version == 2
    for name in ("status", "source", "category", "grid"):
        assert getattr(second, name) is getattr(first, name), name
    client._dispatch(_frame(3, "case.updated", _case(3, status="dispatched", category="dispute")))
    third = store.cases["C-1"]
    assert third.status is sys.intern("dispatched") and third.category is sys.intern("dispute")
    client._dispatch(_frame(4, "case.updated", _case(2, status="closed")))    # older: ignored
    assert store.cases["C-1"] is third
    changes = store.take_changes()
    assert changes.cases == {"C-1"} and changes.new_cases == {"C-1"} and changes.events == 4


def test_closing_an_overdue_case_clears_it():
    client, store = _client()
    client._dispatch(_frame(1, "case.created", _case(1)))
    client._dispatch(_frame(2, "case.overdue", {"case": "C-1", "due_at": TS}))
    assert store.overdue == {"C-1"}
    client._dispatch(_frame(3, "case.updated", _case(2, status="closed")))
    assert store.overdue == set() and store.cases["C-1"].status == "closed"


def test_reading_updates_sensor_and_keeps_its_data_time():
    from console.domain import demo
    sensor = demo.load_sensors()[0]
    client, store = _client(Snapshot(seq=0, sensors=[sensor]))
    store.take_changes()
    client._dispatch(_frame(1, "sensor.reading", SensorReading(sensor.id, 1.5, TS, "warn")))
    s = store.sensors[sensor.id]
    assert (s.value, s.ts, s.state) == (1.5, TS, "warn")
    assert list(store.readings[sensor.id]) == [(1764000021.05, 1.5)]
    assert store.take_changes().readings == {sensor.id}
