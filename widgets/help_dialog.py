"""F1: the keyboard shortcuts, read from the window's live QActions (and the
panels' own), so the list can never drift from what the keys really do."""
from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout,
    QWidget,
)

Section = tuple[str, list[QAction]]


def shortcut_text(action: QAction) -> str:
    return "  /  ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())


def action_text(action: QAction) -> str:
    """The menu text without its & mnemonic marker."""
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")


def with_shortcuts(actions: list[QAction]) -> list[QAction]:
    seen: set[int] = set()
    out = []
    for a in actions:
        if a.shortcuts() and id(a) not in seen and a.isVisible():
            seen.add(id(a))
            out.append(a)
    return out


class ShortcutHelpDialog(QDialog):
    def __init__(self, sections: list[Section], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ShortcutHelpDialog")
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels([self.tr("Action"), self.tr("Keys")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for title, actions in sections:
            self._add_section(title, with_shortcuts(actions))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Every action of the console can be reached from the keyboard.")))
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(620, 540)

    def _add_section(self, title: str, actions: list[QAction]) -> None:
        if not actions:
            return
        row = self.table.rowCount()
        self.table.insertRow(row)
        head = QTableWidgetItem(title)
        font = head.font()
        font.setBold(True)
        head.setFont(font)
        self.table.setItem(row, 0, head)
        self.table.setSpan(row, 0, 1, 2)
        for a in actions:
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(action_text(a)))
            self.table.setItem(row, 1, QTableWidgetItem(shortcut_text(a)))

    def rows(self) -> list[tuple[str, str]]:
        """(action, keys) as listed; tests read this."""
        out = []
        for r in range(self.table.rowCount()):
            keys = self.table.item(r, 1)
            if keys is not None:
                out.append((self.table.item(r, 0).text(), keys.text()))
        return out
