"""The case queue panel against a real hub on loopback: tabs, filters, sort,
live updates, the closed loop with keys, send-back, reject, the conflict with
a second dispatcher, refusals, and 12345–110 linking with one key."""
from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from console.protocol import format_ts
from console.queue_index import COLUMNS, TABS
from panels.queue import CaseQueuePanel
from tests.qtasync import until
from tests.queue_seed import Console, Scene
from widgets.case_dialogs import AssignDialog, ConflictDialog, IntakeDialog, RejectDialog, SendBackDialog

HAIBOWAN = (39.6812, 106.8402, "海勃湾区新华街道 人民路18号")
UNDERPASS_12345 = (39.700414, 106.817378, "海北街道人民路下穿通道（农贸市场旁）")
UNDERPASS_110 = (39.698885, 106.819242, "海北街道人民路下穿通道北口")


@pytest.fixture
def scene(hub, clock):
    s = Scene(hub.url, clock)
    yield s
    s.close()


def rows(panel: CaseQueuePanel) -> list[str]:
    m = panel.model
    return [m.rows.case_id(r) for r in range(m.rowCount())]


async def open_panel(qtbot, ctx) -> CaseQueuePanel:
    """Shown, active and focused: the panel's keys work as at a desk."""
    panel = CaseQueuePanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(1400, 700)
    panel.show()
    panel.activateWindow()
    await until(lambda: QApplication.activeWindow() is panel, what="active window")
    panel.table.setFocus()
    return panel


async def synced(con: Console, case_id: str, pred=lambda c: True) -> None:
    """Wait until the console holds ``case_id`` in a state ``pred`` accepts,
    and the panels got the batch."""
    await until(lambda: case_id in con.store.cases and pred(con.store.cases[case_id]), what=case_id)
    con.ctx.adapter.flush()


async def refocus(panel) -> None:
    """After a dialog closed (offscreen has no window manager to hand the
    activation back)."""
    panel.activateWindow()
    await until(lambda: QApplication.activeWindow() is panel, what="active window")
    panel.table.setFocus()


def dialog_of(panel, kind):
    found = [d for d in panel.actions_.dialogs if isinstance(d, kind)]
    assert found, f"no {kind.__name__} open"
    return found[-1]


