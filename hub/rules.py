"""The city's rules for ingested data, as pure functions (no I/O, no clock).

Thresholds with hysteresis (protocol "Rules"): a reading at or past ``warn`` or
``alarm`` raises the state at once; the state comes back down only at a
reading at or past the threshold minus ``hysteresis`` (plus, for sensors whose
danger is a low value), so a value hovering at a line does not flap.
"""
from __future__ import annotations

from console.protocol import Thresholds

RANK = {"normal": 0, "warn": 1, "alarm": 2}


def _past(value: float, line: float, direction: str) -> bool:
    """At or past ``line`` in the direction of danger."""
    return value >= line if direction == "above" else value <= line


def _back(line: float, hysteresis: float, direction: str) -> float:
    """The line a value must reach to count as back from ``line``."""
    return line - hysteresis if direction == "above" else line + hysteresis


def _retreated(value: float, line: float, t: Thresholds) -> bool:
    back = _back(line, t.hysteresis, t.direction)
    return value <= back if t.direction == "above" else value >= back


def raw_level(value: float, t: Thresholds) -> str:
    if _past(value, t.alarm, t.direction):
        return "alarm"
    if _past(value, t.warn, t.direction):
        return "warn"
    return "normal"


def next_state(previous: str, value: float, t: Thresholds) -> str:
    """The sensor's state after ``value``, given the state before it.
    From ``offline`` (or anything unknown) a reading is judged afresh."""
    raised = raw_level(value, t)
    if previous not in RANK or RANK[raised] >= RANK[previous]:
        return raised
    if previous == "alarm" and not _retreated(value, t.alarm, t):
        return "alarm"
    if raised == "normal" and not _retreated(value, t.warn, t):
        return "warn"
    return raised


def episode_ends(value: float, t: Thresholds) -> bool:
    """An alarm episode ends at the first reading past the alarm line by the
    hysteresis margin (going offline does not end it)."""
    return _retreated(value, t.alarm, t)
