"""The queue panel's model and view with a store fed frame by frame (the
hub's own Case and Event types): the SLA clock repaints only the visible
rows, the scroll position stays on the same cases while rows come and go,
new cases flash, and the P1 chime follows its setting."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import msgspec
import pytest
from PySide6.QtCore import QLocale, Qt

from console import labels
from console.context import AppContext
from console.protocol import Case, Event, Link, Location, Snapshot, Welcome, format_ts
from console.qtstore import StoreAdapter
from console.queue_index import COLUMNS
from console.settings import Settings
from console.store import LiveStore
from panels.queue import CaseQueuePanel
from widgets import case_format
from widgets.case_table_model import FLASH_S, FlashRole, GroupRole, SlaStateRole

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
_enc = msgspec.json.Encoder()


def case(i: int, due_min: float, status: str = "received", priority: int = 3, **kw) -> Case:
    rep = NOW - timedelta(minutes=30)
    return Case(id=f"C-20261125-{i:06d}", version=1, source=kw.pop("source", "hotline_12345"),
                category="noise", title=f"噪声 {i}", status=status, priority=priority,
                location=Location(39.68, 106.84, "人民路"), reported_at=format_ts(rep),
                updated_at=format_ts(rep), due_at=format_ts(NOW + timedelta(minutes=due_min)),
                grid="150302004008002", **kw)


class Feed:
    """A store with a hub-time clock, fed snapshot and events like a client would."""

    def __init__(self, tmp_path, cases: list[Case], **settings):
        self.store = LiveStore()
        self.store.on_welcome(Welcome("demo-dispatcher", "dispatcher", "t", 1),
                              {"now": format_ts(NOW), "rate": 1.0})
        self.store.on_snapshot(Snapshot(seq=1, cases=cases))
        self.seq = 1
        self.ctx = AppContext(self.store, StoreAdapter(self.store), Settings(tmp_path / "c.ini"))
        self.ctx.settings.set("queue/tab", "all")
        for k, v in settings.items():
            self.ctx.settings.set(k.replace("__", "/"), v)
        self.ctx.adapter.flush()

    def send(self, *cases: Case, kind: str = "case.updated") -> None:
        for c in cases:
            self.seq += 1
            self.store.on_event(Event(self.seq, format_ts(NOW), kind, msgspec.Raw(_enc.encode(c))))
        self.ctx.adapter.flush()


@pytest.fixture
def feed(tmp_path, qapp):
    QLocale.setDefault(QLocale("en_US"))
    f = Feed(tmp_path, [case(i, due_min=60 + i) for i in range(3000)])
    yield f
    f.ctx.adapter.close()


def make_panel(qtbot, ctx) -> CaseQueuePanel:
    panel = CaseQueuePanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1200, 600)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def visible_rows(panel) -> tuple[int, int]:
    t = panel.table
    return t.rowAt(0), t.rowAt(t.viewport().height() - 1)


def test_the_sla_tick_repaints_only_the_visible_rows(qtbot, feed):
    panel = make_panel(qtbot, feed.ctx)
    panel.table.verticalScrollBar().setValue(1500)
    first, last = visible_rows(panel)
    assert 1400 < first < last < 1700
    ranges = []
    panel.model.dataChanged.connect(lambda a, b, roles=(): ranges.append((a.row(), b.row())))
    panel._on_tick()
    assert ranges and all(first <= a <= b <= last for a, b in ranges)
    assert sum(b - a + 1 for a, b in ranges) <= last - first + 1


def test_scroll_stays_on_the_same_cases_while_rows_arrive_above(qtbot, feed):
    panel = make_panel(qtbot, feed.ctx)
    bar = panel.table.verticalScrollBar()
    bar.setValue(1000)
    top = panel.model.rows.case_id(panel.table.rowAt(0))
    panel.select_row(1005)
    picked = feed.store.selected_case
    feed.send(*[case(5000 + i, due_min=1 + i) for i in range(20)], kind="case.created")   # due first
    assert panel.model.rows.case_id(panel.table.rowAt(0)) == top
    assert panel.model.rows.case_id(panel.table.currentIndex().row()) == picked
    feed.send(*[case(6000 + i, due_min=2) for i in range(1)], kind="case.created")         # one insert
    assert panel.model.rows.case_id(panel.table.rowAt(0)) == top
    # at the very top the view stays at the top, so urgent arrivals are seen
    bar.setValue(0)
    feed.send(case(7000, due_min=0.5), kind="case.created")
    assert panel.table.rowAt(0) == 0 and panel.model.rows.case_id(0) == "C-20261125-007000"


def test_new_cases_flash_once_and_fade(qtbot, feed):
    panel = make_panel(qtbot, feed.ctx)
    feed.send(case(8000, due_min=5), kind="case.created")
    m = panel.model
    row = m.rows.row_of("C-20261125-008000")
    assert m.data(m.index(row, 0), FlashRole) > 0.9
    assert m.data(m.index(row, 4), Qt.ItemDataRole.BackgroundRole) is not None
    m._flash["C-20261125-008000"] -= FLASH_S          # as if the animation ran its course
    qtbot.waitUntil(lambda: not m._flash_timer.isActive(), timeout=2000)
    assert m.data(m.index(row, 0), FlashRole) == 0
    assert m.data(m.index(row, 4), Qt.ItemDataRole.BackgroundRole) is None
    # an update of an existing case does not flash
    feed.send(msgspec.structs.replace(feed.store.cases["C-20261125-000001"], version=2, title="改"))
    assert not m.is_flashing("C-20261125-000001")


@pytest.mark.parametrize("sound", [True, False])
def test_p1_chime_follows_the_setting_and_never_fails_headless(qtbot, tmp_path, qapp, sound):
    f = Feed(tmp_path, [case(1, 60)], queue__sound=sound)
    panel = make_panel(qtbot, f.ctx)
    f.send(case(2, 30, priority=1), kind="case.created")
    f.send(case(3, 30, priority=1), kind="case.created")   # a burst chimes once
    assert panel.chime.played == (1 if sound else 0)
    assert panel.chime.backend in (None, "beep")           # offscreen: no audio stack touched
    f.ctx.adapter.close()


def test_amber_and_red_follow_hub_time(qtbot, tmp_path, qapp):
    # reported 30 min ago; due in 5 min (86 % used: amber) and 10 min ago (red)
    f = Feed(tmp_path, [case(1, 5), case(2, -10), case(3, 600)])
    panel = make_panel(qtbot, f.ctx)
    m = panel.model
    state = {m.rows.case_id(r): m.data(m.index(r, 1), SlaStateRole) for r in range(3)}
    assert state == {"C-20261125-000001": "amber", "C-20261125-000002": "red", "C-20261125-000003": "ok"}
    assert case_format.sla_text("received", 100.0, 160.0).startswith("Overdue")
    assert case_format.sla_text("closed", 100.0, 160.0) == labels.status("closed")   # no clock when done
    assert case_format.countdown(3 * 86400 + 3660) == "3d 01:01"
    f.ctx.adapter.close()


def test_a_linked_pair_is_drawn_as_one_group(qtbot, tmp_path, qapp):
    a = case(1, 5, source="hotline_12345", links=(Link("C-20261125-000003", "12345-110"),))
    b = case(3, 500, source="police_110", links=(Link("C-20261125-000001", "12345-110"),))
    f = Feed(tmp_path, [a, case(2, 50), b])
    panel = make_panel(qtbot, f.ctx)
    m = panel.model
    ids = [m.rows.case_id(r) for r in range(3)]
    assert ids == ["C-20261125-000001", "C-20261125-000003", "C-20261125-000002"]
    assert [m.data(m.index(r, 0), GroupRole) for r in range(3)] == [1, 2, 0]
    assert m.data(m.index(0, COLUMNS.index("links"))) == "⇄ 110"
    f.ctx.adapter.close()


def test_a_snapshot_resets_and_keeps_the_selected_case(qtbot, feed):
    panel = make_panel(qtbot, feed.ctx)
    panel.select_row(10)
    picked = feed.store.selected_case
    resets = []
    panel.model.modelReset.connect(lambda: resets.append(1))
    cases = list(feed.store.cases.values())[:50]
    feed.store.on_snapshot(Snapshot(seq=99, cases=cases))
    feed.ctx.adapter.flush()
    assert resets == [1] and panel.model.rowCount() == 50
    assert panel.model.rows.case_id(panel.table.currentIndex().row()) == picked




def test_a_narrow_dock_drops_columns_not_the_title(qtbot, feed):
    panel = make_panel(qtbot, feed.ctx)
    hidden = lambda: {c for i, c in enumerate(COLUMNS) if panel.table.isColumnHidden(i)}  # noqa: E731
    panel.resize(1700, 600)
    qtbot.waitUntil(lambda: hidden() == set())
    panel.resize(560, 600)
    qtbot.waitUntil(lambda: "reported" in hidden())
    assert {"priority", "sla", "title", "source", "links"}.isdisjoint(hidden())
    # folded filters still say that they filter
    f = panel.filters
    assert not f.details.isVisibleTo(f)                       # folded by default
    f.more.setChecked(True)
    assert f.details.isVisibleTo(f) and feed.ctx.settings.get("queue/filters_open") is True
    f.more.setChecked(False)
    assert not f.details.isVisibleTo(f) and feed.ctx.settings.get("queue/filters_open") is False
    f.source.setCurrentIndex(f.source.findData("police_110"))
    assert f.more.text() == "Filters (1)"
