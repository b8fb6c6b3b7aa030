"""The dispatcher's forms: assign, move along the closed loop, send back,
reject, take a 12345 call, and the conflict view.

Every form is opened with ``.open()`` (never ``exec()``, which would nest an
event loop inside qasync) and reports through signals: ``submitted(args)``
when the dispatcher confirms. The form stays open with its content until the
hub accepts; a refusal is shown inside it (:meth:`CaseFormDialog.show_error`)
with the field at fault focused, so nothing typed is ever lost.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
    QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem,
    QPlainTextEdit, QRadioButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from console import labels, theme
from console.case_conflict import Conflict, FieldChange
from console.domain import cases as loop
from console.domain.units import suggested_units, unit_for_category
from console.protocol import CATEGORIES, Case
from widgets import case_format as fmt
from widgets.case_area_picker import AreaPicker

translate = QCoreApplication.translate


def case_summary(case: Case) -> str:
    return f"{case.id} · {labels.status(case.status)} · {case.title}"


def field_label(name: str | None) -> str:
    """A protocol field name in the dispatcher's words."""
    names = {
        "unit": translate("CaseFields", "Unit"), "person": translate("CaseFields", "Person"),
        "note": translate("CaseFields", "Note"), "to": translate("CaseFields", "Next status"),
        "title": translate("CaseFields", "Title"), "description": translate("CaseFields", "Description"),
        "category": translate("CaseFields", "Category"), "priority": translate("CaseFields", "Priority"),
        "location": translate("CaseFields", "Location"), "grid": translate("CaseFields", "Grid cell"),
        "caller": translate("CaseFields", "Caller"), "phone": translate("CaseFields", "Phone"),
        "status": translate("CaseFields", "Status"), "assignee": translate("CaseFields", "Assignee"),
        "links": translate("CaseFields", "Links"), "due_at": translate("CaseFields", "Due"),
        "evidence": translate("CaseFields", "Evidence"), "other": translate("CaseFields", "Other case"),
        "relation": translate("CaseFields", "Relation"), "case": translate("CaseFields", "Case"),
        "version": translate("CaseFields", "Version"), "source": translate("CaseFields", "Source"),
    }
    if not name:
        return ""
    head = name.split(".")[0]
    return names.get(head, name)


