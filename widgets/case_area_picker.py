"""District → street → community → grid cell, as four cascading pickers
(the city's five-level grid, console.domain.grid). Choosing a level fills the
next; :meth:`AreaPicker.code` is the deepest level chosen ("" = whole city)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QWidget

from console.domain.grid import CITY_CODE, GridIndex
from widgets.case_format import grid_index

LEVELS = ("district", "street", "community", "grid")


class AreaPicker(QWidget):
    changed = Signal(str)     # the deepest chosen code, or ""

    def __init__(self, parent: QWidget | None = None, index: GridIndex | None = None):
        super().__init__(parent)
        self.grid = index or grid_index()
        self.combos: list[QComboBox] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        anys = (self.tr("All districts"), self.tr("All streets"), self.tr("All communities"),
                self.tr("All grid cells"))
        for level, any_text in zip(LEVELS, anys):
            combo = QComboBox(self)
            combo.setObjectName(f"area_{level}")
            combo.setProperty("any_text", any_text)
            combo.setMinimumContentsLength(3)     # shrinks with a narrow dock; the popup shows all
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.currentIndexChanged.connect(self._on_combo_changed)
            layout.addWidget(combo)
            self.combos.append(combo)
        self._fill(0, CITY_CODE)

    def _fill(self, level: int, parent_code: str | None) -> None:
        """Refill ``level`` (and clear those below) with the children of ``parent_code``."""
        for i in range(level, len(self.combos)):
            combo = self.combos[i]
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(combo.property("any_text"), "")
            if i == level and parent_code:
                for code in self.grid.children(parent_code):
                    combo.addItem(self.grid.name(code), code)
            combo.setEnabled(combo.count() > 1)
            combo.blockSignals(False)

    def _on_combo_changed(self) -> None:
        combo = self.sender()
        level = self.combos.index(combo)
        code = combo.currentData() or ""
        if level + 1 < len(self.combos):
            self._fill(level + 1, code or None)
        self.changed.emit(self.code())

    def code(self) -> str:
        for combo in reversed(self.combos):
            if combo.currentData():
                return combo.currentData()
        return ""

    def set_code(self, code: str) -> None:
        """Choose ``code`` and its ancestors ("" clears), quietly."""
        self._fill(0, CITY_CODE)
        if code:
            chain = [c for c, _ in self.grid.path_names(code)][1:]
            for level, part in enumerate(chain[:len(self.combos)]):
                combo = self.combos[level]
                combo.blockSignals(True)
                combo.setCurrentIndex(max(0, combo.findData(part)))
                combo.blockSignals(False)
                if level + 1 < len(self.combos):
                    self._fill(level + 1, part)
        self.changed.emit(self.code())
