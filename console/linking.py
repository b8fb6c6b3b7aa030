"""Linking the 12345 hotline with the 110 police line (两线联动), without Qt.

A citizen calls 12345 about a car stalled in water; minutes later someone
calls 110 about a driver trapped a few hundred metres away. The two calls are
one incident: the console suggests the pair and the dispatcher links them
with one key (``case.link`` relation ``"12345-110"``).

:func:`score_pair` says how likely two cases from the two lines are one
incident, with the reasons shown to the dispatcher ("同一网格 · 相距 230 m ·
间隔 3 分钟 · 同类"). :class:`LinkIndex` keeps the two lines' cases bucketed by
hour and by a ~3 km square, so finding candidates looks at a few buckets, not
at every case; it is brought up to date once per store batch
(:meth:`LinkIndex.sync`), never per paint.
"""
from __future__ import annotations

import math
import re
import weakref
from dataclasses import dataclass
from typing import Iterable

from console.domain.categories import category_info
from console.domain.grid import distance_m
from console.protocol import Case, parse_ts

RELATION = "12345-110"
LINES = ("hotline_12345", "police_110")
OTHER_LINE = {"hotline_12345": "police_110", "police_110": "hotline_12345"}

WINDOW_S = 2 * 3600          # calls more than two hours apart are not one incident
RADIUS_M = 3000.0            # nor calls more than 3 km apart
TWIN_SCORE = 50.0            # a 110 call with a candidate this good has a "likely twin"
MIN_SCORE = 25.0             # weaker candidates are noise, not suggestions

# how much each kind of evidence counts (out of 100)
W_DISTANCE, W_TIME, W_PHONE, W_SAME_CATEGORY, W_FAMILY, W_GRID = 35.0, 25.0, 30.0, 15.0, 8.0, 10.0

_BUCKET_S = 3600
_BUCKET_DEG = 0.03           # ~3.3 km of latitude, ~2.6 km of longitude at Wuhai


@dataclass(frozen=True)
class Reasons:
    """Why two cases look like one incident (formatted by the UI)."""
    distance_m: float
    minutes_apart: float
    same_grid: bool = False
    same_phone: bool = False
    category: str = ""        # "same", "family" or ""


@dataclass(frozen=True)
class Candidate:
    case_id: str
    score: float
    reasons: Reasons


def epoch_s(ts: str) -> float | None:
    try:
        return parse_ts(ts).timestamp()
    except (ValueError, TypeError):
        return None


def normalized_phone(phone: str | None) -> str | None:
    """Digits only, without the +86 country code; None when masked or empty
    (a viewer sees ``138****0000``, which must never count as a match)."""
    if not phone or "*" in phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits or None


def is_linked(case: Case, other_id: str) -> bool:
    return any(l.case == other_id and l.relation == RELATION for l in case.links)


def _category_match(a: str, b: str) -> str:
    if a == b:
        return "same"
    fa, fb = category_info(a).family, category_info(b).family
    return "family" if fa == fb and fa != "other" else ""


def score_pair(case: Case, other: Case, *, phones_visible: bool = True) -> Candidate | None:
    """How likely ``other`` (from the other line) is the same incident as
    ``case``; None when it cannot be (same line, already linked, rejected,
    too far apart in space or time)."""
    if OTHER_LINE.get(case.source) != other.source or other.status == "rejected":
        return None
    if is_linked(case, other.id) or is_linked(other, case.id):
        return None
    t1, t2 = epoch_s(case.reported_at), epoch_s(other.reported_at)
    if t1 is None or t2 is None or abs(t1 - t2) > WINDOW_S:
        return None
    d = distance_m(case.location.lat, case.location.lon, other.location.lat, other.location.lon)
    if d > RADIUS_M:
        return None
    same_phone = phones_visible and _same_phone(case, other)
    reasons = Reasons(distance_m=d, minutes_apart=abs(t1 - t2) / 60.0,
                      same_grid=bool(case.grid) and case.grid == other.grid,
                      same_phone=same_phone, category=_category_match(case.category, other.category))
    return Candidate(other.id, _score(reasons), reasons)


def _same_phone(a: Case, b: Case) -> bool:
    pa = normalized_phone(a.caller.phone) if a.caller else None
    pb = normalized_phone(b.caller.phone) if b.caller else None
    return pa is not None and pa == pb


def _score(r: Reasons) -> float:
    score = W_DISTANCE * max(0.0, 1.0 - r.distance_m / RADIUS_M)
    score += W_TIME * max(0.0, 1.0 - r.minutes_apart * 60.0 / WINDOW_S)
    score += W_PHONE if r.same_phone else 0.0
    score += {"same": W_SAME_CATEGORY, "family": W_FAMILY}.get(r.category, 0.0)
    score += W_GRID if r.same_grid else 0.0
    return round(score, 1)


