"""ReadingBuffer: a sensor's newest readings in two float arrays, behaving
like the deque of (time, value) it replaced."""
from __future__ import annotations

import random
from collections import deque

import pytest

from console.protocol import Location, Sensor, SensorReading, Thresholds
from console.readings import ReadingBuffer
from console.store import READINGS_KEPT, LiveStore


@pytest.mark.parametrize("capacity", [1, 2, 7, 720])
def test_keeps_the_newest_capacity_in_order_like_a_bounded_deque(capacity):
    rng = random.Random(capacity)
    buf, ref = ReadingBuffer(capacity), deque(maxlen=capacity)
    for i in range(5 * capacity + 3):
        t, v = 1_764_000_000.0 + i * 60, rng.uniform(-5, 50)
        buf.append(t, v)
        ref.append((t, v))
        assert len(buf) == len(ref)
        if i % (capacity // 3 + 1) == 0:
            assert list(buf) == list(ref)
            assert buf[0] == ref[0] and buf[-1] == ref[-1]
    assert list(buf) == list(ref)
    assert list(buf.times()) == [t for t, _ in ref]
    assert list(buf.values()) == [v for _, v in ref]


def test_indexing_and_slicing():
    buf = ReadingBuffer(4, [(float(i), float(i * 10)) for i in range(10)])
    assert list(buf) == [(6.0, 60.0), (7.0, 70.0), (8.0, 80.0), (9.0, 90.0)]
    assert buf[1] == (7.0, 70.0) and buf[-2] == (8.0, 80.0)
    assert buf[-3:] == [(7.0, 70.0), (8.0, 80.0), (9.0, 90.0)]
    assert buf[::2] == [(6.0, 60.0), (8.0, 80.0)]
    assert buf[::-1] == [(9.0, 90.0), (8.0, 80.0), (7.0, 70.0), (6.0, 60.0)]
    assert buf[10:] == []
    for bad in (4, -5):
        with pytest.raises(IndexError):
            buf[bad]
    empty = ReadingBuffer(3)
    assert len(empty) == 0 and not empty and list(empty) == [] and empty[-60:] == []
    with pytest.raises(ValueError):
        ReadingBuffer(0)


def _store_with(sensor_id: str) -> LiveStore:
    store = LiveStore()
    store.sensors[sensor_id] = Sensor(
        id=sensor_id, kind="water_level", name="桥下水位", location=Location(lat=39.6, lon=106.8),
        unit="cm", interval_s=60, thresholds=Thresholds(warn=30, alarm=50), state="normal")
    return store


def test_store_keeps_at_most_readings_kept_and_history_goes_before_the_live_ones():
    store = _store_with("WL-1")
    for i in range(READINGS_KEPT + 50):
        m, s = divmod(i, 60)
        store._reading(SensorReading(sensor="WL-1", value=float(i),
                                     ts=f"2025-11-24T{10 + m // 60:02d}:{m % 60:02d}:{s:02d}.000Z", state="normal"))
    buf = store.readings["WL-1"]
    assert len(buf) == READINGS_KEPT
    assert buf[-1][1] == READINGS_KEPT + 49.0 and buf[0][1] == 50.0
    store = _store_with("WL-2")
    store._reading(SensorReading(sensor="WL-2", value=9.0, ts="2025-11-24T10:00:00.000Z", state="normal"))
    first_live = store.readings["WL-2"][0][0]
    # history overlapping the live reading keeps only what is older, in time order
    store.merge_history("WL-2", [(first_live - 60, 2.0), (first_live - 120, 1.0), (first_live, 99.0)])
    assert list(store.readings["WL-2"]) == [(first_live - 120, 1.0), (first_live - 60, 2.0), (first_live, 9.0)]
    assert "WL-2" in store.take_changes().readings


def test_a_reading_with_an_unreadable_time_is_still_kept():
    store = _store_with("WL-3")
    store._reading(SensorReading(sensor="WL-3", value=3.0, ts="not a time", state="normal"))
    assert store.sensors["WL-3"].value == 3.0
    assert [v for _, v in store.readings["WL-3"]] == [3.0]
