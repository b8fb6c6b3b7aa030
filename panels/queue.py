"""The case queue (案件队列): the dispatcher's main work surface.

Tabs are saved filters (待受理 received, 处置中 dispatched + in progress, 待核查
verifying, 超时 overdue, 我的 mine, 全部 all); the filter bar narrows further.
One table over the live store (:class:`widgets.case_table_model.CaseTableModel`):
SLA clocks count down on hub time, overdue rows are tinted red, new cases
flash once and a new P1 chimes. Every action has a key (F1 lists them).
"""
from __future__ import annotations

from PySide6.QtCore import QCollator, QEvent, QItemSelectionModel, QLocale, QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QMenu, QTabBar, QTableView, QToolBar,
    QVBoxLayout, QWidget,
)

from console import i18n, labels, linking, theme
from console.context import AppContext
from console.domain.units import UNITS
from console.protocol import CATEGORIES, SOURCES
from console.queue_index import COLUMNS, TABS, FilterSpec, SortSpec
from console.store import Changes
from widgets.case_actions import ACTING_ROLES, CaseActions, mine_tracker
from widgets.case_delegates import PriorityDelegate, SlaDelegate
from widgets.case_filters import CaseFilterBar
from widgets.case_sound import Chime
from widgets.case_table_model import CaseIdRole, CaseTableModel

# the saved filters' names are the hall's own words (as the statuses are)
TAB_NAMES = {"received": ("待受理", "Received"), "in_progress": ("处置中", "In progress"),
             "verifying": ("待核查", "Verifying"), "overdue": ("超时", "Overdue"), "mine": ("我的", "Mine"),
             "all": ("全部", "All")}
TICK_MS = 1000
MIN_TITLE_WIDTH = 180
DROP_ORDER = ("reported", "category", "unit", "status", "area", "links", "source")  # first dropped first
COUNTS_MS = 500
COLUMN_WIDTHS = {"priority": 86, "sla": 120, "status": 68, "category": 96, "title": 240, "source": 70,
                 "area": 186, "unit": 130, "reported": 92, "links": 72}


