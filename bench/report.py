#!/usr/bin/env python3
"""Shift report benchmark: the report over a million cases.

    .venv/bin/python bench/report.py [--cases 1000000] [--seed 1] [--repeat 3]

Generates N protocol ``Case`` structs as ``bench/queue.py`` does (categories,
sources and statuses in the same proportions, a week of reports at one-second
resolution, titles from pools), plus what the report reads and the queue
bench leaves out: closed cases updated 10 min – 8 h after their report,
assignees on every case past ``received``, 1 % of the hotline cases linked
12345–110 to a 110 case. Then, as the console does:

* ``snapshot_ms``: the copy on the GUI thread (``reports.snapshot`` of a
  ``LiveStore`` holding the cases);
* ``build_s``: ``reports.build_report`` (the worker's part), best of
  ``--repeat`` runs, with its CPU time ``build_cpu_s``;
* ``write_s``: ``reports.write_report`` into a temporary directory.

No Qt is involved. The last line printed is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import NOW, SOURCES_W, STATUS_W, ts_texts, weighted  # noqa: E402
from console import reports  # noqa: E402
from console.domain.categories import CATEGORY_INFO  # noqa: E402
from console.domain.sla import sla_seconds  # noqa: E402
from console.protocol import CATEGORIES, Assignee, Case, Link, Location  # noqa: E402
from console.store import LiveStore  # noqa: E402

STREETS = ["人民南路", "人民北路", "新华大街", "黄河街", "团结路", "滨河大道", "海北大街", "建设路"]
TITLES = ["路面塌陷", "道路积水", "夜间施工噪声扰民", "车辆违停", "流动摊贩聚集", "垃圾堆放", "井盖缺失",
          "邻里纠纷", "路灯不亮", "私家车占用消防通道", "高空抛物", "河面漂浮物", "燃气异味"]


def generate(n: int, seed: int) -> list[Case]:
    rnd = random.Random(seed)
    titles = [f"{t}（{s}）" for t in TITLES for s in STREETS]
    sources, statuses = weighted(SOURCES_W), weighted(STATUS_W)
    units = [i.unit for i in CATEGORY_INFO.values()]
    where = Location(39.68, 106.83, "海勃湾区人民南路18号")
    ts = ts_texts()

    out: list[Case] = []
    hotline: list[int] = []
    police: list[int] = []
    for i in range(n):
        category = CATEGORIES[rnd.randrange(len(CATEGORIES))]
        prio = CATEGORY_INFO[category].priority
        rep = -rnd.randrange(0, 7 * 86400)
        status = statuses[rnd.randrange(100)]
        source = sources[rnd.randrange(100)]
        upd = min(0, rep + rnd.randrange(600, 8 * 3600)) if status != "received" else rep
        (hotline if source == "hotline_12345" else police if source == "police_110" else []).append(i)
        out.append(Case(
            id=f"C-{20261118 + (i * 7) // n}-{i:07d}", version=1 + (status != "received"), source=source,
            category=category, title=titles[rnd.randrange(len(titles))], status=status, priority=prio,
            location=where, reported_at=ts(rep), updated_at=ts(upd), due_at=ts(rep + sla_seconds(category, prio)),
            assignee=None if status == "received" else Assignee(units[rnd.randrange(len(units))])))
    for a, b in zip(rnd.sample(hotline, len(hotline) // 100), rnd.sample(police, len(hotline) // 100)):
        out[a].links = (Link(out[b].id, "12345-110"),)
        out[b].links = (Link(out[a].id, "12345-110"),)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    t = time.perf_counter()
    cases = generate(args.cases, args.seed)
    print(f"generated {len(cases):,} cases in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    store = LiveStore()
    store.cases = {c.id: c for c in cases}
    t = time.perf_counter()
    snap = reports.snapshot(store, now=NOW)
    snapshot_ms = (time.perf_counter() - t) * 1000
    builds = []
    for _ in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        report = reports.build_report(snap)
        builds.append((time.perf_counter() - t, time.process_time() - c))
    build_s, build_cpu_s = min(builds)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        files = reports.write_report(report, tmp, "bench")
        write_s = time.perf_counter() - t
        size_kb = sum(f.stat().st_size for f in files) / 1024
    for name in reports.TABLES:
        print(f"{name}: {len(report.frames[name])} rows", file=sys.stderr)
    print(json.dumps({"cases": len(cases), "snapshot_ms": round(snapshot_ms, 1), "build_s": round(build_s, 3),
                      "build_cpu_s": round(build_cpu_s, 3), "write_s": round(write_s, 3),
                      "files_kb": round(size_kb), "overdue_rows": len(report.frames["overdue"]),
                      **{k: v for k, v in report.counts.items()}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
