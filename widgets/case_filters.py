"""The queue's filter bar: free text (title, address, case id), source,
category, priority, the area down to a grid cell, and "110 calls with a
likely 12345 twin". It only reports what is chosen; the panel applies it."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QBoxLayout, QComboBox, QHBoxLayout, QLineEdit, QPushButton, QToolButton, QVBoxLayout, QWidget,
)

from console import labels
from console.protocol import CATEGORIES, SOURCES
from widgets import case_format as fmt
from widgets.case_area_picker import AreaPicker

TYPING_PAUSE_MS = 180     # search once the dispatcher pauses, not per keystroke


class CaseFilterBar(QWidget):
    changed = Signal()
    expanded_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("QueueSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Search title, address or case number (Ctrl+F)"))
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_PAUSE_MS)
        self._typing.timeout.connect(self.changed)
        self.search.textChanged.connect(self._on_typed)
        self.search.returnPressed.connect(self._search_now)
        self.source = self._combo("QueueSource", self.tr("All sources"),
                                  [(fmt.source_text(s) if s in fmt.SOURCE_SHORT else labels.source(s), s)
                                   for s in SOURCES])
        self.category = self._combo("QueueCategory", self.tr("All categories"),
                                    sorted(((labels.category(c), c) for c in CATEGORIES)))
        self.priority = self._combo("QueuePriority", self.tr("All priorities"),
                                    [(fmt.priority_text(p), p) for p in (1, 2, 3, 4)])
        self.area = AreaPicker(self)
        self.area.changed.connect(self.changed)
        # a toggle button, not a check box: its on state must read at a glance
        self.twins = QToolButton()
        self.twins.setText(self.tr("Likely 12345 twins"))
        self.twins.setCheckable(True)
        self.twins.setObjectName("QueueTwins")
        self.twins.setToolTip(self.tr("Open 110 calls not linked yet whose best 12345 match is strong"))
        self.twins.toggled.connect(self.changed)
        self.clear_button = QPushButton(self.tr("Clear filters"))
        self.clear_button.clicked.connect(self.clear)
        # source, category, priority and area fold away: a queue in a narrow
        # dock keeps its rows for cases
        self.more = QToolButton()
        self.more.setObjectName("QueueMoreFilters")
        self.more.setText(self.tr("Filters"))
        self.more.setCheckable(True)
        self.more.setChecked(True)
        self.more.toggled.connect(self._on_more_toggled)
        self.changed.connect(self._update_more)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.more)
        buttons.addWidget(self.twins)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)           # stacked, the buttons sit left
        self._buttons = buttons
        # the search box and the buttons share a line while the search keeps
        # room for a few words; in a narrower dock the buttons go below it
        self._top = top = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        top.setSpacing(6)
        top.addWidget(self.search, 1)
        top.addLayout(buttons)
        self.details = QWidget(self)
        rows = QVBoxLayout(self.details)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(4)
        pickers = QHBoxLayout()
        for w in (self.source, self.category, self.priority):
            pickers.addWidget(w, 1)
        rows.addLayout(pickers)
        rows.addWidget(self.area)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.details)

    def search_room(self) -> int:
        """The width the search box needs beside the buttons: room for a few
        words typed (six Chinese characters, a dozen Latin letters)."""
        return self.search.fontMetrics().horizontalAdvance("搜索标题地址") + 30

    def stacked(self) -> bool:
        return self._top.direction() == QBoxLayout.Direction.TopToBottom

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_buttons(event.size().width())

    def _place_buttons(self, width: int) -> None:
        beside = width >= self.search_room() + self._top.spacing() + self._buttons.sizeHint().width()
        direction = QBoxLayout.Direction.LeftToRight if beside else QBoxLayout.Direction.TopToBottom
        if self._top.direction() != direction:
            self._top.setDirection(direction)

    def _combo(self, name: str, any_text: str, items) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.addItem(any_text, None)
        for text, data in items:
            combo.addItem(text, data)
        combo.currentIndexChanged.connect(self.changed)
        _narrow(combo)
        return combo

    def _active_details(self) -> int:
        return sum(1 for c in (self.source, self.category, self.priority) if c.currentData() is not None) \
            + (1 if self.area.code() else 0)

    def _update_more(self) -> None:
        """Folded filters still show that they filter: "Filters (2)"."""
        n = self._active_details()
        self.more.setText(self.tr("Filters (%1)").replace("%1", str(n)) if n else self.tr("Filters"))
        self._place_buttons(self.width())

    def _on_more_toggled(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.expanded_changed.emit(shown)

    def set_expanded(self, shown: bool) -> None:
        self.more.setChecked(shown)
        self.details.setVisible(shown)

    def _on_typed(self, _text: str) -> None:
        self._typing.start()

    def _search_now(self) -> None:
        self._typing.stop()
        self.changed.emit()

    def parts(self) -> dict:
        """The chosen filters, as FilterSpec fields."""
        one = lambda combo: frozenset() if combo.currentData() is None else frozenset([combo.currentData()])  # noqa: E731
        return {"sources": one(self.source), "categories": one(self.category),
                "priorities": one(self.priority), "area": self.area.code(),
                "text": self.search.text().strip(), "twins_only": self.twins.isChecked()}

    def is_clear(self) -> bool:
        p = self.parts()
        return not any(p.values())

    def clear(self) -> None:
        for w in (self.source, self.category, self.priority, self.twins, self.search, self.area):
            w.blockSignals(True)
        self.source.setCurrentIndex(0)
        self.category.setCurrentIndex(0)
        self.priority.setCurrentIndex(0)
        self.twins.setChecked(False)
        self.search.clear()
        self.area.set_code("")
        for w in (self.source, self.category, self.priority, self.twins, self.search, self.area):
            w.blockSignals(False)
        self._typing.stop()
        self.changed.emit()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()


def _narrow(combo: QComboBox) -> None:
    """Let a picker shrink with a narrow dock (its popup still shows full names)."""
    combo.setMinimumContentsLength(3)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
