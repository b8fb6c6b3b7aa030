"""What changed between the case a dispatcher acted on and the case as it is
now — the substance of a ``conflict`` answer — without Qt.

A second dispatcher assigned the case a moment earlier: the hub refuses our
command (stale ``version``) and sends the case as it is now. The console must
show *what* changed and *who* changed it, never overwrite it silently, and
offer to re-send the same intent against the new version.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from console.protocol import Case, HistoryEntry

# the fields a dispatcher would care about, in the order they are shown
FIELDS = ("status", "assignee", "priority", "category", "title", "description", "location", "grid",
          "due_at", "links", "caller", "evidence")


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Conflict:
    seen: Case                      # what the dispatcher acted on
    current: Case                   # the case now
    changes: tuple[FieldChange, ...]
    by: tuple[HistoryEntry, ...]    # the history entries after the version seen

    @property
    def users(self) -> list[str]:
        return sorted({e.user for e in self.by})


def case_from_wire(obj: Any) -> Case | None:
    """The ``current`` of a conflict ack (a dict) as a Case; None if unusable."""
    if isinstance(obj, Case):
        return obj
    try:
        return msgspec.convert(obj, Case)
    except (msgspec.ValidationError, TypeError):
        return None


def diff_cases(seen: Case, current: Case) -> tuple[FieldChange, ...]:
    out = []
    for name in FIELDS:
        a, b = getattr(seen, name), getattr(current, name)
        if msgspec.to_builtins(a) != msgspec.to_builtins(b):
            out.append(FieldChange(name, a, b))
    return tuple(out)


def entries_after(entries: list[dict] | list[HistoryEntry], version: int) -> tuple[HistoryEntry, ...]:
    typed = [e if isinstance(e, HistoryEntry) else msgspec.convert(e, HistoryEntry) for e in entries]
    return tuple(e for e in typed if e.version > version)


def make_conflict(seen: Case, current: Case, history: list | None = None) -> Conflict:
    return Conflict(seen, current, diff_cases(seen, current),
                    entries_after(history or [], seen.version))
