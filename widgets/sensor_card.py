"""One sensor's card in the gauges panel: what it measures, its state (and
whether someone has acknowledged it), the value on a band gauge, how fast it
moves, when it reaches the next line at that pace, how old the data is, and
the last hour as a trend.

The card keeps no sensor data: :meth:`SensorCard.refresh` is handed the
current ``Sensor`` and its readings and redraws from them. The trend plot
(pyqtgraph) is made the first time the card is on screen — a panel with
hundreds of sensors then only pays for the plots someone looks at.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import (
    QApplication, QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout,
    QWidget,
)

from console import labels, theme
from console.protocol import Sensor, parse_ts
from widgets import sensor_logic as sl
from widgets.gauge import WATER_BLUE, BandGauge
from widgets.video_tile import ElidedLabel

CARD_WIDTH = 300           # at theme.FONT_PT; cards grow with the type (the wall's 16 pt)
CARD_HEIGHT = 226
PLOT_HEIGHT = 58
VALUE_PT = 18
KIND_GLYPH = {"water_level": "≋", "gas": "◬", "manhole": "◎", "elder_radar": "◉"}


def type_scale(font: QFont | None = None) -> float:
    """How much larger ``font`` (default: the application's) sets text than
    the type the card was designed at, by line height; never below 1."""
    font = QFont(font if font is not None else QApplication.font())
    base = QFont(font)
    base.setPointSize(theme.FONT_PT)
    return max(1.0, QFontMetricsF(font).height() / QFontMetricsF(base).height())


def card_size(font: QFont | None = None) -> QSize:
    scale = type_scale(font)
    return QSize(round(CARD_WIDTH * scale), round(CARD_HEIGHT * scale))


@dataclass(frozen=True)
class CardView:
    """What the card shows, worked out before touching any widget, so a
    refresh that changes nothing repaints nothing."""
    state: str
    acked: bool
    value: str
    note: str
    note_level: str          # "", "warn", "alarm", "muted"
    rate: str
    age: str
    age_stale: bool
    ack: bool                # the acknowledge button is offered


class SensorTrend(pg.PlotWidget):
    """The last hour: one preallocated curve, the warn and alarm lines.
    Peak downsampling and clip-to-view keep a long history cheap."""

    def __init__(self, parent: QWidget | None = None, scale: float = 1.0):
        super().__init__(parent, background=theme.PANEL_ALT)
        self.setMinimumHeight(round(30 * scale))          # gives way when the note wraps
        self.setMaximumHeight(round(PLOT_HEIGHT * scale))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        item = self.getPlotItem()
        item.hideAxis("bottom")
        item.hideAxis("left")
        item.setContentsMargins(0, 2, 0, 2)
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.warn_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(theme.WARN, width=1, style=Qt.PenStyle.DashLine))
        self.alarm_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(theme.ALARM, width=1, style=Qt.PenStyle.DashLine))
        self.addItem(self.warn_line)
        self.addItem(self.alarm_line)
        self.curve = item.plot([], [], pen=pg.mkPen(theme.TEXT, width=2))
        self.points = 0

    def show_readings(self, readings: Sequence[tuple[float, float]], now: float, sensor: Sensor,
                      color: str) -> None:
        th = sensor.thresholds
        since = now - sl.TREND_WINDOW_S
        recent = [(t, v) for t, v in readings if t >= since - 120]
        xs = np.fromiter((t for t, _ in recent), float, len(recent))
        ys = np.fromiter((v for _, v in recent), float, len(recent))
        self.curve.setData(xs, ys)
        self.curve.setPen(pg.mkPen(color, width=2))
        self.points = len(recent)
        self.warn_line.setValue(th.warn)
        self.alarm_line.setValue(th.alarm)
        lo, hi = sl.gauge_span(th, ys.tolist())
        self.setXRange(since, now, padding=0)
        self.setYRange(lo, hi, padding=0.02)


class SensorCard(QFrame):
    ack_requested = Signal(str)
    clicked = Signal(str)

    def __init__(self, sensor: Sensor, parent: QWidget | None = None):
        super().__init__(parent)
        self.sensor_id = sensor.id
        self.kind = sensor.kind
        self.view: CardView | None = None
        self.trend: SensorTrend | None = None
        self.highlighted = False
        self.may_ack = True      # the panel sets ctx.may_act: never a button the hub refuses
        self.setObjectName("SensorCard")
        self.scale = type_scale(self.font())
        self.setFixedSize(card_size(self.font()))
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._build(sensor)

    # --- building -----------------------------------------------------------------
    def _build(self, sensor: Sensor) -> None:
        self.kind_label = ElidedLabel(f"{KIND_GLYPH.get(sensor.kind, '•')} {labels.sensor_kind(sensor.kind)}"
                                 f"  ·  {sensor.id}", self)
        self.kind_label.setObjectName("SensorKind")
        self.kind_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.kind_label.setToolTip(self.kind_label.text())
        self.badge = QLabel(self)
        self.badge.setObjectName("SensorBadge")
        self.name_label = ElidedLabel(sensor.name, self)
        self.name_label.setObjectName("SensorName")
        self.name_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.name_label.setToolTip(f"{sensor.name}\n{sensor.location.address or ''}")
        self.gauge = BandGauge(self)
        self.value_label = QLabel(self)
        self.value_label.setObjectName("SensorValue")
        self.rate_label = QLabel(self)
        self.rate_label.setObjectName("SensorRate")
        self.note_label = QLabel(self)
        self.note_label.setObjectName("SensorNote")
        self.note_label.setWordWrap(True)
        self.age_label = QLabel(self)
        self.age_label.setObjectName("SensorAge")
        self.ack_button = QPushButton(self.tr("Acknowledge"), self)
        self.ack_button.setObjectName("SensorAck")
        self.ack_button.setToolTip(self.tr("Acknowledge this alarm (A)"))
        self.ack_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.ack_button.clicked.connect(self._on_ack_clicked)
        self.plot_host = QVBoxLayout()
        self.plot_host.setContentsMargins(0, 0, 0, 0)
        self._arrange()

    def _arrange(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.kind_label, 1)
        top.addWidget(self.badge)
        right = QVBoxLayout()
        right.setSpacing(1)
        right.addWidget(self.value_label)
        right.addWidget(self.rate_label)
        right.addWidget(self.note_label)
        right.addStretch(1)
        right.addLayout(self.plot_host)
        body = QHBoxLayout()
        body.setSpacing(6)
        body.addWidget(self.gauge)
        body.addLayout(right, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.age_label, 1)
        bottom.addWidget(self.ack_button)
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setVerticalSpacing(3)
        grid.addLayout(top, 0, 0)
        grid.addWidget(self.name_label, 1, 0)
        grid.addLayout(body, 2, 0)
        grid.addLayout(bottom, 3, 0)
        grid.setRowStretch(2, 1)

    def ensure_trend(self) -> SensorTrend:
        if self.trend is None:
            self.trend = SensorTrend(self, self.scale)
            self.plot_host.addWidget(self.trend)
        return self.trend

    # --- redrawing ------------------------------------------------------------------
    def refresh(self, sensor: Sensor, readings: Sequence[tuple[float, float]], now: float,
                with_plot: bool = True) -> None:
        """Redraw from the store's sensor and readings; ``now`` is hub time
        (epoch seconds). ``with_plot`` is False for cards off screen."""
        view = self.describe(sensor, readings, now)
        if view != self.view:
            self._apply(view, sensor)
            self.view = view
        self._apply_gauge(sensor, readings)
        if with_plot:
            color = _column_color(sensor)
            self.ensure_trend().show_readings(readings, now, sensor, color)

    def refresh_age(self, sensor: Sensor, now: float) -> None:
        """The once-a-second part: only the data age moves on its own."""
        if self.view is None:
            return
        age, stale = self._age(sensor, now)
        if (age, stale) != (self.view.age, self.view.age_stale):
            self.view = CardView(**{**self.view.__dict__, "age": age, "age_stale": stale})
            self.age_label.setText(age)
            theme.set_level(self.age_label, "warn" if stale else "muted")

    def describe(self, sensor: Sensor, readings: Sequence[tuple[float, float]], now: float) -> CardView:
        rate = sl.rate_per_min(readings, now) if sensor.kind in sl.FORECAST_KINDS else None
        note, level = self._note(sensor, rate)
        age, stale = self._age(sensor, now)
        return CardView(sensor.state, sensor.acked, self._value_text(sensor), note, level,
                        self._rate_text(sensor, rate), age, stale,
                        self.may_ack and sl.needs_ack(sensor))

    def _apply(self, view: CardView, sensor: Sensor) -> None:
        self.value_label.setText(view.value)
        self.rate_label.setText(view.rate)
        self.rate_label.setVisible(bool(view.rate))
        self.note_label.setText(view.note)
        self.note_label.setVisible(bool(view.note))
        theme.set_level(self.note_label, view.note_level or None)
        self.age_label.setText(view.age)
        theme.set_level(self.age_label, "warn" if view.age_stale else "muted")
        self.badge.setText(self._badge_text(view))
        self.ack_button.setVisible(view.ack)
        self._restyle(view)

    def _apply_gauge(self, sensor: Sensor, readings) -> None:
        th = sensor.thresholds
        values = [v for _, v in list(readings)[-60:]]
        if sensor.value is not None:
            values.append(sensor.value)
        lo, hi = sl.gauge_span(th, values)
        safe = WATER_BLUE if sensor.kind == "water_level" else theme.OK
        self.gauge.set_scale(lo, hi, th.warn, th.alarm, safe)
        self.gauge.set_value(sensor.value, sensor.state)

    # --- wording ---------------------------------------------------------------------
    def _value_text(self, sensor: Sensor) -> str:
        v = sensor.value
        if v is None:
            return "—"
        if sensor.kind == "elder_radar":
            h, m = sl.split_minutes(v)
            return self.tr("{0} h {1} min").format(h, m) if h else self.tr("{0} min").format(m)
        unit = sl.UNITS.get(sensor.kind, sensor.unit)
        return f"{v:.1f} {unit}" if sensor.kind != "manhole" else f"{v:.1f}{unit}"

    def _rate_text(self, sensor: Sensor, rate: float | None) -> str:
        if rate is None:
            return ""
        span = sl.RATE_PER_MIN.get(sensor.kind, 1)
        unit = sl.UNITS.get(sensor.kind, sensor.unit)
        per = rate * span
        arrow = "↑" if per > 0 else "↓"
        if abs(per) < 0.05:
            return self.tr("steady")
        return self.tr("{0} {1:+.1f} {2} / {3} min").format(arrow, per, unit, span)

    def _note(self, sensor: Sensor, rate: float | None) -> tuple[str, str]:
        """One line that tells the dispatcher what matters most now."""
        if sensor.state == "offline":
            return self.tr("No data: the sensor stopped reporting"), "muted"
        held = sl.held_by_hysteresis(sensor)
        if held is not None:
            return self._held_text(sensor, held), "warn"
        if sensor.kind == "manhole":
            return self._manhole_text(sensor)
        if sensor.kind == "elder_radar":
            return self._radar_text(sensor)
        fc = sl.forecast(sensor.kind, sensor.value, rate, sensor.thresholds)
        if fc is not None:
            minutes = max(1, int(round(fc.minutes)))
            text = (self.tr("Alarm line in about {0} min") if fc.line == "alarm"
                    else self.tr("Warning line in about {0} min")).format(minutes)
            return text, "alarm" if fc.line == "alarm" else "warn"
        return "", ""

    def _held_text(self, sensor: Sensor, release: float) -> str:
        unit = sl.UNITS.get(sensor.kind, sensor.unit)
        state = labels.sensor_state(sensor.state)
        below = sensor.thresholds.direction != "below"
        text = (self.tr("{0} held: ends below {1:g} {2}") if below
                else self.tr("{0} held: ends above {1:g} {2}"))
        return text.format(state, round(release, 2), unit)

    def _manhole_text(self, sensor: Sensor) -> tuple[str, str]:
        state = sl.manhole_state(sensor.value, sensor.thresholds)
        text = {"normal": self.tr("Cover seated"), "tilted": self.tr("Cover tilted"),
                "open": self.tr("Cover open or displaced")}.get(state or "", "")
        return text, {"tilted": "warn", "open": "alarm"}.get(state or "", "muted")

    def _radar_text(self, sensor: Sensor) -> tuple[str, str]:
        if sensor.value is None:
            return "", ""
        if sensor.state == "normal":
            return self.tr("Since the resident last moved"), "muted"
        h, _ = sl.split_minutes(sensor.thresholds.warn if sensor.state == "warn" else sensor.thresholds.alarm)
        return self.tr("No movement for over {0} h: check on the resident").format(h), \
            "alarm" if sensor.state == "alarm" else "warn"

    def _age(self, sensor: Sensor, now: float) -> tuple[str, bool]:
        try:
            age = max(0.0, now - parse_ts(sensor.ts).timestamp()) if sensor.ts else None
        except ValueError:
            age = None
        if age is None:
            return (self.tr("no reading yet") if sensor.value is None
                    else self.tr("time of reading unknown")), True
        stale = age > 2 * max(sensor.interval_s, 1.0)
        if age < 60:
            text = self.tr("data {0} s old").format(int(age))
        elif age < 3600:
            text = self.tr("data {0} min old").format(int(age // 60))
        else:
            text = self.tr("data {0} h old").format(int(age // 3600))
        return text, stale

    def _badge_text(self, view: CardView) -> str:
        state = labels.sensor_state(view.state)
        if view.state in ("warn", "alarm"):
            return state + " · " + (self.tr("acked") if view.acked else self.tr("new"))
        return state

    # --- looks ------------------------------------------------------------------------
    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            if self.view is not None:
                self._restyle(self.view)

    def _restyle(self, view: CardView) -> None:
        """Unacknowledged alarms shout (red fill, thick red frame, solid
        badge); acknowledged ones keep a red outline and a hollow badge, so
        the room can tell at a glance what nobody has taken yet."""
        color = theme.SENSOR_STATE_COLORS.get(view.state, theme.MUTED)
        loud = view.state in ("warn", "alarm") and not view.acked
        bg = {"alarm": theme.ALARM_BG, "warn": theme.WARN_BG}.get(view.state, theme.PANEL) if loud \
            else theme.PANEL
        border = theme.ACCENT if self.highlighted else (
            color if view.state in ("warn", "alarm") else theme.BORDER)
        width = 3 if (loud or self.highlighted) else 1
        style = "solid" if (loud or self.highlighted or view.state == "normal") else "dashed"
        badge = (f"background: {color}; color: {theme.BG};" if loud
                 else f"background: transparent; color: {color};")
        value_color = theme.OFFLINE if view.state == "offline" else (
            color if view.state in ("warn", "alarm") else theme.TEXT)
        self.setStyleSheet(
            f"QFrame#SensorCard {{ background: {bg}; border: {width}px {style} {border};"
            " border-radius: 4px; }"
            f" QLabel#SensorBadge {{ {badge} border: 1px solid {color}; border-radius: 3px;"
            " padding: 0 5px; font-weight: bold; }"
            f" QLabel#SensorKind {{ color: {theme.MUTED}; }}"
            " QLabel#SensorName { font-weight: bold; }"
            f" QLabel#SensorValue {{ color: {value_color}; font-size: {round(VALUE_PT * self.scale)}pt;"
            " font-weight: bold; }"
            f" QLabel#SensorRate {{ color: {theme.TEXT}; }}"
            f" QPushButton#SensorAck {{ background: {theme.ALARM if view.state == 'alarm' else theme.WARN};"
            f" color: {theme.BG}; font-weight: bold; border: none; border-radius: 3px; padding: 2px 10px; }}")

    # --- input ------------------------------------------------------------------------
    def _on_ack_clicked(self) -> None:
        self.ack_requested.emit(self.sensor_id)

    def mousePressEvent(self, event) -> None:
        self.clicked.emit(self.sensor_id)
        super().mousePressEvent(event)


def _column_color(sensor: Sensor) -> str:
    if sensor.state in ("warn", "alarm", "offline"):
        return theme.SENSOR_STATE_COLORS[sensor.state]
    return WATER_BLUE if sensor.kind == "water_level" else theme.OK
