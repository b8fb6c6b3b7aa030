"""Guard against the PySide6 6.12.0 bug (MACHINE.md §3): every Python-side
``emit()`` took one reference away from ``True`` and the process aborted
after ~570 emits (``bool_dealloc``). The console emits store changes every
frame, so a PySide6 with that bug must fail here, in a second, not in the hall."""
from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal

EMITS = 5000


class Emitter(QObject):
    flag = Signal(bool)
    number = Signal(int)
    anything = Signal(object)
    bare = Signal()


@pytest.mark.parametrize("name, args", [("flag", (True,)), ("number", (1,)),
                                        ("anything", ({"changed": True},)), ("bare", ())])
@pytest.mark.parametrize("connected", [True, False])
def test_python_emit_keeps_refcount_of_true(qapp, name, args, connected):
    e = Emitter()
    got: list = []
    signal = getattr(e, name)
    if connected:
        signal.connect(lambda *a: got.append(1))
    before = sys.getrefcount(True)
    for _ in range(EMITS):
        signal.emit(*args)
    after = sys.getrefcount(True)
    assert after - before == 0, f"{name}: True lost {before - after} references in {EMITS} emits"
    assert len(got) == (EMITS if connected else 0)