def key(panel, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(panel.table, k, modifier)


def test_tabs_filters_search_and_sort(qtbot, arun, hub, scene, tmp_path):
    lat, lon, addr = HAIBOWAN
    noise = scene.call("noise", "12345", "noise", "夜间施工噪声扰民", lat, lon, addr, "13900000001")
    scene.clock.advance(60)
    road = scene.report("road", "grid_patrol", "road_damage", "人行道地砖松动", lat + 0.01, lon, "黄河街")
    scene.assign(road, "municipal")
    scene.clock.advance(60)
    fight = scene.call("fight", "110", "public_order", "酒后滋事", 39.66, 106.86, "凤凰岭街道", "13900000002")
    scene.assign(fight, "police_110")
    scene.move(fight, "in_progress", "verifying")
    scene.clock.advance(60)
    trash = scene.report("trash", "citizen_app", "garbage_dumping", "小区门口垃圾堆放", lat, lon, addr)
    con = Console(hub.url, tmp_path)

    async def body():
        ctx = await con.start()
        panel = await open_panel(qtbot, ctx)
        assert set(rows(panel)) == {noise, trash}                       # 待受理 by default
        assert panel.tabs.tabText(TABS.index("received")).endswith("2")
        panel.tabs.setCurrentIndex(TABS.index("in_progress"))
        assert rows(panel) == [road]
        panel.tabs.setCurrentIndex(TABS.index("verifying"))
        assert rows(panel) == [fight]
        panel.tabs.setCurrentIndex(TABS.index("all"))
        assert set(rows(panel)) == {noise, road, fight, trash}
        assert ctx.settings.get("queue/tab") == "all"
        # free text: title, address, case number
        panel.filters.search.setText("噪声")
        panel.filters.search.returnPressed.emit()
        assert rows(panel) == [noise]
        panel.filters.search.setText(fight[-6:].lower())
        panel.filters.search.returnPressed.emit()
        assert rows(panel) == [fight]
        panel.filters.clear()
        # source, then area down to the grid cell
        f = panel.filters
        f.source.setCurrentIndex(f.source.findData("citizen_app"))
        assert rows(panel) == [trash]
        f.source.setCurrentIndex(0)
        f.area.set_code(con.store.cases[noise].grid)
        assert set(rows(panel)) == {noise, trash}
        f.area.set_code(con.store.cases[noise].grid[:6])                  # the district
        assert fight in rows(panel) and road in rows(panel)
        f.clear()
        # sort: header clicks go through the model
        panel.table.sortByColumn(COLUMNS.index("reported"), Qt.SortOrder.DescendingOrder)
        assert rows(panel) == [trash, fight, road, noise]
        assert ctx.settings.get("queue/sort") == "-reported"
        panel.table.sortByColumn(COLUMNS.index("priority"), Qt.SortOrder.AscendingOrder)
        prios = [con.store.cases[c].priority for c in rows(panel)]
        assert prios == sorted(prios)
        await con.stop()
    arun(body())


def test_live_updates_keep_selection_flash_and_chime_for_p1(qtbot, arun, hub, scene, tmp_path):
    lat, lon, addr = HAIBOWAN
    ids = [scene.call(f"c{i}", "12345", "noise", f"噪声 {i}", lat, lon, addr, f"1390000000{i}")
           for i in range(4)]
    con = Console(hub.url, tmp_path, queue__sound=True)

    async def body():
        ctx = await con.start()
        panel = await open_panel(qtbot, ctx)
        panel.select_row(2)
        picked = rows(panel)[2]
        assert ctx.store.selected_case == picked
        # a P1 arrives (waterlogging, due in an hour: first in the SLA order)
        p1 = scene.call("p1", "12345", "waterlogging", "下穿通道积水", lat, lon, addr, "13900000009")
        await synced(con, p1)
        assert rows(panel)[0] == p1
        assert panel.model.rows.case_id(panel.table.currentIndex().row()) == picked
        assert ctx.store.selected_case == picked
        assert panel.model.is_flashing(p1) and not panel.model.is_flashing(picked)
        assert panel.chime.played == 1
        # a P4 does not chime; a case that leaves the tab goes without a reset
        scene.call("p4", "12345", "noise", "噪声", lat, lon, addr, "13900000008")
        await until(lambda: len(con.store.cases) == 6)
        con.ctx.adapter.flush()
        assert panel.chime.played == 1
        resets = []
        panel.model.modelReset.connect(lambda: resets.append(1))
        scene.assign(ids[0], "ecology")
        await synced(con, ids[0], lambda c: c.status == "dispatched")
        assert ids[0] not in rows(panel) and not resets
        assert panel.model.rows.case_id(panel.table.currentIndex().row()) == picked
        await con.stop()
    arun(body())


def test_full_closed_loop_with_keys_send_back_and_mine(qtbot, arun, hub, scene, tmp_path):
    lat, lon, addr = HAIBOWAN
    case_id = scene.call("x", "12345", "road_damage", "路面塌陷", lat, lon, addr, "13900000001")
    con = Console(hub.url, tmp_path)

    async def body():
        ctx = await con.start()
        panel = await open_panel(qtbot, ctx)
        panel.select_row(0)
        assert ctx.store.selected_case == case_id
        key(panel, Qt.Key.Key_A)                                     # assign
        dialog = dialog_of(panel, AssignDialog)
        owner = dialog.units.currentItem().data(Qt.ItemDataRole.UserRole)
        assert owner == "municipal"                                 # the category's owner is suggested
        dialog.person.setText("李工")
        dialog.ok_button.click()
        await until(lambda: ctx.store.cases[case_id].status == "dispatched")
        assert ctx.store.cases[case_id].assignee.unit == "municipal"
        assert ctx.store.cases[case_id].assignee.person == "李工"
        await until(lambda: dialog not in panel.actions_.dialogs, what="form closed")
        await refocus(panel)
        ctx.adapter.flush()
        # it left 待受理; follow it to 处置中 and drive it with Ctrl+Enter
        panel.tabs.setCurrentIndex(TABS.index("in_progress"))
        panel.select_row(rows(panel).index(case_id))
        for status in ("in_progress", "verifying"):
            key(panel, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
            await until(lambda s=status: ctx.store.cases[case_id].status == s)
            ctx.adapter.flush()
        # verification fails: send back, and a note is required
        panel.tabs.setCurrentIndex(TABS.index("verifying"))
        panel.select_row(0)
        key(panel, Qt.Key.Key_B)
        back = dialog_of(panel, SendBackDialog)
        back.ok_button.click()
        assert back.error.isVisible() and back.isVisible()          # nothing sent without a reason
        assert ctx.store.cases[case_id].status == "verifying"
        back.note.setPlainText("井盖周边仍有裂缝")
        back.ok_button.click()
        await until(lambda: ctx.store.cases[case_id].status == "in_progress")
        await until(lambda: back not in panel.actions_.dialogs, what="form closed")
        await refocus(panel)
        ctx.adapter.flush()
        panel.tabs.setCurrentIndex(TABS.index("in_progress"))
        panel.select_row(rows(panel).index(case_id))
        for status in ("verifying", "closed"):
            key(panel, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
            await until(lambda s=status: ctx.store.cases[case_id].status == s)
            ctx.adapter.flush()
        history = (await ctx.command("case.history", {"case": case_id}))["entries"]
        assert [e["status"] for e in history] == ["received", "dispatched", "in_progress", "verifying",
                                                   "in_progress", "verifying", "closed"]
        assert {e["user"] for e in history[1:]} == {"demo-dispatcher"}
        assert history[4]["note"] == "井盖周边仍有裂缝"
        # every case this console acted on is "mine", across restarts (settings)
        panel.tabs.setCurrentIndex(TABS.index("mine"))
        assert rows(panel) == [case_id]
        assert case_id in ctx.settings.get("queue/mine")
        await con.stop()
    arun(body())


def test_reject_needs_a_note_and_names_the_reason(qtbot, arun, hub, scene, tmp_path):
    lat, lon, addr = HAIBOWAN
    case_id = scene.call("x", "12345", "noise", "重复来电", lat, lon, addr, "13900000001")
    con = Console(hub.url, tmp_path)

    async def body():
        ctx = await con.start()
        panel = await open_panel(qtbot, ctx)
        panel.select_row(0)
        key(panel, Qt.Key.Key_R)
        dialog = dialog_of(panel, RejectDialog)
        dialog.ok_button.click()
        assert dialog.error.isVisible()
        dialog.duplicate.setChecked(True)
        dialog.note.setPlainText("与上一来电为同一事件")
        dialog.ok_button.click()
        await until(lambda: ctx.store.cases[case_id].status == "rejected")
        history = (await ctx.command("case.history", {"case": case_id}))["entries"]
        assert history[-1]["note"] == "Duplicate: 与上一来电为同一事件"      # tests run untranslated
        ctx.adapter.flush()
        assert case_id not in rows(panel)
        assert not panel.actions_.actions["reject"].isEnabled()           # a rejected case is done
        await con.stop()
    arun(body())


def test_conflict_names_the_field_and_the_other_user_then_retry_wins(qtbot, arun, hub, scene, tmp_path):
    lat, lon, addr = HAIBOWAN
    case_id = scene.call("x", "12345", "garbage_dumping", "垃圾堆放", lat, lon, addr, "13900000001")
    con = Console(hub.url, tmp_path)

    async def body():
        ctx = await con.start()
        panel = await open_panel(qtbot, ctx)
        panel.select_row(0)
        key(panel, Qt.Key.Key_A)
        dialog = dialog_of(panel, AssignDialog)                      # opened on version 1
        # meanwhile the supervisor at the next desk assigns it elsewhere
        scene.assign(case_id, "city_mgmt", "王队")
        dialog.ok_button.click()
        await until(lambda: panel.actions_.last_conflict is not None, what="conflict view")
        view = panel.actions_.last_conflict
        assert isinstance(view, ConflictDialog) and view.isVisible()
        assert "assignee" in view.changed_fields() and "status" in view.changed_fields()
        assert "demo-supervisor" in view.who.text()
        assert view.conflict.seen.version == 1 and view.conflict.current.version == 2
        assert ctx.store.cases[case_id].assignee.unit == "city_mgmt"          # nothing overwritten
        assert dialog.isVisible() and not dialog.busy                      # the form kept its choice
        view.retry_button.click()                                          # "重新执行"
        await until(lambda: ctx.store.cases[case_id].assignee.unit == "sanitation")
        assert ctx.store.cases[case_id].version == 3
        await until(lambda: view not in panel.actions_.dialogs and dialog not in panel.actions_.dialogs)
        history = (await ctx.command("case.history", {"case": case_id}))["entries"]
        assert [e["user"] for e in history] == ["demo-feeder", "demo-supervisor", "demo-dispatcher"]
        await con.stop()
    arun(body())


def test_refusals_are_named_and_the_form_keeps_its_content(qtbot, arun, hub, scene, tmp_path):
    lat, lon, addr = HAIBOWAN
    case_id = scene.call("x", "12345", "noise", "噪声", lat, lon, addr, "13900000001")
    con = Console(hub.url, tmp_path)

    async def body():
        ctx = await con.start()
        panel = await open_panel(qtbot, ctx)
        panel.select_row(0)
        panel.actions_.assign()
        dialog = dialog_of(panel, AssignDialog)
        # a unit the hub does not know (an outdated unit list): not_found, field "unit"
        dialog.units.currentItem().setData(Qt.ItemDataRole.UserRole, "no_such_unit")
        dialog.note.setText("请尽快处理")
        dialog.ok_button.click()
        await until(lambda: dialog.error.isVisible(), what="refusal shown")
        assert "unit" in dialog.error.text().lower() or "处置单位" in dialog.error.text()
        assert dialog.isVisible() and dialog.note.text() == "请尽快处理" and not dialog.busy
        assert panel.message.isVisible() and ctx.store.cases[case_id].status == "received"
        # a move the rules refuse (no note to reject): invalid, naming the field
        from widgets.case_actions import Intent
        case = ctx.store.cases[case_id]
        panel.actions_.run(Intent("case.transition", {"to": "rejected"}, case_id, case, "reject"))
        await until(lambda: "invalid" in panel.message.text(), what="invalid shown")
        assert "(Note)" in panel.message.text() and ctx.store.cases[case_id].status == "received"
        # the hub does not answer in time
        ctx.client.ack_timeout = 0.0005
        dialog.units.currentItem().setData(Qt.ItemDataRole.UserRole, "ecology")
        dialog.ok_button.click()
        await until(lambda: "No answer" in dialog.error.text() or "未及时响应" in dialog.error.text())
        ctx.client.ack_timeout = 10
        await until(lambda: ctx.store.cases[case_id].status == "dispatched")  # it may have applied
        ctx.adapter.flush()
        # not connected: fail at once, send nothing
        await ctx.client.close()
        panel.tabs.setCurrentIndex(TABS.index("all"))
        panel.select_row(rows(panel).index(case_id))
        panel.actions_.reject()
        reject = dialog_of(panel, RejectDialog)
        reject.note.setPlainText("误报")
        reject.ok_button.click()
        assert "Not connected" in reject.error.text() or "未连接" in reject.error.text()
        assert reject.note.toPlainText() == "误报" and reject.isVisible()
        ctx.adapter.close()
    arun(body())


def test_a_supervisor_starts_on_the_overdue_list_until_choosing_a_tab(qtbot, arun, hub, tmp_path):
    """Scenario 5: the supervisor sees the overdue list first; a tab they
    pick is kept; a dispatcher starts on the received list."""
    async def body():
        sup = Console(hub.url, tmp_path, user="demo-supervisor")
        panel = await open_panel(qtbot, await sup.start())
        assert panel.current_tab() == "overdue"
        panel.tabs.setCurrentIndex(TABS.index("verifying"))
        await sup.stop()
        again = Console(hub.url, tmp_path, user="demo-supervisor")
        panel2 = await open_panel(qtbot, await again.start())
        assert panel2.current_tab() == "verifying"
        await again.stop()
        disp = Console(hub.url, tmp_path, user="demo-dispatcher")
        panel3 = await open_panel(qtbot, await disp.start())
        assert panel3.current_tab() == "received"
        await disp.stop()
    arun(body())


def test_viewer_gets_no_actions(qtbot, arun, hub, scene, tmp_path):
    lat, lon, addr = HAIBOWAN
    scene.call("x", "12345", "noise", "噪声", lat, lon, addr, "13900000001")
    con = Console(hub.url, tmp_path, user="demo-viewer")

    async def body():
        ctx = await con.start()
        panel = await open_panel(qtbot, ctx)
        panel.select_row(0)
        panel.actions_.refresh()
        acts = panel.actions_.actions
        assert not any(a.isEnabled() for n, a in acts.items() if n != "camera")
        assert acts["camera"].isEnabled()   # looking at the nearest camera is for every role
        key(panel, Qt.Key.Key_A)
        assert panel.actions_.dialogs == []
        # even if a command were sent, the hub refuses it and the panel says why
        from widgets.case_actions import Intent
        case_id = ctx.store.selected_case
        panel.actions_.run(Intent("case.assign", {"unit": "ecology"}, case_id, ctx.store.cases[case_id]))
        await until(lambda: "may not" in panel.message.text(), what="forbidden shown")
        assert ctx.store.cases[case_id].assignee is None
        await con.stop()
    arun(body())


def test_link_suggestion_with_one_key_and_the_pair_stays_together(qtbot, arun, hub, scene, tmp_path):
    u, p = UNDERPASS_12345, UNDERPASS_110
    call = scene.call("call", "12345", "waterlogging", "下穿通道积水，车辆熄火", u[0], u[1], u[2], "13904731234")
    scene.clock.advance(180)
    police = scene.call("police", "110", "waterlogging", "下穿通道北口司机被困", p[0], p[1], p[2], "13847325566")
    lat, lon, addr = HAIBOWAN
    for i in range(3):      # unrelated cases due in between
        scene.clock.advance(60)
        scene.call(f"n{i}", "12345", "waterlogging", f"其他积水 {i}", lat, lon, addr, f"1390000000{i}")
    con = Console(hub.url, tmp_path, queue__tab="all")

    async def body():
        ctx = await con.start()
        panel = await open_panel(qtbot, ctx)
        # the twin filter finds the 110 call
        panel.filters.twins.setChecked(True)
        assert rows(panel) == [police]
        panel.filters.twins.setChecked(False)
        panel.select_row(rows(panel).index(police))
        best = panel.actions_.candidates(ctx.store.cases[police])[0]
        assert best.case_id == call and best.reasons.same_grid and best.reasons.category == "same"
        key(panel, Qt.Key.Key_L)                                        # one key
        await until(lambda: any(l.case == call for l in ctx.store.cases[police].links))
        await until(lambda: any(l.case == police for l in ctx.store.cases[call].links))
        ctx.adapter.flush()
        order = rows(panel)
        assert abs(order.index(call) - order.index(police)) == 1
        assert panel.model.data(panel.model.index(order.index(police), COLUMNS.index("links"))) == "⇄ 12345"
        panel.table.sortByColumn(COLUMNS.index("reported"), Qt.SortOrder.DescendingOrder)
        order = rows(panel)
        assert abs(order.index(call) - order.index(police)) == 1
        panel.filters.twins.setChecked(True)                             # linked: no longer a "twin"
        assert rows(panel) == []
        await con.stop()
    arun(body())


def test_intake_form_creates_a_12345_case_in_the_chosen_cell(qtbot, arun, hub, tmp_path):
    con = Console(hub.url, tmp_path)

    async def body():
        ctx = await con.start()
        panel = await open_panel(qtbot, ctx)
        key(panel, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        form = dialog_of(panel, IntakeDialog)
        form.name.setText("王建国")
        form.title.setText("下穿通道积水")
        form.ok_button.click()
        assert "phone" in form.error.text().lower() or "号码" in form.error.text()
        form.phone.setText("13904731234")
        form.ok_button.click()
        assert not form.cell()                                      # no place yet: refused locally
        # a typed position inside the underpass cell resolves it
        form.lat.setValue(39.700414)
        form.lon.setValue(106.817378)
        assert form.cell() == "150302004008002" and "海达社区" in form.cell_label.text()
        # ... and the pickers can choose another cell
        form.area.set_code("150302004002013")
        assert form.cell() == "150302004002013"
        form.category.setCurrentIndex(form.category.findData("waterlogging"))
        form.ok_button.click()
        await until(lambda: any(c.title == "下穿通道积水" for c in ctx.store.cases.values()))
        case = next(c for c in ctx.store.cases.values() if c.title == "下穿通道积水")
        assert (case.source, case.grid, case.category, case.priority) == \
            ("hotline_12345", "150302004002013", "waterlogging", 1)
        assert case.caller.phone == "13904731234" and case.caller.name == "王建国"
        await until(lambda: ctx.store.selected_case == case.id)   # the new case is selected
        await con.stop()
    arun(body())


def test_overdue_rows_are_tinted_red(qtbot, arun, hub, scene, tmp_path, clock):
    lat, lon, addr = HAIBOWAN
    # a call taken three hours ago about waterlogging (P1, one hour): overdue now
    when = clock.now() - timedelta(hours=3)
    ack = scene.feeder.command("ingest.call", {
        "line": "12345", "caller": {"phone": "13900000001"}, "category": "waterlogging", "title": "积水",
        "location": {"lat": lat, "lon": lon, "address": addr}, "ts": format_ts(when)})
    late = ack["result"]["case"]["id"]
    fresh = scene.call("f", "12345", "noise", "噪声", lat, lon, addr, "13900000002")
    con = Console(hub.url, tmp_path)

    async def body():
        ctx = await con.start()
        panel = await open_panel(qtbot, ctx)
        m = panel.model
        from widgets.case_table_model import SlaStateRole
        r_late, r_fresh = rows(panel).index(late), rows(panel).index(fresh)
        assert m.data(m.index(r_late, 0), SlaStateRole) == "red"
        assert m.data(m.index(r_late, COLUMNS.index("title")), Qt.ItemDataRole.BackgroundRole) is not None
        assert m.data(m.index(r_fresh, COLUMNS.index("title")), Qt.ItemDataRole.BackgroundRole) is None
        sla_text = m.data(m.index(r_late, COLUMNS.index("sla")))
        assert sla_text.startswith(("Overdue", "超时"))
        panel.tabs.setCurrentIndex(TABS.index("overdue"))
        assert rows(panel) == [late]
        await con.stop()
    arun(body())


def test_filter_buttons_go_below_the_search_box_in_a_narrow_dock(qtbot):
    """The search box keeps room for a few words: in a narrow queue (or with
    the longer English labels) the buttons move to a line of their own."""
    from widgets.case_filters import CaseFilterBar
    bar = CaseFilterBar()
    qtbot.addWidget(bar)
    bar.show()
    need = bar.search_room() + bar._buttons.sizeHint().width()

    def beside() -> bool:
        return bar.more.geometry().top() < bar.search.geometry().bottom()

    bar.resize(need + 60, 200)
    qtbot.waitUntil(lambda: not bar.stacked() and beside())
    assert bar.search.width() >= bar.search_room() - 20
    bar.resize(need - 60, 200)
    qtbot.waitUntil(lambda: bar.stacked() and not beside())
    qtbot.waitUntil(lambda: bar.search.width() >= need - 80)       # the whole line
    assert bar.clear_button.geometry().right() <= bar.width()
    bar.resize(need + 60, 200)
    qtbot.waitUntil(lambda: not bar.stacked() and beside())


@pytest.mark.parametrize("look", ["desk_type", "wall_type"])
def test_tabs_that_do_not_fit_show_their_scroll_arrows(qtbot, request, look):
    """Six tabs do not fit a narrow queue dock: the tab bar's scroll buttons
    must show their arrows, or nothing says that 我的 and 全部 are there."""
    from PySide6.QtWidgets import QTabBar, QToolButton
    from panels.queue import TAB_NAMES, TABS
    request.getfixturevalue(look)
    tabs = QTabBar()
    tabs.setObjectName("QueueTabs")     # as the panel builds it, so its style applies
    tabs.setDrawBase(False)
    tabs.setExpanding(False)
    for tab in TABS:
        tabs.addTab(f"{TAB_NAMES[tab][0]} 144")
    qtbot.addWidget(tabs)
    tabs.resize(tabs.sizeHint().width() // 2, tabs.sizeHint().height())
    tabs.show()
    qtbot.waitUntil(lambda: sum(b.isVisible() for b in tabs.findChildren(QToolButton)) == 2)
    ahead = [b for b in tabs.findChildren(QToolButton) if b.isVisible() and b.isEnabled()]
    assert len(ahead) == 1          # at the first tab only "on to the right" can be pressed
    assert _light_pixels(ahead[0]) >= 6, "no arrow drawn on the scroll button"


def _light_pixels(widget) -> int:
    """Pixels of a button drawn in the theme's text colour (its arrow or icon)."""
    image = widget.grab().toImage()
    return sum(image.pixelColor(x, y).lightness() > 150
               for x in range(image.width()) for y in range(image.height()))


@pytest.mark.parametrize("look", ["desk_type", "wall_type"])
def test_a_toolbar_too_narrow_for_its_actions_shows_its_more_button(qtbot, request, look):
    """The queue's actions that do not fit wait behind the tool bar's "more"
    button: it must be visible as one, not an empty box."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QToolBar, QToolButton
    request.getfixturevalue(look)
    bar = QToolBar()
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    for name in ("新建12345来电", "分派", "推进", "转办", "退回", "作废", "关联"):
        bar.addAction(name)
    qtbot.addWidget(bar)
    bar.resize(bar.sizeHint().width() // 3, bar.sizeHint().height())
    bar.show()
    more = bar.findChild(QToolButton, "qt_toolbar_ext_button")
    qtbot.waitUntil(more.isVisible)
    assert more.geometry().right() < bar.width(), "the more button is cut off"
    assert _light_pixels(more) >= 6, "the more button shows no sign"
