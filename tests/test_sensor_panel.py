"""The gauges panel against a real hub on loopback: a demo feeder sends
``ingest.reading``, the hub judges the state (thresholds, hysteresis), the
console shows it; acks go back through the hub."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import shiboken6
from PySide6.QtCore import QPoint, QRect, Qt

from console.protocol import format_ts
from console.settings import Settings
from panels.sensors import SensorPanel
from tests.qtasync import until


@pytest.fixture
def console(live_console, tmp_path):
    """``console(user)``: a connected AppContext (HubClient + LiveStore)."""
    return lambda user="demo-dispatcher": live_console(Settings(tmp_path / f"{user}.ini"), user)


@pytest.fixture
def feeder(connect):
    return connect("demo-feeder")


def feed(feeder, clock, sensor: str, values, step_s: float = 60.0) -> None:
    """Readings ending at the hub's now, ``step_s`` apart."""
    now = clock.now()
    for i, v in enumerate(values):
        ts = now - timedelta(seconds=step_s * (len(values) - 1 - i))
        ack = feeder.command("ingest.reading", {"sensor": sensor, "value": v, "ts": format_ts(ts)})
        assert ack["ok"], ack


@pytest.fixture
def make_panel(console):
    """Panels, destroyed on this (the GUI) thread before the console closes.
    Left to the garbage collector, a widget in a reference cycle may be
    freed on another thread (the hub's), which leaves its Qt timers
    registered and crashes the next timer event."""
    panels: list[SensorPanel] = []

    def make(ctx) -> SensorPanel:
        panel = SensorPanel(ctx)
        panel.resize(1000, 900)
        panel.show()
        panels.append(panel)
        return panel
    yield make
    for panel in panels:
        panel.close()
        shiboken6.delete(panel)


def test_rising_water_shows_state_rate_forecast_and_sorts_first(qtbot, arun, console, make_panel, feeder, clock):
    ctx = console()
    panel = make_panel(ctx)
    panel.kind_box.setCurrentIndex(panel.kind_box.findData("water_level"))   # all on screen
    feed(feeder, clock, "WL-002", [4, 6, 8, 10, 12])          # 2 cm/min, warn line at 15

    async def body():
        await until(lambda: ctx.store.sensors["WL-002"].value == 12, what="readings")
        assert "WL-002" in panel.visible_ids()
        await until(lambda: panel.cards["WL-002"].view and panel.cards["WL-002"].view.value == "12.0 cm")
        card = panel.cards["WL-002"]
        assert card.view.state == "normal"
        assert card.view.rate == "↑ +10.0 cm / 5 min"
        assert card.view.note == "Warning line in about 2 min" and card.view.note_level == "warn"
        feed(feeder, clock, "WL-001", [26])
        await until(lambda: panel.order and panel.order[0] == "WL-001", what="alarm sorted first")
        await until(lambda: panel.cards["WL-001"].view and panel.cards["WL-001"].view.state == "alarm")
        assert panel.cards["WL-001"].ack_button.isVisible()
        assert "Alarm 1 (1 unacknowledged)" in panel.summary.text()
        assert panel.cards["WL-001"].gauge.level == "alarm" and panel.cards["WL-001"].gauge.value == 26
    arun(body())


def test_hysteresis_hold_is_shown_until_the_margin_is_passed(qtbot, arun, console, make_panel, feeder, clock):
    ctx = console()
    panel = make_panel(ctx)
    panel.search.setText("WL-003")

    def view():
        return panel.cards["WL-003"].view

    async def body():
        feed(feeder, clock, "WL-003", [26])
        await until(lambda: view() and view().state == "alarm")
        assert view().note == ""
        feed(feeder, clock, "WL-003", [23.5])                 # under 25, not past 25 - 3
        await until(lambda: view().value == "23.5 cm")
        assert view().state == "alarm"                        # the hub holds the state ...
        assert "held" in view().note and "22" in view().note  # ... and the card says why
        feed(feeder, clock, "WL-003", [21.5])
        await until(lambda: view().value == "21.5 cm")
        assert view().state == "warn" and "held" not in view().note
    arun(body())


