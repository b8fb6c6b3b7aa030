"""What a gauge says, from plain values (no Qt, no hub)."""
from __future__ import annotations

import pytest

from console.protocol import Location, Sensor, Thresholds
from widgets import sensor_logic as sl

WATER = Thresholds(warn=15, alarm=25, hysteresis=3)
BELOW = Thresholds(warn=20, alarm=10, hysteresis=2, direction="below")


def sensor(kind="water_level", state="normal", value=None, acked=False, th=WATER, sid="WL-001",
           name="人民路下穿通道", address="海北街道") -> Sensor:
    return Sensor(id=sid, kind=kind, name=name, location=Location(39.67, 106.82, address), unit="cm",
                  interval_s=60, thresholds=th, state=state, acked=acked, value=value)


def series(start, per_min, minutes, now=10_000.0):
    return [(now - 60 * (minutes - i), start + per_min * i) for i in range(minutes + 1)]


def test_rate_is_a_slope_over_the_window_not_last_minus_first():
    now = 10_000.0
    pts = series(5, 0.8, 10, now)                      # 4 cm per 5 min
    assert sl.rate_per_min(pts, now) == pytest.approx(0.8)
    noisy = pts[:-1] + [(now, pts[-1][1] + 6)]         # one spike at the end
    assert sl.rate_per_min(noisy, now) < 1.8           # last-minus-first would say 1.4 + spike
    old = [(t - 3600, v) for t, v in pts]              # an hour ago: outside the 15 min window
    assert sl.rate_per_min(old, now) is None
    assert sl.rate_per_min(pts[:2], now) is None       # too few points


def test_forecast_to_the_next_line_in_the_direction_of_danger():
    fc = sl.forecast("water_level", 11.0, 0.8, WATER)
    assert fc == sl.Forecast("warn", pytest.approx(5.0))
    fc = sl.forecast("water_level", 19.0, 0.8, WATER)
    assert fc.line == "alarm" and fc.minutes == pytest.approx(7.5)
    assert sl.forecast("water_level", 19.0, -0.8, WATER) is None      # receding
    assert sl.forecast("water_level", 26.0, 0.8, WATER) is None       # past the alarm line
    assert sl.forecast("water_level", 5.0, 0.001, WATER) is None      # steady
    assert sl.forecast("water_level", 1.0, 0.05, WATER) is None       # > 3 h away
    assert sl.forecast("manhole", 1.0, 1.0, WATER) is None            # not a forecast kind
    # a "below" sensor: falling values approach the lines
    fc = sl.forecast("gas", 25.0, -1.0, BELOW)
    assert fc.line == "warn" and fc.minutes == pytest.approx(5.0)


def test_hysteresis_hold_is_explained_only_while_it_holds():
    assert sl.held_by_hysteresis(sensor(state="alarm", value=23.5)) == 22     # under 25, not past 22
    assert sl.held_by_hysteresis(sensor(state="alarm", value=26)) is None     # the value itself alarms
    assert sl.held_by_hysteresis(sensor(state="warn", value=13)) == 12
    assert sl.held_by_hysteresis(sensor(state="normal", value=13)) is None
    assert sl.held_by_hysteresis(sensor(state="alarm", value=None)) is None
    assert sl.release_line("alarm", BELOW) == 12


def test_manhole_state_from_tilt():
    th = Thresholds(warn=5, alarm=15, hysteresis=2)
    assert [sl.manhole_state(v, th) for v in (0.4, 5, 14.9, 15, 40)] == \
        ["normal", "tilted", "tilted", "open", "open"]
    assert sl.manhole_state(None, th) is None


def test_alarms_sort_first_unacked_before_acked():
    sensors = [sensor(sid="A", state="normal"), sensor(sid="B", state="alarm", acked=True),
               sensor(sid="C", state="offline"), sensor(sid="D", state="warn"),
               sensor(sid="E", state="alarm")]
    assert [s.id for s in sorted(sensors, key=sl.sort_key)] == ["E", "B", "D", "C", "A"]
    assert sl.needs_ack(sensors[4]) and not sl.needs_ack(sensors[1]) and not sl.needs_ack(sensors[0])


def test_filter_by_kind_state_and_words():
    s = sensor(state="warn")
    assert sl.matches(s, "", "", [])
    assert sl.matches(s, "water_level", "attention", ["海北", "wl-001"])
    assert not sl.matches(s, "gas", "", [])
    assert not sl.matches(s, "", "alarm", [])
    assert not sl.matches(s, "", "", ["凤凰岭"])
    assert sl.matches(s, "", "", ["水位"], kind_name="水位计")


def test_gauge_span_covers_the_alarm_line_and_what_was_measured():
    assert sl.gauge_span(WATER) == (0.0, pytest.approx(33.75))
    lo, hi = sl.gauge_span(WATER, [-2, 50, float("nan")])
    assert lo == -2 and hi == pytest.approx(54)
    assert sl.split_minutes(502) == (8, 22)
