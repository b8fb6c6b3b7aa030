"""The one thin Qt adapter over the live store: turns the store's batched
changes into a signal, at most once per frame, so a burst of events costs
panels one repaint (QGroundControl's update-rate idea)."""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from console.store import Changes, LiveStore

FRAME_MS = 16


class StoreAdapter(QObject):
    changed = Signal(object)        # Changes
    case_selected = Signal(object)  # case id or None

    def __init__(self, store: LiveStore, parent: QObject | None = None, interval_ms: int = FRAME_MS):
        super().__init__(parent)
        self.store = store
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        store.on_dirty = self._schedule
        if store.pending:
            self._schedule()

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> Changes:
        """Deliver pending changes now (also called by tests)."""
        changes = self.store.take_changes()
        if changes:
            self.changed.emit(changes)
            if changes.selection:
                self.case_selected.emit(self.store.selected_case)
        return changes

    def select_case(self, case_id: str | None) -> None:
        self.store.select_case(case_id)
        self.flush()

    def close(self) -> None:
        self._timer.stop()
        if self.store.on_dirty == self._schedule:
            self.store.on_dirty = None
