"""A real hub for tests and benchmarks, with injectable faults (the mock peer,
QGroundControl's MockLink idea): run it in a thread on loopback, step its
clock, drop every connection, restart it on the same port and data.

Also a small synchronous protocol client for tests that talk to a hub
directly."""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable

from websockets.sync.client import connect

from hub.clock import ManualClock, SystemClock
from hub.server import HubConfig, HubServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HubThread:
    """A hub on its own event loop in a background thread."""

    def __init__(self, data_dir: Path, *, port: int | None = None, demo: bool = True,
                 clock=None, config: dict | None = None):
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.demo = demo
        self.clock = clock or SystemClock()
        self.config_overrides = dict(config or {})
        self.server: HubServer | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self) -> "HubThread":
        from hub.app import build_server
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            try:
                cfg = HubConfig(data_dir=self.data_dir, port=self.port, login_fail_delay_s=0.0,
                                **self.config_overrides)
                self.server = build_server(cfg, self.clock, demo=self.demo)
                self.loop.run_until_complete(self.server.start())
            except BaseException as exc:  # reported to the starting thread
                errors.append(exc)
                ready.set()
                return
            ready.set()
            self.loop.run_forever()

        self._thread = threading.Thread(target=run, name="hub", daemon=True)
        self._thread.start()
        ready.wait(30)
        if errors:
            raise errors[0]
        return self

    def call(self, fn: Callable[[], Any], timeout: float = 30) -> Any:
        """Run ``fn`` (a plain function or a coroutine function) on the hub's loop."""
        async def wrapper():
            result = fn()
            if asyncio.iscoroutine(result):
                result = await result
            return result
        return asyncio.run_coroutine_threadsafe(wrapper(), self.loop).result(timeout)

    def run_rules(self, kind: str = "tick") -> None:
        self.call(lambda: self.server.run_rules_now(kind))

    def drop_connections(self) -> None:
        """Fault: cut every client connection (as a network blip would)."""
        async def drop():
            for s in list(self.server.sessions):
                s.ws.transport.abort()
        self.call(drop)

    def stop(self) -> None:
        if self.loop is None:
            return
        try:
            self.call(self.server.stop)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()
            self.loop = None

    def restart(self) -> "HubThread":
        self.stop()
        return self.start()

    def __enter__(self) -> "HubThread":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class SyncClient:
    """A blocking protocol client: hello, commands with acks, events collected."""

    _ids = itertools.count(1)

    def __init__(self, url: str, user: str | None = None, password: str | None = "demo",
                 token: str | None = None, since: int | None = None, hello: bool = True):
        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(connect(url, max_size=None, open_timeout=10, max_queue=None))
        self.events: list[dict] = []
        self.others: list[dict] = []
        self.welcome: dict | None = None
        self.snapshot: dict | None = None
        if hello:
            frame = {"type": "hello", "since": since, "client": "tests"}
            if token:
                frame["token"] = token
            else:
                frame.update(user=user, password=password)
            self.send(frame)
            self.welcome = self.recv()

    def send(self, frame: dict | str | bytes) -> None:
        self.ws.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))

    def recv(self, timeout: float = 10) -> dict:
        return json.loads(self.ws.recv(timeout))

    def recv_until(self, pred: Callable[[dict], bool], timeout: float = 10) -> dict:
        """Receive frames until one matches; events and others are kept."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv(max(0.01, deadline - time.monotonic()))
            if frame.get("type") == "event":
                self.events.append(frame)
            elif frame.get("type") == "snapshot":
                self.snapshot = frame
            else:
                self.others.append(frame)
            if pred(frame):
                return frame

    def command(self, op: str, args: dict, cmd_id: str | None = None, timeout: float = 10) -> dict:
        cmd_id = cmd_id or f"t{next(self._ids)}-{time.monotonic_ns()}"
        self.send({"type": "command", "id": cmd_id, "op": op, "args": args})
        return self.recv_until(lambda f: f.get("type") == "ack" and f.get("id") == cmd_id, timeout)

    def drain(self, timeout: float = 0.2) -> list[dict]:
        """Collect whatever arrives within ``timeout``."""
        got = []
        try:
            while True:
                frame = self.recv(timeout)
                got.append(frame)
                if frame.get("type") == "event":
                    self.events.append(frame)
        except TimeoutError:
            return got

    def wait_seq(self, seq: int, timeout: float = 10) -> None:
        """Receive until the event with ``seq`` (or a later one) has arrived."""
        if self.events and self.events[-1]["seq"] >= seq:
            return
        self.recv_until(lambda f: f.get("type") == "event" and f["seq"] >= seq, timeout)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> "SyncClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["HubThread", "SyncClient", "ManualClock", "free_port"]
