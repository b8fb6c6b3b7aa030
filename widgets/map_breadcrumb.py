"""The drill-down path above the map: 乌海市 › 海勃湾区 › 新华街道.

Every step but the last is a button that takes the map back up to it."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget


class Breadcrumb(QWidget):
    area_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.path: list[tuple[str, str]] = []

    def set_path(self, path: list[tuple[str, str]]) -> None:
        """[(code, name)] from the city down to the area shown."""
        if path == self.path:
            return
        self.path = list(path)
        self._clear()
        for i, (code, name) in enumerate(path):
            if i:
                sep = QLabel("›")
                sep.setObjectName("BreadcrumbSeparator")
                self._layout.addWidget(sep)
            self._layout.addWidget(self._current(name) if i == len(path) - 1 else self._step(code, name))

    def _step(self, code: str, name: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(name)
        button.setAutoRaise(True)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setProperty("area", code)
        button.clicked.connect(self._on_step_clicked)
        return button

    def _current(self, name: str) -> QLabel:
        label = QLabel(name, self)
        label.setObjectName("BreadcrumbCurrent")
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        return label

    def _on_step_clicked(self) -> None:
        self.area_chosen.emit(self.sender().property("area"))

    def _clear(self) -> None:
        while self._layout.count():
            widget = self._layout.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)   # out of findChildren() now, freed later
                widget.deleteLater()

    def buttons(self) -> list[QToolButton]:
        return self.findChildren(QToolButton)
