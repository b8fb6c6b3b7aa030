"""Free-text search over a million cases' ids, titles and addresses, no Qt.

A Python loop testing ``term in title`` over a million cases takes a quarter
of a second or more; a substring scan over one joined text runs in C. So the
index keeps one lowercase text, a row per slot (``id \\t title \\t address``),
and the row end offsets; a search finds the matches with ``re.finditer`` and
maps their positions to rows with one ``numpy.searchsorted``.

Rows that change after the text was built (new cases; a changed title or
address, which is rare) live in a small overlay of per-slot strings that is
checked one by one; the owner rebuilds the text when the overlay grows
(:attr:`TextIndex.needs_rebuild`).
"""
from __future__ import annotations

import re
from typing import Iterable

import numpy as np

SEP = "\t"
_OVERLAY_MIN = 20_000


def haystack(case_id: str, title: str | None, address: str | None) -> str:
    """What a case is searched by, lowercased (ids are ``C-…`` upper case)."""
    return f"{case_id}{SEP}{title or ''}{SEP}{address or ''}".lower()


def terms_of(query: str) -> list[str]:
    """A query is whitespace-separated terms that must all match (AND)."""
    return query.lower().split()


class TextIndex:
    def __init__(self) -> None:
        self._text = ""
        self._ends = np.zeros(0, np.int64)   # row r spans [ends[r-1], ends[r]-1)
        self._overlay: dict[int, str] = {}
        self._cache_query: str | None = None
        self._cache: np.ndarray | None = None

    def build(self, rows: Iterable[str]) -> None:
        """``rows[slot]`` is the slot's :func:`haystack` ("" for a free slot)."""
        self._set_rows(list(rows), lowered=True)

    def build_from(self, ids: list[str], titles: list[str], addresses: list[str | None]) -> None:
        """The same from columns, joined and lowercased in C (a million rows
        in a fraction of a second)."""
        rows = list(map(SEP.join, zip(ids, titles, (a or "" for a in addresses))))
        self._set_rows(rows, lowered=False)

    def _set_rows(self, rows: list[str], lowered: bool) -> None:
        text = "\n".join(rows)
        if not lowered:
            lower = text.lower()
            if len(lower) == len(text):
                text = lower
            else:       # a few rare letters change length when lowercased: row by row then
                rows = [r.lower() for r in rows]
                text = "\n".join(rows)
        lengths = np.fromiter(map(len, rows), np.int64, len(rows))
        self._ends = np.cumsum(lengths + 1)
        self._text = text
        self._overlay.clear()
        self._cache_query, self._cache = None, None

    @property
    def base_rows(self) -> int:
        return len(self._ends)

    @property
    def needs_rebuild(self) -> bool:
        return len(self._overlay) > max(_OVERLAY_MIN, self.base_rows // 8)

    def set(self, slot: int, hay: str) -> None:
        """The slot's text changed (or the slot is new)."""
        if slot < self.base_rows and hay == self._base_row(slot):
            self._overlay.pop(slot, None)
        else:
            self._overlay[slot] = hay
        if self._cache is not None and slot < len(self._cache):
            self._cache[slot] = all(t in hay for t in terms_of(self._cache_query))

    def _base_row(self, slot: int) -> str:
        start = int(self._ends[slot - 1]) if slot else 0
        return self._text[start:int(self._ends[slot]) - 1]

    def mask(self, query: str, size: int) -> np.ndarray:
        """A bool per slot (``size`` of them): does the slot match every term?
        The last query's answer is kept (and kept current by :meth:`set`)."""
        if self._cache is not None and self._cache_query == query and len(self._cache) == size:
            return self._cache
        result = np.ones(size, bool)
        for term in terms_of(query):
            result &= self._scan(term, size)
        self._cache_query, self._cache = query, result
        return result

    def _scan(self, term: str, size: int) -> np.ndarray:
        found = np.zeros(size, bool)
        # the rest of the row is part of the match: one match (one Python object) per row
        pattern = re.escape(term) + "[^\n]*"
        positions = np.fromiter((m.start() for m in re.finditer(pattern, self._text)), np.int64)
        if len(positions):
            rows = np.searchsorted(self._ends, positions, side="right")
            found[rows[rows < min(size, self.base_rows)]] = True
        for slot, hay in self._overlay.items():
            if slot < size:
                found[slot] = term in hay
        return found
