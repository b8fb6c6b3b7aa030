"""console/linking.py without Qt: ranking 12345/110 partners and the bucket
index that keeps the search small."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import msgspec
import pytest

from console import linking
from console.protocol import Caller, Case, Link, Location, format_ts
from console.store import Changes

T0 = datetime(2026, 7, 21, 12, 1, tzinfo=timezone.utc)
UNDERPASS = (39.700414, 106.817378)      # haibei_call_12345 in the demo data
CELL = "150302004008002"


def case(cid: str, source: str, *, minutes: float = 0, dlat_m: float = 0, dlon_m: float = 0,
         category: str = "waterlogging", grid: str | None = CELL, phone: str | None = None,
         status: str = "received", links=()) -> Case:
    lat = UNDERPASS[0] + dlat_m / 111_320
    lon = UNDERPASS[1] + dlon_m / 85_700
    when = format_ts(T0 + timedelta(minutes=minutes))
    return Case(id=cid, version=1, source=source, category=category, title=cid, status=status, priority=1,
                location=Location(lat, lon), reported_at=when, updated_at=when, due_at=when, grid=grid,
                caller=Caller("王", phone) if phone else None, links=tuple(links))


def test_the_rainstorm_pair_ranks_first_with_its_reasons():
    call = case("C-12345", "hotline_12345", phone="13904731234")
    twin = case("C-110-twin", "police_110", minutes=3, dlat_m=-170, dlon_m=160)   # ~230 m, 3 min
    far = case("C-110-far", "police_110", minutes=50, dlat_m=1500, category="public_order", grid="1")
    cousin = case("C-110-family", "police_110", minutes=20, dlat_m=600, category="road_damage",
                  grid="150302004008001")
    found = linking.rank_candidates(call, [far, cousin, twin], min_score=0)
    assert [c.case_id for c in found] == ["C-110-twin", "C-110-family", "C-110-far"]
    r = found[0].reasons
    assert r.same_grid and r.category == "same" and 200 < r.distance_m < 260
    assert round(r.minutes_apart) == 3 and not r.same_phone
    assert found[0].score >= linking.TWIN_SCORE > found[2].score
    assert found[2].reasons.category == "" and not found[2].reasons.same_grid


def test_family_counts_less_than_same_category():
    call = case("A", "hotline_12345", category="manhole_displaced")
    same = case("B", "police_110", minutes=10, category="manhole_displaced")
    family = case("C", "police_110", minutes=10, category="road_damage")     # both "road"
    unrelated = case("D", "police_110", minutes=10, category="noise")
    scores = {c.case_id: c for c in linking.rank_candidates(call, [same, family, unrelated], min_score=0)}
    assert scores["B"].reasons.category == "same" and scores["C"].reasons.category == "family"
    assert scores["B"].score > scores["C"].score > scores["D"].score


def test_same_phone_counts_only_when_the_role_sees_it():
    call = case("A", "hotline_12345", phone="+86 139-0473-1234")
    other = case("B", "police_110", minutes=90, dlat_m=2000, grid="x", phone="13904731234")
    seen = linking.score_pair(call, other)
    hidden = linking.score_pair(call, other, phones_visible=False)
    assert seen.reasons.same_phone and not hidden.reasons.same_phone
    assert seen.score - hidden.score == linking.W_PHONE
    # a viewer's masked numbers are equal as text but must never count
    masked_a = case("A", "hotline_12345", phone="139****1234")
    masked_b = case("B", "police_110", phone="139****1234")
    assert not linking.score_pair(masked_a, masked_b).reasons.same_phone


@pytest.mark.parametrize("other", [
    case("same-line", "hotline_12345"),
    case("too-late", "police_110", minutes=121),
    case("too-early", "police_110", minutes=-121),
    case("too-far", "police_110", dlat_m=3100),
    case("rejected", "police_110", status="rejected"),
    case("video", "ai_video"),
])
def test_not_a_candidate(other):
    assert linking.score_pair(case("A", "hotline_12345"), other) is None


def test_already_linked_pairs_are_not_suggested_again():
    a = case("A", "hotline_12345", links=[Link("B", "12345-110")])
    b = case("B", "police_110", links=[Link("A", "12345-110")])
    assert linking.score_pair(a, b) is None and linking.score_pair(b, a) is None
    # a link of another kind does not stop the suggestion
    c = case("C", "police_110", links=[Link("A", "related")])
    assert linking.score_pair(case("A", "hotline_12345"), c) is not None


def test_weak_candidates_are_not_suggested():
    call = case("A", "hotline_12345")
    weak = case("B", "police_110", minutes=89, dlat_m=2300, category="noise", grid="x")
    assert linking.score_pair(call, weak).score < linking.MIN_SCORE
    assert linking.rank_candidates(call, [weak]) == []


def test_bad_times_are_not_candidates():
    a = case("A", "hotline_12345")
    b = msgspec.structs.replace(case("B", "police_110"), reported_at="yesterday")
    assert linking.score_pair(a, b) is None


def _random_cases(n: int, seed: int = 3) -> dict[str, Case]:
    rnd = random.Random(seed)
    out = {}
    for i in range(n):
        c = case(f"C{i:04d}", rnd.choice(["hotline_12345", "police_110", "iot"]),
                 minutes=rnd.uniform(-400, 400), dlat_m=rnd.uniform(-6000, 6000),
                 dlon_m=rnd.uniform(-6000, 6000), category=rnd.choice(["waterlogging", "noise", "dispute"]))
        out[c.id] = c
    return out


def test_index_finds_exactly_what_a_full_scan_finds():
    cases = _random_cases(600)
    index = linking.LinkIndex(cases)
    for c in list(cases.values())[:120]:
        full = linking.rank_candidates(c, cases.values(), limit=50, min_score=0)
        assert index.candidates(c, limit=50, min_score=0) == full


def test_index_follows_store_batches_and_is_shared_safely():
    cases = _random_cases(50)
    index = linking.LinkIndex(cases)
    call = case("NEW-12345", "hotline_12345", minutes=1, dlat_m=50)
    police = case("NEW-110", "police_110")
    cases[police.id] = police
    first = Changes(cases={police.id}, new_cases={police.id})
    touched = index.sync(cases, first)
    assert police.id in touched
    assert index.sync(cases, first) is touched          # the second panel: same answer, no work
    cases[call.id] = call
    touched = index.sync(cases, Changes(cases={call.id}, new_cases={call.id}))
    assert {call.id, police.id} <= touched              # the 110 call's candidates changed too
    assert index.candidates(police)[0].case_id == call.id and index.has_likely_twin(police)
    del cases[call.id]
    index.sync(cases, Changes(removed_cases={call.id}))
    assert all(c.case_id != call.id for c in index.candidates(police))
    # a snapshot replaces the store's dict: the index starts over on it
    fresh = {police.id: police}
    index.sync(fresh, Changes(reset=True))
    assert index.candidates(police) == []


def test_a_linked_110_call_has_no_twin_any_more():
    call = case("A", "hotline_12345")
    police = case("B", "police_110", minutes=2, links=[Link("A", "12345-110")])
    index = linking.LinkIndex({"A": call, "B": police})
    assert not index.has_likely_twin(police)
    assert not index.has_likely_twin(case("C", "police_110", status="closed"))
    assert not index.has_likely_twin(call)             # only 110 calls are flagged


def test_shared_index_is_one_per_store():
    class Store:
        cases: dict = {}
    s1, s2 = Store(), Store()
    assert linking.shared_index(s1) is linking.shared_index(s1)
    assert linking.shared_index(s1) is not linking.shared_index(s2)