def test_ack_by_button_and_by_shortcut_changes_the_look(qtbot, arun, console, make_panel, feeder, clock):
    ctx = console()
    panel = make_panel(ctx)
    feed(feeder, clock, "GAS-001", [22])
    feed(feeder, clock, "MH-001", [20])

    async def body():
        await until(lambda: all(panel.cards[s].view and panel.cards[s].view.state == "alarm"
                                for s in ("GAS-001", "MH-001")), what="two alarms")
        gas = panel.cards["GAS-001"]
        loud = gas.styleSheet()
        assert "new" in gas.badge.text() and "3px solid" in loud
        qtbot.mouseClick(gas.ack_button, Qt.MouseButton.LeftButton)
        await until(lambda: ctx.store.sensors["GAS-001"].acked, what="hub acked")
        await until(lambda: gas.view.acked)
        assert "acked" in gas.badge.text() and not gas.ack_button.isVisible()
        assert gas.styleSheet() != loud and "1px dashed" in gas.styleSheet()
        assert panel.order.index("MH-001") < panel.order.index("GAS-001")   # unacked first
        panel.setFocus()
        qtbot.keyClick(panel, Qt.Key.Key_A)                   # the top unacked alarm
        await until(lambda: ctx.store.sensors["MH-001"].acked, what="shortcut ack")
        assert panel.cards["MH-001"].view.note == "Cover open or displaced"
    arun(body())


def test_ack_refused_by_the_hub_is_reported(qtbot, arun, console, make_panel, feeder, clock):
    ctx = console("demo-viewer")                               # viewers may not ack
    panel = make_panel(ctx)
    messages: list[str] = []
    ctx.bus.status_message.connect(lambda text, _ms: messages.append(text))
    feed(feeder, clock, "GAS-002", [25])

    async def body():
        await until(lambda: panel.cards["GAS-002"].view and panel.cards["GAS-002"].view.state == "alarm")
        panel.ack("GAS-002")
        await until(lambda: messages, what="status message")
        assert messages[0].startswith("Could not acknowledge") and not ctx.store.sensors["GAS-002"].acked
        panel.ack("GAS-003")                                  # normal: nothing to ack, nothing sent
        assert ctx.client.pending_count == 0
    arun(body())


def test_history_is_fetched_when_the_card_is_on_screen(qtbot, arun, console, make_panel, feeder, clock):
    feed(feeder, clock, "WL-004", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])   # before the console connects
    ctx = console()
    assert len(ctx.store.readings.get("WL-004", ())) == 0
    panel = make_panel(ctx)
    panel.search.setText("WL-004")

    async def body():
        await until(lambda: len(ctx.store.readings.get("WL-004", ())) == 10, what="history merged")
        card = panel.cards["WL-004"]
        await until(lambda: card.trend is not None and card.trend.points == 10, what="trend drawn")
        assert card.view.rate == "↑ +5.0 cm / 5 min"
    arun(body())


def test_filters_search_and_show_sensor(qtbot, arun, console, make_panel, feeder, clock):
    ctx = console()
    panel = make_panel(ctx)
    panel.kind_box.setCurrentIndex(panel.kind_box.findData("gas"))
    assert panel.order and all(s.startswith("GAS-") for s in panel.order)
    assert ctx.settings.get("sensors/kind") == "gas"
    panel.search.setText("no such sensor")
    assert panel.order == [] and panel.empty.isVisible()
    panel.search.clear()
    # a card hidden by the filter: the filter is cleared, the card scrolled to and lit
    panel.show_sensor("ER-012")
    assert panel.kind_box.currentData() == "" and "ER-012" in panel.order
    qtbot.waitUntil(lambda: "ER-012" in panel.visible_ids(), timeout=3000)
    assert panel.cards["ER-012"].highlighted
    panel.show_sensor("NO-SUCH")                              # unknown: ignored
    # a fresh panel restores the saved filter
    panel.state_box.setCurrentIndex(panel.state_box.findData("offline"))
    again = make_panel(ctx)
    assert again.state_box.currentData() == "offline"


