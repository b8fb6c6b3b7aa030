"""What the benches' synthetic cases share (bench/queue.py, bench/report.py):
the moment they are dated from, the proportions of sources and statuses, and
time texts at one-second resolution, cached as real data repeats them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

from console.protocol import format_ts

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
SOURCES_W = [("hotline_12345", 40), ("police_110", 15), ("ai_video", 20), ("iot", 5), ("grid_patrol", 12),
             ("citizen_app", 8)]
STATUS_W = [("received", 15), ("dispatched", 15), ("in_progress", 20), ("verifying", 10), ("closed", 35),
            ("rejected", 5)]


def weighted(pairs: list[tuple[str, int]]) -> list[str]:
    """Each value repeated by its weight (100 entries: draw with randrange(100))."""
    return [s for s, w in pairs for _ in range(w)]


def ts_texts() -> Callable[[int], str]:
    """``ts(sec)``: the contract time of ``NOW + sec``, formatted once per second."""
    cache: dict[int, str] = {}

    def ts(sec: int) -> str:
        s = cache.get(sec)
        if s is None:
            s = cache[sec] = format_ts(NOW + timedelta(seconds=sec))
        return s
    return ts