class CaseQueuePanel(QWidget):
    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        self.setObjectName("CaseQueuePanel")
        self.links = linking.shared_index(ctx.store)
        tab, sort = self._saved_view()
        self.model = CaseTableModel(ctx.store, self, FilterSpec(tab=tab), sort)
        self.model.rows.twin_fn = self._has_twin
        self._set_ranks()
        self.mine = mine_tracker(ctx)
        self.model.rows.mine_ids = self.mine.ids()
        self.chime = Chime(self)
        self._anchor: tuple[str, int] | None = None
        self._syncing = False
        self._build()
        self._restore_view()
        self._connect()
        self.refresh_counts()

    # --- building ------------------------------------------------------------------------
    def _build(self) -> None:
        self.tabs = QTabBar(self)
        self.tabs.setObjectName("QueueTabs")
        self.tabs.setDrawBase(False)
        self.tabs.setExpanding(False)
        self._tab_names = {tab: i18n.pick(TAB_NAMES[tab]) for tab in TABS}
        for tab in TABS:
            self.tabs.addTab(self._tab_names[tab])
        self.filters = CaseFilterBar(self)
        self.filters.set_expanded(bool(self.ctx.settings.get("queue/filters_open")))
        self.table = self._make_table()
        self.actions_ = None if self.ctx.is_wall else CaseActions(self.ctx, self)
        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("QueueToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        if self.actions_ is not None:
            for name in ("intake", "assign", "advance", "move", "send_back", "reject", "link"):
                self.toolbar.addAction(self.actions_.actions[name])
        self.message = QLabel()
        self.message.setObjectName("QueueMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.footer = QLabel()
        self.footer.setObjectName("QueueFooter")
        self.footer.setProperty("role", "muted")
        self._build_keys()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.tabs)
        layout.addWidget(self.filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        bottom = QHBoxLayout()       # counts left, actions right: one row, not two
        bottom.addWidget(self.footer, 1)
        bottom.addWidget(self.toolbar, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(bottom)
        if self.ctx.is_wall:
            self.filters.hide()
            self.toolbar.hide()
        self.setFocusProxy(self.table)

    def _make_table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("QueueTable")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        vh = table.verticalHeader()
        vh.hide()
        # fixed heights: a million rows cost nothing to lay out
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(46 if self.ctx.is_wall else 30)
        hh = table.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setSectionsMovable(True)
        scale = 1.5 if self.ctx.is_wall else 1.0
        for i, col in enumerate(COLUMNS):
            hh.resizeSection(i, int(COLUMN_WIDTHS[col] * scale))
        hh.setSectionResizeMode(COLUMNS.index("title"), QHeaderView.ResizeMode.Stretch)
        table.setItemDelegateForColumn(COLUMNS.index("priority"), PriorityDelegate(table))
        table.setItemDelegateForColumn(COLUMNS.index("sla"), SlaDelegate(table))
        table.viewport().installEventFilter(self)     # the width decides which columns fit
        if not self.ctx.is_wall:
            table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            table.customContextMenuRequested.connect(self._on_context_menu)
        return table

    def _build_keys(self) -> None:
        """Panel keys (WidgetWithChildren: they work while the queue has focus)."""
        self.key_actions: list[QAction] = []
        self._key(self.tr("Search"), "Ctrl+F", self.filters.focus_search)
        self._key(self.tr("Clear search and filters"), "Ctrl+Shift+F", self.filters.clear)
        for i, tab in enumerate(TABS):
            self._key(self.tr("Tab: %1").replace("%1", self._tab_names[tab]), f"Ctrl+{i + 1}",
                      self._tab_switcher(i))

    def _tab_switcher(self, i: int):
        def switch() -> None:
            self.tabs.setCurrentIndex(i)
        return switch

    def _key(self, text: str, key: str, slot) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        self.key_actions.append(action)
        return action

    def eventFilter(self, watched, event) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return False

    def _fit_columns(self) -> None:
        """In a narrow dock, drop the least needed columns rather than make
        the dispatcher scroll sideways to see the title."""
        budget = self.table.viewport().width()
        scale = 1.5 if self.ctx.is_wall else 1.0
        need = sum(COLUMN_WIDTHS[c] for c in COLUMNS if c != "title") * scale + MIN_TITLE_WIDTH
        hidden = set()
        for col in DROP_ORDER:
            if need <= budget:
                break
            hidden.add(col)
            need -= COLUMN_WIDTHS[col] * scale
        for i, col in enumerate(COLUMNS):
            if self.table.isColumnHidden(i) != (col in hidden):
                self.table.setColumnHidden(i, col in hidden)

    def _set_ranks(self) -> None:
        """Sort categories, sources and units by the names the dispatcher reads."""
        collator = QCollator(QLocale())
        def order(codes, name):
            return {c: i for i, c in enumerate(sorted(codes, key=lambda c: collator.sortKey(name(c))))}
        self.model.rows.set_ranks(category=order(CATEGORIES, labels.category),
                                  source=order(SOURCES, labels.source),
                                  unit=order([u.id for u in UNITS], labels.unit))

    def _saved_view(self) -> tuple[str, SortSpec]:
        tab = self.ctx.settings.get("queue/tab")
        sort = self.ctx.settings.get("queue/sort") or "sla"
        column = sort.lstrip("-")
        return (tab if tab in TABS else TABS[0],
                SortSpec(column if column in COLUMNS else "sla", sort.startswith("-")))

    def _restore_view(self) -> None:
        tab, sort = self._saved_view()
        self.tabs.setCurrentIndex(TABS.index(tab))
        self._role_default_tab()
        order = Qt.SortOrder.DescendingOrder if sort.descending else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(COLUMNS.index(sort.column), order)
        self.model.configure(self._spec(), sort)
        self.table.setSortingEnabled(True)     # the model already sorts that way: no second pass

    def _connect(self) -> None:
        self.ctx.adapter.changed.connect(self._on_changed)
        self.ctx.adapter.case_selected.connect(self._on_case_selected)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.filters.changed.connect(self._apply_filter)
        self.filters.expanded_changed.connect(self._on_filters_expanded)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._on_sort_changed)
        self.mine.changed.connect(self._on_mine_changed)
        for sig in (self.model.layoutAboutToBeChanged, self.model.rowsAboutToBeInserted,
                    self.model.rowsAboutToBeRemoved, self.model.rowsAboutToBeMoved):
            sig.connect(self._remember_anchor)
        self.model.rows_reordered.connect(self._restore_anchor)
        if self.actions_ is not None:
            self.actions_.message.connect(self.show_message)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(COUNTS_MS)
        self._counts_timer.timeout.connect(self.refresh_counts)

    # --- filters --------------------------------------------------------------------------
    def current_tab(self) -> str:
        return TABS[max(0, self.tabs.currentIndex())]

    def _spec(self) -> FilterSpec:
        return FilterSpec(tab=self.current_tab(), **self.filters.parts())

    def _apply_filter(self) -> None:
        self.model.set_filter(self._spec())
        self._after_relayout()

    def _on_filters_expanded(self, shown: bool) -> None:
        self.ctx.settings.set("queue/filters_open", shown)

    def _on_tab_changed(self, _index: int) -> None:
        self.ctx.settings.set("queue/tab", self.current_tab())
        self._apply_filter()

    def _on_sort_changed(self, section: int, order) -> None:
        desc = order == Qt.SortOrder.DescendingOrder
        self.ctx.settings.set("queue/sort", ("-" if desc else "") + COLUMNS[section])
        self._after_relayout()

    def _after_relayout(self) -> None:
        self._select_row_of(self.ctx.store.selected_case)
        self.refresh_counts()

    def _has_twin(self, case) -> bool:
        return self.links.has_likely_twin(case, phones_visible=self.ctx.store.role in ACTING_ROLES)

    # --- live data ---------------------------------------------------------------------------
    def _on_changed(self, changes: Changes) -> None:
        twins = self.links.sync(self.ctx.store.cases, changes)
        if changes.reset:
            self.model.rows.mine_ids = self.mine.ids()   # perhaps a different user now
        self.model.apply(changes, frozenset() if changes.reset else twins)
        if changes.reset:
            self._select_row_of(self.ctx.store.selected_case)
            self._role_default_tab()
        elif changes.new_cases:
            self._chime_for(changes.new_cases)
        if self.actions_ is not None and (changes.cases or changes.reset or changes.status
                                          or changes.selection):
            self.actions_.refresh()
        if changes.cases or changes.reset or changes.removed_cases or changes.overdue:
            if not self._counts_timer.isActive():
                self._counts_timer.start()

    def _role_default_tab(self) -> None:
        """A supervisor's first look is the overdue list (until they pick a
        tab themselves, which is remembered)."""
        if (self.ctx.store.role == "supervisor" and not self.ctx.settings.is_set("queue/tab")
                and self.current_tab() != "overdue"):
            self.tabs.setCurrentIndex(TABS.index("overdue"))

    def _chime_for(self, case_ids) -> None:
        cases = self.ctx.store.cases
        if self.ctx.settings.get("queue/sound") and any(
                cases[c].priority == 1 for c in case_ids if c in cases):
            self.chime.play()

    def _on_mine_changed(self) -> None:
        self.model.set_mine(self.mine.ids())
        self.refresh_counts()

    def _on_tick(self) -> None:
        """Hub time moved: SLA clocks of the visible rows, and the overdue tab."""
        self.model.tick()
        first = self.table.rowAt(0)
        last = self.table.rowAt(self.table.viewport().height() - 1)
        if first >= 0:
            self.model.refresh_rows(first, last if last >= 0 else self.model.rowCount() - 1)
        if self.current_tab() == "overdue" or not self._counts_timer.isActive():
            self._counts_timer.start()

    def refresh_counts(self) -> None:
        counts = self.model.rows.tab_counts()
        for i, tab in enumerate(TABS):
            self.tabs.setTabText(i, f"{self._tab_names[tab]}  {counts[tab]:,}")
        overdue = TABS.index("overdue")
        self.tabs.setTabTextColor(overdue, QColor(theme.ALARM if counts["overdue"] else theme.MUTED))
        shown = self.model.rowCount()
        self.footer.setText(self.tr("Showing %1 of %2 cases · %3 overdue")
                            .replace("%1", f"{shown:,}").replace("%2", f"{counts['all']:,}")
                            .replace("%3", f"{counts['overdue']:,}"))

    # --- selection ------------------------------------------------------------------------------
    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._syncing or not current.isValid():
            return
        cid = current.data(CaseIdRole)
        if cid and cid != self.ctx.store.selected_case:
            self.ctx.adapter.select_case(cid)

    def _on_case_selected(self, case_id) -> None:
        self._select_row_of(case_id)
        if self.actions_ is not None:
            self.actions_.refresh()

    def _select_row_of(self, case_id: str | None) -> None:
        row = self.model.rows.row_of(case_id) if case_id else -1
        current = self.table.currentIndex()
        if row >= 0 and current.isValid() and current.row() == row:
            return
        self._syncing = True
        try:
            sel = self.table.selectionModel()
            if row < 0:
                sel.clearSelection()
                sel.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
            else:
                index = self.model.index(row, 0)
                sel.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                    | QItemSelectionModel.SelectionFlag.Rows)
                self.table.scrollTo(index)
        finally:
            self._syncing = False

    def select_row(self, row: int) -> None:
        """Make ``row`` current (as a click or the arrow keys would)."""
        self.table.setCurrentIndex(self.model.index(row, 0))

    # --- keeping the view steady --------------------------------------------------------------
    def _remember_anchor(self, *_args) -> None:
        """Before rows move: which case is at the top of the viewport. At the
        very top, stay at the top (new urgent cases must come into view)."""
        top = self.table.rowAt(0)
        if self.table.verticalScrollBar().value() == 0 or top < 0:
            self._anchor = None
            return
        self._anchor = (self.model.rows.case_id(top), top)

    def _restore_anchor(self) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is None:
            return
        row = self.model.rows.row_of(anchor[0]) if anchor[0] else -1
        if row >= 0 and row != anchor[1]:
            bar = self.table.verticalScrollBar()
            bar.setMaximum(max(bar.maximum(), row))
            bar.setValue(row)

    # --- menus and messages -------------------------------------------------------------------
    def _on_context_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if index.isValid():
            self.select_row(index.row())
        if self.actions_ is None or self.ctx.store.role not in ACTING_ROLES:
            return
        menu = QMenu(self)
        for name in ("assign", "advance", "move", "send_back", "reject", "link"):
            menu.addAction(self.actions_.actions[name])
        menu.addSeparator()
        menu.addAction(self.actions_.actions["camera"])
        menu.addAction(self.actions_.actions["intake"])
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.table.viewport().mapToGlobal(pos))   # popup, never exec(): no nested loop

    def show_message(self, text: str, level: str) -> None:
        self.message.setText(text)
        theme.set_level(self.message, level)
        self.message.show()

    def closeEvent(self, event) -> None:
        self._tick.stop()
        super().closeEvent(event)

