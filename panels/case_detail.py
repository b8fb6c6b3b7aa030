"""Case detail (案件详情): everything about the selected case — its fields,
caller (as the role may see it; never on the wall), evidence, linked cases,
12345–110 link suggestions with their reasons, and the timeline from
``case.history`` (refetched whenever the case's version changes).
"""
from __future__ import annotations

import asyncio

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QListWidget,
    QListWidgetItem, QPushButton, QScrollArea, QSizePolicy, QStackedLayout, QTableWidget, QTableWidgetItem,
    QToolBar, QVBoxLayout, QWidget,
)

from console import labels, linking, theme
from console.client import CommandFailed, CommandTimeout, NotConnected
from console.context import AppContext
from console.protocol import Case, HistoryEntry, parse_ts
from console.store import Changes
from widgets import case_format as fmt
from widgets.case_actions import ACTING_ROLES, CaseActions
from widgets.case_dialogs import op_text
from widgets.case_evidence import EvidenceStrip
from widgets.video_tile import ElidedLabel

FIELD_ROWS = ("category", "source", "area", "address", "position", "reported", "updated", "due",
              "unit", "camera", "sensor", "version")


class CaseDetailPanel(QWidget):
    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        self.setObjectName("CaseDetailPanel")
        self.links = linking.shared_index(ctx.store)
        self.actions_ = None if ctx.is_wall else CaseActions(ctx, self)
        self.case_id: str | None = None
        self.history: list[HistoryEntry] = []
        self.history_error = ""
        self._history_key: tuple[str, int] | None = None
        self._history_tasks: set[asyncio.Task] = set()
        self.candidates: list[linking.Candidate] = []
        self._build()
        ctx.adapter.changed.connect(self._on_changed)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._refresh_sla)
        self._tick.start()
        self.show_case(ctx.store.selected_case)

    # --- building -------------------------------------------------------------------------
    def _build(self) -> None:
        self.empty = QLabel(
            # the wall picks its case itself (console/wall_focus.py); nobody presses Alt+1 there
            self.tr("No urgent case open. A new P1 or P2 case shows here by itself.") if self.ctx.is_wall
            else self.tr("Select a case in the queue (Alt+1) to see it here"))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)     # at the wall's type size it is wider than the dock
        self.empty.setProperty("role", "muted")
        body = QWidget()
        col = QVBoxLayout(body)
        col.setContentsMargins(8, 8, 8, 8)
        col.setSpacing(8)
        col.addLayout(self._build_header())
        self.title = QLabel()
        self.title.setObjectName("DetailTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        big = QFont(self.title.font())
        big.setPointSizeF(big.pointSizeF() * (1.6 if self.ctx.is_wall else 1.35))
        big.setBold(True)
        self.title.setFont(big)
        col.addWidget(self.title)
        col.addWidget(self._build_fields())
        self.description = QLabel()
        self.description.setObjectName("DetailDescription")
        self.description.setWordWrap(True)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if not self.ctx.is_wall:          # the wall never gets the free text
            col.addWidget(self._group(self.tr("Description"), self.description))
        self.caller_box = self._build_caller()
        if not self.ctx.is_wall:          # ... nor the caller
            col.addWidget(self.caller_box)
        self.evidence = EvidenceStrip()
        self.evidence.itemDoubleClicked.connect(self._on_evidence_opened)
        self.evidence_box = self._group(self.tr("Evidence"), self.evidence)
        col.addWidget(self.evidence_box)
        self.linked = QLabel()
        self.linked.setObjectName("DetailLinked")
        self.linked.setWordWrap(True)
        self.linked.setTextFormat(Qt.TextFormat.RichText)
        self.linked.linkActivated.connect(self._on_link_activated)
        col.addWidget(self._group(self.tr("Linked cases"), self.linked))
        self.suggest_box = self._build_suggestions()
        col.addWidget(self.suggest_box)
        col.addWidget(self._group(self.tr("Timeline"), self._build_timeline()))
        col.addStretch(1)
        scroll = self._scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        scroll.viewport().installEventFilter(self)
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        if self.actions_ is not None:
            bar = QToolBar()
            bar.setObjectName("DetailToolbar")
            for name in ("assign", "advance", "move", "send_back", "reject", "link", "camera", "intake"):
                bar.addAction(self.actions_.actions[name])
            page_layout.addWidget(bar)
            self.actions_.message.connect(self.show_message)
        self.message = QLabel()
        self.message.setObjectName("DetailMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        page_layout.addWidget(self.message)
        page_layout.addWidget(scroll, 1)
        self.stack = QStackedLayout(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(page)

    def _group(self, title: str, widget: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.addWidget(widget)
        return box

    def _build_header(self) -> QHBoxLayout:
        self.priority = QLabel()
        self.priority.setObjectName("DetailPriority")
        self.status = QLabel()
        self.status.setObjectName("DetailStatus")
        self.sla = QLabel()
        self.sla.setObjectName("DetailSla")
        # the case number gives way first ("C-2026…000123", whole in its
        # tooltip and when copied): the header must not widen the panel past
        # its dock, or every field below is cut off at the right (the wall)
        self.case_label = ElidedLabel()
        self.case_label.elide_mode = Qt.TextElideMode.ElideMiddle
        self.case_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.case_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.case_label.setObjectName("DetailCaseId")
        self.case_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.case_label.setProperty("role", "muted")
        row = QHBoxLayout()
        for w in (self.priority, self.status, self.sla):
            w.setContentsMargins(8, 2, 8, 2)
            row.addWidget(w)
        row.addWidget(self.case_label, 1)    # takes what the chips leave, right-aligned
        # where the SLA chip goes when the three chips do not fit one line
        self._second_row = QHBoxLayout()
        self._second_row.addStretch(1)
        self._first_row = row
        header = QVBoxLayout()
        header.setSpacing(6)
        header.addLayout(row)
        header.addLayout(self._second_row)
        return header

    def _fit_header(self) -> None:
        """Put the SLA chip under the other two when the three do not fit the
        panel's width (a narrow dock at the wall's type size): wider, the page
        would scroll sideways and every field below would be cut at the right."""
        margins = self._scroll.widget().layout().contentsMargins()
        room = self._scroll.viewport().width() - margins.left() - margins.right()
        spacing = self._first_row.spacing()
        need = sum(w.sizeHint().width() for w in (self.priority, self.status, self.sla)) + 2 * spacing
        on_first = self._first_row.indexOf(self.sla) >= 0
        if need > room and on_first:
            self._first_row.removeWidget(self.sla)
            self._second_row.insertWidget(0, self.sla)
        elif need <= room and not on_first:
            self._second_row.removeWidget(self.sla)
            self._first_row.insertWidget(2, self.sla)

    def eventFilter(self, watched, event) -> bool:
        if watched is self._scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_header()
        return super().eventFilter(watched, event)

    def _build_fields(self) -> QWidget:
        names = {"category": self.tr("Category"), "source": self.tr("Source"), "area": self.tr("Grid"),
                 "address": self.tr("Address"), "position": self.tr("Position"),
                 "reported": self.tr("Reported"), "updated": self.tr("Updated"), "due": self.tr("Due"),
                 "unit": self.tr("Assigned to"), "camera": self.tr("Camera"), "sensor": self.tr("Sensor"),
                 "version": self.tr("Version")}
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        # a value that cannot be narrower (a 15-digit grid code at the wall's
        # 16 pt) goes under its name instead of widening the page
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.fields: dict[str, QLabel] = {}
        for key in FIELD_ROWS:
            value = QLabel()
            value.setObjectName(f"field_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            name = QLabel(names[key])
            name.setProperty("role", "muted")
            form.addRow(name, value)
            self.fields[key] = value
        return box

    def _build_caller(self) -> QGroupBox:
        box = QGroupBox(self.tr("Caller"))
        box.setObjectName("CallerBox")
        form = QFormLayout(box)
        self.caller_name = QLabel()
        self.caller_name.setObjectName("CallerName")
        self.caller_phone = QLabel()
        self.caller_phone.setObjectName("CallerPhone")
        for w in (self.caller_name, self.caller_phone):
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.tr("Name"), self.caller_name)
        form.addRow(self.tr("Phone"), self.caller_phone)
        return box

    def _build_suggestions(self) -> QGroupBox:
        box = QGroupBox(self.tr("12345–110 link suggestions"))
        box.setObjectName("SuggestBox")
        self.suggestions = QListWidget()
        self.suggestions.setObjectName("Suggestions")
        self.suggestions.setMaximumHeight(130)
        self.suggestions.itemActivated.connect(self._on_suggestion_activated)
        self.link_button = QPushButton(self.tr("Link selected (Enter) · best match (L)"))
        self.link_button.clicked.connect(self._link_selected)
        self.link_button.setVisible(self.actions_ is not None)
        lay = QVBoxLayout(box)
        lay.addWidget(self.suggestions)
        lay.addWidget(self.link_button, 0, Qt.AlignmentFlag.AlignRight)
        return box

    def _build_timeline(self) -> QWidget:
        self.timeline = QTableWidget(0, 5)
        self.timeline.setObjectName("Timeline")
        self.timeline.setHorizontalHeaderLabels([self.tr("Time (UTC+8)"), self.tr("Who"), self.tr("What"),
                                                 self.tr("Status"), self.tr("Note")])
        self.timeline.verticalHeader().hide()
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.timeline.setWordWrap(True)
        hh = self.timeline.horizontalHeader()
        for i in range(4):
            hh.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.timeline.setMinimumHeight(160)
        self.timeline_state = QLabel()
        self.timeline_state.setObjectName("TimelineState")
        self.timeline_state.setProperty("role", "muted")
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.timeline_state)
        lay.addWidget(self.timeline)
        return box

    # --- showing a case --------------------------------------------------------------------
    def case(self) -> Case | None:
        return self.ctx.store.cases.get(self.case_id) if self.case_id else None

    def _on_changed(self, changes: Changes) -> None:
        touched = self.links.sync(self.ctx.store.cases, changes)
        cid = self.ctx.store.selected_case
        if changes.reset or changes.selection or cid != self.case_id:
            self.show_case(cid)
        elif cid and (cid in changes.cases or cid in changes.removed_cases):
            self.show_case(cid)
        elif cid and cid in touched:
            self._refresh_suggestions()
        elif cid and self._linked_ids() & changes.cases:
            self._refresh_linked()
        elif cid and changes.status and self.history_error and self._connected():
            self._history_key = None          # the connection is back: try the timeline again
            self._fetch_history(self.case())
        if self.actions_ is not None and (changes.status or changes.cases):
            self.actions_.refresh()

    def show_case(self, case_id: str | None) -> None:
        self.case_id = case_id
        case = self.case()
        if self.actions_ is not None:
            self.actions_.refresh()
        if case is None:
            self.stack.setCurrentIndex(0)
            self._history_key = None
            return
        self.stack.setCurrentIndex(1)
        self._fill_header(case)
        self._fill_fields(case)
        self._fill_caller(case)
        cam = self.ctx.store.cameras.get(case.camera) if case.camera else None
        self.evidence.show_evidence(case.evidence, cam.name if cam else (case.camera or ""), case.id)
        self.evidence_box.setVisible(bool(case.evidence))
        self._refresh_linked()
        self._refresh_suggestions()
        self._fetch_history(case)

    def _fill_header(self, case: Case) -> None:
        self.priority.setText(fmt.priority_text(case.priority))
        color = fmt.priority_color(case.priority).name()
        self.priority.setStyleSheet(f"border: 1px solid {color}; border-radius: 4px; color: {color};"
                                    + (f" background: {color}; color: {theme.BG};" if case.priority == 1 else ""))
        self.status.setText(labels.status(case.status))
        self.status.setStyleSheet(f"border: 1px solid {theme.BORDER}; border-radius: 4px;"
                                  f" color: {fmt.STATUS_COLORS.get(case.status, theme.TEXT)};")
        self.case_label.setText(case.id)
        self.case_label.setToolTip(case.id)
        self.title.setText(case.title)
        self._refresh_sla()

    def _refresh_sla(self) -> None:
        case = self.case()
        if case is None:
            return
        rep, due = parse_ts(case.reported_at).timestamp(), parse_ts(case.due_at).timestamp()
        now = self.ctx.store.hub_now().timestamp()
        state = fmt.sla_state(case.status, rep, due, now)
        if state != "done" and case.id in self.ctx.store.overdue:
            state = "red"
        text = fmt.sla_text(case.status, due, now)
        left = state != "done" and due >= now
        self.sla.setText(self.tr("%1 left").replace("%1", text) if left else text)
        color = fmt.sla_color(state).name()
        bg = {"red": theme.ALARM_BG, "amber": theme.WARN_BG}.get(state, "transparent")
        self.sla.setStyleSheet(f"border: 1px solid {color}; border-radius: 4px; color: {color};"
                               f" background: {bg}; font-weight: 600;")
        self.sla.setProperty("sla", state)
        self._fit_header()     # the text's width changes ("56:59 left", "Overdue 1:02:03")

    def _fill_fields(self, case: Case) -> None:
        f = self.fields
        f["category"].setText(labels.category(case.category))
        f["source"].setText(labels.source(case.source))
        f["area"].setText(fmt.area_name(case.grid, full=True) + (f"  ({case.grid})" if case.grid else ""))
        f["address"].setText(fmt.dash(case.location.address))
        f["position"].setText(f"{case.location.lat:.6f}, {case.location.lon:.6f}")
        f["reported"].setText(fmt.full_hall_time(case.reported_at))
        f["updated"].setText(fmt.full_hall_time(case.updated_at))
        f["due"].setText(fmt.full_hall_time(case.due_at))
        f["unit"].setText(fmt.unit_text(case))
        cam = self.ctx.store.cameras.get(case.camera) if case.camera else None
        f["camera"].setText(f"{cam.name} ({case.camera})" if cam else fmt.dash(case.camera))
        sensor = self.ctx.store.sensors.get(case.sensor) if case.sensor else None
        f["sensor"].setText(f"{sensor.name} ({case.sensor})" if sensor else fmt.dash(case.sensor))
        f["version"].setText(str(case.version))
        self.description.setText(fmt.dash(case.description))

    def _fill_caller(self, case: Case) -> None:
        """As the hub sent it for this role (a viewer gets it masked); null is "—"."""
        caller = case.caller
        self.caller_name.setText(fmt.dash(caller.name if caller else None))
        self.caller_phone.setText(fmt.dash(caller.phone if caller else None))

    # --- linked cases and suggestions ------------------------------------------------------------
    def _linked_ids(self) -> set[str]:
        case = self.case()
        return {l.case for l in case.links} if case else set()

    def _refresh_linked(self) -> None:
        case = self.case()
        if case is None:
            return
        if not case.links:
            none = self.tr("None")
            self.linked.setText(f"<span style='color:{theme.MUTED}'>{none}</span>")
            return
        rows = []
        for link in case.links:
            other = self.ctx.store.cases.get(link.case)
            what = f"{fmt.source_text(other.source)} · {other.title} · {labels.status(other.status)}" \
                if other else self.tr("not in the console's window")
            rows.append(f"<b>{labels.relation(link.relation)}</b> "
                        f"<a href='{link.case}' style='color:{theme.ACCENT}'>{link.case}</a> — {what}")
        self.linked.setText("<br>".join(rows))

    def _on_link_activated(self, case_id: str) -> None:
        self.ctx.adapter.select_case(case_id)

    def _refresh_suggestions(self) -> None:
        case = self.case()
        self.suggestions.clear()
        self.candidates = []
        show = case is not None and case.source in linking.OTHER_LINE
        self.suggest_box.setVisible(show)
        if not show:
            return
        phones = self.ctx.store.role in ACTING_ROLES
        self.candidates = self.links.candidates(case, phones_visible=phones)
        for cand in self.candidates:
            other = self.ctx.store.cases.get(cand.case_id)
            if other is None:
                continue
            item = QListWidgetItem(f"{cand.case_id} · {fmt.source_text(other.source)} · {other.title}\n"
                                   f"    {fmt.reasons_text(cand.reasons)}  · "
                                   + self.tr("match %1").replace("%1", f"{cand.score:.0f}"))
            item.setData(Qt.ItemDataRole.UserRole, cand.case_id)
            self.suggestions.addItem(item)
        if not self.candidates:
            empty = QListWidgetItem(self.tr("No likely partner within 2 h and 3 km"))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.suggestions.addItem(empty)
        else:
            self.suggestions.setCurrentRow(0)

    def _on_suggestion_activated(self, item: QListWidgetItem) -> None:
        other = item.data(Qt.ItemDataRole.UserRole)
        if other and self.actions_ is not None:
            self.actions_.link(other)

    def _link_selected(self) -> None:
        item = self.suggestions.currentItem()
        if item is not None:
            self._on_suggestion_activated(item)

    def _on_evidence_opened(self, _item) -> None:
        case = self.case()
        if case is not None and case.camera:
            self.ctx.bus.open_camera.emit(case.camera)

    # --- the timeline -------------------------------------------------------------------------------
    def _fetch_history(self, case: Case) -> None:
        key = (case.id, case.version)
        if key == self._history_key:
            return
        self._history_key = key
        self.timeline_state.setText(self.tr("Loading the timeline…"))
        if not self._connected():
            self._show_history([], self.tr("Not connected: the timeline cannot be loaded"))
            return
        # an earlier fetch still running is left to finish (its answer is
        # dropped): cancelling it would orphan the client's pending command
        task = asyncio.ensure_future(self._load_history(key))
        self._history_tasks.add(task)
        task.add_done_callback(self._history_tasks.discard)

    def _connected(self) -> bool:
        return self.ctx.client is not None and self.ctx.client.connected

    async def _load_history(self, key: tuple[str, int]) -> None:
        try:
            result, error = await self.ctx.command("case.history", {"case": key[0]}), ""
        except (CommandFailed, CommandTimeout, NotConnected) as exc:
            result, error = {}, str(exc)
        try:
            self._on_history(key, result, error)
        except RuntimeError:
            pass       # the panel was closed while the hub answered

    def _on_history(self, key: tuple[str, int], result: dict, error: str) -> None:
        if key != self._history_key:
            return     # the dispatcher moved on meanwhile
        if error:
            error = self.tr("The timeline could not be loaded: %1").replace("%1", error)
        entries = [HistoryEntry(**e) if isinstance(e, dict) else e for e in result.get("entries", [])]
        self._show_history(entries, error)

    def _show_history(self, entries: list[HistoryEntry], error: str) -> None:
        self.history, self.history_error = entries, error
        self.timeline.setRowCount(len(entries))
        for r, e in enumerate(entries):
            note = "" if self.ctx.is_wall else (e.note or "")
            values = (fmt.full_hall_time(e.ts), e.user, op_text(e.op), labels.status(e.status), note)
            for c, text in enumerate(values):
                self.timeline.setItem(r, c, QTableWidgetItem(text))
        self.timeline.resizeRowsToContents()
        if error:
            self.timeline_state.setText(error)
            theme.set_level(self.timeline_state, "alarm")
        else:
            self.timeline_state.setText(self.tr("%1 steps").replace("%1", str(len(entries))))
            theme.set_level(self.timeline_state, None)

    def show_message(self, text: str, level: str) -> None:
        self.message.setText(text)
        theme.set_level(self.message, level)
        self.message.show()

    def closeEvent(self, event) -> None:
        self._tick.stop()
        super().closeEvent(event)