class CaseFormDialog(QDialog):
    """A form that sends one command. Subclasses add fields and implement
    :meth:`collect` (args, or raise ``ValueError((field, message))``)."""
    submitted = Signal(dict)

    def __init__(self, title: str, header: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(type(self).__name__)
        self.field_widgets: dict[str, QWidget] = {}
        self.header = QLabel(header)
        self.header.setWordWrap(True)
        self.header.setProperty("role", "title")
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.error = QLabel()
        self.error.setObjectName("FormError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        theme.set_level(self.error, "alarm")
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Send"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        # Ctrl+Enter sends from anywhere in the form, even from a text box
        QShortcut(QKeySequence("Ctrl+Return"), self, self._on_ok)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.busy = False

    def add_field(self, name: str, label: str, widget: QWidget) -> QWidget:
        widget.setObjectName(f"field_{name}")
        self.form.addRow(label, widget)
        self.field_widgets[name] = widget
        return widget

    def collect(self) -> dict:
        raise NotImplementedError

    def _on_ok(self) -> None:
        if self.busy:
            return
        try:
            args = self.collect()
        except ValueError as exc:
            field, message = exc.args[0]
            self.show_error(message, field)
            return
        self.error.hide()
        self.set_busy(True)
        self.submitted.emit(args)

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.ok_button.setEnabled(not busy)
        self.ok_button.setText(self.tr("Sending…") if busy else self.tr("Send"))

    def show_error(self, message: str, field: str | None = None) -> None:
        """A refusal, inside the form; the content stays as typed."""
        self.set_busy(False)
        self.error.setText(message)
        self.error.show()
        widget = self.field_widgets.get((field or "").split(".")[0])
        if widget is not None:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)


def _note_edit(placeholder: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(80)
    return edit


class AssignDialog(CaseFormDialog):
    """Assign to a unit: the unit that owns the category first, then those
    usually informed, then the rest."""

    def __init__(self, case: Case, unit_ids: list[str], parent: QWidget | None = None):
        super().__init__(self.tr("Assign case"), case_summary(case), parent)
        self.case = case
        hint = QLabel(self.tr("Category %1 · grid %2").replace("%1", labels.category(case.category))
                      .replace("%2", fmt.area_name(case.grid)))
        hint.setProperty("role", "muted")
        self.form.addRow(hint)
        self.units = QListWidget()
        self.units.setMinimumHeight(220)
        suggested = suggested_units(case.category)
        owner = unit_for_category(case.category)
        ordered = suggested + sorted(u for u in unit_ids if u not in suggested)
        for uid in ordered:
            text = labels.unit(uid)
            if uid == owner:
                text += "  " + self.tr("(suggested: owns this category)")
            elif uid in suggested:
                text += "  " + self.tr("(suggested: usually informed)")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, uid)
            self.units.addItem(item)
        current = case.assignee.unit if case.assignee else owner
        for i in range(self.units.count()):
            if self.units.item(i).data(Qt.ItemDataRole.UserRole) == current:
                self.units.setCurrentRow(i)
        self.units.itemActivated.connect(self._on_ok)
        self.add_field("unit", self.tr("Unit"), self.units)
        self.person = self.add_field("person", self.tr("Person (optional)"), QLineEdit())
        if case.assignee and case.assignee.person:
            self.person.setText(case.assignee.person)
        self.note = self.add_field("note", self.tr("Note (optional)"), QLineEdit())
        self.ok_button.setText(self.tr("Assign"))
        self.units.setFocus()

    def set_busy(self, busy: bool) -> None:
        super().set_busy(busy)
        if not busy:
            self.ok_button.setText(self.tr("Assign"))

    def collect(self) -> dict:
        item = self.units.currentItem()
        if item is None:
            raise ValueError(("unit", self.tr("Choose a unit")))
        args = {"unit": item.data(Qt.ItemDataRole.UserRole)}
        if self.person.text().strip():
            args["person"] = self.person.text().strip()
        if self.note.text().strip():
            args["note"] = self.note.text().strip()
        return args


class MoveDialog(CaseFormDialog):
    """Move along the closed loop: only the moves the rules allow."""

    def __init__(self, case: Case, parent: QWidget | None = None, preselect: str | None = None):
        super().__init__(self.tr("Move case"), case_summary(case), parent)
        self.case = case
        self.moves = QListWidget()
        for to in loop.allowed_moves(case.status, case.assignee is not None):
            item = QListWidgetItem(f"{labels.status(case.status)}  →  {labels.status(to)}")
            item.setData(Qt.ItemDataRole.UserRole, to)
            self.moves.addItem(item)
            if to == preselect:
                self.moves.setCurrentItem(item)
        if self.moves.currentRow() < 0 and self.moves.count():
            self.moves.setCurrentRow(0)
        self.moves.setMaximumHeight(30 * max(1, self.moves.count()) + 8)
        self.add_field("to", self.tr("Next status"), self.moves)
        self.note = self.add_field("note", self.tr("Note"), _note_edit(self.tr("Required to reject or to send back")))
        self.moves.currentItemChanged.connect(self._on_move_changed)
        self._on_move_changed()

    def _target(self) -> str | None:
        item = self.moves.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _on_move_changed(self) -> None:
        to = self._target()
        need = to is not None and (self.case.status, to) in loop.NOTE_REQUIRED
        self.form.labelForField(self.note).setText(self.tr("Note (required)") if need else self.tr("Note"))

    def collect(self) -> dict:
        to = self._target()
        if to is None:
            raise ValueError(("to", self.tr("No move is allowed from this status")))
        note = self.note.toPlainText().strip()
        try:
            loop.check_move(self.case.status, to, note, self.case.assignee is not None)
        except loop.MoveError as exc:
            raise ValueError((exc.field, self.tr("A note is required for this move")
                              if exc.field == "note" else str(exc))) from None
        return {"to": to, **({"note": note} if note else {})}


class SendBackDialog(CaseFormDialog):
    """Verification failed: back to the unit, with the reason."""

    def __init__(self, case: Case, parent: QWidget | None = None):
        super().__init__(self.tr("Send back for rework"), case_summary(case), parent)
        self.note = self.add_field("note", self.tr("Reason (required)"),
                                   _note_edit(self.tr("What is still wrong on site")))
        self.ok_button.setText(self.tr("Send back"))
        self.note.setFocus()

    def set_busy(self, busy: bool) -> None:
        super().set_busy(busy)
        if not busy:
            self.ok_button.setText(self.tr("Send back"))

    def collect(self) -> dict:
        note = self.note.toPlainText().strip()
        if not note:
            raise ValueError(("note", self.tr("Say why the case goes back")))
        return {"to": "in_progress", "note": note}


class RejectDialog(CaseFormDialog):
    """Reject as invalid or as a duplicate, with a note."""

    def __init__(self, case: Case, parent: QWidget | None = None):
        super().__init__(self.tr("Reject case"), case_summary(case), parent)
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        self.reasons = QButtonGroup(self)
        self.invalid = QRadioButton(self.tr("Invalid"))
        self.duplicate = QRadioButton(self.tr("Duplicate"))
        self.invalid.setChecked(True)
        for b in (self.invalid, self.duplicate):
            self.reasons.addButton(b)
            box.addWidget(b)
        box.addStretch(1)
        self.add_field("reason", self.tr("Reason"), row)
        self.note = self.add_field("note", self.tr("Note (required)"),
                                   _note_edit(self.tr("Why, or which case it duplicates")))
        self.ok_button.setText(self.tr("Reject"))
        theme.set_level(self.ok_button, "alarm")
        self.note.setFocus()

    def set_busy(self, busy: bool) -> None:
        super().set_busy(busy)
        if not busy:
            self.ok_button.setText(self.tr("Reject"))

    def collect(self) -> dict:
        note = self.note.toPlainText().strip()
        if not note:
            raise ValueError(("note", self.tr("A note is required to reject a case")))
        reason = self.tr("Duplicate") if self.duplicate.isChecked() else self.tr("Invalid")
        return {"to": "rejected", "note": f"{reason}: {note}"}


class IntakeDialog(CaseFormDialog):
    """A 12345 call taken by phone: caller, what, where (a grid cell picked
    from the five levels, or a typed position looked up in the grid)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(self.tr("New 12345 hotline call"), self.tr("Record a call taken by phone"), parent)
        self.grid = fmt.grid_index()
        self.name = self.add_field("caller", self.tr("Caller name"), QLineEdit())
        self.phone = self.add_field("phone", self.tr("Phone"), QLineEdit())
        self.phone.setPlaceholderText("13800000000")
        self.category = self.add_field("category", self.tr("Category"), QComboBox())
        for code in CATEGORIES:
            self.category.addItem(labels.category(code), code)
        self.category.setCurrentIndex(self.category.findData("other"))
        self.priority = self.add_field("priority", self.tr("Priority"), QComboBox())
        self.priority.addItem(self.tr("By category"), None)
        for p in (1, 2, 3, 4):
            self.priority.addItem(fmt.priority_text(p), p)
        self.title = self.add_field("title", self.tr("Title"), QLineEdit())
        self.title.setMaxLength(200)
        self.description = self.add_field("description", self.tr("Description"),
                                          _note_edit(self.tr("What the caller says")))
        self.address = self.add_field("address", self.tr("Address"), QLineEdit())
        self.area = self.add_field("grid", self.tr("Grid cell"), AreaPicker(index=self.grid))
        # 0 reads "—" (not typed yet): Wuhai is far from either zero line
        self.lat = QDoubleSpinBox(decimals=6, minimum=0, maximum=90)
        self.lon = QDoubleSpinBox(decimals=6, minimum=0, maximum=180)
        for spin in (self.lat, self.lon):
            spin.setSpecialValueText("—")
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._on_position_typed)
        pos = QWidget()
        pos_row = QHBoxLayout(pos)
        pos_row.setContentsMargins(0, 0, 0, 0)
        pos_row.addWidget(QLabel(self.tr("lat")))
        pos_row.addWidget(self.lat)
        pos_row.addWidget(QLabel(self.tr("lon")))
        pos_row.addWidget(self.lon)
        self.add_field("location", self.tr("Or position"), pos)
        self.cell_label = QLabel()
        self.cell_label.setObjectName("IntakeCell")
        self.cell_label.setWordWrap(True)
        self.form.addRow(self.tr("Resolved cell"), self.cell_label)
        self.area.changed.connect(self._on_area_picked)
        self.ok_button.setText(self.tr("Create case"))
        self._cell: str | None = None
        self._show_cell()
        self.name.setFocus()
        self.resize(560, 640)

    def set_busy(self, busy: bool) -> None:
        super().set_busy(busy)
        if not busy:
            self.ok_button.setText(self.tr("Create case"))

    # --- where ----------------------------------------------------------------------
    def _on_area_picked(self, code: str) -> None:
        cell = self.grid.cells.get(code)
        if cell is None:
            self._cell = None
        else:
            self._cell = code
            lat, lon = cell.centroid
            for spin, v in ((self.lat, lat), (self.lon, lon)):
                spin.blockSignals(True)
                spin.setValue(v)
                spin.blockSignals(False)
        self._show_cell()

    def _on_position_typed(self) -> None:
        lat, lon = self.lat.value(), self.lon.value()
        cell = self.grid.nearest_cell(lat, lon, max_m=500) if lat and lon else None
        self._cell = cell.code if cell else None
        self.area.blockSignals(True)
        self.area.set_code(self._cell or "")
        self.area.blockSignals(False)
        self._show_cell()

    def _show_cell(self) -> None:
        if self._cell:
            self.cell_label.setText(f"{fmt.area_name(self._cell, full=True)}  ({self._cell})")
            theme.set_level(self.cell_label, "ok")
        else:
            self.cell_label.setText(self.tr("Pick a grid cell, or type a position inside Wuhai"))
            theme.set_level(self.cell_label, "warn")

    def cell(self) -> str | None:
        return self._cell

    # --- sending --------------------------------------------------------------------
    def collect(self) -> dict:
        phone = self.phone.text().strip()
        if not phone:
            raise ValueError(("phone", self.tr("The caller's phone number is required")))
        title = self.title.text().strip()
        if not title:
            raise ValueError(("title", self.tr("A title is required")))
        if not self._cell:
            raise ValueError(("grid", self.tr("The place is not in any grid cell of Wuhai")))
        category = self.category.currentData()
        args = {"source": "hotline_12345", "category": category, "title": title,
                "location": {"lat": round(self.lat.value(), 6), "lon": round(self.lon.value(), 6),
                             "address": self.address.text().strip() or None},
                "grid": self._cell,
                "caller": {"name": self.name.text().strip() or None, "phone": phone}}
        description = self.description.toPlainText().strip()
        if description:
            args["description"] = description
        if self.priority.currentData():
            args["priority"] = self.priority.currentData()
        return args


# --- conflict ----------------------------------------------------------------------------

def change_text(change: FieldChange, which: str) -> str:
    value = change.before if which == "before" else change.after
    name = change.field
    if value is None or value == () or value == "":
        return "—"
    if name == "status":
        return labels.status(value)
    if name == "assignee":
        return labels.unit(value.unit) + (f" · {value.person}" if value.person else "")
    if name == "priority":
        return fmt.priority_text(value)
    if name == "category":
        return labels.category(value)
    if name == "links":
        return ", ".join(f"{labels.relation(l.relation)} {l.case}" for l in value)
    if name == "location":
        return f"{value.address or ''} ({value.lat:.5f}, {value.lon:.5f})".strip()
    if name == "grid":
        return fmt.area_name(value)
    if name == "due_at":
        return fmt.full_hall_time(value)
    if name == "caller":
        return " ".join(x for x in (value.name, value.phone) if x) or "—"
    if name == "evidence":
        return str(len(value))
    return str(value)


class ConflictDialog(QDialog):
    """Someone changed the case first: what changed, who did it, and one key
    to re-send the same intent against the new version."""
    retry = Signal()

    def __init__(self, conflict: Conflict, intent_label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ConflictDialog")
        self.setWindowTitle(self.tr("The case was changed by someone else"))
        self.conflict = conflict
        seen, now = conflict.seen, conflict.current
        head = QLabel(self.tr("%1 changed while you worked on it: you saw version %2, it is now "
                              "version %3. Nothing of yours was applied.")
                      .replace("%1", now.id).replace("%2", str(seen.version)).replace("%3", str(now.version)))
        head.setWordWrap(True)
        head.setProperty("role", "title")
        self.who = QLabel(self._who_text())
        self.who.setObjectName("ConflictWho")
        self.who.setWordWrap(True)
        theme.set_level(self.who, "warn")
        self.table = QTableWidget(len(conflict.changes), 3)
        self.table.setObjectName("ConflictChanges")
        self.table.setHorizontalHeaderLabels([self.tr("Field"), self.tr("You saw"), self.tr("Now")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for r, change in enumerate(conflict.changes):
            for c, text in enumerate((field_label(change.field), change_text(change, "before"),
                                      change_text(change, "after"))):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.intent = QLabel(self.tr("Your action: %1").replace("%1", intent_label))
        self.error = QLabel()
        self.error.setWordWrap(True)
        theme.set_level(self.error, "alarm")
        self.error.hide()
        buttons = QDialogButtonBox()
        self.retry_button = buttons.addButton(self.tr("Retry on the new version"),
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        self.retry_button.setDefault(True)
        buttons.addButton(self.tr("Discard my action"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._on_retry)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (head, self.who, self.table, self.intent, self.error, buttons):
            layout.addWidget(w)
        self.resize(620, 380)

    def _who_text(self) -> str:
        if not self.conflict.by:
            return self.tr("Changed by: (history not available)")
        parts = [f"{e.user} · {fmt.hall_time(e.ts, with_date=False)} · {op_text(e.op)}"
                 + (f" · {e.note}" if e.note else "") for e in self.conflict.by]
        return self.tr("Changed by: %1").replace("%1", "；".join(parts))

    def changed_fields(self) -> list[str]:
        return [c.field for c in self.conflict.changes]

    def _on_retry(self) -> None:
        self.retry_button.setEnabled(False)
        self.error.hide()
        self.retry.emit()

    def show_error(self, message: str, field: str | None = None) -> None:
        self.retry_button.setEnabled(True)
        self.error.setText(message)
        self.error.show()


def op_text(op: str) -> str:
    names = {"case.create": translate("CaseOps", "created"), "case.assign": translate("CaseOps", "assigned"),
             "case.transition": translate("CaseOps", "moved"), "case.link": translate("CaseOps", "linked"),
             "case.unlink": translate("CaseOps", "unlinked"), "ingest.call": translate("CaseOps", "call received"),
             "case.attach": translate("CaseOps", "evidence attached"),
             "ingest.detection": translate("CaseOps", "AI sighting"),
             "ingest.reading": translate("CaseOps", "sensor alarm")}
    return names.get(op, op)

