#!/usr/bin/env python3
"""Case queue benchmark: a million cases in the live store and the queue model.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/queue.py [--cases 1000000] [--seed 1]

What is measured, in one run (Qt offscreen, the real ``LiveStore``,
``CaseTableModel`` and a ``QTableView`` showing it, as in the console):

* ``load_s``: a snapshot of N cases into the store (``on_snapshot``: interning,
  the overdue set) plus the model indexing them (columns, text, first sort) —
  what a console pays when it logs in to a hub holding N cases;
* ``rss_mb``: the process's resident memory after the load (psutil);
* ``filter_ms``: a free-text filter over title, address and id on the "all"
  tab (``text_query`` below; ``filter_hits`` rows match), applied through the
  model (layoutChanged included); ``filter_broad_ms`` a query matching a third
  of the rows;
* ``sort_ms``: re-sort by due time (the SLA column) from priority order;
* ``updates_1000_ms``: 1,000 ``case.updated`` events (assignments and moves
  along the loop, as encoded JSON frames) applied to the store and then to the
  model as the adapter delivers them, while the queue is sorted by due time and
  filtered (the "in progress" tab); ``updates_store_ms`` is the store's part.
  ``updates_1000_unbatched_ms`` is the worst case: each event in its own batch.

Every phase also reports its CPU time (``*_cpu``): on a shared machine wall
time includes waiting for the CPU. The cases are generated first (not timed
as load) as protocol ``Case`` structs, with the repetition real data has
(titles and addresses from pools, timestamps at one-second resolution).
The last line printed is one JSON object.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import msgspec  # noqa: E402
import psutil  # noqa: E402

from bench.synthetic import NOW, SOURCES_W, STATUS_W, ts_texts, weighted  # noqa: E402
from console.domain.categories import CATEGORY_INFO  # noqa: E402
from console.domain.sla import sla_seconds  # noqa: E402
from console.protocol import (  # noqa: E402
    CATEGORIES, Assignee, Case, Event, Location, Snapshot, format_ts,
)

STREETS = ["人民南路", "人民北路", "新华大街", "黄河街", "团结路", "滨河大道", "海北大街", "建设路",
           "千里山路", "朝阳街", "育才路", "胜利街", "林荫路", "迎宾路", "北环路", "前进路"]
DISTRICTS = ["海勃湾区", "海南区", "乌达区"]
TITLES = ["路面塌陷", "道路积水", "夜间施工噪声扰民", "车辆违停", "流动摊贩聚集", "垃圾堆放", "井盖缺失",
          "楼道杂物堆放", "邻里纠纷", "路灯不亮", "私家车占用消防通道", "高空抛物", "河面漂浮物", "燃气异味",
          "商户占道经营", "建筑垃圾倾倒", "独居老人无应答", "酒后滋事", "窨井盖松动", "绿化带损毁"]
TEXT_QUERY = "人民南路18"            # a street and house number: what a dispatcher types
BROAD_QUERY = "路"


def generate(n: int, seed: int) -> list[Case]:
    rnd = random.Random(seed)
    from console.domain.demo import load_grid_index
    cells = list(load_grid_index().cells.values())
    titles = [f"{t}（{s}）" for t in TITLES for s in STREETS]
    addresses = [f"{d}{s}{k}号" for d in DISTRICTS for s in STREETS for k in range(1, 60)]
    sources, statuses = weighted(SOURCES_W), weighted(STATUS_W)
    units = [i.unit for i in CATEGORY_INFO.values()]
    ts = ts_texts()

    out = []
    for i in range(n):
        category = CATEGORIES[rnd.randrange(len(CATEGORIES))]
        prio = CATEGORY_INFO[category].priority
        rep = -rnd.randrange(0, 7 * 86400)
        status = statuses[rnd.randrange(100)]
        cell = cells[rnd.randrange(len(cells))]
        lat, lon = cell.centroid
        out.append(Case(
            id=f"C-{20261118 + (i * 7) // n}-{i:07d}", version=1 + (status != "received"),
            source=sources[rnd.randrange(100)], category=category, title=titles[rnd.randrange(len(titles))],
            status=status, priority=prio, location=Location(lat, lon, addresses[rnd.randrange(len(addresses))]),
            reported_at=ts(rep), updated_at=ts(rep), due_at=ts(rep + sla_seconds(category, prio)),
            grid=cell.code, assignee=None if status == "received" else Assignee(units[rnd.randrange(len(units))])))
    return out


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = clock()
    return wall - start[0], cpu - start[1]


def update_events(store, rnd: random.Random, count: int, first_seq: int) -> list[Event]:
    """``case.updated`` frames as the hub would send them: open cases move one
    step along the loop or get (re)assigned."""
    enc = msgspec.json.Encoder()
    open_ids = [cid for cid, c in store.cases.items() if c.status in ("dispatched", "in_progress")]
    step = {"dispatched": "in_progress", "in_progress": "verifying"}
    events = []
    for k, cid in enumerate(rnd.sample(open_ids, count)):
        c = store.cases[cid]
        if rnd.random() < 0.5:
            new = msgspec.structs.replace(c, version=c.version + 1, status=step[c.status])
        else:
            new = msgspec.structs.replace(c, version=c.version + 1, assignee=Assignee("emergency", "值班组"))
        events.append(Event(first_seq + k, format_ts(NOW), "case.updated", msgspec.Raw(enc.encode(new))))
    return events


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    proc = psutil.Process()

    from PySide6.QtCore import QLocale, Qt
    from PySide6.QtWidgets import QApplication, QTableView

    from console.queue_index import COLUMNS, FilterSpec, SortSpec
    from console.store import LiveStore
    from widgets.case_table_model import CaseTableModel

    QLocale.setDefault(QLocale("zh_CN"))
    app = QApplication(sys.argv[:1])
    t = clock()
    cases = generate(args.cases, args.seed)
    gen_s, _ = since(t)
    print(f"generated {len(cases):,} cases in {gen_s:.1f} s", flush=True)

    gc.collect()
    t = clock()
    store = LiveStore()
    store._clock_origin = (NOW, time.monotonic())
    store.on_snapshot(Snapshot(seq=1, cases=cases))
    store.take_changes()
    store_s, store_cpu = since(t)
    del cases
    model = CaseTableModel(store)
    model.configure(FilterSpec(tab="all"), SortSpec("priority"))
    view = QTableView()
    view.verticalHeader().setSectionResizeMode(view.verticalHeader().ResizeMode.Fixed)
    view.setModel(model)
    view.resize(1400, 900)
    app.processEvents()
    load_s, load_cpu = since(t)
    rss_mb = proc.memory_info().rss / 2**20
    print(f"load: store {store_s:.2f} s, total {load_s:.2f} s (cpu {load_cpu:.2f} s); RSS {rss_mb:.0f} MB",
          flush=True)

    def timed(fn) -> tuple[float, float]:
        t0 = clock()
        fn()
        app.processEvents()
        w, c = since(t0)
        return w * 1000, c * 1000

    filter_ms, filter_cpu = timed(lambda: model.set_filter(FilterSpec(tab="all", text=TEXT_QUERY)))
    hits = model.rowCount()
    broad_ms, broad_cpu = timed(lambda: model.set_filter(FilterSpec(tab="all", text=BROAD_QUERY)))
    broad_hits = model.rowCount()
    model.set_filter(FilterSpec(tab="all"))
    sort_ms, sort_cpu = timed(lambda: model.sort(COLUMNS.index("sla"), Qt.SortOrder.AscendingOrder))
    print(f"filter {filter_ms:.0f} ms ({hits:,} hits), broad {broad_ms:.0f} ms ({broad_hits:,}), "
          f"sort {sort_ms:.0f} ms", flush=True)

    # updates while sorted by due time and filtered to the "in progress" tab
    model.set_filter(FilterSpec(tab="in_progress"))
    shown = model.rowCount()
    view.selectRow(min(10, shown - 1))
    rnd = random.Random(args.seed)
    events = update_events(store, rnd, 1000, 2)
    t0 = clock()
    for ev in events:
        store.on_event(ev)
    store_w, store_c = since(t0)
    changes = store.take_changes()
    model.apply(changes)
    app.processEvents()
    upd_ms, upd_cpu = (x * 1000 for x in since(t0))
    print(f"1000 updates: {upd_ms:.0f} ms (store {store_w * 1000:.0f} ms)", flush=True)

    events = update_events(store, rnd, 1000, 1002)
    t0 = clock()
    for ev in events:
        store.on_event(ev)
        model.apply(store.take_changes())
    app.processEvents()
    unb_ms, unb_cpu = (x * 1000 for x in since(t0))
    print(f"1000 updates, one batch each: {unb_ms:.0f} ms", flush=True)

    result = {
        "cases": len(store.cases), "load_s": round(load_s, 2), "load_cpu_s": round(load_cpu, 2),
        "store_load_s": round(store_s, 2), "rss_mb": round(proc.memory_info().rss / 2**20),
        "filter_ms": round(filter_ms, 1), "filter_cpu_ms": round(filter_cpu, 1), "filter_hits": hits,
        "text_query": TEXT_QUERY, "filter_broad_ms": round(broad_ms, 1), "filter_broad_hits": broad_hits,
        "sort_ms": round(sort_ms, 1), "sort_cpu_ms": round(sort_cpu, 1),
        "updates_1000_ms": round(upd_ms, 1), "updates_1000_cpu_ms": round(upd_cpu, 1),
        "updates_store_ms": round(store_w * 1000, 1), "updates_rows_shown": shown,
        "updates_1000_unbatched_ms": round(unb_ms, 1), "updates_1000_unbatched_cpu_ms": round(unb_cpu, 1),
        "generate_s": round(gen_s, 1),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
