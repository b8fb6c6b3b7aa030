"""Dispatch actions on the selected case, for the queue and the detail panel.

Each action is a command carrying the version of the case the dispatcher saw
(:class:`Intent`). :class:`ActionRunner` sends it on the asyncio loop and
reports one :class:`Outcome`:

* ``ok`` — the form closes, the case joins "mine";
* ``conflict`` — someone changed the case first: the runner fetches the
  history (who did it) and :class:`CaseActions` opens the conflict view, whose
  retry re-sends the same intent against the new version;
* ``failed`` — invalid (with the field), forbidden, not found, timeout, not
  connected: shown in the form that asked, which keeps its content.

:class:`CaseActions` owns the QActions (with their keys, for the panel's
toolbar, context menu and the F1 help) and the forms' lifecycle.
"""
from __future__ import annotations

import asyncio
import json
import weakref
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from console import labels, linking
from console.case_conflict import Conflict, case_from_wire, make_conflict
from console.client import CommandFailed, CommandTimeout, NotConnected
from console.context import ACTING_ROLES, AppContext  # noqa: F401 (ACTING_ROLES: re-exported)
from console.domain import cases as loop
from console.domain.units import UNITS
from console.protocol import Case
from widgets.case_dialogs import (
    AssignDialog, ConflictDialog, IntakeDialog, MoveDialog, RejectDialog, SendBackDialog, field_label,
)

translate = QCoreApplication.translate

NEXT_STEP = {"dispatched": "in_progress", "in_progress": "verifying", "verifying": "closed"}
MINE_KEPT = 2000


@dataclass
class Intent:
    """One thing the dispatcher asked for, against the case as they saw it."""
    op: str
    args: dict
    case_id: str | None = None
    seen: Case | None = None
    label: str = ""
    origin: Any = None          # the form or conflict view that gets the feedback
    forms: list = field(default_factory=list)   # forms to close once it succeeds

    def command_args(self) -> dict:
        if self.case_id is None:
            return dict(self.args)
        return {**self.args, "case": self.case_id, "version": self.seen.version}

    def against(self, current: Case, origin: Any) -> "Intent":
        """The same intent, re-sent on the version the hub has now."""
        return replace(self, seen=current, origin=origin,
                       forms=self.forms + ([self.origin] if self.origin is not None else []))


@dataclass(frozen=True)
class Outcome:
    kind: str                   # ok, conflict, failed
    result: dict | None = None
    conflict: Conflict | None = None
    code: str = ""
    message: str = ""
    field: str | None = None


def failure_text(o: Outcome) -> str:
    """A refusal in words that say what was wrong."""
    where = field_label(o.field)
    if o.code == "invalid":
        text = translate("CaseActions", "Refused as invalid")
        return f"{text}{' (' + where + ')' if where else ''}: {o.message}"
    if o.code == "forbidden":
        return translate("CaseActions", "Your role may not do this: %1").replace("%1", o.message)
    if o.code == "not_found":
        text = translate("CaseActions", "Not found")
        return f"{text}{' (' + where + ')' if where else ''}: {o.message}"
    if o.code == "timeout":
        return translate("CaseActions", "No answer from the hub in time. The action may or may not "
                                        "have been applied: check the case before trying again.")
    if o.code == "not_connected":
        return translate("CaseActions", "Not connected to the hub: nothing was sent. Try again once "
                                        "the connection is back.")
    if o.code == "unauthorized":
        return translate("CaseActions", "Your session has expired: log in again.")
    return f"{o.code}: {o.message}"


