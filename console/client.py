"""The hub client: one WebSocket session kept alive on the asyncio loop.

No Qt here: the console runs it on the qasync loop, the demo simulator and the
benchmarks on a plain asyncio loop.

* ``hello`` with the token (or the password the first time), ``since`` = the
  last applied seq; the snapshot or replay goes to the sink, then live events
  in seq order. A gap in seq, or a dropped connection, reconnects with
  exponential backoff and jitter and resumes with ``since``.
* ``command()`` returns the ack's result, raises :class:`CommandFailed` for a
  refusal and :class:`CommandTimeout` when no ack comes. Commands without an
  ack yet are re-sent after a reconnect with the same id (the hub answers a
  re-sent id with its first ack, so nothing is applied twice).
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidHandshake, InvalidURI
from websockets.frames import Frame, Opcode

from console.protocol import (
    Ack, Command, Error, Event, Hello, ProtocolError, Snapshot, Welcome, decode_server_frame,
    encode, server_frame_decoder,
)

log = logging.getLogger("console.client")

CLIENT_NAME = "citybrain-console/0.1"
CLOSE_UNAUTHORIZED = 4401


class CommandFailed(Exception):
    """The hub refused a command; ``code`` is the contract's error code."""

    def __init__(self, code: str, message: str, field: str | None = None, current: Any = None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.field, self.current = code, message, field, current


class CommandTimeout(Exception):
    pass


class NotConnected(Exception):
    pass


class LoginRefused(Exception):
    pass


class _TokenRefused(Exception):
    pass


class Sink(Protocol):
    """Where the client delivers what the hub says (the live store)."""

    def on_welcome(self, welcome: Welcome, extra: dict) -> None: ...
    def on_snapshot(self, snapshot: Snapshot) -> None: ...
    def on_event(self, event: Event) -> None: ...
    def on_status(self, status: "ConnectionStatus") -> None: ...


@dataclass
class ConnectionStatus:
    state: str                  # connecting, connected, reconnecting, unauthorized, closed
    retry_at: float | None = None  # time.monotonic() of the next attempt
    message: str = ""
    user: str | None = None
    role: str | None = None


@dataclass
class Credentials:
    user: str | None = None
    password: str | None = None
    token: str | None = None


class _Pending:
    __slots__ = ("frame", "future", "sent")

    def __init__(self, frame: str, future: asyncio.Future):
        self.frame, self.future, self.sent = frame, future, False


_TEXT, _BINARY, _CONT = Opcode.TEXT, Opcode.BINARY, Opcode.CONT


def _drop(_message: bytes) -> None:
    pass


class PushConnection(ClientConnection):
    """A websockets client connection that hands each message to
    ``on_message`` as soon as its frame is parsed, instead of queueing it for
    ``recv()``.

    Set up through ``connect(create_connection=...)``, websockets' hook for
    customising the connection. The console applies every frame the moment it
    arrives, so the queue, the per-message ``await recv()`` and the pause and
    resume of reading that the queue needs are pure overhead (in the A/B runs
    of bench/console_ingest.py, docs/console.md, the console's median rate
    went from 0.62-0.65 of a bare recv() client's to 0.83-0.97).
    Each network read is one call of ``data_received`` on the event loop, so
    the UI still gets the loop between reads (256 KiB, a few ms of frames),
    and while the console is busy the socket is simply not read: TCP's flow
    control is the back-pressure.

    Until ``on_message`` is set, and for control frames, the connection
    behaves like websockets' own. ``on_message`` must not raise.
    """

    on_message: Callable[[bytes], None] | None = None
    _fragments: list[bytes] | None = None

    def process_event(self, event) -> None:
        deliver = self.on_message
        if deliver is None or self.response is None or event.__class__ is not Frame:
            super().process_event(event)     # the handshake, or nobody took over yet
            return
        op = event.opcode
        if op is _TEXT or op is _BINARY:
            if event.fin:
                deliver(event.data)          # the common case: one frame, one message
            else:
                self._fragments = [event.data]
        elif op is _CONT and self._fragments is not None:
            self._fragments.append(event.data)
            if event.fin:
                message, self._fragments = b"".join(self._fragments), None
                deliver(message)
        else:
            super().process_event(event)     # ping, pong, close


_extra_decoder = msgspec.json.Decoder(dict)
_decode_frame = server_frame_decoder.decode
_DECODE_ERRORS = (msgspec.ValidationError, msgspec.DecodeError)


class HubClient:
    def __init__(self, url: str, credentials: Credentials, sink: Sink, *,
                 ack_timeout: float = 10.0, backoff_min: float = 0.5, backoff_max: float = 30.0,
                 client_name: str = CLIENT_NAME):
        self.url = url
        self.credentials = credentials
        self.sink = sink
        self.ack_timeout = ack_timeout
        self.backoff_min, self.backoff_max = backoff_min, backoff_max
        self.client_name = client_name
        self.last_seq: int | None = None
        self.status = ConnectionStatus("closed")
        self._ws: ClientConnection | None = None
        self._pending: dict[str, _Pending] = {}
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._connected = asyncio.Event()
        self._welcomed: asyncio.Future | None = None   # per session: the welcome, or why not
        self._failed: asyncio.Future | None = None     # per session: set when it must end
        self.welcome: Welcome | None = None

    # --- lifecycle -------------------------------------------------------------
    def start(self) -> asyncio.Task:
        self._stopping = False
        self._task = asyncio.ensure_future(self._run())
        return self._task

    async def close(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        for p in self._pending.values():
            if not p.future.done():
                p.future.set_exception(NotConnected("client closed"))
                p.future.exception()   # whoever awaits it gets it; nobody need to
        self._pending.clear()
        self._set_status("closed")

    @property
    def connected(self) -> bool:
        return self.status.state == "connected"

    async def wait_connected(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    def _set_status(self, state: str, retry_at: float | None = None, message: str = "") -> None:
        w = self.welcome
        self.status = ConnectionStatus(state, retry_at, message, w.user if w else None,
                                       w.role if w else None)
        try:
            self.sink.on_status(self.status)
        except Exception:
            log.exception("status sink failed")

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping:
            self._set_status("connecting" if attempt == 0 else "reconnecting")
            try:
                await self._session()
                attempt = 0
            except _TokenRefused as exc:
                log.info("token refused (%s): logging in with the password", exc)
                continue
            except LoginRefused as exc:
                self._set_status("unauthorized", message=str(exc))
                return
            except (OSError, ConnectionClosed, InvalidHandshake, InvalidURI, asyncio.TimeoutError,
                    ProtocolError) as exc:
                log.info("connection to %s lost: %s", self.url, exc)
            finally:
                self._connected.clear()
                self._ws = None
            if self._stopping:
                break
            attempt += 1
            delay = self._backoff(attempt)
            self._set_status("reconnecting", time.monotonic() + delay)
            await asyncio.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter, so a hall of consoles that lost
        the hub together do not all come back in the same instant."""
        cap = min(self.backoff_max, self.backoff_min * (2 ** min(attempt, 10)))
        return random.uniform(self.backoff_min, cap)

    # --- one session ---------------------------------------------------------------
    async def _session(self) -> None:
        async with connect(self.url, max_size=None, open_timeout=10, ping_interval=20,
                           ping_timeout=20, compression=None, create_connection=PushConnection) as ws:
            self._ws = ws
            loop = asyncio.get_running_loop()
            self._welcomed = loop.create_future()
            self._failed = loop.create_future()
            ws.on_message = self._on_message   # from here on every message comes to _on_message
            await self._hello(ws)
            self._connected.set()
            self._set_status("connected")
            self._resend_pending()
            await self._until(ws, self._failed)
        if ws.close_code == CLOSE_UNAUTHORIZED:
            raise LoginRefused(ws.close_reason or "unauthorized")

    @staticmethod
    async def _until(ws: PushConnection, future: asyncio.Future, timeout: float | None = None):
        """The future's result, or what ``recv()`` would have said when the
        connection closes first: nothing for a normal close, otherwise the
        ConnectionClosedError; asyncio.TimeoutError after ``timeout``."""
        closed = asyncio.ensure_future(ws.wait_closed())
        try:
            await asyncio.wait((future, closed), timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
        if future.done():
            return future.result()
        if not closed.done():
            raise asyncio.TimeoutError
        exc = ws.protocol.close_exc
        if not isinstance(exc, ConnectionClosedOK):
            raise exc

    def _on_message(self, message: bytes) -> None:
        """Every message of a session, called by the connection as each frame
        is parsed. Messages stay bytes: msgspec reads UTF-8 bytes directly.
        Must not raise into websockets: a gap ends the session (reconnect and
        resume), a malformed frame is logged and skipped."""
        welcomed = self._welcomed
        if not welcomed.done():
            try:
                welcomed.set_result(self._on_welcome(message))
            except Exception as exc:   # refused, or not a welcome: _hello raises it
                welcomed.set_exception(exc)
                self._ws.on_message = _drop
            return
        try:
            self._dispatch(message)
        except ProtocolError as exc:
            self._fail(exc)
        except Exception:
            log.exception("applying a frame from the hub failed: %.200r", message)

    def _fail(self, exc: Exception) -> None:
        """End the session with ``exc`` (a gap: reconnect and resume with since)."""
        self._ws.on_message = _drop   # the rest of this read is not applied
        if not self._failed.done():
            self._failed.set_exception(exc)

    async def _hello(self, ws: PushConnection) -> None:
        c = self.credentials
        hello = Hello(since=self.last_seq, client=self.client_name)
        if c.token:
            hello.token = c.token
        else:
            hello.user, hello.password = c.user, c.password
        await ws.send(encode(hello).decode())
        await self._until(ws, self._welcomed, 30)
        if self._welcomed.done():
            return
        raise ConnectionClosedOK(None, None)   # closed (normally) before the welcome

    def _on_welcome(self, raw: bytes) -> Welcome:
        """The hub's answer to hello, applied before the frames that follow it
        (the snapshot may come in the same read)."""
        c = self.credentials
        frame = decode_server_frame(raw)
        if isinstance(frame, Error):
            if c.token and c.password:
                # the token expired or was revoked: fall back to the password
                c.token = None
                raise _TokenRefused(frame.message)
            raise LoginRefused(frame.message)
        if not isinstance(frame, Welcome):
            raise ProtocolError(f"expected welcome, got {type(frame).__name__}", "type")
        self.welcome = frame
        c.token = frame.token
        extra = _extra_decoder.decode(raw)
        self.sink.on_welcome(frame, extra)
        if self.last_seq is not None and frame.seq < self.last_seq:
            # The hub's log is behind what we applied (it was restored from an
            # older backup): our view is ahead of the truth, so start over.
            log.warning("hub seq %d is behind ours %d: resyncing", frame.seq, self.last_seq)
            self.last_seq = None
        return frame

    def _dispatch(self, raw: str | bytes) -> None:
        try:
            frame = _decode_frame(raw)
        except _DECODE_ERRORS:
            try:
                frame = decode_server_frame(raw)   # the ProtocolError naming the field
            except ProtocolError as exc:
                log.warning("ignoring malformed frame from hub: %s", exc)
                return
        if frame.__class__ is Event and frame.seq - 1 == self.last_seq:
            self._deliver(frame)        # the common case, the next event in seq order
        else:
            self._apply(frame)

    def _deliver(self, ev: Event) -> None:
        """Apply the next event. A bug in applying one must not stop the
        console (nor make it ask for the same event again and again): that
        event is skipped, logged with its traceback, and the rest go on. Bad
        event data (ProtocolError) is the hub's fault and ends the session."""
        try:
            self.sink.on_event(ev)
        except ProtocolError:
            raise
        except Exception:
            log.exception("applying a frame from the hub failed: event %d (%s)", ev.seq, ev.kind)
        self.last_seq = ev.seq

    def _apply(self, frame: Welcome | Snapshot | Event | Ack | Error) -> None:
        if isinstance(frame, Event):
            self._on_event(frame)
        elif isinstance(frame, Ack):
            self._on_ack(frame)
        elif isinstance(frame, Snapshot):
            self.last_seq = frame.seq
            self.sink.on_snapshot(frame)
        elif isinstance(frame, Error):
            log.warning("hub error %s: %s", frame.code, frame.message)
        else:
            log.warning("unexpected %s frame", type(frame).__name__)

    def _on_event(self, ev: Event) -> None:
        last = self.last_seq
        if last is not None and ev.seq <= last:
            return  # already applied
        if last is not None and ev.seq != last + 1:
            log.warning("gap in seq: have %d, got %d; reconnecting", last, ev.seq)
            raise ProtocolError(f"gap in event seq after {last}", "seq")
        self._deliver(ev)

    def _on_ack(self, ack: Ack) -> None:
        p = self._pending.pop(ack.id, None)
        if p is None or p.future.done():
            return
        if ack.ok:
            p.future.set_result(ack.result if ack.result is not None else {})
        else:
            e = ack.error
            p.future.set_exception(CommandFailed(e.code, e.message, e.field, e.current)
                                   if e else CommandFailed("invalid", "refused"))

    def _resend_pending(self) -> None:
        for p in self._pending.values():
            self._send_now(p)

    def _send_now(self, p: _Pending) -> None:
        ws = self._ws
        if ws is None or not self._connected.is_set():
            return
        p.sent = True
        asyncio.ensure_future(self._send(ws, p.frame))

    @staticmethod
    async def _send(ws: ClientConnection, frame: str) -> None:
        try:
            await ws.send(frame)
        except ConnectionClosed:
            pass  # re-sent on reconnect

    # --- commands ----------------------------------------------------------------
    def submit(self, op: str, args: dict, cmd_id: str | None = None) -> asyncio.Future:
        """Queue a command; the future resolves with its ack. Kept and re-sent
        (same id) across reconnects until acked."""
        cmd_id = cmd_id or uuid.uuid4().hex
        frame = encode(Command(cmd_id, op, args)).decode()
        fut = asyncio.get_running_loop().create_future()
        p = _Pending(frame, fut)
        self._pending[cmd_id] = p
        self._send_now(p)
        return fut

    async def command(self, op: str, args: dict, timeout: float | None = None,
                      cmd_id: str | None = None) -> dict:
        cmd_id = cmd_id or uuid.uuid4().hex
        fut = self.submit(op, args, cmd_id)
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout or self.ack_timeout)
        except asyncio.CancelledError:
            # the caller gave up (its task was cancelled): forget the command
            # rather than keep a future nobody will read (an ack still coming
            # is ignored by _on_ack)
            self._pending.pop(cmd_id, None)
            fut.cancel()
            raise
        except asyncio.TimeoutError:
            self._pending.pop(cmd_id, None)
            raise CommandTimeout(f"no answer from the hub to {op} within "
                                 f"{timeout or self.ack_timeout:g} s") from None

    @property
    def pending_count(self) -> int:
        return len(self._pending)
