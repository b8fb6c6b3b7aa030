"""Attach a saved snapshot to a case (``case.attach``, an extension op: see
docs/protocol.md). A service on the asyncio loop, not a widget: the JPEG is
encoded in an executor, the command goes through the HubClient with the
version of the case as the store has it.

A conflict (someone changed the case meanwhile) is retried once against the
case the hub sent back, if it is still open: adding a picture does not undo
what the other desk did. Otherwise the refusal is said in words.
"""
from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Signal

from console import labels
from console.case_conflict import case_from_wire
from console.client import CommandFailed, CommandTimeout, NotConnected
from console.context import AppContext
from console.domain import cases as loop
from widgets.case_actions import Outcome, failure_text
from widgets.evidence_image import snapshot_data_url


class SnapshotAttacher(QObject):
    """``attach(path, case_id, note)``; one ``finished(case_id, ok, message)``
    per call."""
    finished = Signal(str, bool, str)

    def __init__(self, ctx: AppContext, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._tasks: set[asyncio.Task] = set()

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def attach(self, path: str, case_id: str, note: str | None = None) -> None:
        client = self.ctx.client
        if client is None or not client.connected:
            self.finished.emit(case_id, False, failure_text(Outcome("failed", code="not_connected")))
            return
        task = asyncio.ensure_future(self._attach(path, case_id, note))
        self._tasks.add(task)      # the loop holds tasks weakly
        task.add_done_callback(self._tasks.discard)

    async def _attach(self, path: str, case_id: str, note: str | None) -> None:
        try:
            ok, message = await self._run(path, case_id, note)
        except Exception as exc:   # an unreadable file, a codec missing: said, not raised
            ok, message = False, self.tr("Could not attach the snapshot: {0}").format(exc)
        self._tasks.discard(asyncio.current_task())    # no longer busy for whoever listens
        try:
            self.finished.emit(case_id, ok, message)
        except RuntimeError:
            pass                   # the panel was closed meanwhile

    async def _run(self, path: str, case_id: str, note: str | None) -> tuple[bool, str]:
        url = await asyncio.get_running_loop().run_in_executor(None, snapshot_data_url, path)
        case = self.ctx.store.cases.get(case_id)
        if case is None:
            return False, self.tr("Case {0} is not in the console's window").format(case_id)
        version, retried = case.version, False
        while True:
            args = {"case": case_id, "version": version, "kind": "snapshot", "url": url}
            if note:
                args["note"] = note
            try:
                result = await self.ctx.command("case.attach", args)
            except CommandFailed as exc:
                current = case_from_wire(exc.current) if exc.code == "conflict" else None
                if current is not None and not retried and loop.is_open(current.status):
                    version, retried = current.version, True
                    continue
                if current is not None:
                    return False, self.tr("Case {0} was changed meanwhile and is now {1}: the snapshot "
                                          "was not attached").format(case_id, labels.status(current.status))
                return False, failure_text(Outcome("failed", code=exc.code, message=exc.message,
                                                   field=exc.field))
            except CommandTimeout as exc:
                return False, failure_text(Outcome("failed", code="timeout", message=str(exc)))
            except NotConnected as exc:
                return False, failure_text(Outcome("failed", code="not_connected", message=str(exc)))
            got = result.get("case") or {}
            return True, self.tr("Snapshot attached to case {0} (version {1})").format(
                case_id, got.get("version", "?"))
