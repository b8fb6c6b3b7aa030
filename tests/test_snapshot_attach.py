"""A tile's snapshot attached to the selected case (``case.attach``) against a
real hub on loopback, shown as a thumbnail in the case detail panel; the
conflict retry, a finished case, and roles that may not attach. libVLC
renders through callbacks offscreen, as in test_video_panel.py."""
from __future__ import annotations

import msgspec
import pytest
import shiboken6

from console import labels
from console.evidence import decode_data_url
from panels.case_detail import CaseDetailPanel
from tests.hubhelpers import create_case
from tests.qtasync import until
from tests.test_video_panel import console, feeder, live, make_panel  # noqa: F401
from widgets.evidence_image import snapshot_data_url


@pytest.fixture
def disp(connect):
    c = connect("demo-dispatcher")
    c.recv()
    return c


@pytest.fixture
def detail_panels():
    made: list[CaseDetailPanel] = []

    def make(ctx) -> CaseDetailPanel:
        panel = CaseDetailPanel(ctx)
        panel.resize(700, 1000)
        panel.show()
        made.append(panel)
        return panel
    yield make
    for panel in made:
        panel.close()
        shiboken6.delete(panel)


async def take_snapshot(panel, camera: str = "CAM-0002") -> str:
    panel.put_camera(0, camera)
    panel.select_tile(0)
    await until(lambda: live(panel, 0), timeout=20, what="live tile")
    panel.snapshot_selected()
    await until(lambda: panel.last_snapshot is not None, what="snapshot saved")
    return panel.last_snapshot


# One arun per test once a video panel exists: the panel shuts its players
# down on aboutToQuit, which a loop that exits the application would emit.


def test_a_snapshot_attached_to_the_selected_case_shows_in_the_detail_panel(
        qtbot, arun, hub, disp, console, make_panel, detail_panels):
    case = create_case(disp)
    ctx = console()
    panel = make_panel(ctx)
    detail = detail_panels(ctx)
    messages: list[str] = []
    ctx.bus.status_message.connect(lambda text, _ms: messages.append(text))
    assert panel.attach_action.isVisible() and not panel.attach_action.isEnabled()   # no case, no picture

    async def body():
        await until(lambda: case["id"] in ctx.store.cases, what="case in store")
        ctx.adapter.select_case(case["id"])
        assert detail.case_id == case["id"] and not detail.evidence_box.isVisibleTo(detail)
        await take_snapshot(panel)
        assert "Ctrl+Shift+A" in messages[-1] and case["id"] in messages[-1]
        assert panel.attach_action.isEnabled() and case["id"] in panel.attach_button.text()
        panel.attach_action.trigger()
        await until(lambda: panel.last_attach is not None, what="attach answer")
        await until(lambda: ctx.store.cases[case["id"]].evidence, what="evidence in the store")
    arun(body())
    assert panel.last_attach[1], panel.last_attach
    assert messages[-1].startswith("Snapshot attached to case " + case["id"])
    ev = ctx.store.cases[case["id"]].evidence
    assert len(ev) == 1 and ev[0].kind == "snapshot"
    fmt, data = decode_data_url(ev[0].url)
    assert fmt == "jpeg" and len(data) < 256 * 1024
    ctx.adapter.flush()
    assert detail.evidence_box.isVisibleTo(detail)
    assert detail.evidence.count() == 1 and detail.evidence.loaded_count() == 1
    assert len(detail.evidence.item(0).toolTip()) < 400       # not the whole data: URL
    # F1 lists the action with its key, as the panel's own
    from widgets.help_dialog import ShortcutHelpDialog
    rows = dict(ShortcutHelpDialog([("Video", panel.actions())]).rows())
    assert rows[f"Attach to case {case['id']}"] == "Ctrl+Shift+A"
    # the hub kept it: the history names the op and the camera, and the
    # other sessions got the picture with the case
    hist = disp.command("case.history", {"case": case["id"]})["result"]["entries"]
    assert hist[-1]["op"] == "case.attach" and hist[-1]["note"].startswith("CAM-0002")
    assert any(e["kind"] == "case.updated" and e["data"]["evidence"] for e in disp.events + disp.drain(0.5))


def test_a_stale_version_is_retried_once_and_a_closed_case_is_said(
        qtbot, arun, hub, disp, connect, console, make_panel):
    case = create_case(disp)
    cid = case["id"]
    ctx = console()
    panel = make_panel(ctx)
    sup = connect("demo-supervisor")

    async def body():
        await until(lambda: cid in ctx.store.cases, what="case in store")
        ctx.adapter.select_case(cid)
        await take_snapshot(panel)
        # another desk assigned the case; this console still holds version 1
        assert sup.command("case.assign", {"case": cid, "version": 1, "unit": "municipal"})["ok"]
        await until(lambda: ctx.store.cases[cid].version == 2)
        ctx.store.cases[cid] = msgspec.structs.replace(ctx.store.cases[cid], version=1)
        panel.attach_last_snapshot()
        await until(lambda: panel.last_attach is not None, what="attach answer")
        assert panel.last_attach[1], panel.last_attach
        assert "(version 3)" in panel.last_attach[2]
        # the case is rejected meanwhile (the store still thinks it open): said, not retried
        assert sup.command("case.transition", {"case": cid, "version": 3, "to": "rejected",
                                               "note": "重复"})["ok"]
        await until(lambda: ctx.store.cases[cid].status == "rejected")
        ctx.store.cases[cid] = msgspec.structs.replace(ctx.store.cases[cid], version=3,
                                                       status="in_progress")
        panel.last_attach = None
        panel.attach_last_snapshot()
        await until(lambda: panel.last_attach is not None, what="attach answer")
    arun(body())
    ok, message = panel.last_attach[1:]
    assert not ok and "was not attached" in message and labels.status("rejected") in message
    hist = disp.command("case.history", {"case": cid})["result"]["entries"]
    assert [h["op"] for h in hist] == ["case.create", "case.assign", "case.attach", "case.transition"]


@pytest.mark.parametrize("user", ["demo-viewer", "demo-wall"])
def test_roles_that_may_not_attach_get_no_action(qtbot, arun, hub, disp, console, make_panel, user):
    case = create_case(disp)
    ctx = console(user=user)
    arun(until(lambda: case["id"] in ctx.store.cases, what="case in store"))
    panel = make_panel(ctx)
    ctx.adapter.select_case(case["id"])
    panel.last_snapshot = "/tmp/x.png"
    panel._refresh_attach()
    assert not panel.attach_action.isVisible() and not panel.attach_action.isEnabled()
    assert panel.attach_target() is None


def test_a_big_snapshot_is_scaled_to_1280_and_fits(tmp_path):
    import numpy as np
    from PySide6.QtGui import QImage
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (1080, 1920, 4), dtype=np.uint8)     # worst case for JPEG
    noise[..., 3] = 255
    img = QImage(noise.data, 1920, 1080, 1920 * 4, QImage.Format.Format_RGB32).copy()
    path = tmp_path / "big.png"
    assert img.save(str(path))
    fmt, data = decode_data_url(snapshot_data_url(str(path)))
    back = QImage.fromData(data, "JPG")
    assert fmt == "jpeg" and back.width() <= 1280 and len(data) <= 256 * 1024