class ActionRunner(QObject):
    """Sends intents on the asyncio loop; one ``finished(intent, outcome)`` each."""
    finished = Signal(object, object)

    def __init__(self, ctx: AppContext, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._tasks: set[asyncio.Task] = set()

    def run(self, intent: Intent) -> None:
        client = self.ctx.client
        if client is None or not client.connected:
            # fail at once rather than queue a dispatch for "some time later"
            self.finished.emit(intent, Outcome("failed", code="not_connected"))
            return
        task = asyncio.ensure_future(self._run(intent))
        self._tasks.add(task)   # the loop holds tasks weakly
        task.add_done_callback(self._tasks.discard)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def _run(self, intent: Intent) -> None:
        try:
            result = await self.ctx.command(intent.op, intent.command_args())
        except CommandFailed as exc:
            outcome = await self._refusal(intent, exc)
        except CommandTimeout as exc:
            outcome = Outcome("failed", code="timeout", message=str(exc))
        except NotConnected as exc:
            outcome = Outcome("failed", code="not_connected", message=str(exc))
        else:
            outcome = Outcome("ok", result=result)
        try:
            self.finished.emit(intent, outcome)
        except RuntimeError:
            pass       # the panel was closed while the hub answered

    async def _refusal(self, intent: Intent, exc: CommandFailed) -> Outcome:
        current = case_from_wire(exc.current) if exc.code == "conflict" else None
        if current is None or intent.seen is None:
            return Outcome("failed", code=exc.code, message=exc.message, field=exc.field)
        try:
            history = (await self.ctx.command("case.history", {"case": current.id})).get("entries", [])
        except (CommandFailed, CommandTimeout, NotConnected):
            history = []    # the diff alone still says what changed
        return Outcome("conflict", conflict=make_conflict(intent.seen, current, history),
                       code="conflict", message=exc.message)


class MineTracker(QObject):
    """"Mine": the cases this console's user acted on here (assigned, moved,
    linked, created), newest kept, saved in the settings per user."""
    changed = Signal()

    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx

    def _all(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.ctx.settings.get("queue/mine") or "{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def ids(self) -> set[str]:
        return set(self._all().get(self.ctx.store.user or "", []))

    def add(self, case_id: str) -> None:
        user = self.ctx.store.user or ""
        data = self._all()
        ids = [c for c in data.get(user, []) if c != case_id] + [case_id]
        data[user] = ids[-MINE_KEPT:]
        self.ctx.settings.set("queue/mine", json.dumps(data))
        self.changed.emit()


_trackers: "weakref.WeakKeyDictionary[object, MineTracker]" = weakref.WeakKeyDictionary()


def mine_tracker(ctx: AppContext) -> MineTracker:
    """One per live store, shared by the queue and the detail panel."""
    tracker = _trackers.get(ctx.store)
    if tracker is None:
        tracker = _trackers[ctx.store] = MineTracker(ctx)
    return tracker


class CaseActions(QObject):
    """The actions of one panel on the store's selected case."""
    message = Signal(str, str)      # text, level (ok, alarm)

    def __init__(self, ctx: AppContext, panel: QWidget):
        super().__init__(panel)
        self.ctx = ctx
        self.panel = panel
        self.mine = mine_tracker(ctx)
        self.runner = ActionRunner(ctx, self)
        self.runner.finished.connect(self._on_finished)
        self.dialogs: list[QWidget] = []
        self.last_conflict: ConflictDialog | None = None
        self.actions: dict[str, QAction] = {}
        self._make("intake", self.tr("New 12345 call…"), "Ctrl+N", self.intake)
        self._make("assign", self.tr("Assign…"), "A", self.assign)
        self._make("advance", self.tr("Next step"), "Ctrl+Return", self.advance)
        self._make("move", self.tr("Move…"), "M", self.move)
        self._make("send_back", self.tr("Send back…"), "B", self.send_back)
        self._make("reject", self.tr("Reject…"), "R", self.reject)
        self._make("link", self.tr("Link 12345–110 (best match)"), "L", self.link_best)
        self._make("camera", self.tr("Nearest camera to the alarm tile"), "V", self.show_camera)
        self.refresh()

    def _make(self, name: str, text: str, key: str, slot) -> None:
        action = QAction(text, self.panel)
        action.setObjectName(f"action_{name}")
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{text} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")
        action.triggered.connect(slot)
        self.panel.addAction(action)
        self.actions[name] = action

    # --- what is possible now --------------------------------------------------------------
    def case(self) -> Case | None:
        cid = self.ctx.store.selected_case
        return self.ctx.store.cases.get(cid) if cid else None

    def may_act(self) -> bool:
        return self.ctx.may_act

    def refresh(self) -> None:
        case, act = self.case(), self.may_act()
        status = case.status if case else None
        has_unit = bool(case and case.assignee)
        enabled = {
            "intake": act,
            "assign": act and case is not None and loop.can_assign(status),
            "advance": act and case is not None and (status == "received" or status in NEXT_STEP),
            "move": act and case is not None and bool(loop.allowed_moves(status, has_unit)),
            "send_back": act and status == "verifying",
            "reject": act and case is not None and loop.is_open(status),
            "link": act and case is not None and case.source in linking.OTHER_LINE,
        }
        for name, on in enabled.items():
            self.actions[name].setEnabled(bool(on))
            self.actions[name].setVisible(act)
        self.actions["camera"].setEnabled(case is not None)   # looking is for every role

    # --- the actions ---------------------------------------------------------------------------
    def _open(self, dialog, op: str, case: Case | None, label: str) -> None:
        dialog.submitted.connect(lambda args, d=dialog: self.run(
            Intent(op, args, case.id if case else None, case, label, origin=d)))
        dialog.finished.connect(self._forget_dialog)
        self.dialogs.append(dialog)
        dialog.open()

    def _forget_dialog(self) -> None:
        dialog = self.sender()
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
            dialog.deleteLater()

    def run(self, intent: Intent) -> None:
        self.runner.run(intent)

    def show_camera(self) -> None:
        """Pull the case's camera (or the nearest one) up in the alarm tile."""
        case = self.case()
        if case is not None:
            self.ctx.bus.alarm_case.emit(case.id)

    def intake(self) -> None:
        if self.may_act():
            self._open(IntakeDialog(self.panel), "case.create", None, self.tr("New 12345 call"))

    def assign(self) -> None:
        case = self.case()
        if case is None or not self.actions["assign"].isEnabled():
            return
        units = list(self.ctx.store.units) or [u.id for u in UNITS]
        self._open(AssignDialog(case, units, self.panel), "case.assign", case, self.tr("Assign"))

    def move(self, preselect: str | None = None) -> None:
        case = self.case()
        if case is None or not self.actions["move"].isEnabled():
            return
        self._open(MoveDialog(case, self.panel, preselect or None), "case.transition", case, self.tr("Move"))

    def advance(self) -> None:
        """The natural next step: a received case is assigned; the others move
        on (dispatched → in progress → verifying → closed) in one key."""
        case = self.case()
        if case is None or not self.actions["advance"].isEnabled():
            return
        if case.status == "received":
            self.assign()
            return
        to = NEXT_STEP[case.status]
        label = f"{labels.status(case.status)} → {labels.status(to)}"
        self.run(Intent("case.transition", {"to": to}, case.id, case, label))

    def send_back(self) -> None:
        case = self.case()
        if case is not None and self.actions["send_back"].isEnabled():
            self._open(SendBackDialog(case, self.panel), "case.transition", case, self.tr("Send back"))

    def reject(self) -> None:
        case = self.case()
        if case is not None and self.actions["reject"].isEnabled():
            self._open(RejectDialog(case, self.panel), "case.transition", case, self.tr("Reject"))

    def candidates(self, case: Case) -> list[linking.Candidate]:
        phones = self.ctx.store.role in ACTING_ROLES
        return linking.shared_index(self.ctx.store).candidates(case, phones_visible=phones)

    def link_best(self) -> None:
        case = self.case()
        if case is None or not self.actions["link"].isEnabled():
            return
        found = self.candidates(case)
        if not found:
            self.message.emit(self.tr("No likely 12345–110 partner for this case"), "warn")
            return
        self.link(found[0].case_id)

    def link(self, other_id: str) -> None:
        case = self.case()
        if case is None or not self.may_act():
            return
        label = self.tr("Link with %1").replace("%1", other_id)
        self.run(Intent("case.link", {"other": other_id, "relation": linking.RELATION}, case.id, case, label))

    # --- outcomes ------------------------------------------------------------------------------
    def _on_finished(self, intent: Intent, outcome: Outcome) -> None:
        if outcome.kind == "ok":
            self._on_ok(intent, outcome)
        elif outcome.kind == "conflict":
            self._on_conflict(intent, outcome.conflict)
        else:
            text = failure_text(outcome)
            if intent.origin is not None and _alive(intent.origin):
                intent.origin.show_error(text, outcome.field)
            self.message.emit(text, "alarm")
        self.refresh()

    def _on_ok(self, intent: Intent, outcome: Outcome) -> None:
        case = (outcome.result or {}).get("case") or {}
        case_id = intent.case_id or case.get("id")
        if case_id:
            self.mine.add(case_id)
        for form in [intent.origin] + intent.forms:
            if form is not None and _alive(form):
                form.accept()
        if intent.op == "case.create" and case_id:
            self.ctx.adapter.select_case(case_id)
        done = intent.label or intent.op
        self.message.emit(self.tr("Done: %1 (%2)").replace("%1", done).replace("%2", case_id or ""), "ok")
        self.ctx.bus.status_message.emit(self.tr("Done: %1").replace("%1", done), 4000)

    def _on_conflict(self, intent: Intent, conflict: Conflict) -> None:
        parent = intent.origin if intent.origin is not None and _alive(intent.origin) else self.panel
        if isinstance(parent, ConflictDialog):
            parent.accept()        # a conflict on the retry: the newer view replaces it
            parent = self.panel
        if intent.origin is not None and hasattr(intent.origin, "set_busy") and _alive(intent.origin):
            intent.origin.set_busy(False)
        view = ConflictDialog(conflict, intent.label or intent.op, parent)
        view.retry.connect(lambda v=view, i=intent, c=conflict: self.run(i.against(c.current, v)))
        view.finished.connect(self._forget_dialog)
        self.dialogs.append(view)
        self.last_conflict = view
        self.message.emit(self.tr("Conflict: %1 was changed by %2 first")
                          .replace("%1", conflict.current.id)
                          .replace("%2", ", ".join(conflict.users) or "?"), "alarm")
        view.open()


def _alive(obj: QObject) -> bool:
    try:
        obj.objectName()
        return True
    except RuntimeError:       # its C++ side was deleted
        return False
