"""Shared fixtures: a real hub on loopback (random port, temp data dir)."""
from __future__ import annotations

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
