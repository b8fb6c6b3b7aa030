"""Shared fixtures: a real hub on loopback (random port, temp data dir)."""
from __future__ import annotations

import contextlib
import gc
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Tests never touch the developer's own settings, keyring or data.
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

from hub.clock import ManualClock  # noqa: E402
from hub.testing import HubThread, SyncClient  # noqa: E402


@pytest.fixture(autouse=True)
def gc_only_between_tests():
    """No automatic cyclic GC while a test runs; collect after it, on this
    (the GUI) thread. Left automatic, a collection can start on the hub's
    thread or a libVLC lane and free a Qt widget of an earlier test there;
    Qt then crashes on that widget's next timer (seen as a segfault in
    processEvents during test_hub_fuzz)."""
    gc.disable()
    yield
    gc.collect()
    gc.disable()


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def hub(tmp_path, clock):
    """A demo-seeded hub on a manual clock."""
    with HubThread(tmp_path / "hub", clock=clock) as h:
        yield h


@pytest.fixture
def connect(hub):
    """Open logged-in clients: ``connect("demo-dispatcher")``; closed at the end."""
    clients: list[SyncClient] = []

    def make(user: str = "demo-dispatcher", **kw) -> SyncClient:
        c = SyncClient(hub.url, user=user, **kw)
        clients.append(c)
        return c

    yield make
    for c in clients:
        try:
            c.close()
        except Exception:
            pass

pytest_plugins = ["tests.qtasync"]


@contextlib.contextmanager
def _app_look(qapp, wall: bool):
    from PySide6.QtWidgets import QApplication
    from console import theme
    font, sheet, palette, style = qapp.font(), qapp.styleSheet(), qapp.palette(), qapp.style().name()
    theme.apply(qapp, wall=wall)
    try:
        yield
    finally:
        QApplication.setStyle(style)
        qapp.setPalette(palette)
        qapp.setFont(font)
        qapp.setStyleSheet(sheet)


@pytest.fixture
def wall_type(qapp):
    """The wall's type (16 pt and its style sheet) for one test; the
    application's look is put back afterwards."""
    with _app_look(qapp, wall=True):
        yield


@pytest.fixture
def desk_type(qapp):
    """The workstation's look (theme, 10 pt) for one test, then put back."""
    with _app_look(qapp, wall=False):
        yield