def test_offline_sensor_says_so(qtbot, arun, console, make_panel, feeder, clock, hub):
    ctx = console()
    panel = make_panel(ctx)
    panel.search.setText("WL-005")
    feed(feeder, clock, "WL-005", [3])

    async def body():
        await until(lambda: ctx.store.sensors["WL-005"].value == 3)
        clock.advance(4 * 60)                                  # > 3 x interval_s of silence
        hub.run_rules()
        await until(lambda: panel.cards["WL-005"].view and panel.cards["WL-005"].view.state == "offline")
        assert panel.cards["WL-005"].view.note.startswith("No data")
    arun(body())


# --- the video wall ------------------------------------------------------------------------------

def card_parts(card) -> dict[str, QRect]:
    """Where each visible part of a card is, in the card's coordinates."""
    parts = {"kind": card.kind_label, "badge": card.badge, "name": card.name_label, "gauge": card.gauge,
             "value": card.value_label, "rate": card.rate_label, "note": card.note_label,
             "trend": card.trend, "age": card.age_label, "ack": card.ack_button}
    return {k: QRect(w.mapTo(card, QPoint(0, 0)), w.size()) for k, w in parts.items()
            if w is not None and w.isVisible()}


def assert_card_fits(card) -> None:
    rects = card_parts(card)
    names = sorted(rects)
    for i, a in enumerate(names):
        assert card.rect().contains(rects[a]), (a, rects[a], card.rect())
        for b in names[i + 1:]:
            assert not rects[a].intersects(rects[b]), (card.sensor_id, a, rects[a], b, rects[b])
    for label in (card.badge, card.value_label, card.age_label):   # whole, never cut
        assert label.width() >= label.fontMetrics().horizontalAdvance(label.text()), label.text()
    if card.ack_button.isVisible():
        assert card.ack_button.width() >= card.ack_button.sizeHint().width()
    note = card.note_label
    if note.isVisible():                                         # every wrapped line shown
        assert note.heightForWidth(note.width()) <= note.height(), (note.text(), note.size())
    assert card.gauge.width() >= card.gauge.sizeHint().width()   # the line labels too


@pytest.mark.parametrize("user", ["demo-dispatcher", "demo-wall"])
def test_cards_lay_out_at_the_walls_type_size(qtbot, arun, console, make_panel, feeder, clock, wall_type,
                                              user):
    ctx = console(user)
    panel = make_panel(ctx)
    panel.resize(1400, 1100)
    feed(feeder, clock, "ER-001", [800])        # the longest note: no movement, check on the resident
    feed(feeder, clock, "WL-002", [4, 6, 8, 10, 12])            # a rate and a forecast
    feed(feeder, clock, "GAS-001", [22])

    async def body():
        await until(lambda: ctx.store.sensors["ER-001"].state == "alarm" and ctx.store.sensors["WL-002"].value == 12
                    and ctx.store.sensors["GAS-001"].state == "alarm", what="readings")
        for sid in ("ER-001", "WL-002", "GAS-001"):
            panel.search.setText(sid)
            card = panel.cards[sid]
            await until(lambda: card.view and card.view.value == card._value_text(ctx.store.sensors[sid])
                        and card.trend is not None, what=f"{sid} drawn")
            await asyncio.sleep(0.05)                             # laid out
            assert card.width() > 300 and card.height() > 226    # grown with the type
            assert_card_fits(card)
            if sid != "WL-002":                               # the alarms: a button for staff only
                assert card.ack_button.isVisible() == (user == "demo-dispatcher")
    arun(body())


def test_wall_display_offers_no_acknowledge_whoever_is_logged_in(qtbot, arun, console, make_panel, feeder,
                                                                 clock):
    ctx = console()                                            # a dispatcher's login ...
    ctx.display_mode = "wall"                                  # ... on the wall display
    panel = make_panel(ctx)
    feed(feeder, clock, "GAS-001", [22])

    async def body():
        await until(lambda: panel.cards["GAS-001"].view and panel.cards["GAS-001"].view.state == "alarm")
        card = panel.cards["GAS-001"]
        assert not card.ack_button.isVisible() and not card.view.ack
        assert "new" in card.badge.text()                     # the state still shows
        panel.setFocus()
        qtbot.keyClick(panel, Qt.Key.Key_A)                   # the key does nothing either
        await asyncio.sleep(0.5)
        assert not ctx.store.sensors["GAS-001"].acked
    arun(body())
