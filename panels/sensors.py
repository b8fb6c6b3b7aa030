"""The gauges panel: a card per sensor (water level, gas, manhole covers,
elder radars), alarms first, with a filter by kind and state and a search.

A thin view over the live store. What it owns is presentation only: which
card widget shows which sensor, the order they are laid out in, and which
sensors' history it has already asked the hub for. Repaints follow the
store's batched changes (at most one per frame) and touch only the cards on
screen; cards scrolled away are marked stale and redrawn when they come back.
"""
from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget,
)

from console import labels, theme
from console.client import CommandFailed, CommandTimeout, NotConnected
from console.context import AppContext
from console.protocol import SENSOR_KINDS, format_ts, parse_ts
from console.store import Changes
from widgets import sensor_logic as sl
from widgets.sensor_card import SensorCard, card_size

SPACING = 8
HISTORY_RETRY_S = 30.0
HIGHLIGHT_MS = 4000
TREND_WINDOW = timedelta(seconds=sl.TREND_WINDOW_S)
STATE_FILTERS = ("", "attention", "alarm", "warn", "offline", "normal")


class SensorPanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.store = ctx.store
        self.cards: dict[str, SensorCard] = {}
        self.order: list[str] = []          # the sensors shown, in display order
        self._columns = 0
        self._stale: set[str] = set()       # cards to redraw when next on screen
        self._history: dict[str, float] = {}   # sensor -> monotonic time it was asked for
        self._tasks: set[asyncio.Task] = set()
        self._highlighted: str | None = None
        self._build()
        self._restore_filters()
        ctx.adapter.changed.connect(self._on_changed)
        ctx.bus.show_sensor.connect(self.show_sensor)
        self._tick = QTimer(self, interval=1000, timeout=self._on_tick)
        self._tick.start()
        self._unhighlight = QTimer(self, singleShot=True, interval=HIGHLIGHT_MS,
                                   timeout=self._on_unhighlight)
        self._rebuild()

    # --- building --------------------------------------------------------------------
    def _build(self) -> None:
        self.kind_box = QComboBox(self)
        self.kind_box.addItem(self.tr("All kinds"), "")
        for kind in SENSOR_KINDS:
            self.kind_box.addItem(labels.sensor_kind(kind), kind)
        self.state_box = QComboBox(self)
        names = {"": self.tr("All states"), "attention": self.tr("Alarm + warning")}
        for state in STATE_FILTERS:
            self.state_box.addItem(names.get(state) or labels.sensor_state(state), state)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search sensors: name, street, id"))
        self.search.setClearButtonEnabled(True)
        self.summary = QLabel(self)
        self.summary.setObjectName("SensorSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.empty = QLabel(self.tr("No sensor matches the filter"), self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.set_level(self.empty, "muted")
        self.host = QWidget(self)
        self.grid = QGridLayout(self.host)
        self.grid.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        self.grid.setSpacing(SPACING)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(self.host)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # always on: the viewport's width (so the column count) follows the panel's only
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.scroll.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        bar = QHBoxLayout()
        bar.addWidget(self.kind_box)
        bar.addWidget(self.state_box)
        bar.addWidget(self.search, 1)
        col = QVBoxLayout(self)
        col.setContentsMargins(4, 4, 4, 4)
        col.setSpacing(4)
        col.addLayout(bar)
        col.addWidget(self.summary)
        col.addWidget(self.empty)
        col.addWidget(self.scroll, 1)
        self.kind_box.currentIndexChanged.connect(self._on_filter)
        self.state_box.currentIndexChanged.connect(self._on_filter)
        self.search.textChanged.connect(self._on_filter)
        sc = QShortcut(QKeySequence(Qt.Key.Key_A), self)
        sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        sc.activated.connect(self.ack_next)
        sc = QShortcut(QKeySequence("Ctrl+F"), self)
        sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        sc.activated.connect(self.search.setFocus)

    def _restore_filters(self) -> None:
        for box, key in ((self.kind_box, "sensors/kind"), (self.state_box, "sensors/state")):
            i = box.findData(self.ctx.settings.get(key))
            box.blockSignals(True)
            box.setCurrentIndex(max(0, i))
            box.blockSignals(False)

    # --- cards ------------------------------------------------------------------------
    def _card(self, sid: str) -> SensorCard:
        card = self.cards.get(sid)
        if card is None:
            card = SensorCard(self.store.sensors[sid], self.host)
            card.ack_requested.connect(self.ack)
            card.setVisible(False)
            self.cards[sid] = card
            self._stale.add(sid)
        return card

    def _rebuild(self) -> None:
        """The set of sensors changed (snapshot, reset): drop cards of sensors
        that are gone, then lay out again."""
        for sid in [s for s in self.cards if s not in self.store.sensors]:
            card = self.cards.pop(sid)
            self.grid.removeWidget(card)
            card.deleteLater()
        self._stale.update(self.cards)
        self._relayout(force=True)

    def wanted_order(self) -> list[str]:
        kind = self.kind_box.currentData() or ""
        state = self.state_box.currentData() or ""
        words = self.search.text().lower().split()
        shown = [s for s in self.store.sensors.values()
                 if sl.matches(s, kind, state, words, labels.sensor_kind(s.kind).lower())]
        return [s.id for s in sorted(shown, key=sl.sort_key)]

    def _columns_for_width(self) -> int:
        width = self.scroll.viewport().width() - 2 * SPACING
        return max(1, (width + SPACING) // (card_size(self.font()).width() + SPACING))

    def _relayout(self, force: bool = False) -> None:
        order, columns = self.wanted_order(), self._columns_for_width()
        if not force and order == self.order and columns == self._columns:
            return
        shown = set(order)
        for sid in self.order:
            if sid not in shown and sid in self.cards:
                self.cards[sid].setVisible(False)
        while self.grid.count():
            self.grid.takeAt(0)
        for i, sid in enumerate(order):
            card = self._card(sid)
            self.grid.addWidget(card, i // columns, i % columns)
            card.setVisible(True)
        self.order, self._columns = order, columns
        self.empty.setVisible(not order and bool(self.store.sensors))
        self._update_summary()
        QTimer.singleShot(0, self._refresh_visible)

    # --- what is on screen ---------------------------------------------------------------
    def visible_ids(self) -> list[str]:
        if not self.isVisible():
            return []
        vp = self.scroll.viewport()
        top_left = self.host.mapFrom(vp, vp.rect().topLeft())
        area = QRect(top_left, vp.size())
        return [sid for sid in self.order
                if sid in self.cards and self.cards[sid].geometry().intersects(area)]

    def _refresh_visible(self) -> None:
        now = self.store.hub_now().timestamp()
        for sid in self.visible_ids():
            if sid in self._stale:
                self._refresh_card(sid, now)
            self._want_history(sid)

    def _refresh_card(self, sid: str, now: float, with_plot: bool = True) -> None:
        sensor = self.store.sensors.get(sid)
        card = self.cards.get(sid)
        if sensor is None or card is None:
            return
        card.may_ack = self.ctx.may_act
        card.refresh(sensor, self.store.readings.get(sid, ()), now, with_plot)
        self._stale.discard(sid)

    # --- the store ---------------------------------------------------------------------
    def _on_changed(self, ch: Changes) -> None:
        if ch.reset or (ch.sensors and not ch.sensors <= self.cards.keys()):
            self._history.clear()
            self._rebuild()
            return
        touched = ch.sensors | ch.readings
        if not touched:
            return
        self._stale.update(touched & self.cards.keys())
        before = self.order
        self._relayout()
        if self.order is before:               # no new layout: redraw what is on screen
            now = self.store.hub_now().timestamp()
            visible = set(self.visible_ids())
            for sid in touched & visible:
                self._refresh_card(sid, now)
            self._update_summary()

    def _on_tick(self) -> None:
        now = self.store.hub_now().timestamp()
        for sid in self.visible_ids():
            sensor = self.store.sensors.get(sid)
            if sensor is not None:
                self.cards[sid].refresh_age(sensor, now)

    def _update_summary(self) -> None:
        sensors = self.store.sensors.values()
        alarm = [s for s in sensors if s.state == "alarm"]
        unacked = sum(1 for s in alarm if not s.acked)
        warn = sum(1 for s in sensors if s.state == "warn")
        offline = sum(1 for s in sensors if s.state == "offline")
        parts = [
            f"<span style='color:{theme.ALARM}; font-weight:bold'>"
            + self.tr("Alarm {0} ({1} unacknowledged)").format(len(alarm), unacked) + "</span>",
            f"<span style='color:{theme.WARN}'>" + self.tr("Warning {0}").format(warn) + "</span>",
            f"<span style='color:{theme.OFFLINE}'>" + self.tr("Offline {0}").format(offline) + "</span>",
            f"<span style='color:{theme.MUTED}'>" + self.tr("{0} of {1} shown").format(
                len(self.order), len(self.store.sensors)) + "</span>",
        ]
        self.summary.setText("&nbsp;&nbsp;·&nbsp;&nbsp;".join(parts))

    # --- history ------------------------------------------------------------------------
    def _want_history(self, sid: str) -> None:
        """Ask the hub for the last hour once a card is on screen (again
        after a failure, but not more often than every 30 s)."""
        asked = self._history.get(sid)
        if self.ctx.client is None or (asked is not None and
                                       (asked == float("inf") or time.monotonic() - asked < HISTORY_RETRY_S)):
            return
        self._history[sid] = time.monotonic()
        try:
            task = asyncio.ensure_future(self._fetch_history(sid))
        except RuntimeError:                  # no event loop (a bare widget test)
            return
        self._tasks.add(task)                 # the loop holds tasks weakly
        task.add_done_callback(self._tasks.discard)

    async def _fetch_history(self, sid: str) -> None:
        since = format_ts(self.store.hub_now() - TREND_WINDOW)
        try:
            result = await self.ctx.command("sensor.history", {"sensor": sid, "since": since})
        except (CommandFailed, CommandTimeout, NotConnected):
            return                             # a later look at the card tries again
        rows = []
        for r in result.get("readings", ()):
            try:
                rows.append((parse_ts(r["ts"]).timestamp(), float(r["value"])))
            except (KeyError, TypeError, ValueError):
                continue
        self._history[sid] = float("inf")
        if sid in self.store.sensors:
            self.store.merge_history(sid, rows)

    # --- acknowledging --------------------------------------------------------------------
    def ack(self, sid: str) -> None:
        sensor = self.store.sensors.get(sid)
        if sensor is None or not sl.needs_ack(sensor):
            return
        try:
            task = asyncio.ensure_future(self._ack(sid))
        except RuntimeError:
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ack(self, sid: str) -> None:
        name = self.store.sensors[sid].name
        try:
            await self.ctx.command("sensor.ack", {"sensor": sid})
        except CommandFailed as exc:
            self.ctx.bus.status_message.emit(
                self.tr("Could not acknowledge {0}: {1}").format(name, exc.message), 8000)
            return
        except (CommandTimeout, NotConnected) as exc:
            self.ctx.bus.status_message.emit(
                self.tr("Could not acknowledge {0}: {1}").format(name, str(exc)), 8000)
            return
        self.ctx.bus.status_message.emit(self.tr("Acknowledged: {0}").format(name), 4000)

    def ack_next(self) -> None:
        """Shortcut A: acknowledge the focused card, else the top unacknowledged one."""
        if not self.ctx.may_act:
            return
        focused = self.focusWidget()
        while focused is not None and not isinstance(focused, SensorCard):
            focused = focused.parentWidget()
        if isinstance(focused, SensorCard) and sl.needs_ack(self.store.sensors[focused.sensor_id]):
            self.ack(focused.sensor_id)
            return
        for sid in self.order:
            if sl.needs_ack(self.store.sensors[sid]):
                self.ack(sid)
                return

    # --- show_sensor --------------------------------------------------------------------------
    def show_sensor(self, sid: str) -> None:
        """bus.show_sensor: scroll to the card and light it up (clearing a
        filter that hides it)."""
        if sid not in self.store.sensors:
            return
        if sid not in self.order:
            for box in (self.kind_box, self.state_box):
                box.setCurrentIndex(0)
            self.search.clear()
            self._relayout()
        card = self.cards[sid]
        self.host.layout().activate()
        self.scroll.ensureWidgetVisible(card, 0, SPACING)
        if self._highlighted in self.cards:
            self.cards[self._highlighted].set_highlighted(False)
        self._highlighted = sid
        self._stale.add(sid)
        self._refresh_card(sid, self.store.hub_now().timestamp())
        card.set_highlighted(True)
        card.setFocus()
        self._unhighlight.start()
        QTimer.singleShot(0, self._refresh_visible)

    def _on_unhighlight(self) -> None:
        card = self.cards.get(self._highlighted or "")
        if card is not None:
            card.set_highlighted(False)
        self._highlighted = None

    # --- events ---------------------------------------------------------------------------------
    def _on_filter(self, *_args) -> None:
        self.ctx.settings.set("sensors/kind", self.kind_box.currentData() or "")
        self.ctx.settings.set("sensors/state", self.state_box.currentData() or "")
        self._relayout()

    def _on_scrolled(self, _value: int) -> None:
        self._refresh_visible()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self._relayout)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._refresh_visible)

    def closeEvent(self, event) -> None:
        for task in list(self._tasks):
            task.cancel()
        super().closeEvent(event)

