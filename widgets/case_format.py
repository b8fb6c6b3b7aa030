"""How a case's values read on screen: SLA countdowns, hall times, short
labels, and the colours that go with them (from console.theme: red means
overdue or alarm, amber due soon, nothing else uses them)."""
from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from console import labels, theme
from console.domain.sla import sla_level
from console.protocol import OPEN_STATUSES, Case, parse_ts

HALL_TZ = timezone(timedelta(hours=8), "UTC+8")   # Wuhai keeps Beijing time
_UTC = timezone.utc

translate = QCoreApplication.translate

STATUS_COLORS = {"received": theme.ACCENT, "dispatched": theme.TEXT, "in_progress": theme.TEXT,
                 "verifying": theme.OK, "closed": theme.MUTED, "rejected": theme.MUTED}
OVERDUE_ROW = QColor(theme.ALARM_BG)
AMBER_ROW = QColor(theme.WARN_BG)
FLASH = QColor(theme.ACCENT)


@functools.lru_cache(maxsize=1)
def grid_index():
    """The demo grid (cell names for the area column and the pickers): loaded
    once per process; the map panel may load its own copy."""
    from console.domain.demo import load_grid_index
    return load_grid_index()


def area_name(grid: str | None, full: bool = False) -> str:
    if not grid:
        return "—"
    index = grid_index()
    if grid not in index.cells:
        return grid
    if not full:
        cell = index.cells[grid]
        return f"{cell.street} · {cell.name}"
    return " / ".join(name for _, name in index.path_names(grid)[1:])


def hall_time(ts: str | None, with_date: bool = True) -> str:
    """A contract time in the hall's clock (UTC+8)."""
    if not ts:
        return "—"
    try:
        t = parse_ts(ts).astimezone(HALL_TZ)
    except ValueError:
        return ts
    return t.strftime("%m-%d %H:%M" if with_date else "%H:%M:%S")


def hall_time_s(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, HALL_TZ).strftime("%m-%d %H:%M")


def full_hall_time(ts: str | None) -> str:
    if not ts:
        return "—"
    try:
        return parse_ts(ts).astimezone(HALL_TZ).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return ts


def sla_state(status: str, reported_s: float, due_s: float, now_s: float) -> str:
    """``ok``, ``amber``, ``red`` (console.domain.sla) or ``done`` when closed."""
    if status not in OPEN_STATUSES:
        return "done"
    return sla_level(datetime.fromtimestamp(reported_s, _UTC), datetime.fromtimestamp(due_s, _UTC),
                     datetime.fromtimestamp(now_s, _UTC))


def countdown(seconds: float) -> str:
    """``1:02:03``, ``12:03``, or ``2天 03:04`` / ``2d 03:04``."""
    s = int(abs(seconds))
    days, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    if days:
        return translate("CaseFormat", "%1d %2").replace("%1", str(days)).replace("%2", f"{h:02d}:{m:02d}")
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"


def sla_text(status: str, due_s: float, now_s: float) -> str:
    if status not in OPEN_STATUSES:
        return labels.status(status)
    left = due_s - now_s
    if left < 0:
        return translate("CaseFormat", "Overdue %1").replace("%1", countdown(left))
    return countdown(left)


def sla_fraction(reported_s: float, due_s: float, now_s: float) -> float:
    """How much of the allowed time is used (0..1, more when overdue)."""
    total = due_s - reported_s
    return 1.0 if total <= 0 else max(0.0, (now_s - reported_s) / total)


def sla_color(state: str) -> QColor:
    return QColor({"ok": theme.OK, "amber": theme.WARN, "red": theme.ALARM}.get(state, theme.MUTED))


def priority_color(p: int) -> QColor:
    return QColor(theme.PRIORITY_COLORS.get(p, theme.MUTED))


def priority_text(p: int) -> str:
    return f"P{p} {labels.priority(p)}" if 1 <= p <= 4 else f"P{p}"


SOURCE_SHORT = {"hotline_12345": "12345", "police_110": "110"}


def source_text(source: str) -> str:
    return SOURCE_SHORT.get(source) or labels.source(source)


def unit_text(case: Case) -> str:
    if case.assignee is None:
        return "—"
    name = labels.unit(case.assignee.unit)
    return f"{name} · {case.assignee.person}" if case.assignee.person else name


def dash(value) -> str:
    """Null shows as an em dash, never as "None"."""
    return "—" if value is None or value == "" else str(value)


def reasons_text(r) -> str:
    """Why two calls look like one incident: "同一网格 · 相距 230 m · 间隔 3 分钟 · 同类"."""
    parts = []
    if r.same_grid:
        parts.append(translate("CaseFormat", "same grid cell"))
    if r.distance_m >= 1000:
        parts.append(translate("CaseFormat", "%1 km apart").replace("%1", f"{r.distance_m / 1000:.1f}"))
    else:
        parts.append(translate("CaseFormat", "%1 m apart").replace("%1", str(int(round(r.distance_m, -1)))))
    parts.append(translate("CaseFormat", "%1 min apart").replace("%1", str(int(round(r.minutes_apart)))))
    if r.category == "same":
        parts.append(translate("CaseFormat", "same category"))
    elif r.category == "family":
        parts.append(translate("CaseFormat", "related category"))
    if r.same_phone:
        parts.append(translate("CaseFormat", "same phone number"))
    return " · ".join(parts)
