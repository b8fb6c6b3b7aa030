"""The case queue's rows: which cases pass the filters, in which order — no Qt.

A million cases must filter and re-sort in a fraction of a second and take a
thousand live updates without a stall, so the index is columnar:

* every case the store holds gets a *slot*; numpy columns per slot hold what
  the filters and sorts read (status, source, category, priority, unit, grid,
  due and reported times, links, flags). Nothing else of a case is copied:
  the table reads the store's own ``Case`` objects for display.
* the visible rows are one sorted ``uint64`` array of composite keys and a
  parallel array of slots. A key is 40 bits of sort value (primary and
  secondary column), 23 bits of slot (so keys are unique and a row is found
  by binary search) and one low bit that places the partner of a 12345–110
  pair right after its pair when both are visible.
* a batch of changes removes the changed rows and inserts them at their new
  places in one splice (``numpy.concatenate`` of slices) instead of sorting
  again; the :class:`Plan` it returns says whether rows only changed in place,
  one row came, went or moved, or the layout changed, so the Qt model emits
  the matching signals and keeps the selection and scroll position.
* free text is searched in one joined text (:mod:`console.queue_text`).

Use: ``plan = index.plan_changes(...)``, emit Qt's "about to" signals,
``index.commit(plan)``, emit the "done" signals.
"""
from __future__ import annotations

import operator
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

import numpy as np
import numpy.ma  # noqa: F401 -- np.unique asks np.ma.is_masked, and numpy 2 imports np.ma
#                  lazily there: ~30 ms inside the first live update otherwise

from console.linking import RELATION
from console.protocol import CATEGORIES, SOURCES, STATUSES, Case, parse_ts
from console.queue_text import TextIndex, haystack

COLUMNS = ("priority", "sla", "status", "category", "title", "source", "area", "unit",
           "reported", "links")
TABS = ("received", "in_progress", "verifying", "overdue", "mine", "all")
TAB_STATUSES = {"received": ("received",), "in_progress": ("dispatched", "in_progress"),
                "verifying": ("verifying",)}

UNKNOWN = 7                          # code of a status/source/priority this build does not know
STATUS_CODE = {s: i for i, s in enumerate(STATUSES)}   # received 0 … verifying 3, closed 4, rejected 5
OPEN_MAX = STATUS_CODE["verifying"]  # codes 0..3 are the open statuses
SOURCE_CODE = {s: i for i, s in enumerate(SOURCES)}
CATEGORY_CODE = {c: i for i, c in enumerate(CATEGORIES)}

EPOCH_BASE = 1_577_836_800           # 2020-01-01T00:00:00Z: times are 30-bit seconds after it
T_MAX = (1 << 30) - 1
P_MAX = (1 << 10) - 1
SLOT_BITS = 23
MAX_SLOTS = 1 << SLOT_BITS
_SLOT_MASK = np.uint64(MAX_SLOTS - 1)
_VALUE_SHIFT = np.uint64(SLOT_BITS + 1)
_ONE = np.uint64(1)
V_MAX = (1 << 40) - 1


class _Codes(dict):
    """code lookups at C speed with a default for the unknown."""

    def __init__(self, table: dict, default: int):
        super().__init__(table)
        self.default = default

    def __missing__(self, key):
        return self.default


class _GridCodes(dict):
    def __missing__(self, code):
        value = int(code) if isinstance(code, str) and code.isdigit() and len(code) <= 18 else 0
        self[code] = value
        return value


_STATUS = _Codes(STATUS_CODE, UNKNOWN)
_SOURCE = _Codes(SOURCE_CODE, UNKNOWN)
_CATEGORY = _Codes(CATEGORY_CODE, CATEGORY_CODE["other"])


@dataclass(frozen=True)
class FilterSpec:
    """What the dispatcher asked to see. Empty sets mean "any"; ``area`` is a
    grid code at any level (district, street, community, cell) or ""."""
    tab: str = "received"
    sources: frozenset = frozenset()
    categories: frozenset = frozenset()
    priorities: frozenset = frozenset()
    area: str = ""
    text: str = ""
    twins_only: bool = False

    def with_(self, **changes) -> "FilterSpec":
        return replace(self, **changes)


@dataclass(frozen=True)
class SortSpec:
    column: str = "sla"
    descending: bool = False


