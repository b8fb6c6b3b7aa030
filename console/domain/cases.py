"""The closed loop (闭环): which status moves the contract allows, and which
need a note. The hub enforces these; the console offers only these."""
from __future__ import annotations

from console.protocol import OPEN_STATUSES

# status -> statuses reachable with case.transition
MOVES: dict[str, frozenset[str]] = {
    "received": frozenset({"dispatched", "rejected"}),
    "dispatched": frozenset({"in_progress", "rejected"}),
    "in_progress": frozenset({"verifying", "rejected"}),
    "verifying": frozenset({"closed", "in_progress", "rejected"}),
    "closed": frozenset(),
    "rejected": frozenset(),
}

# (from, to) moves that must carry a note
NOTE_REQUIRED: frozenset[tuple[str, str]] = frozenset(
    {(s, "rejected") for s in OPEN_STATUSES} | {("verifying", "in_progress")}
)


class MoveError(ValueError):
    """A move the rules forbid; ``field`` names the argument at fault."""

    def __init__(self, message: str, field: str = "to"):
        super().__init__(message)
        self.field = field


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def allowed_moves(status: str, has_assignee: bool) -> list[str]:
    """The moves to offer for a case in ``status``; ``dispatched`` only with an
    assignee (otherwise use assign)."""
    moves = MOVES.get(status, frozenset())
    return sorted(m for m in moves if m != "dispatched" or has_assignee)


def check_move(status: str, to: str, note: str | None, has_assignee: bool) -> None:
    """Raise MoveError unless ``status -> to`` is allowed with this note."""
    if to not in MOVES.get(status, frozenset()):
        raise MoveError(f"cannot move a {status} case to {to}")
    if to == "dispatched" and not has_assignee:
        raise MoveError("moving to dispatched needs an assignee: use case.assign")
    if (status, to) in NOTE_REQUIRED and not (note and note.strip()):
        raise MoveError(f"a note is required to move {status} -> {to}", "note")


def can_assign(status: str) -> bool:
    return is_open(status)
