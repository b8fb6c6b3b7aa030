"""Service-level due times: how long a case may stay open, by category and
priority. One table; the hub stamps ``due_at`` from it and the console's
clocks count down to it."""
from __future__ import annotations

from datetime import datetime, timedelta

MINUTE = 60
HOUR = 3600
DAY = 86400

# Default by priority: P1 emergencies within 2 h, P2 same shift, P3 the city's
# one-day target, P4 three days.
DEFAULT_SLA_S: dict[int, int] = {1: 2 * HOUR, 2: 8 * HOUR, 3: 1 * DAY, 4: 3 * DAY}

# Exceptions where the category, not the priority, sets the clock.
CATEGORY_SLA_S: dict[tuple[str, int], int] = {
    ("gas_leak", 1): 30 * MINUTE,
    ("gas_leak", 2): 2 * HOUR,
    ("shed_fire_smoke", 1): 15 * MINUTE,
    ("elder_alert", 1): 30 * MINUTE,
    ("waterlogging", 1): 1 * HOUR,
    ("public_order", 1): 30 * MINUTE,
    ("manhole_displaced", 2): 4 * HOUR,
    ("illegal_parking", 3): 2 * HOUR,
    ("fire_lane_blocked", 2): 1 * HOUR,
    ("noise", 4): 3 * DAY,
}

# The clock turns amber when this share of the allowed time has passed.
AMBER_FRACTION = 0.8


def sla_seconds(category: str, priority: int) -> int:
    return CATEGORY_SLA_S.get((category, priority), DEFAULT_SLA_S.get(priority, DAY))


def due_at(reported: datetime, category: str, priority: int) -> datetime:
    return reported + timedelta(seconds=sla_seconds(category, priority))


def sla_level(reported: datetime, due: datetime, now: datetime) -> str:
    """``ok``, ``amber`` (80 % of the time used) or ``red`` (overdue)."""
    if now >= due:
        return "red"
    total = (due - reported).total_seconds()
    used = (now - reported).total_seconds()
    return "amber" if total > 0 and used >= AMBER_FRACTION * total else "ok"
