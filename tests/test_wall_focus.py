"""The video wall follows the room's most urgent case by itself."""
from __future__ import annotations

import msgspec

from console.protocol import Case, Location
from console.store import Changes, LiveStore
from console.wall_focus import most_urgent, next_focus


def case(cid: str, priority: int, minute: int, status: str = "received") -> Case:
    ts = f"2026-07-21T20:{minute:02d}:00.000Z"
    return Case(id=cid, version=1, source="police_110", category="waterlogging", title=cid, status=status,
                priority=priority, location=Location(lat=39.69, lon=106.82), reported_at=ts, updated_at=ts,
                due_at="2026-07-21T23:00:00.000Z")


def store_with(*cases: Case, selected: str | None = None) -> LiveStore:
    store = LiveStore()
    store.cases = {c.id: c for c in cases}
    store.selected_case = selected
    return store


def arrive(store: LiveStore, c: Case, new: bool = True) -> Changes:
    store.cases[c.id] = c
    return Changes(new_cases={c.id} if new else set(), cases={c.id})


def test_after_a_snapshot_the_most_urgent_then_newest_open_case():
    store = store_with(case("P2-new", 2, 50), case("P1-old", 1, 10), case("P1-new", 1, 30),
                       case("P1-closed", 1, 59, "closed"), case("P3", 3, 58))
    assert next_focus(store, Changes(reset=True)) == "P1-new"
    assert most_urgent([None, case("P3", 3, 1)]) is None
    assert next_focus(store_with(case("P3", 3, 1), case("P4", 4, 2)), Changes(reset=True)) is None


def test_a_new_case_as_urgent_takes_the_wall_a_less_urgent_one_does_not():
    store = store_with(case("A", 1, 10), selected="A")
    assert next_focus(store, arrive(store, case("B", 2, 20))) == "A"          # P2 under a P1: stays
    assert next_focus(store, arrive(store, case("C", 3, 21))) == "A"
    assert next_focus(store, arrive(store, case("D", 1, 22))) == "D"          # a newer P1: the room turns
    store = store_with(case("A", 2, 10), selected="A")
    assert next_focus(store, arrive(store, case("E", 1, 5))) == "E"           # more urgent, even if older


def test_a_case_raised_above_the_one_shown_takes_the_wall():
    store = store_with(case("A", 2, 10), case("B", 3, 12), selected="A")
    raised = msgspec.structs.replace(store.cases["B"], priority=1, version=2)
    assert next_focus(store, arrive(store, raised, new=False)) == "B"
    store = store_with(case("A", 1, 10), case("B", 1, 12), selected="A")   # an update of another P1
    updated = msgspec.structs.replace(store.cases["B"], status="dispatched", version=2)
    assert next_focus(store, arrive(store, updated, new=False)) == "A"       # does not steal the wall


def test_when_the_case_shown_ends_the_next_most_urgent_or_nothing():
    store = store_with(case("A", 1, 10), case("B", 2, 12), selected="A")
    closed = msgspec.structs.replace(store.cases["A"], status="closed", version=2)
    assert next_focus(store, arrive(store, closed, new=False)) == "B"
    store.selected_case = "B"
    del store.cases["B"]                                                     # evicted
    assert next_focus(store, Changes(removed_cases={"B"})) is None


def test_nothing_selected_and_nothing_urgent_arrives_stays_empty():
    store = store_with(case("A", 3, 10))
    assert next_focus(store, arrive(store, case("B", 4, 11))) is None
    assert next_focus(store, arrive(store, case("C", 2, 12))) == "C"
