"""The case queue as one QAbstractTableModel over the live store's own Case
objects (Orange's ``itemmodels`` idea): cells are computed when the view asks,
nothing is copied into item objects.

Which rows show, in which order, is :class:`console.queue_index.QueueIndex`
(numpy, no Qt). Each store batch becomes the cheapest correct signal: a
``dataChanged`` for rows that stayed put, one insert/remove/move, or a layout
change with the persistent indexes remapped — so the selection and the scroll
position survive live updates; only a snapshot (``Changes.reset``) resets.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont

from console import labels, theme
from console.protocol import OPEN_STATUSES, Case
from console.queue_index import COLUMNS, FilterSpec, Plan, QueueIndex, SortSpec
from console.store import Changes, LiveStore
from widgets import case_format as fmt

CaseIdRole = Qt.ItemDataRole.UserRole + 1
SlaStateRole = Qt.ItemDataRole.UserRole + 2      # ok, amber, red, done
SlaFractionRole = Qt.ItemDataRole.UserRole + 3   # share of the allowed time used
GroupRole = Qt.ItemDataRole.UserRole + 4         # 0 alone, 1 heads a linked pair, 2 follows it
PriorityRole = Qt.ItemDataRole.UserRole + 5
FlashRole = Qt.ItemDataRole.UserRole + 6         # 0..1 while a new case flashes

FLASH_S = 1.6
FLASH_TICK_MS = 40
_CENTERED = {"priority", "sla", "source", "links"}


class CaseTableModel(QAbstractTableModel):
    rows_reordered = Signal()     # after any structural change (the panel re-anchors the scroll)

    def __init__(self, store: LiveStore, parent=None, filter: FilterSpec | None = None,
                 sort: SortSpec | None = None):
        super().__init__(parent)
        self.store = store
        self.rows = QueueIndex(now=self._hub_now_s, filter=filter, sort=sort)
        self._now_s = self._hub_now_s()
        self._flash: dict[str, float] = {}
        self._flash_timer = QTimer(self)
        self._flash_timer.setInterval(FLASH_TICK_MS)
        self._flash_timer.timeout.connect(self._on_flash_tick)
        self._bold = QFont()
        self._bold.setBold(True)
        self._headers = [self.tr("Priority"), self.tr("SLA"), self.tr("Status"), self.tr("Category"),
                         self.tr("Title"), self.tr("Source"), self.tr("Area"), self.tr("Unit"),
                         self.tr("Reported"), self.tr("Links")]
        self.rows.load(store.cases, store.overdue)

    def _hub_now_s(self) -> float:
        return self.store.hub_now().timestamp()

    # --- Qt model API ------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else self.rows.row_count()

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def flags(self, index):
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable if index.isValid() \
            else Qt.ItemFlag.NoItemFlags

    def case_at(self, row: int) -> Case | None:
        cid = self.rows.case_id(row)
        return self.store.cases.get(cid) if cid else None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = index.row()
        case = self.case_at(row)
        if case is None:
            return None
        col = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(case, col, row)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(case, row)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(case, col, row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            h = Qt.AlignmentFlag.AlignHCenter if col in _CENTERED else Qt.AlignmentFlag.AlignLeft
            return h | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.FontRole and (col in ("priority", "sla") and self._urgent(case, row)):
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(case, col)
        return self._custom(case, row, role)

    def _custom(self, case: Case, row: int, role):
        if role == CaseIdRole:
            return case.id
        if role == SlaStateRole:
            return self._sla_state(case, row)
        if role == SlaFractionRole:
            rep, due = self._times(row)
            return fmt.sla_fraction(rep, due, self._now_s)
        if role == GroupRole:
            if self.rows.is_follower(row):
                return 2
            partner = self.rows.partner_of(case.id)
            return 1 if partner and self.rows.is_follower(row + 1) \
                and self.rows.case_id(row + 1) == partner else 0
        if role == PriorityRole:
            return case.priority
        if role == FlashRole:
            return self._flash_level(case.id)
        return None

    # --- cells -------------------------------------------------------------------------
    def _times(self, row: int) -> tuple[float, float]:
        return self.rows.times(row)

    def _sla_state(self, case: Case, row: int) -> str:
        rep, due = self._times(row)
        state = fmt.sla_state(case.status, rep, due, self._now_s)
        if state != "done" and case.id in self.store.overdue:
            return "red"     # the hub said so, whatever this workstation's clock thinks
        return state

    def _urgent(self, case: Case, row: int) -> bool:
        return case.priority == 1 or self._sla_state(case, row) == "red"

    def _display(self, case: Case, col: str, row: int) -> str:
        if col == "priority":
            return fmt.priority_text(case.priority)
        if col == "sla":
            return fmt.sla_text(case.status, self._times(row)[1], self._now_s)
        if col == "status":
            return labels.status(case.status)
        if col == "category":
            return labels.category(case.category)
        if col == "title":
            return case.title
        if col == "source":
            return fmt.source_text(case.source)
        if col == "area":
            return fmt.area_name(case.grid)
        if col == "unit":
            return fmt.unit_text(case)
        if col == "reported":
            return fmt.hall_time_s(self._times(row)[0])
        return self._links_text(case)

    def _links_text(self, case: Case) -> str:
        parts = []
        partner = next((l for l in case.links if l.relation == "12345-110"), None)
        if partner is not None:
            parts.append("⇄ " + ("110" if case.source == "hotline_12345" else "12345"))
        others = len(case.links) - (1 if partner is not None else 0)
        if others:
            parts.append(f"+{others}")
        if not parts and self.rows.is_twin(case.id):
            parts.append(self.tr("twin?"))
        return " ".join(parts)

    def _background(self, case: Case, row: int):
        flash = self._flash_level(case.id)
        base = None
        state = self._sla_state(case, row)
        if state == "red":
            base = fmt.OVERDUE_ROW
        if flash > 0:
            return _blend(base or QColor(theme.PANEL), fmt.FLASH, 0.55 * flash)
        return base

    def _foreground(self, case: Case, col: str, row: int):
        if col == "priority":
            return fmt.priority_color(case.priority)
        if col == "sla":
            return fmt.sla_color(self._sla_state(case, row))
        if col == "status":
            return QColor(fmt.STATUS_COLORS.get(case.status, theme.TEXT))
        if col == "links" and not case.links and self.rows.is_twin(case.id):
            return QColor(theme.WARN)
        if case.status not in OPEN_STATUSES:
            return QColor(theme.MUTED)
        return None

    def _tooltip(self, case: Case, col: str) -> str:
        if col == "area":
            return fmt.area_name(case.grid, full=True)
        if col == "links" and case.links:
            return "\n".join(f"{labels.relation(l.relation)}: {l.case}" for l in case.links)
        if col == "sla":
            return self.tr("Due %1").replace("%1", fmt.full_hall_time(case.due_at))
        addr = case.location.address or ""
        return f"{case.id}\n{case.title}" + (f"\n{addr}" if addr else "")

    # --- live updates --------------------------------------------------------------------
    def apply(self, changes: Changes, twins: set[str] | frozenset = frozenset()) -> None:
        """One store batch (``twins``: cases whose link candidates changed)."""
        self._now_s = self._hub_now_s()
        if changes.reset:
            self.beginResetModel()
            self._flash.clear()
            self.rows.load(self.store.cases, self.store.overdue)
            self.endResetModel()
            return
        ids = changes.cases | changes.overdue
        if not ids and not changes.removed_cases and not twins:
            return
        plan = self.rows.plan_changes(self.store.cases, ids, changes.removed_cases,
                                      self.store.overdue, twins)
        self._emit(plan)
        if changes.new_cases:
            self.flash(changes.new_cases)

    def configure(self, spec: FilterSpec, sort: SortSpec) -> None:
        if (spec, sort) != (self.rows.filter, self.rows.sort):
            self._relayout(self.rows.plan_layout(filter=spec, sort=sort))

    def set_filter(self, spec: FilterSpec) -> None:
        if spec != self.rows.filter:
            self._relayout(self.rows.plan_layout(filter=spec))

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        spec = SortSpec(COLUMNS[column], order == Qt.SortOrder.DescendingOrder)
        if spec != self.rows.sort:
            self._relayout(self.rows.plan_layout(sort=spec))

    def set_mine(self, ids: set[str]) -> None:
        self._emit(self.rows.plan_mine(ids))

    def tick(self) -> None:
        """Once a second: hub time moved on (SLA clocks, the overdue tab)."""
        self._now_s = self._hub_now_s()
        self._emit(self.rows.plan_tick())

    def refresh_rows(self, first: int, last: int) -> None:
        """Repaint rows ``first..last`` (the visible ones: never a million)."""
        last = min(last, self.rowCount() - 1)
        if 0 <= first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def _emit(self, plan: Plan) -> None:
        kind, none = plan.kind, QModelIndex()
        if kind == "none":
            return
        if kind == "inplace":
            self.rows.commit(plan)
        elif kind == "insert":
            self.beginInsertRows(none, plan.row, plan.row)
            self.rows.commit(plan)
            self.endInsertRows()
        elif kind == "remove":
            self.beginRemoveRows(none, plan.row, plan.row)
            self.rows.commit(plan)
            self.endRemoveRows()
        elif kind == "move":
            dest = plan.dest + 1 if plan.dest > plan.row else plan.dest
            if not self.beginMoveRows(none, plan.row, plan.row, none, dest):
                self._relayout(plan)
                return
            self.rows.commit(plan)
            self.endMoveRows()
        else:
            self._relayout(plan)
            return
        self._changed_rows(plan)
        if kind != "inplace":
            self.rows_reordered.emit()

    def _changed_rows(self, plan: Plan) -> None:
        rows = sorted(set(self.rows.rows_of_slots(plan.changed).tolist()))
        last_col = len(COLUMNS) - 1
        start = prev = None
        for r in rows + [None]:
            if r is not None and prev is not None and r == prev + 1:
                prev = r
                continue
            if start is not None:
                self.dataChanged.emit(self.index(start, 0), self.index(prev, last_col))
            start = prev = r

    def _relayout(self, plan: Plan) -> None:
        """Reorder with the persistent indexes (selection, current) moved to
        where their cases went, or dropped when filtered out."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        ids = [self.rows.case_id(i.row()) for i in old]
        self.rows.commit(plan)
        new = []
        for idx, cid in zip(old, ids):
            row = self.rows.row_of(cid) if cid else -1
            new.append(self.index(row, idx.column()) if row >= 0 else QModelIndex())
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()
        self.rows_reordered.emit()

    # --- new cases flash once ------------------------------------------------------------
    def flash(self, case_ids) -> None:
        start = time.monotonic()
        for cid in case_ids:
            self._flash[cid] = start
        if self._flash and not self._flash_timer.isActive():
            self._flash_timer.start()

    def _flash_level(self, case_id: str) -> float:
        start = self._flash.get(case_id)
        if start is None:
            return 0.0
        t = (time.monotonic() - start) / FLASH_S
        return 0.0 if t >= 1 else (1.0 - t) ** 2

    def _on_flash_tick(self) -> None:
        now = time.monotonic()
        done = [cid for cid, t in self._flash.items() if now - t >= FLASH_S]
        for cid in list(self._flash):
            row = self.rows.row_of(cid)
            if row >= 0:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1),
                                      [Qt.ItemDataRole.BackgroundRole])
        for cid in done:
            del self._flash[cid]
        if not self._flash:
            self._flash_timer.stop()

    def is_flashing(self, case_id: str) -> bool:
        return self._flash_level(case_id) > 0


def _blend(a: QColor, b: QColor, t: float) -> QColor:
    t = max(0.0, min(1.0, t))
    return QColor(round(a.red() + (b.red() - a.red()) * t), round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))