def rank_candidates(case: Case, others: Iterable[Case], *, phones_visible: bool = True,
                    limit: int = 5, min_score: float = MIN_SCORE) -> list[Candidate]:
    """The best partner cases for ``case`` from ``others`` (scoring at least
    ``min_score``), best first (ties: the nearer in time first, then by id)."""
    found = [c for o in others if o.id != case.id
             and (c := score_pair(case, o, phones_visible=phones_visible)) is not None
             and c.score >= min_score]
    found.sort(key=lambda c: (-c.score, c.reasons.minutes_apart, c.case_id))
    return found[:limit]


# --- the index ------------------------------------------------------------------------

def _bucket(case: Case) -> tuple[int, int, int] | None:
    t = epoch_s(case.reported_at)
    if t is None:
        return None
    return (int(t // _BUCKET_S), math.floor(case.location.lat / _BUCKET_DEG),
            math.floor(case.location.lon / _BUCKET_DEG))


class LinkIndex:
    """The two lines' cases in (hour, lat square, lon square) buckets.

    ``cases`` is the live store's dict (read, never copied); the index keeps
    only ids. Call :meth:`sync` with each batch of store changes."""

    def __init__(self, cases: dict[str, Case]):
        self.cases = cases
        self._buckets: dict[tuple[int, int, int], set[str]] = {}
        self._where: dict[str, tuple[int, int, int]] = {}
        self._last_changes: object | None = None
        self._last_touched: set[str] = set()
        self.rebuild(cases)

    def rebuild(self, cases: dict[str, Case]) -> None:
        self.cases = cases
        self._buckets.clear()
        self._where.clear()
        for case in cases.values():
            if case.source in OTHER_LINE:
                self._put(case)

    def _put(self, case: Case) -> None:
        key = _bucket(case)
        old = self._where.get(case.id)
        if old == key:
            return
        if old is not None:
            self._buckets[old].discard(case.id)
        if key is not None:
            self._buckets.setdefault(key, set()).add(case.id)
            self._where[case.id] = key
        else:
            self._where.pop(case.id, None)

    def _drop(self, case_id: str) -> None:
        key = self._where.pop(case_id, None)
        if key is not None:
            self._buckets[key].discard(case_id)

    def sync(self, cases: dict[str, Case], changes) -> set[str]:
        """Apply one batch of store changes (a ``console.store.Changes``);
        returns the ids of 12345/110 cases whose candidates may have changed.
        Applying the same batch twice changes nothing and answers the same
        (two panels share one index)."""
        if changes is self._last_changes:
            return self._last_touched
        self._last_changes = changes
        self._last_touched = self._apply(cases, changes)
        return self._last_touched

    def _apply(self, cases: dict[str, Case], changes) -> set[str]:
        if changes.reset or cases is not self.cases:
            self.rebuild(cases)
            return set(self._where)
        touched: set[str] = set()
        for cid in changes.removed_cases:
            self._drop(cid)
        for cid in changes.cases:
            case = cases.get(cid)
            if case is None:
                self._drop(cid)
            elif case.source in OTHER_LINE:
                self._put(case)
                touched.add(cid)
                touched.update(c.id for c in self.near(case))
        return touched

    def near(self, case: Case) -> Iterable[Case]:
        """Cases of the other line within the time window and a few km."""
        key = _bucket(case)
        line = OTHER_LINE.get(case.source)
        if key is None or line is None:
            return
        h, y, x = key
        hours = range(h - WINDOW_S // _BUCKET_S - 1, h + WINDOW_S // _BUCKET_S + 2)
        for hh in hours:
            for yy in (y - 1, y, y + 1):
                for xx in (x - 2, x - 1, x, x + 1, x + 2):
                    for cid in self._buckets.get((hh, yy, xx), ()):
                        other = self.cases.get(cid)
                        if other is not None and other.source == line:
                            yield other

    def candidates(self, case: Case, *, phones_visible: bool = True, limit: int = 5,
                   min_score: float = MIN_SCORE) -> list[Candidate]:
        return rank_candidates(case, self.near(case), phones_visible=phones_visible, limit=limit,
                               min_score=min_score)

    def has_likely_twin(self, case: Case, *, phones_visible: bool = True) -> bool:
        """An open 110 call, not yet linked to any 12345 case, with a 12345
        candidate scoring at least :data:`TWIN_SCORE`."""
        if case.source != "police_110" or case.status in ("closed", "rejected"):
            return False
        if any(l.relation == RELATION for l in case.links):
            return False
        best = self.candidates(case, phones_visible=phones_visible, limit=1)
        return bool(best) and best[0].score >= TWIN_SCORE


_shared: "weakref.WeakKeyDictionary[object, LinkIndex]" = weakref.WeakKeyDictionary()


def shared_index(store) -> LinkIndex:
    """One index per live store, shared by the queue and the detail panel
    (each calls ``sync`` with the batches it receives; the second is a no-op)."""
    index = _shared.get(store)
    if index is None:
        index = _shared[store] = LinkIndex(store.cases)
    return index
