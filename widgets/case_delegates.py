"""Painting for the queue's two at-a-glance columns: the priority chip (with
the bracket that ties a 12345–110 pair together) and the SLA clock with a
bar of the time used — colour means the same everywhere (console.theme)."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from console import theme
from widgets import case_format as fmt
from widgets.case_table_model import GroupRole, PriorityRole, SlaFractionRole, SlaStateRole

_LINK = QColor(theme.ACCENT)


def _panel(painter: QPainter, option: QStyleOptionViewItem, index) -> QStyleOptionViewItem:
    """The item's background and selection, as the style draws them, no text."""
    opt = QStyleOptionViewItem(option)
    QStyledItemDelegate().initStyleOption(opt, index)
    opt.text = ""
    style = opt.widget.style() if opt.widget else QApplication.style()
    style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, opt.widget)
    return opt


def _group_bracket(painter: QPainter, rect, group: int) -> None:
    """A link-coloured bar down the left edge: the pair reads as one block."""
    if not group:
        return
    top = rect.top() + (4 if group == 1 else 0)
    bottom = rect.bottom() - (0 if group == 1 else 4)
    painter.fillRect(QRectF(rect.left() + 1, top, 3, bottom - top + 1), _LINK)


class PriorityDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option, index) -> None:
        _panel(painter, option, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        prio = index.data(PriorityRole) or 0
        color = fmt.priority_color(prio)
        rect = option.rect.adjusted(8, 4, -4, -4)
        chip = QRectF(rect.left(), rect.top(), min(rect.width(), 34 + option.fontMetrics.horizontalAdvance(
            index.data() or "")), rect.height())
        if prio == 1:
            painter.setBrush(color)
            painter.setPen(Qt.PenStyle.NoPen)
            text_color = QColor(theme.BG)
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(color, 1.2))
            text_color = color
        painter.drawRoundedRect(chip, 4, 4)
        painter.setPen(text_color)
        font = option.font
        font.setBold(prio in (1, 2))
        painter.setFont(font)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, index.data() or "")
        _group_bracket(painter, option.rect, index.data(GroupRole) or 0)
        painter.restore()


class SlaDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option, index) -> None:
        _panel(painter, option, index)
        painter.save()
        state = index.data(SlaStateRole) or "done"
        color = fmt.sla_color(state)
        rect = option.rect.adjusted(6, 2, -6, -5)
        font = option.font
        font.setBold(state in ("red", "amber"))
        painter.setFont(font)
        painter.setPen(color)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, index.data() or "")
        if state != "done":
            frac = min(1.0, float(index.data(SlaFractionRole) or 0.0))
            bar = QRectF(rect.left(), option.rect.bottom() - 4, rect.width(), 3)
            painter.fillRect(bar, QColor(theme.BORDER))
            painter.fillRect(QRectF(bar.left(), bar.top(), bar.width() * frac, bar.height()), color)
        painter.restore()