@dataclass
class Plan:
    """What a change does to the rows. ``kind``: ``none``, ``inplace``,
    ``insert`` (at ``row``), ``remove`` (``row``), ``move`` (``row`` → final
    row ``dest``) or ``layout``. ``changed`` are slots whose data changed
    (dataChanged once committed)."""
    kind: str
    keys: np.ndarray | None = None
    slots: np.ndarray | None = None
    row: int = -1
    dest: int = -1
    changed: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


NO_CHANGE = Plan("none")


# --- times ------------------------------------------------------------------------------

def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (Howard Hinnant's algorithm, vectorized)."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _slow_seconds(text: str) -> int:
    try:
        return int(parse_ts(text).timestamp())
    except (ValueError, TypeError):
        return 0


def iso_seconds(texts: list[str]) -> np.ndarray:
    """Epoch seconds of contract times (``2026-11-25T03:33:21.123Z``): the
    canonical form is decoded from the bytes in bulk, anything else parsed."""
    n = len(texts)
    out = np.zeros(n, np.int64)
    if n <= 16:              # a live batch: numpy's per-call cost would dominate
        out[:] = [_slow_seconds(t) for t in texts]
        return out
    try:
        raw = "".join(texts).encode("ascii")
    except (UnicodeEncodeError, TypeError):
        raw = b""
    if len(raw) != 24 * n:
        out[:] = [_slow_seconds(t) for t in texts]
        return out
    b = np.frombuffer(raw, np.uint8).reshape(n, 24)
    ok = (b[:, _SEP_COLS] == _SEP_BYTES).all(axis=1)
    ok &= ((b[:, _DIGIT_COLS] - np.uint8(48)) <= 9).all(axis=1)    # wraps below "0"

    def num(first: int, last: int) -> np.ndarray:
        weights = 10 ** np.arange(last - first - 1, -1, -1, dtype=np.int32)
        return (b[:, first:last].astype(np.int32) - 48) @ weights
    days = _days_from_civil(num(0, 4), num(5, 7), num(8, 10)).astype(np.int64)
    out[:] = days * 86400 + num(11, 13) * 3600 + num(14, 16) * 60 + num(17, 19)
    for i in np.flatnonzero(~ok):
        out[i] = _slow_seconds(texts[i])
    return out


_SEP_COLS = [4, 7, 10, 13, 16, 19, 23]
_SEP_BYTES = np.frombuffer(b"--T::.Z", np.uint8)
_DIGIT_COLS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22]


def _t30(seconds: np.ndarray) -> np.ndarray:
    return np.clip(seconds - EPOCH_BASE, 0, T_MAX).astype(np.uint64)


def title_value(title: str) -> int:
    """40 bits from a title's first characters (16 + 16 + the high 8 bits of
    the third): titles sort by their first two characters, then roughly."""
    c = [min(ord(ch), 0xFFFF) for ch in title[:3]] + [0, 0, 0]
    return (c[0] << 24) | (c[1] << 8) | (c[2] >> 8)


def _unit_of(case: Case) -> str | None:
    return case.assignee.unit if case.assignee is not None else None


def _first_partner(case: Case) -> str | None:
    for link in case.links:
        if link.relation == RELATION:
            return link.case
    return None


# --- the index ---------------------------------------------------------------------------

