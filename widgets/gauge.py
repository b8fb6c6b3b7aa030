"""A vertical band gauge: the sensor's range as coloured bands (safe, warn,
alarm), the threshold lines, and the current value as a filled column.

Painted with QPainter (a handful of rectangles): hundreds of cards can each
have one for the cost of a label. The bands' colours are the states' colours
(the water level's safe band is blue, the water colour dispatchers know from
flood maps; other kinds' safe band is green).
"""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from console import theme

WATER_BLUE = "#2f7fd0"


def _alpha(color: str, a: int) -> QColor:
    c = QColor(color)
    c.setAlpha(a)
    return c


class BandGauge(QWidget):
    """Set with :meth:`set_scale` (range and lines) and :meth:`set_value`."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.lo, self.hi = 0.0, 1.0
        self.warn: float | None = None
        self.alarm: float | None = None
        self.value: float | None = None
        self.safe_color = theme.OK
        self.level = "normal"          # colours the column: normal, warn, alarm, offline
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(60)

    def sizeHint(self) -> QSize:
        """The column and room for a line's label ("1440") in the label font:
        at the wall's type size a fixed width would cut the labels."""
        labels = QFontMetrics(self._label_font()).horizontalAdvance("8888")
        return QSize(max(54, 4 + 16 + 5 + labels + 2), 110)

    def _label_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 2))
        return font

    def set_scale(self, lo: float, hi: float, warn: float, alarm: float, safe_color: str) -> None:
        new = (lo, max(hi, lo + 1e-6), warn, alarm, safe_color)
        if new != (self.lo, self.hi, self.warn, self.alarm, self.safe_color):
            self.lo, self.hi, self.warn, self.alarm, self.safe_color = new
            self.update()

    def set_value(self, value: float | None, level: str) -> None:
        if (value, level) != (self.value, self.level):
            self.value, self.level = value, level
            self.update()

    # --- painting -------------------------------------------------------------------
    def _y(self, area: QRectF, v: float) -> float:
        f = (min(max(v, self.lo), self.hi) - self.lo) / (self.hi - self.lo)
        return area.bottom() - f * area.height()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        area = QRectF(4, 6, 16, self.height() - 12)
        self._paint_bands(p, area)
        self._paint_column(p, area)
        self._paint_lines(p, area)
        p.setPen(QPen(QColor(theme.BORDER), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(area)
        p.end()

    def _paint_bands(self, p: QPainter, area: QRectF) -> None:
        if self.warn is None or self.alarm is None:
            return
        y_warn, y_alarm = self._y(area, self.warn), self._y(area, self.alarm)
        p.fillRect(QRectF(area.left(), y_warn, area.width(), area.bottom() - y_warn),
                   _alpha(self.safe_color, 70))
        p.fillRect(QRectF(area.left(), y_alarm, area.width(), y_warn - y_alarm), _alpha(theme.WARN, 80))
        p.fillRect(QRectF(area.left(), area.top(), area.width(), y_alarm - area.top()),
                   _alpha(theme.ALARM, 90))

    def _paint_column(self, p: QPainter, area: QRectF) -> None:
        if self.value is None:
            return
        color = {"warn": theme.WARN, "alarm": theme.ALARM, "offline": theme.OFFLINE}.get(
            self.level, self.safe_color)
        y = self._y(area, self.value)
        p.fillRect(QRectF(area.left() + 3, y, area.width() - 6, area.bottom() - y), QColor(color))
        p.setPen(QPen(QColor(theme.TEXT), 2))
        p.drawLine(int(area.left() - 3), int(y), int(area.right() + 3), int(y))

    def _paint_lines(self, p: QPainter, area: QRectF) -> None:
        font = self._label_font()
        p.setFont(font)
        h = QFontMetrics(font).height()
        for line, color in ((self.warn, theme.WARN), (self.alarm, theme.ALARM)):
            if line is None:
                continue
            y = self._y(area, line)
            p.setPen(QPen(QColor(color), 1))
            p.drawLine(int(area.right()), int(y), int(area.right() + 4), int(y))
            p.drawText(QRectF(area.right() + 5, y - h / 2, self.width() - area.right() - 5, h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, _short(line))


def _short(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.1f}"
