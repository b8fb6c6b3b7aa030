"""What the video wall shows in detail without anyone touching it: the room's
incident. Nobody stands at the wall to pick a case, so it follows the most
urgent open case (P1 特急, then P2 紧急), the newest first:

* a new urgent case takes the wall if it is at least as urgent as the one
  shown (a second P1 replaces the first: the newest incident is the one the
  room is turning to);
* an open case raised to a higher urgency than the one shown takes it too;
* when the case shown is closed, rejected or gone, the wall moves to the
  most urgent open case left, or to nothing.

The choice is the store's selection, so the map flies there, the queue marks
it and the detail panel shows it (never the caller or the free text: the
panels already leave those out on the wall). Plain Python, no Qt.
"""
from __future__ import annotations

from typing import Iterable

from console.protocol import OPEN_STATUSES, Case
from console.store import Changes, LiveStore

URGENT_PRIORITY = 2          # P1 and P2 come to the wall by themselves
_NOT_URGENT = 99


def _urgency(case: Case | None) -> int:
    """Lower is more urgent; open urgent cases only."""
    if case is None or case.status not in OPEN_STATUSES or case.priority > URGENT_PRIORITY:
        return _NOT_URGENT
    return case.priority


def most_urgent(cases: Iterable[Case | None]) -> Case | None:
    """The open urgent case to show: the most urgent, then the newest."""
    best: Case | None = None
    for c in cases:
        u = _urgency(c)
        if u == _NOT_URGENT:
            continue
        if best is None or u < best.priority or (u == best.priority and c.reported_at > best.reported_at):
            best = c
    return best


def next_focus(store: LiveStore, changes: Changes) -> str | None:
    """The case the wall should show after ``changes`` (the current one if
    nothing calls for a change). Looks through every case only after a
    snapshot or when the case shown has ended; otherwise only at what
    changed."""
    current = store.cases.get(store.selected_case) if store.selected_case else None
    ended = (current is None and store.selected_case is not None) or \
        (current is not None and current.status not in OPEN_STATUSES)
    if changes.reset or ended:
        best = most_urgent(store.cases.values())
        return best.id if best else None
    shown = _urgency(current)
    cases = store.cases
    arrived = most_urgent(cases.get(cid) for cid in changes.new_cases)
    if arrived is not None and arrived.priority <= shown:
        return arrived.id
    raised = most_urgent(cases.get(cid) for cid in changes.cases if cid not in changes.new_cases)
    if raised is not None and raised.priority < shown:
        return raised.id
    return store.selected_case