class QueueIndex:
    """Filtered, sorted rows over the store's cases (see the module docs).

    ``now`` gives hub time in epoch seconds (the overdue tab depends on it).
    ``category_rank`` / ``unit_rank`` / ``source_rank`` order those columns
    (the UI passes the order of their display names); codes otherwise.
    """

    def __init__(self, now: Callable[[], float] | None = None, filter: FilterSpec | None = None,
                 sort: SortSpec | None = None):
        self.now = now or time.time
        self.filter = filter or FilterSpec()
        self.sort = sort or SortSpec()
        self.cases: dict[str, Case] = {}
        self.mine_ids: set[str] = set()
        self.twin_fn: Callable[[Case], bool] | None = None   # 110 call with a likely 12345 twin
        self.category_rank: dict[str, int] = {}
        self.unit_rank: dict[str, int] = {}
        self.source_rank: dict[str, int] = {}
        self._text = TextIndex()
        self._luts_for: tuple[FilterSpec, dict] | None = None
        self._twins_valid = False
        self._last_tick = self.now()
        self._reset_slots(0)

    # --- storage -----------------------------------------------------------------------
    def _reset_slots(self, n: int) -> None:
        cap = max(1024, int(n * 1.25))
        if cap > MAX_SLOTS:
            raise OverflowError(f"the queue index holds at most {MAX_SLOTS} cases")
        self._ids: list[str | None] = []
        self._slot_of: dict[str, int] = {}
        self._unit_codes: dict[str | None, int] = {None: 0}
        self._cols: dict[str, np.ndarray] = {}
        self._alloc_cols(cap)
        self._keys = np.zeros(0, np.uint64)
        self._slots = np.zeros(0, np.int64)
        self._title: np.ndarray | None = None
        self._grid_uniq = np.zeros(0, np.int64)
        self._luts: dict[str, np.ndarray] = {}

    _SPEC = {"alive": bool, "status": np.int8, "source": np.int8, "category": np.int8,
             "priority": np.int8, "unit": np.int16, "due": np.int64, "reported": np.int64,
             "grid": np.int64, "nlinks": np.int16, "hub_overdue": bool, "mine": bool, "twin": bool,
             "visible": bool, "eff": np.uint64, "link1": np.int64, "pair": np.int64}

    def _alloc_cols(self, cap: int) -> None:
        old = self._cols
        self._cols = {}
        for name, dtype in self._SPEC.items():
            fill = -1 if name in ("link1", "pair") else 0
            arr = np.full(cap, fill, dtype)
            if name in old:
                arr[:len(old[name])] = old[name]
            self._cols[name] = arr
            setattr(self, "_" + name, arr)
        if getattr(self, "_title", None) is not None:
            t = np.zeros(cap, np.uint64)
            t[:len(self._title)] = self._title
            self._title = t

    @property
    def capacity(self) -> int:
        return len(self._alive)

    def _new_slot(self, case_id: str) -> int:
        slot = len(self._ids)
        if slot >= MAX_SLOTS:
            raise OverflowError(f"the queue index holds at most {MAX_SLOTS} cases")
        if slot >= self.capacity:
            self._alloc_cols(min(MAX_SLOTS, self.capacity * 2))
        self._ids.append(case_id)
        self._slot_of[case_id] = slot
        return slot

    def _unit_code(self, unit: str | None) -> int:
        code = self._unit_codes.get(unit)
        if code is None:
            code = self._unit_codes[unit] = min(len(self._unit_codes), P_MAX)
        return code

    # --- reading rows --------------------------------------------------------------------
    def row_count(self) -> int:
        return len(self._keys)

    def case_id(self, row: int) -> str | None:
        if 0 <= row < len(self._slots):
            return self._ids[self._slots[row]]
        return None

    def times(self, row: int) -> tuple[float, float]:
        """(reported, due) of the row's case in epoch seconds, as indexed."""
        slot = self._slots[row]
        return float(self._reported[slot]), float(self._due[slot])

    def slot_of(self, case_id: str) -> int | None:
        return self._slot_of.get(case_id)

    def row_of(self, case_id: str) -> int:
        """The case's row, or -1 when it is not shown."""
        slot = self._slot_of.get(case_id)
        if slot is None or not self._visible[slot]:
            return -1
        return self._row_of_key(self._eff[slot])

    def _row_of_key(self, key) -> int:
        row = int(np.searchsorted(self._keys, key))
        return row if row < len(self._keys) and self._keys[row] == key else -1

    def rows_of_slots(self, slots: np.ndarray) -> np.ndarray:
        """Rows of those slots that are shown (the others are dropped)."""
        slots = slots[self._visible[slots]]
        rows = np.searchsorted(self._keys, self._eff[slots])
        return rows[rows < len(self._keys)]

    def partner_of(self, case_id: str) -> str | None:
        """The 12345–110 partner the queue groups with this case, if any."""
        slot = self._slot_of.get(case_id)
        if slot is None or self._pair[slot] < 0:
            return None
        return self._ids[self._pair[slot]]

    def is_follower(self, row: int) -> bool:
        """The row sits under its 12345–110 partner (drawn as one group)."""
        return 0 <= row < len(self._keys) and bool(self._keys[row] & _ONE)

    def is_twin(self, case_id: str) -> bool:
        slot = self._slot_of.get(case_id)
        return bool(self._twins_valid and slot is not None and self._twin[slot])

    # --- loading -----------------------------------------------------------------------
    def load(self, cases: dict[str, Case], overdue: Iterable[str] = ()) -> None:
        """Index every case afresh (a snapshot, a reconnect)."""
        self.cases = cases
        ids = list(cases)
        self._reset_slots(len(ids))
        self._ids = ids
        self._slot_of = dict(zip(ids, range(len(ids))))
        slots = np.arange(len(ids), dtype=np.int64)
        objs = list(cases.values())
        self._fill(slots, objs, set(overdue))
        self._text.build_from(ids, list(map(operator.attrgetter("title"), objs)),
                              list(map(operator.attrgetter("location.address"), objs)))
        self._resolve_pairs(np.flatnonzero(self._link1[:len(ids)] >= 0))
        self._twins_valid = False
        self._last_tick = self.now()
        self._rebuild()

    def _fill(self, slots: np.ndarray, cases: list[Case], overdue: set[str]) -> None:
        """Write the columns of ``slots`` from their cases (C-speed maps, so
        a million cost about a second; a live batch of a few goes one by one)."""
        if len(cases) <= 8:
            for slot, case in zip(slots.tolist(), cases):
                self._fill_one(slot, case, overdue)
            return
        n, g = len(cases), operator.attrgetter
        self._alive[slots] = True
        self._status[slots] = np.fromiter(map(_STATUS.__getitem__, map(g("status"), cases)), np.int8, n)
        self._source[slots] = np.fromiter(map(_SOURCE.__getitem__, map(g("source"), cases)), np.int8, n)
        self._category[slots] = np.fromiter(map(_CATEGORY.__getitem__, map(g("category"), cases)),
                                            np.int8, n)
        prio = np.fromiter(map(g("priority"), cases), np.int64, n)
        self._priority[slots] = np.where((prio >= 1) & (prio <= 4), prio, UNKNOWN)
        units = [a.unit if a is not None else None for a in map(g("assignee"), cases)]
        self._unit[slots] = np.fromiter(map(self._unit_code, units), np.int16, n)
        self._due[slots] = iso_seconds(list(map(g("due_at"), cases)))
        self._reported[slots] = iso_seconds(list(map(g("reported_at"), cases)))
        self._grid[slots] = np.fromiter(map(_GRID.__getitem__, map(g("grid"), cases)), np.int64, n)
        self._nlinks[slots] = np.fromiter(map(len, map(g("links"), cases)), np.int16, n)
        self._hub_overdue[slots] = np.fromiter(map(overdue.__contains__, map(g("id"), cases)), bool, n)
        self._mine[slots] = np.fromiter(map(self.mine_ids.__contains__, map(g("id"), cases)), bool, n)
        if self._title is not None:
            self._title[slots] = np.fromiter(map(title_value, map(g("title"), cases)), np.uint64, n)
        self._link1[slots] = -1
        for i in np.flatnonzero(self._nlinks[slots]):
            other = _first_partner(cases[i])
            self._link1[slots[i]] = self._slot_of.get(other, -1) if other else -1

    def _fill_one(self, s: int, case: Case, overdue: set[str]) -> None:
        self._alive[s] = True
        self._status[s] = _STATUS[case.status]
        self._source[s] = _SOURCE[case.source]
        self._category[s] = _CATEGORY[case.category]
        self._priority[s] = case.priority if 1 <= case.priority <= 4 else UNKNOWN
        self._unit[s] = self._unit_code(_unit_of(case))
        self._due[s] = _slow_seconds(case.due_at)
        self._reported[s] = _slow_seconds(case.reported_at)
        self._grid[s] = _GRID[case.grid]
        self._nlinks[s] = len(case.links)
        self._hub_overdue[s] = case.id in overdue
        self._mine[s] = case.id in self.mine_ids
        if self._title is not None:
            self._title[s] = title_value(case.title)
        other = _first_partner(case)
        self._link1[s] = self._slot_of.get(other, -1) if other else -1

    def _kill(self, slot: int) -> None:
        self._alive[slot] = False
        self._link1[slot] = -1
        self._text.set(slot, "")

    def _resolve_pairs(self, slots: np.ndarray) -> None:
        """A pair is two cases whose first 12345–110 links point at each other."""
        for s in slots:
            p = self._link1[s]
            old = self._pair[s]
            new = p if p >= 0 and self._link1[p] == s and self._alive[p] and self._alive[s] else -1
            self._pair[s] = new
            if old >= 0 and old != new and self._pair[old] == s:
                self._pair[old] = -1
            if new >= 0:
                self._pair[new] = s

    # --- filter ------------------------------------------------------------------------
    def _mask(self, sel) -> np.ndarray:
        """Which of ``sel`` (a slot array, or ``slice(None)`` for all) pass."""
        f = self.filter
        luts = self._filter_luts(f)
        m = self._alive[sel].copy()
        st = self._status[sel]
        if f.tab in TAB_STATUSES:
            m &= luts["tab"][st]
        elif f.tab == "overdue":
            m &= (st <= OPEN_MAX) & ((self._due[sel] <= self.now()) | self._hub_overdue[sel])
        elif f.tab == "mine":
            m &= self._mine[sel]
        if f.sources:
            m &= luts["sources"][self._source[sel]]
        if f.categories:
            m &= luts["categories"][self._category[sel]]
        if f.priorities:
            m &= luts["priorities"][self._priority[sel]]
        if f.area:
            m &= self._in_area(sel, f.area)
        if f.twins_only:
            self._ensure_twins()
            m &= self._twin[sel]
        if f.text.strip():
            m &= self._text.mask(f.text, self.capacity)[sel]
        return m

    def _filter_luts(self, f: FilterSpec) -> dict[str, np.ndarray]:
        """Code -> passes, per filter field; made once per filter."""
        cached = self._luts_for
        if cached is not None and cached[0] is f:
            return cached[1]
        luts = {"tab": _lut(8, [STATUS_CODE[s] for s in TAB_STATUSES.get(f.tab, ())]),
                "sources": _lut(8, [SOURCE_CODE[s] for s in f.sources if s in SOURCE_CODE]),
                "categories": _lut(len(CATEGORIES), [CATEGORY_CODE[c] for c in f.categories
                                                     if c in CATEGORY_CODE]),
                "priorities": _lut(8, [p for p in f.priorities if isinstance(p, int) and 0 <= p < 8])}
        self._luts_for = (f, luts)
        return luts

    def _in_area(self, sel, area: str) -> np.ndarray:
        if not area.isdigit() or len(area) > 15:
            return np.zeros(len(self._grid[sel]), bool)
        return (self._grid[sel] // 10 ** (15 - len(area))) == int(area)

    def _ensure_twins(self) -> None:
        """The likely-twin flag is worth its cost only when the filter asks."""
        if self._twins_valid:
            return
        self._twin[:] = False
        if self.twin_fn is not None:
            n = len(self._ids)
            cand = np.flatnonzero(self._alive[:n] & (self._source[:n] == SOURCE_CODE["police_110"])
                                  & (self._status[:n] <= OPEN_MAX))
            for s in cand:
                case = self.cases.get(self._ids[s])
                self._twin[s] = case is not None and self.twin_fn(case)
        self._twins_valid = True

    def _refresh_twins(self, case_ids: Iterable[str]) -> list[int]:
        if not self._twins_valid or self.twin_fn is None:
            return []
        slots = []
        for cid in case_ids:
            s, case = self._slot_of.get(cid), self.cases.get(cid)
            if s is not None and case is not None:
                flag = self.twin_fn(case)
                if flag != self._twin[s]:
                    self._twin[s] = flag
                    slots.append(s)
        return slots

    # --- sort keys -----------------------------------------------------------------------
    def _values(self, sel: np.ndarray) -> np.ndarray:
        """The 40-bit sort value of each slot for the current sort."""
        col, desc = self.sort.column, self.sort.descending
        due = _t30(self._due[sel])
        if col == "sla":
            t = np.where(self._status[sel] <= OPEN_MAX, due, np.uint64(T_MAX))
            return _time_first(t, self._priority[sel].astype(np.uint64), desc)
        if col == "reported":
            return _time_first(_t30(self._reported[sel]), np.zeros(len(sel), np.uint64), desc)
        if col == "title":
            v = self._title_values()[sel]
            return np.uint64(V_MAX) - v if desc else v
        return _rank_first(self._rank(col, sel), due, desc)

    def _rank(self, col: str, sel: np.ndarray) -> np.ndarray:
        if col == "priority":
            return self._priority[sel].astype(np.uint64)
        if col == "status":
            return self._status[sel].astype(np.uint64)
        if col == "category":
            return self._luts["category"][self._category[sel]]
        if col == "source":
            return self._luts["source"][self._source[sel]]
        if col == "unit":
            return self._luts["unit"][self._unit[sel]]
        if col == "area":
            uniq = self._grid_uniq
            return np.minimum(np.searchsorted(uniq, self._grid[sel]), P_MAX).astype(np.uint64)
        if col == "links":
            return np.minimum(self._nlinks[sel], P_MAX).astype(np.uint64)
        raise ValueError(f"unknown column {col!r}")

    def _unit_lut(self) -> np.ndarray:
        lut = np.full(P_MAX + 1, P_MAX - 1, np.uint64)
        lut[0] = P_MAX          # unassigned last
        order = sorted((u for u in self._unit_codes if u is not None),
                       key=lambda u: (self.unit_rank.get(u, P_MAX), u))
        for rank, unit in enumerate(order):
            lut[self._unit_codes[unit]] = rank + 1
        return lut

    def _title_values(self) -> np.ndarray:
        if self._title is None:
            self._title = np.zeros(self.capacity, np.uint64)
            n = len(self._ids)
            self._title[:n] = [title_value(self.cases[cid].title) if cid in self.cases else 0
                               for cid in self._ids]
        return self._title

    def _own_keys(self, slots: np.ndarray) -> np.ndarray:
        return (self._values(slots) << _VALUE_SHIFT) | (slots.astype(np.uint64) << _ONE)

    def _eff_keys(self, slots: np.ndarray, visible: np.ndarray) -> np.ndarray:
        """Own keys, except that the later of a visible 12345–110 pair takes
        its partner's key plus one: the pair stays together in any sort."""
        own = self._own_keys(slots)
        eff = own.copy()
        idx = np.flatnonzero((self._pair[slots] >= 0) & visible)
        if len(idx):
            partners = self._pair[slots[idx]]
            own_p = self._own_keys(partners)
            follow = self._visible[partners] & (own_p < own[idx])
            eff[idx[follow]] = own_p[follow] | _ONE
        return eff

    # --- whole-order changes -------------------------------------------------------------
    def _rebuild(self) -> None:
        n = len(self._ids)
        # ranks stay fixed until the next rebuild, so keys computed later for
        # changed rows agree with the keys already in the order
        if self.sort.column == "area":      # grid ranks cost a sort: only when asked
            self._grid_uniq = np.unique(self._grid[:n][self._alive[:n]])
        self._luts = {"category": _rank_lut(self.category_rank, CATEGORY_CODE, 32),
                      "source": _rank_lut(self.source_rank, SOURCE_CODE, 8),
                      "unit": self._unit_lut()}
        vis = self._mask(slice(0, n))
        self._visible[:] = False
        self._visible[:n] = vis
        shown = np.flatnonzero(vis)
        eff = self._eff_keys(shown, np.ones(len(shown), bool))
        self._eff[shown] = eff
        keys = np.sort(eff)
        slots = ((keys >> _ONE) & _SLOT_MASK).astype(np.int64)
        followers = np.flatnonzero(keys & _ONE)
        slots[followers] = self._pair[slots[followers]]
        self._keys, self._slots = keys, slots

    def plan_layout(self, *, filter: FilterSpec | None = None, sort: SortSpec | None = None) -> Plan:
        """A new filter or sort: the whole order is rebuilt (committed at once;
        the model brackets this with layoutAboutToBeChanged/layoutChanged)."""
        if filter is not None:
            self.filter = filter
        if sort is not None:
            self.sort = sort
        return Plan("layout")

    def set_ranks(self, *, category: dict | None = None, unit: dict | None = None,
                  source: dict | None = None) -> None:
        """Display-name orders for those columns; take effect at the next
        :meth:`plan_layout` (keys must not change under a committed order)."""
        self.category_rank = category or self.category_rank
        self.unit_rank = unit or self.unit_rank
        self.source_rank = source or self.source_rank

    # --- incremental changes -------------------------------------------------------------
    def plan_changes(self, cases: dict[str, Case], changed: Iterable[str],
                     removed: Iterable[str] = (), overdue: set[str] | frozenset = frozenset(),
                     twins: Iterable[str] = ()) -> Plan:
        """A batch of store changes: ``changed`` case ids (new or updated, or
        flagged overdue), ``removed`` ids (evicted), the store's overdue set,
        and ``twins`` — 12345/110 ids whose link candidates may have changed."""
        self.cases = cases
        touched: set[int] = set()
        for cid in removed:
            slot = self._slot_of.get(cid)
            if slot is not None and self._alive[slot]:
                self._kill(slot)
                touched.add(slot)
        new: list[int] = []
        upd: list[Case] = []
        for cid in sorted(changed):     # new slots in id (= creation) order: ties stay stable
            case = cases.get(cid)
            slot = self._slot_of.get(cid)
            if case is None:
                if slot is not None and self._alive[slot]:
                    self._kill(slot)
                    touched.add(slot)
                continue
            if slot is None:
                slot = self._new_slot(cid)
            new.append(slot)
            upd.append(case)
        if new:
            slots = np.array(new, np.int64)
            self._fill(slots, upd, overdue)
            for s, c in zip(new, upd):
                self._text.set(s, haystack(c.id, c.title, c.location.address))
            touched.update(new)
        touched.update(self._refresh_twins(set(twins) | {c.id for c in upd}))
        if self._text.needs_rebuild:
            self._text.build(haystack(*self._hay_parts(cid)) for cid in self._ids)
        return self._plan_for(touched)

    def _hay_parts(self, cid: str | None) -> tuple[str, str | None, str | None]:
        case = self.cases.get(cid) if cid else None
        if case is None or not self._alive[self._slot_of[cid]]:
            return "", "", ""
        return case.id, case.title, case.location.address

    def plan_tick(self) -> Plan:
        """Time passed: cases that just became overdue join the overdue tab."""
        now = self.now()
        last, self._last_tick = self._last_tick, now
        if self.filter.tab != "overdue" or now <= last:
            return NO_CHANGE
        n = len(self._ids)
        due = self._due[:n]
        fresh = np.flatnonzero(self._alive[:n] & (self._status[:n] <= OPEN_MAX)
                               & (due > last) & (due <= now) & ~self._visible[:n])
        return self._plan_for(set(fresh.tolist())) if len(fresh) else NO_CHANGE

    def plan_mine(self, ids: Iterable[str]) -> Plan:
        """The set of cases this console's user acted on changed."""
        ids = set(ids)
        flipped = {self._slot_of[c] for c in ids ^ self.mine_ids if c in self._slot_of}
        self.mine_ids = ids
        for s in flipped:
            self._mine[s] = self._ids[s] in ids
        return self._plan_for(flipped) if self.filter.tab == "mine" and flipped else NO_CHANGE

    def _plan_for(self, touched: set[int]) -> Plan:
        if not touched:
            return NO_CHANGE
        base = np.fromiter(touched, np.int64, len(touched))
        # the pairs of these slots before and after, so a pair that forms or
        # breaks moves both of its rows
        related = np.concatenate([base, self._link1[base], self._pair[base]])
        related = np.unique(related[related >= 0])
        self._resolve_pairs(related)
        affected = np.concatenate([related, self._pair[related]])
        affected = np.unique(affected[affected >= 0])
        old_vis = self._visible[affected].copy()
        old_eff = self._eff[affected].copy()
        new_vis = self._mask(affected)
        self._visible[affected] = new_vis
        new_eff = self._eff_keys(affected, new_vis)
        self._eff[affected] = np.where(new_vis, new_eff, 0)
        return self._splice_plan(affected, old_vis, old_eff, new_vis, new_eff, base)

    def _splice_plan(self, aff, old_vis, old_eff, new_vis, new_eff, changed) -> Plan:
        stay = old_vis & new_vis & (old_eff == new_eff)
        gone = old_vis & ~stay
        come = new_vis & ~stay
        if not gone.any() and not come.any():
            return Plan("inplace", self._keys, self._slots, changed=changed)
        rm_rows = np.sort(np.searchsorted(self._keys, old_eff[gone]))
        if len(rm_rows) and (rm_rows[-1] >= len(self._keys)
                             or not np.array_equal(np.sort(self._keys[rm_rows]), np.sort(old_eff[gone]))):
            return Plan("layout", changed=changed)   # should not happen: rebuild rather than guess
        order = np.argsort(new_eff[come])
        ins_keys, ins_slots = new_eff[come][order], aff[come][order]
        keys, slots = _splice(self._keys, self._slots, rm_rows, ins_keys, ins_slots)
        new_rows = np.searchsorted(keys, ins_keys)
        moved_slots = self._slots[rm_rows]
        if len(rm_rows) == len(new_rows) and np.array_equal(np.sort(moved_slots), np.sort(ins_slots)):
            old_row = dict(zip(moved_slots.tolist(), rm_rows.tolist()))
            if all(old_row[s] == r for s, r in zip(ins_slots.tolist(), new_rows.tolist())):
                return Plan("inplace", keys, slots, changed=changed)
            if len(rm_rows) == 1:
                return Plan("move", keys, slots, int(rm_rows[0]), int(new_rows[0]), changed)
        if len(rm_rows) == 0 and len(new_rows) == 1:
            return Plan("insert", keys, slots, int(new_rows[0]), changed=changed)
        if len(rm_rows) == 1 and len(new_rows) == 0:
            return Plan("remove", keys, slots, int(rm_rows[0]), changed=changed)
        return Plan("layout", keys, slots, changed=changed)

    def commit(self, plan: Plan) -> None:
        """Make the planned rows current (after the model's "about to" signal)."""
        if plan.kind == "none":
            return
        if plan.kind == "layout" and plan.keys is None:
            self._rebuild()
            return
        self._keys, self._slots = plan.keys, plan.slots

    # --- counts ------------------------------------------------------------------------
    def tab_counts(self) -> dict[str, int]:
        n = len(self._ids)
        alive, st = self._alive[:n], self._status[:n]
        by_status = np.bincount(st[alive], minlength=8)
        overdue = alive & (st <= OPEN_MAX) & ((self._due[:n] <= self.now()) | self._hub_overdue[:n])
        return {"received": int(by_status[0]), "in_progress": int(by_status[1] + by_status[2]),
                "verifying": int(by_status[3]), "overdue": int(overdue.sum()),
                "mine": int((alive & self._mine[:n]).sum()), "all": int(alive.sum())}


_GRID = _GridCodes()


def _lut(size: int, true_at: list[int]) -> np.ndarray:
    lut = np.zeros(size, bool)
    lut[true_at] = True
    return lut


def _rank_lut(ranks: dict[str, int], codes: dict[str, int], size: int) -> np.ndarray:
    lut = np.full(size, size - 1, np.uint64)
    order = sorted(codes, key=lambda c: (ranks.get(c, size), codes[c]))
    for rank, code in enumerate(order):
        lut[codes[code]] = rank
    return lut


def _rank_first(rank: np.ndarray, due: np.ndarray, desc: bool) -> np.ndarray:
    """A small rank (10 bits) first, then the due time (30 bits, soonest first)."""
    rank = np.minimum(rank, P_MAX).astype(np.uint64)
    if desc:
        rank = np.uint64(P_MAX) - rank
    return (rank << np.uint64(30)) | due


def _time_first(t: np.ndarray, tie: np.ndarray, desc: bool) -> np.ndarray:
    """A time (30 bits) first, then a small tie-breaker (10 bits)."""
    if desc:
        t = np.uint64(T_MAX) - t
    return (t << np.uint64(10)) | np.minimum(tie, P_MAX).astype(np.uint64)


def _splice(keys: np.ndarray, slots: np.ndarray, rm_rows: np.ndarray, ins_keys: np.ndarray,
            ins_slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove ``rm_rows`` (sorted) and insert the sorted ``ins_keys`` where
    they belong: one pass of slice copies, no sort."""
    if len(rm_rows):
        if len(rm_rows) > 4096:
            keep = np.ones(len(keys), bool)
            keep[rm_rows] = False
            keys, slots = keys[keep], slots[keep]
        else:
            bounds = np.concatenate(([-1], rm_rows, [len(keys)]))
            spans = [(bounds[i] + 1, bounds[i + 1]) for i in range(len(bounds) - 1)]
            keys = np.concatenate([keys[a:b] for a, b in spans])
            slots = np.concatenate([slots[a:b] for a, b in spans])
    if len(ins_keys):
        pos = np.searchsorted(keys, ins_keys)
        keys = np.insert(keys, pos, ins_keys)
        slots = np.insert(slots, pos, ins_slots)
    return keys, slots
