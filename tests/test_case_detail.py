"""The case detail panel against a real hub: every field, the timeline (and
its refetch when the version changes), evidence placeholders, linked cases,
link suggestions, and what a viewer and the video wall may see."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage

from panels.case_detail import CaseDetailPanel
from panels.queue import CaseQueuePanel
from tests.qtasync import until
from tests.queue_seed import Console, Scene

UNDERPASS_12345 = (39.700414, 106.817378, "海北街道人民路下穿通道（农贸市场旁）")
UNDERPASS_110 = (39.698885, 106.819242, "海北街道人民路下穿通道北口")


@pytest.fixture
def scene(hub, clock):
    s = Scene(hub.url, clock)
    yield s
    s.close()


@pytest.fixture
def rainstorm(scene):
    u, p = UNDERPASS_12345, UNDERPASS_110
    call = scene.call("call", "12345", "waterlogging", "下穿通道积水，车辆熄火", u[0], u[1], u[2],
                      "13904731234", "王建国", "积水约半米，司机仍在车内")
    scene.clock.advance(180)
    police = scene.call("police", "110", "waterlogging", "下穿通道北口司机被困", p[0], p[1], p[2],
                        "13847325566", "李强")
    return call, police


def open_detail(qtbot, ctx) -> CaseDetailPanel:
    panel = CaseDetailPanel(ctx)
    qtbot.addWidget(panel)
    panel.resize(700, 1100)
    panel.show()
    return panel


async def history_shown(panel, steps: int) -> None:
    await until(lambda: len(panel.history) == steps and panel.timeline.rowCount() == steps,
                what=f"{steps} timeline rows")


def test_fields_timeline_and_refetch_when_the_version_changes(qtbot, arun, hub, scene, rainstorm, tmp_path):
    call, police = rainstorm
    con = Console(hub.url, tmp_path)

    async def body():
        ctx = await con.start()
        panel = open_detail(qtbot, ctx)
        assert panel.stack.currentIndex() == 0                       # nothing selected yet
        ctx.adapter.select_case(call)
        assert panel.stack.currentIndex() == 1
        f = panel.fields
        assert panel.title.text() == "下穿通道积水，车辆熄火"
        assert "海北街道" in f["area"].text() and "150302004008002" in f["area"].text()
        assert f["address"].text() == UNDERPASS_12345[2]
        assert f["unit"].text() == "—" and f["version"].text() == "1"
        assert f["reported"].text().endswith("10:00:00")              # 02:00Z in the hall's UTC+8
        assert panel.caller_name.text() == "王建国" and panel.caller_phone.text() == "13904731234"
        assert panel.description.text() == "积水约半米，司机仍在车内"
        assert panel.sla.property("sla") in ("ok", "amber", "red")
        await history_shown(panel, 1)
        assert panel.timeline.item(0, 1).text() == "demo-feeder"
        # the next desk assigns it: the panel shows it and fetches the new timeline
        scene.assign(call, "emergency", "值班组")
        await until(lambda: con.store.cases[call].version == 2)
        ctx.adapter.flush()
        assert "值班组" in f["unit"].text() and f["version"].text() == "2"
        await history_shown(panel, 2)
        assert panel.timeline.item(1, 1).text() == "demo-supervisor"
        await con.stop()
    arun(body())


def test_linked_cases_are_clickable_and_suggestions_give_reasons(qtbot, arun, hub, scene, rainstorm, tmp_path):
    call, police = rainstorm
    con = Console(hub.url, tmp_path)

    async def body():
        ctx = await con.start()
        panel = open_detail(qtbot, ctx)
        ctx.adapter.select_case(police)
        assert panel.suggest_box.isVisible() and panel.candidates[0].case_id == call
        text = panel.suggestions.item(0).text()
        assert "same grid cell" in text and "3 min apart" in text and "m apart" in text
        panel.suggestions.setCurrentRow(0)
        panel.link_button.click()
        await until(lambda: any(l.case == call for l in con.store.cases[police].links))
        ctx.adapter.flush()
        assert call in panel.linked.text() and panel.candidates == []
        panel.linked.linkActivated.emit(call)                       # a click on the link
        assert ctx.store.selected_case == call and panel.case_id == call
        assert police in panel.linked.text()
        await con.stop()
    arun(body())


def test_evidence_shows_images_and_placeholders_that_say_camera_and_time(qtbot, arun, hub, scene, tmp_path):
    shot = tmp_path / "snap.png"
    img = QImage(320, 180, QImage.Format.Format_RGB32)
    img.fill(QColor("#2266aa"))
    img.save(str(shot))
    from console.protocol import format_ts
    ack = scene.feeder.command("ingest.detection", {
        "camera": "CAM-0012", "category": "street_vending", "key": "摊位A", "present": True,
        "ts": format_ts(scene.clock.now()), "snapshot": "demo:snapshot/CAM-0012/1"})
    first = ack["result"]["case"]["id"]
    ack = scene.feeder.command("ingest.detection", {
        "camera": "CAM-0010", "category": "street_vending", "key": "摊位B", "present": True,
        "ts": format_ts(scene.clock.now()), "snapshot": shot.as_uri()})
    second = ack["result"]["case"]["id"]
    con = Console(hub.url, tmp_path)

    async def body():
        ctx = await con.start()
        panel = open_detail(qtbot, ctx)
        ctx.adapter.select_case(first)
        assert panel.evidence.count() == 1 and panel.evidence.loaded_count() == 0
        assert "滨河街道" in panel.evidence.item(0).text()             # the camera's name
        assert panel.fields["camera"].text().endswith("(CAM-0012)")
        ctx.adapter.select_case(second)
        assert panel.evidence.count() == 1 and panel.evidence.loaded_count() == 1
        await con.stop()
    arun(body())


def test_viewer_sees_the_caller_masked_and_cannot_act(qtbot, arun, hub, rainstorm, tmp_path):
    call, _ = rainstorm
    con = Console(hub.url, tmp_path, user="demo-viewer")

    async def body():
        ctx = await con.start()
        panel = open_detail(qtbot, ctx)
        ctx.adapter.select_case(call)
        assert panel.caller_name.text() == "王*" and panel.caller_phone.text() == "139****1234"
        acts = panel.actions_.actions
        assert not any(a.isEnabled() for n, a in acts.items() if n != "camera")
        assert acts["camera"].isEnabled()   # looking at the nearest camera is for every role
        # a masked phone never counts as "the same number"
        assert not any(c.reasons.same_phone for c in panel.candidates)
        await history_shown(panel, 1)
        await con.stop()
    arun(body())


def test_a_narrow_detail_panel_never_scrolls_sideways(qtbot, arun, hub, rainstorm, tmp_path, wall_type):
    """At the wall's 16 pt in a 320 px dock the header chips and the case
    number used to make the page 550 px wide, and the grid's 15-digit code
    its fields 324 px: every field was cut at the right. The case number now
    gives way (whole in its tooltip), the SLA chip goes under the other two
    and a value that cannot wrap goes under its name."""
    from PySide6.QtWidgets import QScrollArea
    call, _ = rainstorm
    con = Console(hub.url, tmp_path, user="demo-wall", display_mode="wall", queue__tab="all")

    async def body():
        ctx = await con.start()
        panel = open_detail(qtbot, ctx)
        panel.resize(320, 900)
        ctx.adapter.select_case(call)
        scroll = panel.findChild(QScrollArea)
        await until(lambda: panel.case_label.text() == call, what="case shown")
        await until(lambda: scroll.widget().width() <= scroll.viewport().width(), what="page fits")
        assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width()
        assert panel.case_label.shown_text() != call and panel.case_label.toolTip() == call
        assert panel.sla.geometry().top() >= panel.priority.geometry().bottom()    # a line of its own
        assert "150302004008002" in panel.fields["area"].text()
        panel.resize(800, 900)                                    # room enough: the whole number
        await until(lambda: panel.case_label.shown_text() == call, what="whole case number")
        await until(lambda: panel.sla.geometry().top() < panel.priority.geometry().bottom(),
                    what="the chips on one line")
        await con.stop()
    arun(body())


def test_wall_shows_no_caller_no_description_no_notes_no_actions(qtbot, arun, hub, scene, rainstorm, tmp_path):
    call, _ = rainstorm
    scene.assign(call, "emergency")
    scene.move(call, "rejected", note="来电人王建国称已自行驶离")          # a note with personal data
    con = Console(hub.url, tmp_path, user="demo-wall", display_mode="wall", queue__tab="all")

    async def body():
        ctx = await con.start()
        panel = open_detail(qtbot, ctx)
        queue = CaseQueuePanel(ctx)
        qtbot.addWidget(queue)
        ctx.adapter.select_case(call)
        assert panel.actions_ is None and queue.actions_ is None
        assert not panel.caller_box.isVisibleTo(panel) and panel.caller_box.parent() is None
        assert not panel.description.isVisibleTo(panel)
        texts = " ".join(w.text() for w in panel.findChildren(type(panel.title)))
        assert "王建国" not in texts and "13904731234" not in texts and "积水约半米" not in texts
        await history_shown(panel, 3)
        notes = [panel.timeline.item(r, 4).text() for r in range(3)]
        assert notes == ["", "", ""]
        assert not queue.filters.isVisibleTo(queue) and not queue.toolbar.isVisibleTo(queue)
        assert queue.table.verticalHeader().defaultSectionSize() > 40     # read from across the hall
        await con.stop()
    arun(body())


def test_timeline_failure_is_said_not_hidden(qtbot, arun, hub, rainstorm, tmp_path):
    call, _ = rainstorm
    con = Console(hub.url, tmp_path)

    async def body():
        ctx = await con.start()
        panel = open_detail(qtbot, ctx)
        # the hub drops us: the panel says so at once and still shows the case
        hub.stop()
        await until(lambda: not ctx.client.connected, what="disconnected")
        ctx.adapter.flush()
        ctx.adapter.select_case(call)
        assert "Not connected" in panel.timeline_state.text() and panel.history == []
        assert panel.title.text() == "下穿通道积水，车辆熄火"
        # ... and loads the timeline once the connection is back
        hub.start()
        await until(lambda: ctx.client.connected, what="reconnected")
        await until(lambda: len(panel.history) == 1, what="timeline after reconnect")
        assert panel.history_error == ""
        # a hub that does not answer: said, not hidden
        ctx.client.ack_timeout = 0.0005
        panel.show_case(None)
        panel.show_case(call)
        await until(lambda: panel.history_error != "", what="timeline error")
        assert "could not be loaded" in panel.timeline_state.text()
        await con.stop()
    arun(body())


def test_no_selection_and_a_case_that_went_away(qtbot, arun, hub, rainstorm, tmp_path):
    call, _ = rainstorm
    con = Console(hub.url, tmp_path)

    async def body():
        ctx = await con.start()
        panel = open_detail(qtbot, ctx)
        ctx.adapter.select_case("C-NOT-THERE")
        assert panel.stack.currentIndex() == 0
        ctx.adapter.select_case(call)
        assert panel.stack.currentIndex() == 1
        await con.stop()
    arun(body())
