"""What a sensor's gauge says, worked out from the live store's data. No Qt.

The hub decides a sensor's ``state`` (thresholds with hysteresis, see the
protocol's "Thresholds"); the console only *explains* it: how fast the value
is moving, when it will reach the next line at that pace, whether a state is
being held by hysteresis, and — for manhole covers — what the tilt means.
Every function here takes plain values, so the gauges' wording is tested
without a widget.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Iterable, Sequence

from console.protocol import Sensor, Thresholds

HALL_TZ = timezone(timedelta(hours=8), "UTC+8")   # Wuhai keeps Beijing time

TREND_WINDOW_S = 3600.0       # the card's plot: the last hour
RATE_WINDOW_S = 15 * 60.0     # the rate of rise: a least-squares slope over 15 min
RATE_MIN_POINTS = 3
ETA_MAX_MIN = 180.0           # further out than 3 h is no forecast worth showing
STEADY_FRACTION = 0.02        # |rate| below 2 % of the warn line per hour is "steady"

# the value's unit per kind, and the span the rate is quoted over (the
# rainstorm scenario speaks of "4 cm per 5 minutes")
UNITS = {"water_level": "cm", "gas": "%LEL", "manhole": "°", "elder_radar": "min"}
RATE_PER_MIN = {"water_level": 5, "gas": 1, "manhole": 1, "elder_radar": 60}
FORECAST_KINDS = ("water_level", "gas")   # rising values that a forecast helps with

MANHOLE_STATES = ("normal", "tilted", "open")

# alarmed first (unacked before acked), then warnings, then offline, then the rest
_STATE_RANK = {"alarm": 0, "warn": 2, "offline": 4, "normal": 5}


def sort_key(sensor: Sensor) -> tuple:
    rank = _STATE_RANK.get(sensor.state, 5)
    if sensor.state in ("alarm", "warn") and sensor.acked:
        rank += 1
    return (rank, sensor.kind, sensor.name, sensor.id)


def needs_ack(sensor: Sensor) -> bool:
    return sensor.state in ("alarm", "warn") and not sensor.acked


# --- the value's movement ------------------------------------------------------


def rate_per_min(readings: Sequence[tuple[float, float]], now: float,
                 window_s: float = RATE_WINDOW_S) -> float | None:
    """Least-squares slope (value per minute) of the readings in the last
    ``window_s`` before ``now`` (epoch seconds); ``None`` with too few points.
    A slope, not last-minus-first, so one noisy reading does not make a rush."""
    pts = [(t, v) for t, v in readings if now - window_s <= t <= now + 60]
    if len(pts) < RATE_MIN_POINTS:
        return None
    n = len(pts)
    mt = sum(t for t, _ in pts) / n
    mv = sum(v for _, v in pts) / n
    var = sum((t - mt) ** 2 for t, _ in pts)
    if var <= 0:
        return None
    cov = sum((t - mt) * (v - mv) for t, v in pts)
    return cov / var * 60.0


@dataclass(frozen=True)
class Forecast:
    line: str           # "warn" or "alarm": the next line the value will reach
    minutes: float


def next_line(value: float, th: Thresholds) -> str | None:
    """The next threshold in the direction of danger, or None past the alarm."""
    above = th.direction != "below"
    for name in ("warn", "alarm"):
        line = getattr(th, name)
        if (value < line) if above else (value > line):
            return name
    return None


def forecast(kind: str, value: float | None, rate: float | None, th: Thresholds) -> Forecast | None:
    """When the value reaches the next line at the current pace (water and
    gas only): ``None`` when steady, moving away, past the alarm, or too far."""
    if kind not in FORECAST_KINDS or value is None or rate is None:
        return None
    if abs(rate) * 60 < STEADY_FRACTION * abs(th.warn or 1.0):
        return None
    name = next_line(value, th)
    if name is None:
        return None
    gap = getattr(th, name) - value
    if gap * rate <= 0:            # moving away from the line
        return None
    minutes = gap / rate
    return Forecast(name, minutes) if minutes <= ETA_MAX_MIN else None


# --- what the state means --------------------------------------------------------


def raw_state(value: float, th: Thresholds) -> str:
    """The state the value alone gives, without hysteresis."""
    above = th.direction != "below"
    if (value >= th.alarm) if above else (value <= th.alarm):
        return "alarm"
    if (value >= th.warn) if above else (value <= th.warn):
        return "warn"
    return "normal"


def release_line(state: str, th: Thresholds) -> float | None:
    """Where a ``warn``/``alarm`` state ends: the line minus the margin."""
    if state not in ("warn", "alarm"):
        return None
    line = getattr(th, state)
    return line - th.hysteresis if th.direction != "below" else line + th.hysteresis


def held_by_hysteresis(sensor: Sensor) -> float | None:
    """The release line when the hub keeps a state the value alone would no
    longer give (the value is back under the line but not past the margin):
    the gauge says so, rather than looking like a bug."""
    if sensor.value is None or sensor.state not in ("warn", "alarm"):
        return None
    levels = ("normal", "warn", "alarm")
    if levels.index(raw_state(sensor.value, sensor.thresholds)) >= levels.index(sensor.state):
        return None
    return release_line(sensor.state, sensor.thresholds)


def manhole_state(tilt: float | None, th: Thresholds) -> str | None:
    """A cover's tilt read as the dispatcher thinks of it: seated (normal),
    tilted (past ``warn``: shifted or lifted at one edge), open (past
    ``alarm``: displaced or off)."""
    if tilt is None:
        return None
    return {"normal": "normal", "warn": "tilted", "alarm": "open"}[raw_state(tilt, th)]


def gauge_span(th: Thresholds, values: Iterable[float] = ()) -> tuple[float, float]:
    """The range a gauge and its plot show: from 0 to a bit past the alarm
    line, stretched to include what was actually measured."""
    top = th.alarm * 1.35
    lo = 0.0
    for v in values:
        if math.isfinite(v):
            top = max(top, v * 1.08)
            lo = min(lo, v)
    return lo, top


def split_minutes(minutes: float) -> tuple[int, int]:
    """Whole hours and minutes (elder radar: time since last movement)."""
    m = max(0, int(round(minutes)))
    return m // 60, m % 60


def matches(sensor: Sensor, kind: str, state: str, words: Sequence[str], kind_name: str = "") -> bool:
    """The gauges panel's filter: kind ("" = any), state ("" any, "attention"
    = warn or alarm, or one state), and every search word in the id, name,
    address or kind name."""
    if kind and sensor.kind != kind:
        return False
    if state == "attention":
        if sensor.state not in ("warn", "alarm"):
            return False
    elif state and sensor.state != state:
        return False
    if words:
        text = f"{sensor.id} {sensor.name} {sensor.location.address or ''} {kind_name}".lower()
        return all(w in text for w in words)
    return True
