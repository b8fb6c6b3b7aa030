"""What each role may see of callers (protocol "Roles").

* dispatcher, supervisor: everything;
* viewer: phone ``138****0000``, name ``王*``;
* wall, feeder: no caller, no description, no history notes.
"""
from __future__ import annotations

from console.protocol import Caller, Case, HistoryEntry
import msgspec

FULL, MASKED, HIDDEN = "full", "masked", "hidden"
ROLE_CLASS = {"dispatcher": FULL, "supervisor": FULL, "viewer": MASKED, "wall": HIDDEN, "feeder": HIDDEN}
CLASSES = (FULL, MASKED, HIDDEN)


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str | None) -> str | None:
    return name[:1] + "*" if name else name


def redact_case(case: Case, cls: str) -> Case:
    if cls == FULL:
        return case
    if cls == MASKED:
        if case.caller is None:
            return case
        caller = Caller(name=mask_name(case.caller.name), phone=mask_phone(case.caller.phone))
        return msgspec.structs.replace(case, caller=caller)
    if case.caller is None and case.description is None:
        return case
    return msgspec.structs.replace(case, caller=None, description=None)


def redact_history(entry: HistoryEntry, cls: str) -> HistoryEntry:
    if cls == HIDDEN and entry.note is not None:
        return msgspec.structs.replace(entry, note=None)
    return entry
