"""console/queue_index.py without Qt: filters, sorts, the 12345–110 pairing,
and above all that incremental batches give exactly the order a fresh
rebuild gives."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import msgspec
import numpy as np
import pytest

from console.protocol import CATEGORIES, SOURCES, STATUSES, Assignee, Case, Link, Location, format_ts
from console.queue_index import (
    COLUMNS, TABS, FilterSpec, QueueIndex, SortSpec, iso_seconds, title_value,
)
from console.queue_text import TextIndex, haystack

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
GRIDS = ["150302004008002", "150302001001001", "150303100001001", None]


def make(cid: str, rnd: random.Random | None = None, **kw) -> Case:
    rnd = rnd or random.Random(cid)
    rep = T0 + timedelta(seconds=rnd.randrange(-86400, 3600))
    base = dict(id=cid, version=1, source=rnd.choice(SOURCES), category=rnd.choice(CATEGORIES),
                title=rnd.choice(["路面塌陷", "积水", "夜间噪声扰民", "车辆违停 蒙C"]),
                status=rnd.choice(STATUSES), priority=rnd.randint(1, 4),
                location=Location(39.6 + rnd.random() * 0.05, 106.8 + rnd.random() * 0.05,
                                  rnd.choice(["人民南路", "滨河大道", None])),
                reported_at=format_ts(rep), updated_at=format_ts(rep),
                due_at=format_ts(rep + timedelta(hours=rnd.choice([1, 2, 8, 24]))),
                grid=rnd.choice(GRIDS),
                assignee=rnd.choice([None, Assignee("emergency"), Assignee("city_mgmt")]))
    base.update(kw)
    return Case(**base)


class Clock:
    def __init__(self):
        self.t = T0.timestamp()

    def __call__(self) -> float:
        return self.t


def order(ix: QueueIndex) -> list[str]:
    return [ix.case_id(r) for r in range(ix.row_count())]


def fresh(cases, spec, sort, clock, mine=(), overdue=()) -> list[str]:
    ix = QueueIndex(now=clock)
    ix.filter, ix.sort, ix.mine_ids = spec, sort, set(mine)
    ix.load(cases, set(overdue))
    return order(ix)


def apply(ix: QueueIndex, cases, changed, removed=()) -> str:
    plan = ix.plan_changes(cases, set(changed), set(removed))
    ix.commit(plan)
    return plan.kind


def test_incremental_batches_match_a_fresh_rebuild():
    rnd = random.Random(11)
    clock = Clock()
    cases = {c.id: c for c in (make(f"C-{i:05d}", rnd) for i in range(250))}
    ix = QueueIndex(now=clock)
    ix.load(cases)
    serial = 250
    kinds = set()
    for it in range(60):
        spec = FilterSpec(tab=rnd.choice(TABS), sources=frozenset(rnd.sample(SOURCES, rnd.choice([0, 0, 2]))),
                          area=rnd.choice(["", "150302", "150302004008002"]),
                          text=rnd.choice(["", "积水", "c-000", "夜间 噪声"]))
        sort = SortSpec(rnd.choice(COLUMNS), rnd.random() < 0.5)
        ix.commit(ix.plan_layout(filter=spec, sort=sort))
        assert order(ix) == fresh(cases, spec, sort, clock, ix.mine_ids)
        for _ in range(4):
            changed, removed = set(), set()
            for _ in range(rnd.randint(1, 5)):
                r = rnd.random()
                if r < 0.2:
                    c = make(f"C-{serial:05d}", rnd)
                    serial += 1
                    cases[c.id] = c
                    changed.add(c.id)
                elif r < 0.3:
                    a, b = rnd.sample(list(cases.values()), 2)
                    cases[a.id] = msgspec.structs.replace(a, links=a.links + (Link(b.id, "12345-110"),))
                    cases[b.id] = msgspec.structs.replace(b, links=b.links + (Link(a.id, "12345-110"),))
                    changed |= {a.id, b.id}
                elif r < 0.35:
                    cid = rnd.choice(list(cases))
                    del cases[cid]
                    removed.add(cid)
                else:
                    cid = rnd.choice(list(cases))
                    cases[cid] = msgspec.structs.replace(
                        cases[cid], status=rnd.choice(STATUSES), priority=rnd.randint(1, 4),
                        due_at=format_ts(T0 + timedelta(seconds=rnd.randrange(-3600, 86400))))
                    changed.add(cid)
            if rnd.random() < 0.2:
                ix.commit(ix.plan_mine(set(rnd.sample(list(cases), 5))))
            kinds.add(apply(ix, cases, changed, removed))
            assert order(ix) == fresh(cases, spec, sort, clock, ix.mine_ids), (it, spec, sort)
            clock.t += 600
            ix.commit(ix.plan_tick())
            assert order(ix) == fresh(cases, spec, sort, clock, ix.mine_ids)
    assert {"inplace", "insert", "remove", "layout"} <= kinds


@pytest.fixture
def cases():
    rnd = random.Random(5)
    return {c.id: c for c in (make(f"C-{i:04d}", rnd) for i in range(200))}


def test_tabs_are_the_closed_loop_steps(cases):
    ix = QueueIndex(now=Clock())
    ix.load(cases)
    want = {"received": {"received"}, "in_progress": {"dispatched", "in_progress"},
            "verifying": {"verifying"}}
    for tab, statuses in want.items():
        ix.commit(ix.plan_layout(filter=FilterSpec(tab=tab)))
        shown = {cases[c].status for c in order(ix)}
        assert shown == statuses and len(order(ix)) == sum(c.status in statuses for c in cases.values())
    ix.commit(ix.plan_layout(filter=FilterSpec(tab="all")))
    assert set(order(ix)) == set(cases)
    assert ix.tab_counts()["in_progress"] == sum(c.status in want["in_progress"] for c in cases.values())


def test_overdue_tab_follows_hub_time_and_the_hubs_word(cases):
    clock = Clock()
    ix = QueueIndex(now=clock)
    ix.filter = FilterSpec(tab="overdue")
    open_ = {c.id for c in cases.values() if c.status in ("received", "dispatched", "in_progress", "verifying")}
    ix.load(cases)
    before = set(order(ix))
    assert before == {cid for cid in open_ if iso_seconds([cases[cid].due_at])[0] <= clock.t}
    clock.t += 3 * 3600                       # nothing happened but time
    plan = ix.plan_tick()
    ix.commit(plan)
    after = set(order(ix))
    assert after > before and after == {cid for cid in open_ if iso_seconds([cases[cid].due_at])[0] <= clock.t}
    # the hub flagged one whose due time this workstation thinks is still ahead
    late = next(cid for cid in open_ if cid not in after)
    ix.commit(ix.plan_changes(cases, {late}, overdue={late}))
    assert late in order(ix)


def test_sla_sort_puts_the_soonest_due_first_and_closed_cases_last(cases):
    ix = QueueIndex(now=Clock())
    ix.filter, ix.sort = FilterSpec(tab="all"), SortSpec("sla")
    ix.load(cases)
    rows = [cases[c] for c in order(ix)]
    open_flags = [c.status not in ("closed", "rejected") for c in rows]
    assert open_flags == sorted(open_flags, reverse=True)
    dues = [c.due_at for c in rows if c.status not in ("closed", "rejected")]
    assert dues == sorted(dues)


def test_priority_then_due_and_descending_reported(cases):
    ix = QueueIndex(now=Clock())
    ix.filter, ix.sort = FilterSpec(tab="all"), SortSpec("priority")
    ix.load(cases)
    keys = [(cases[c].priority, cases[c].due_at) for c in order(ix)]
    assert keys == sorted(keys)
    ix.commit(ix.plan_layout(sort=SortSpec("reported", descending=True)))
    reported = [cases[c].reported_at for c in order(ix)]
    assert reported == sorted(reported, reverse=True)


def test_filters_by_source_category_priority_and_area_at_every_level(cases):
    ix = QueueIndex(now=Clock())
    ix.load(cases)
    checks = [
        (FilterSpec(tab="all", sources=frozenset({"police_110"})), lambda c: c.source == "police_110"),
        (FilterSpec(tab="all", categories=frozenset({"noise", "dispute"})),
         lambda c: c.category in ("noise", "dispute")),
        (FilterSpec(tab="all", priorities=frozenset({1})), lambda c: c.priority == 1),
        (FilterSpec(tab="all", area="150302"), lambda c: (c.grid or "").startswith("150302")),
        (FilterSpec(tab="all", area="150302004"), lambda c: (c.grid or "").startswith("150302004")),
        (FilterSpec(tab="all", area="150302004008002"), lambda c: c.grid == "150302004008002"),
        (FilterSpec(tab="all", area="not-a-code"), lambda c: False),
    ]
    for spec, pred in checks:
        ix.commit(ix.plan_layout(filter=spec))
        assert set(order(ix)) == {c.id for c in cases.values() if pred(c)}, spec


def test_text_search_is_every_term_over_title_address_and_id(cases):
    ix = QueueIndex(now=Clock())
    ix.load(cases)
    def hits(text):
        ix.commit(ix.plan_layout(filter=FilterSpec(tab="all", text=text)))
        return set(order(ix))
    assert hits("积水") == {c.id for c in cases.values() if "积水" in c.title}
    assert hits("c-001") == {f"C-001{i}" for i in range(10)}      # ids, any case
    assert hits("夜间 人民南路") == {c.id for c in cases.values()
                                  if "夜间" in c.title and c.location.address == "人民南路"}
    assert hits("无此内容") == set()
    # a new case and a changed title are found without rebuilding the text
    ix.commit(ix.plan_layout(filter=FilterSpec(tab="all", text="井盖")))
    cases["C-0003"] = msgspec.structs.replace(cases["C-0003"], title="井盖缺失")
    cases["C-9999"] = make("C-9999", title="井盖移位")
    apply(ix, cases, {"C-0003", "C-9999"})
    assert set(order(ix)) == {"C-0003", "C-9999"}


def test_linked_pair_sits_together_in_any_sort():
    rnd = random.Random(2)
    cases = {c.id: c for c in (make(f"C-{i:03d}", rnd, status="received") for i in range(60))}
    a = make("C-A", priority=1, source="hotline_12345", status="received")
    b = make("C-B", priority=4, source="police_110", status="received",
             due_at=format_ts(T0 + timedelta(days=30)))
    cases.update({"C-A": a, "C-B": b})
    ix = QueueIndex(now=Clock())
    ix.filter = FilterSpec(tab="all")
    ix.load(cases)
    assert abs(order(ix).index("C-A") - order(ix).index("C-B")) > 1
    cases["C-A"] = msgspec.structs.replace(a, links=(Link("C-B", "12345-110"),))
    cases["C-B"] = msgspec.structs.replace(b, links=(Link("C-A", "12345-110"),))
    apply(ix, cases, {"C-A", "C-B"})
    for col in COLUMNS:
        for desc in (False, True):
            ix.commit(ix.plan_layout(sort=SortSpec(col, desc)))
            rows = order(ix)
            assert rows.index("C-B") - rows.index("C-A") in (1, -1), (col, desc)
            follower = max(rows.index("C-A"), rows.index("C-B"))
            assert ix.is_follower(follower) and ix.partner_of(rows[follower]) == rows[follower - 1]
    # with one of them filtered out, the other keeps its own place
    ix.commit(ix.plan_layout(filter=FilterSpec(tab="all", sources=frozenset({"police_110"})),
                             sort=SortSpec("priority")))
    assert not any(ix.is_follower(r) for r in range(ix.row_count()))


def test_plans_say_what_the_view_must_do():
    cases = {c.id: c for c in (make(f"C-{i:03d}", random.Random(i), status="received",
                                    due_at=format_ts(T0 + timedelta(hours=i + 1))) for i in range(10))}
    ix = QueueIndex(now=Clock())
    ix.filter, ix.sort = FilterSpec(tab="received"), SortSpec("sla")
    ix.load(cases)
    # a change that keeps the row where it is
    cases["C-004"] = msgspec.structs.replace(cases["C-004"], title="改了标题")
    assert apply(ix, cases, {"C-004"}) == "inplace"
    # a new case due first: one insert at the top
    cases["C-100"] = make("C-100", status="received", due_at=format_ts(T0 + timedelta(minutes=5)))
    plan = ix.plan_changes(cases, {"C-100"})
    assert (plan.kind, plan.row) == ("insert", 0)
    ix.commit(plan)
    # assigned: it leaves the received tab
    cases["C-100"] = msgspec.structs.replace(cases["C-100"], status="dispatched")
    plan = ix.plan_changes(cases, {"C-100"})
    assert (plan.kind, plan.row) == ("remove", 0)
    ix.commit(plan)
    # its due time moved: one move
    cases["C-000"] = msgspec.structs.replace(cases["C-000"], due_at=format_ts(T0 + timedelta(hours=50)))
    plan = ix.plan_changes(cases, {"C-000"})
    assert (plan.kind, plan.row, plan.dest) == ("move", 0, 9)
    ix.commit(plan)
    assert order(ix)[-1] == "C-000" and ix.row_of("C-000") == 9 and ix.row_of("nope") == -1


def test_mine_tab_and_counts(cases):
    ix = QueueIndex(now=Clock())
    ix.filter = FilterSpec(tab="mine")
    ix.load(cases)
    assert order(ix) == []
    ix.commit(ix.plan_mine({"C-0001", "C-0002", "unknown"}))
    assert set(order(ix)) == {"C-0001", "C-0002"} and ix.tab_counts()["mine"] == 2
    ix.commit(ix.plan_mine({"C-0002"}))
    assert order(ix) == ["C-0002"]


def test_twins_filter_uses_the_given_test_and_is_lazy(cases):
    ix = QueueIndex(now=Clock())
    calls = []
    def twin(case):
        calls.append(case.id)
        return case.id.endswith("7")
    ix.twin_fn = twin
    ix.load(cases)
    assert calls == []                        # not computed until asked
    ix.commit(ix.plan_layout(filter=FilterSpec(tab="all", twins_only=True)))
    want = {c.id for c in cases.values() if c.source == "police_110" and c.id.endswith("7")
            and c.status not in ("closed", "rejected")}
    assert set(order(ix)) == want and ix.is_twin(next(iter(want)))


def test_iso_seconds_canonical_offsets_and_garbage():
    texts = ["2026-11-25T03:33:21.123Z", "2026-11-25T11:33:21+08:00", "2000-02-29T00:00:00.000Z",
             "garbage", "2026-11-25T03:33:21.12Z"]
    got = iso_seconds(texts)
    assert got[0] == got[1] == int(datetime(2026, 11, 25, 3, 33, 21, tzinfo=timezone.utc).timestamp())
    assert got[2] == int(datetime(2000, 2, 29, tzinfo=timezone.utc).timestamp())
    assert got[3] == 0 and got[4] == got[0]
    assert iso_seconds([]).shape == (0,)
    many = [format_ts(T0 + timedelta(seconds=977 * i)) for i in range(5000)]
    assert (iso_seconds(many) == [int((T0 + timedelta(seconds=977 * i)).timestamp())
                                  for i in range(5000)]).all()


def test_title_values_order_by_leading_characters():
    assert title_value("a") < title_value("b") < title_value("ba") < title_value("积水")
    assert title_value("") == 0


def test_text_index_overlay_and_rebuild():
    t = TextIndex()
    t.build([haystack("C-1", "积水", "人民路"), haystack("C-2", "噪声", None), ""])
    assert t.mask("人民路", 4).tolist() == [True, False, False, False]
    t.set(3, haystack("C-4", "人民路积水", ""))          # a new slot
    t.set(0, haystack("C-1", "已处置", ""))              # a changed title
    assert t.mask("人民路", 4).tolist() == [False, False, False, True]
    assert t.mask("c-2 噪声", 4).tolist() == [False, True, False, False]
    assert np.array_equal(t.mask("", 4), np.ones(4, bool))
