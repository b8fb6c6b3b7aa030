"""Injectable clocks: the hub's rules read time only through one of these, so
tests step time instead of waiting and the demo can run a day in an hour."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone


class SystemClock:
    rate = 1.0

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ScaledClock:
    """Runs ``rate`` times faster than wall time, from ``start`` (default now)."""

    def __init__(self, rate: float, start: datetime | None = None):
        self.rate = float(rate)
        self._origin = start or datetime.now(timezone.utc)
        self._mono0 = time.monotonic()

    def now(self) -> datetime:
        return self._origin + timedelta(seconds=(time.monotonic() - self._mono0) * self.rate)


class ManualClock:
    """A clock that moves only when told (tests)."""

    rate = 1.0

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when
