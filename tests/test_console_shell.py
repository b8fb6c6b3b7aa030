"""The console shell against a real hub on loopback: login (dialog and
keyring), live counts, the hub restarting under it, logout, help, layout,
wall mode, panel failures, and ``--screenshot`` end to end."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDockWidget

from console import auth, labels
from console.auth import SecretStore
from console.client import ConnectionStatus
from console.settings import Settings
from console.shell import ConsoleShell, ShellOptions
from hub.testing import SyncClient
from panels import PanelSpec
from panels.placeholder import PlaceholderPanel
from tests.hubhelpers import create_case
from tests.qtasync import until
from widgets.connection import health

ROOT = Path(__file__).resolve().parent.parent


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not stored")


@pytest.fixture
def memkeyring():
    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


@pytest.fixture
def failkeyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def settings(tmp_path):
    return Settings(tmp_path / "console.ini")


@pytest.fixture
def make_shell(qloop, arun, settings, hub):
    shells: list[ConsoleShell] = []

    def make(**kw) -> ConsoleShell:
        kw.setdefault("hub_url", hub.url)
        kw.setdefault("safe_mode", True)   # placeholders: the shell is under test, not the panels
        shell = ConsoleShell(settings, ShellOptions(**kw), secrets=SecretStore())
        shells.append(shell)
        return shell
    yield make
    for shell in shells:
        arun(shell.close())


def scenario(arun, body):
    """Run a test's whole conversation as one coroutine: between two
    ``run_until_complete`` calls qasync runs leftover callbacks outside the
    loop, where a freshly started task cannot get the running loop."""
    async def run():
        try:
            await body()
        finally:
            await asyncio.sleep(0.05)   # let cancellations settle inside the loop
    arun(run())


async def started(shell):
    await shell.start()
    await asyncio.sleep(0)


async def login(shell, url, user="demo-dispatcher", password="demo", remember=False, wait=True):
    await until(lambda: shell.login_dialog is not None, what="the login dialog")
    dlg = shell.login_dialog
    assert dlg.isVisible()
    dlg.url_edit.setText(url)
    dlg.user_edit.setText(user)
    dlg.password_edit.setText(password)
    dlg.remember_box.setChecked(remember)
    dlg.ok_button.click()
    if wait:
        await until(lambda: shell.store.status.state == "connected" and shell.store.seq is not None
                    and shell.login_dialog is None, what="logged in")


def count(shell, panel: str, name: str) -> int:
    p = shell.window.panels[panel]
    assert isinstance(p, PlaceholderPanel)
    p.recount()
    return p.counts()[name]


# --- login ------------------------------------------------------------------------

def test_login_dialog_connects_and_stores_only_the_token(arun, make_shell, hub, memkeyring, settings):
    shell = make_shell()

    async def body():
        await started(shell)
        assert shell.login_dialog is not None and shell.store.status.state == "closed"
        assert not shell.window.banner.isHidden()          # not connected: the window says so
        await login(shell, hub.url)
        shell.window.refresh_health()
        assert shell.window.banner.isHidden()
        assert shell.window.status_widget.state_label.text().endswith("Connected")
        assert "demo-dispatcher" in shell.window.windowTitle()
        assert shell.ctx.may_show_callers
        assert len(shell.store.cameras) >= 60                 # the snapshot is applied
        key = auth.account("demo-dispatcher", hub.url)
        assert memkeyring.items[(auth.SERVICE, key)] == shell.client.credentials.token
        assert (auth.PASSWORD_SERVICE, key) not in memkeyring.items   # not remembered
        assert shell.client.credentials.password is None               # nor kept in memory
        assert settings.get("login/user") == "demo-dispatcher" and settings.get("hub/url") == hub.url
    scenario(arun, body)


def test_remember_password_keeps_it_in_the_keyring(arun, make_shell, hub, memkeyring):
    shell = make_shell()

    async def body():
        await started(shell)
        await login(shell, hub.url, remember=True)
        key = auth.account("demo-dispatcher", hub.url)
        assert memkeyring.items[(auth.PASSWORD_SERVICE, key)] == "demo"
        assert memkeyring.items[(auth.SERVICE, key)] == shell.client.credentials.token
    scenario(arun, body)


def test_wrong_password_is_explained_in_the_dialog(arun, make_shell, hub, memkeyring):
    shell = make_shell()

    async def body():
        await started(shell)
        await login(shell, hub.url, password="wrong", wait=False)
        dlg = shell.login_dialog
        await until(lambda: "wrong user or password" in dlg.message.text())
        assert shell.store.status.state == "unauthorized"
        assert dlg.isVisible() and dlg.ok_button.isEnabled()
        assert not memkeyring.items
    scenario(arun, body)


def test_dialog_refuses_bad_input_without_connecting(arun, make_shell, hub):
    shell = make_shell()

    async def body():
        await started(shell)
        dlg = shell.login_dialog
        for url, user, password, expect in (("http://x", "u", "p", "ws://"), (hub.url, "", "p", "user"),
                                            (hub.url, "u", "", "password")):
            dlg.url_edit.setText(url)
            dlg.user_edit.setText(user)
            dlg.password_edit.setText(password)
            dlg.ok_button.click()
            assert expect in dlg.message.text()
            assert shell.client is None
    scenario(arun, body)


def test_stored_token_logs_in_without_a_dialog(arun, make_shell, hub, memkeyring, settings):
    with SyncClient(hub.url, user="demo-supervisor") as c:
        token = c.welcome["token"]
    memkeyring.set_password(auth.SERVICE, auth.account("demo-supervisor", hub.url), token)
    settings.set("login/user", "demo-supervisor")
    shell = make_shell()

    async def body():
        await started(shell)
        await until(lambda: shell.store.status.state == "connected")
        assert shell.login_dialog is None and shell.store.role == "supervisor"
    scenario(arun, body)


def test_refused_token_brings_back_the_dialog_with_the_hubs_message(arun, make_shell, hub, memkeyring,
                                                                    settings):
    key = auth.account("demo-dispatcher", hub.url)
    memkeyring.set_password(auth.SERVICE, key, "not-a-token")
    settings.set("login/user", "demo-dispatcher")
    shell = make_shell()

    async def body():
        await started(shell)
        await until(lambda: shell.login_dialog is not None
                    and "unknown token" in shell.login_dialog.message.text())
        assert (auth.SERVICE, key) not in memkeyring.items     # a refused token is dropped
        shell.window.refresh_health()
        assert shell.window.property("connection") == "unauthorized"
        assert "log in again" in shell.window.banner.label.text()
        await login(shell, hub.url)                            # and the dialog works from there
    scenario(arun, body)


def test_no_keyring_backend_says_so_and_login_still_works(arun, make_shell, hub, failkeyring):
    shell = make_shell()
    assert not shell.secrets.available

    async def body():
        await started(shell)
        dlg = shell.login_dialog
        assert not dlg.keyring_notice.isHidden() and "keyring" in dlg.keyring_notice.text()
        assert not dlg.remember_box.isEnabled()
        await login(shell, hub.url)
    scenario(arun, body)


def test_keyring_failing_mid_session_is_not_fatal(arun, make_shell, hub, memkeyring):
    def broken(*_a):
        raise keyring.errors.PasswordSetError("locked")
    memkeyring.set_password = broken
    shell = make_shell()

    async def body():
        await started(shell)
        await login(shell, hub.url)
        assert not shell.secrets.available and "locked" in shell.secrets.problem
        assert shell.store.status.state == "connected"
    scenario(arun, body)


def test_logout_forgets_the_login_clears_the_data_and_asks_again(arun, make_shell, hub, memkeyring):
    shell = make_shell()

    async def body():
        await started(shell)
        await login(shell, hub.url, remember=True)
        assert memkeyring.items
        shell.window.logout_action.trigger()
        await until(lambda: shell.login_dialog is not None)
        assert not memkeyring.items
        assert not shell.store.cameras and shell.store.user is None and shell.ctx.client is None
        shell.window.refresh_health()
        assert not shell.window.banner.isHidden()
        assert shell.login_dialog.user_edit.text() == "demo-dispatcher"
        await login(shell, hub.url, user="demo-wall")          # someone else takes the desk
        assert shell.store.role == "wall" and not shell.ctx.may_show_callers
    scenario(arun, body)


# --- live data ------------------------------------------------------------------------

def test_live_events_update_the_store_and_the_placeholder_counts(arun, make_shell, hub, connect):
    shell = make_shell()
    received = labels.status("received")
    alarm = labels.sensor_state("alarm")

    async def body():
        await started(shell)
        await login(shell, hub.url)
        assert count(shell, "queue", received) == 0 and count(shell, "sensors", alarm) == 0
        case = await asyncio.to_thread(lambda: create_case(connect("demo-supervisor")))
        sensor = next(s for s in shell.store.sensors.values()
                      if s.kind == "water_level" and s.thresholds.direction == "above")
        ack = await asyncio.to_thread(connect("demo-feeder").command, "ingest.reading", {
            "sensor": sensor.id, "value": sensor.thresholds.alarm + 5, "ts": "2026-11-25T02:00:00.000Z"})
        assert ack["ok"], ack
        await until(lambda: case["id"] in shell.store.cases and
                    shell.store.sensors[sensor.id].state == "alarm")
        panel = shell.window.panels["queue"]
        await until(lambda: panel.counts().get(received) == 1)   # refreshed by the store's signal
        assert count(shell, "sensors", alarm) == 1
        assert count(shell, "sensors", "Alarms not acknowledged") == 1
        # the alarm opened an iot case, dispatched to the sensor's unit
        assert count(shell, "queue", labels.status("dispatched")) == 1
    scenario(arun, body)


def test_hub_restart_reconnects_and_resumes_nothing_lost_or_doubled(arun, make_shell, hub, connect):
    shell = make_shell()
    applied: list[int] = []

    def others_work():   # another dispatcher works on while this console is away
        with SyncClient(hub.url, user="demo-supervisor") as other:
            for i in range(4):
                create_case(other, title=f"离线期间 {i}")

    async def body():
        await started(shell)
        await login(shell, hub.url)
        original = shell.store.on_event

        def spy(ev):
            applied.append(ev.seq)
            original(ev)
        shell.store.on_event = spy
        await asyncio.to_thread(lambda: create_case(connect("demo-supervisor"), title="重启前"))
        await until(lambda: len(applied) == 1)

        await asyncio.to_thread(hub.stop)
        await until(lambda: shell.store.status.state == "reconnecting")
        shell.window.refresh_health()
        assert not shell.window.banner.isHidden()
        assert "lost" in shell.window.banner.label.text()
        assert shell.window.property("connection") == "stale"
        assert "Reconnecting" in shell.window.status_widget.state_label.text()

        await asyncio.to_thread(hub.start)
        await asyncio.to_thread(others_work)
        await until(lambda: shell.store.status.state == "connected" and len(shell.store.cases) == 5, 20)
        shell.window.refresh_health()
        assert shell.window.banner.isHidden() and shell.window.property("connection") == "live"

        result = await shell.ctx.command("case.create", {
            "source": "hotline_12345", "category": "noise", "title": "重连后",
            "location": {"lat": 39.668, "lon": 106.822}})
        assert result["case"]["id"] in shell.store.cases        # acked after the reconnect
        assert applied == list(range(applied[0], applied[0] + len(applied)))   # gapless, no doubles
        assert len(applied) == 6

        def truth():
            with SyncClient(hub.url, user="demo-dispatcher") as c:
                return c.recv()
        snap = await asyncio.to_thread(truth)
        assert shell.store.seq == snap["seq"]
        assert {c["id"]: c["version"] for c in snap["cases"]} == \
            {cid: c.version for cid, c in shell.store.cases.items()}
    scenario(arun, body)


# --- window: help, layout, panels, wall -------------------------------------------------

def test_help_is_generated_from_the_actual_actions(arun, make_shell):
    shell = make_shell()
    w = shell.window
    w.show_help()
    rows = dict(w._help.rows())
    assert rows["Keyboard shortcuts"] == "F1" and rows["Quit"] == "Ctrl+Q"
    assert rows["Log out"] == "Ctrl+L" and rows["Reset layout"] == "Ctrl+Shift+R"
    assert {k for k in rows.values() if k.startswith("Alt+")} == {"Alt+1", "Alt+2", "Alt+3", "Alt+4", "Alt+5"}
    w.quit_action.setShortcut("Ctrl+Shift+Q")          # change a key: the help follows
    w.show_help()
    assert dict(w._help.rows())["Quit"] == "Ctrl+Shift+Q"


def test_panel_shortcut_shows_and_focuses_its_dock(arun, make_shell, qtbot):
    shell = make_shell()
    w = shell.window
    w.show()
    w.docks["sensors"].hide()
    w.panel_actions["sensors"].trigger()
    assert w.docks["sensors"].isVisible()


def test_layout_is_saved_restored_and_reset(arun, make_shell, settings, qloop):
    shell = make_shell()
    w = shell.window
    w.show()
    w.docks["video"].hide()
    w.save_layout()
    from console.mainwindow import MainWindow
    again = MainWindow(shell.ctx, safe_mode=True)
    try:
        again.show()
        assert not again.docks["video"].isVisible() and again.docks["queue"].isVisible()
        again.reset_layout_action.trigger()
        assert again.docks["video"].isVisible()
    finally:
        again.allow_close()
        again.close()
        again.deleteLater()


def test_missing_or_broken_panel_modules_become_placeholders(arun, make_shell, monkeypatch, tmp_path):
    (tmp_path / "raises_on_import_for_test.py").write_text("raise RuntimeError('half-written panel')\n")
    (tmp_path / "explodes_for_test.py").write_text(
        "class Boom:\n    def __init__(self, ctx):\n        raise RuntimeError('constructor failed')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("raises_on_import_for_test", "explodes_for_test"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    specs = [PanelSpec("queue", ("案件队列", "Case queue"), "panels.no_such_panel:X", "left", "Alt+1"),
             PanelSpec("video", ("视频监控", "Video"), "explodes_for_test:Boom", "right", "Alt+4"),
             PanelSpec("map", ("网格地图", "Grid map"), "raises_on_import_for_test:Map", "top", "Alt+3")]
    shell = make_shell(safe_mode=False, panels=specs)
    w = shell.window
    assert all(isinstance(p, PlaceholderPanel) for p in w.panels.values())
    assert "not installed" in w.load_errors["queue"]
    assert "constructor failed" in w.load_errors["video"]
    assert "half-written panel" in w.load_errors["map"]
    for name in ("raises_on_import_for_test", "explodes_for_test"):
        sys.modules.pop(name, None)


def test_wall_mode_locks_the_window_and_logs_in_as_the_wall(arun, make_shell, hub, connect):
    shell = make_shell(wall=True, user="demo-wall")
    w = shell.window
    assert shell.ctx.is_wall and w.menu_bar.isHidden()
    assert all(d.features() == QDockWidget.DockWidgetFeature.NoDockWidgetFeatures for d in w.docks.values())
    assert not w.reset_layout_action.isVisible()

    async def body():
        await started(shell)
        await login(shell, hub.url, user="demo-wall")
        await asyncio.to_thread(lambda: create_case(connect("demo-dispatcher")))
        await until(lambda: len(shell.store.cases) == 1)
        case = next(iter(shell.store.cases.values()))
        assert case.caller is None and case.description is None     # never reaches the wall
        assert shell.store.role == "wall" and not shell.ctx.may_show_callers
    scenario(arun, body)


def test_the_wall_follows_the_most_urgent_case_by_itself(arun, make_shell, hub, connect):
    """Nobody selects on the wall: a new P1 comes up in the detail panel (and
    the map and queue, through the selection); a P2 after it does not take
    its place; when the P1 is rejected the wall moves to the P2."""
    from panels import PANELS
    shell = make_shell(wall=True, user="demo-wall", safe_mode=False,
                       panels=[p for p in PANELS if p.name in ("queue", "detail")])
    detail = shell.window.panels["detail"]

    async def body():
        await started(shell)
        await login(shell, hub.url, user="demo-wall")
        assert detail.stack.currentWidget() is detail.empty
        assert "Alt+1" not in detail.empty.text()              # nobody presses keys at the wall
        desk = connect("demo-dispatcher")
        p3 = await asyncio.to_thread(lambda: create_case(desk, priority=3))
        p1 = await asyncio.to_thread(lambda: create_case(desk, priority=1, category="waterlogging",
                                                         title="地下通道积水"))
        await until(lambda: shell.store.selected_case == p1["id"], what="the P1 on the wall")
        await until(lambda: detail.stack.currentWidget() is not detail.empty, what="detail shown")
        p2 = await asyncio.to_thread(lambda: create_case(desk, priority=2))
        await until(lambda: p2["id"] in shell.store.cases)
        await asyncio.sleep(0.1)
        assert shell.store.selected_case == p1["id"]
        ack = await asyncio.to_thread(lambda: desk.command(
            "case.transition", {"case": p1["id"], "version": p1["version"], "to": "rejected",
                                "note": "重复报警"}))
        assert ack["ok"], ack
        await until(lambda: shell.store.selected_case == p2["id"], what="the P2 after the P1 ended")
        assert p3["id"] != shell.store.selected_case
    scenario(arun, body)


def test_the_walls_incident_brings_its_gauge_and_a_camera(make_shell):
    """Scenario 1 on the wall: map, gauge and camera. A sensor's case puts
    that gauge in view and a camera near it in the alarm tile; a case with
    no camera within reach asks for none."""
    from console.protocol import Camera, Case, Location, Sensor, Thresholds
    from console.store import Changes
    shell = make_shell(wall=True, user="demo-wall")
    store, bus = shell.store, shell.ctx.bus
    gauges, alarms = [], []
    bus.show_sensor.connect(gauges.append)
    bus.alarm_case.connect(alarms.append)
    here, far = Location(lat=39.6866, lon=106.8188), Location(lat=39.3, lon=106.7)
    store.sensors["WL-1"] = Sensor(id="WL-1", kind="water_level", name="地下通道水位", location=here, unit="cm",
                                   interval_s=60, thresholds=Thresholds(warn=30, alarm=50))
    store.cameras["CAM-1"] = Camera(id="CAM-1", name="新华街道 人民路口", group="traffic", location=here,
                                    url="demo:clip", status="online")
    ts = "2026-07-21T19:58:00.000Z"

    def arrive(cid, priority, location, **kw):
        store.cases[cid] = Case(id=cid, version=1, source="iot", category="waterlogging", title=cid,
                                status="received", priority=priority, location=location, reported_at=ts,
                                updated_at=ts, due_at="2026-07-21T20:28:00.000Z", **kw)
        shell.window._follow_incident(Changes(new_cases={cid}, cases={cid}))

    arrive("far", 2, far)
    assert store.selected_case == "far" and gauges == [] and alarms == []
    arrive("gauge", 1, here, sensor="WL-1")
    assert store.selected_case == "gauge" and gauges == ["WL-1"] and alarms == ["gauge"]


def test_wall_takes_its_whole_screen_and_its_screenshot_is_the_walls_size(arun, make_shell):
    from console.app import parse_args, screenshot_size
    assert screenshot_size(parse_args(["--wall", "--screenshot", "w.png"])[0]) == (1920, 1080)
    assert screenshot_size(parse_args(["--screenshot", "w.png"])[0]) == (1600, 960)
    shell = make_shell(wall=True, user="demo-wall")

    async def body():
        await started(shell)
        screen = shell.window.screen().geometry()
        assert shell.window.geometry().size() == screen.size()   # no window manager needed
    scenario(arun, body)


def test_health_words_follow_the_connection_state():
    assert health(ConnectionStatus("connected")).live
    h = health(ConnectionStatus("reconnecting", retry_at=100.0), now=97.2)
    assert h.level == "warn" and "3 s" in h.banner and "out of date" in h.banner
    h = health(ConnectionStatus("unauthorized", message="token revoked"))
    assert h.level == "alarm" and "token revoked" in h.banner
    assert health(ConnectionStatus("closed")).level == "alarm"


# --- the real program -------------------------------------------------------------------------

def test_screenshot_end_to_end(tmp_path):
    png = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONFAULTHANDLER="1")
    proc = subprocess.run(
        [sys.executable, "main.py", "--demo", "--safe-mode", "--no-simulate", "--data", str(tmp_path / "hub"),
         "--settings", str(tmp_path / "s.ini"), "--log-dir", str(tmp_path / "log"),
         "--screenshot", str(png), "--quit-after", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1600, 960)
    log = (tmp_path / "log" / "console.log").read_text(encoding="utf-8")
    assert "login demo-dispatcher" in log and "screenshot" in log


def test_screenshot_to_an_unwritable_path_fails_with_exit_1(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "main.py", "--demo", "--safe-mode", "--no-simulate", "--data", str(tmp_path / "hub"),
         "--settings", str(tmp_path / "s.ini"), "--log-dir", str(tmp_path / "log"),
         "--screenshot", str(tmp_path / "no" / "such" / "dir" / "x.png"), "--quit-after", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
