"""The hub's network side: WebSocket sessions at ``/ws``, ``/healthz`` and
``/grid.geojson`` on the same port, one command processor with group commit.

Ordering and durability, as the contract demands:

* Every command (reads included) goes through one queue, so commands apply in
  arrival order and a client's read sees its earlier writes.
* The processor applies a batch of queued commands in one SQLite transaction,
  commits, then writes the batch's events to every session (in seq order) and
  only then each command's ack: an ok ack implies its events are on disk and
  were sent to the sender first.
* A new session takes its seq and joins the fan-out in the same synchronous
  step, then catches up (replay or snapshot) while live frames wait in its
  buffer: nothing is lost or doubled at the seam.
"""
from __future__ import annotations

import asyncio
import http
import json
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.protocol import State
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from console.protocol import (
    MAX_FRAME_BYTES, Ack, AckError, Case, Command, Error, Hello, OutEvent, ProtocolError,
    Snapshot, Welcome, decode_client_frame, encode, format_ts, parse_ts,
)
from hub import redact
from hub.core import CommandError, EventRecord, HubCore, HubRules
from hub.security import hash_password, new_token, token_hash, verify_password
from hub.storage import Storage

log = logging.getLogger("hub")

CLOSE_UNAUTHORIZED = 4401
CLOSE_TRY_AGAIN = 1013
HUB_VERSION = "citybrain-hub/0.1"
CASE_EVENTS = frozenset({"case.created", "case.updated"})
# A burned dummy hash so unknown users cost the same time as known ones.
_DUMMY_HASH = hash_password("not-a-password", salt=b"\0" * 16)


@dataclass
class HubConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8765
    token_ttl: timedelta = timedelta(days=7)
    durability: str = "normal"
    hello_timeout_s: float = 10.0
    login_fail_delay_s: float = 0.5
    tick_s: float = 1.0
    batch_max: int = 1000
    slow_client_bytes: int = 32 * 1024 * 1024
    compression: str | None = None  # "deflate" to offer permessage-deflate
    rules: HubRules = field(default_factory=HubRules)
    grid_geojson: bytes | None = None


class Session:
    """One logged-in connection. Until ``live`` it buffers outgoing frames
    (they arrive while its catch-up is still being sent)."""

    def __init__(self, ws: ServerConnection, user: str, role: str, thash: str, expires: datetime):
        self.ws, self.user, self.role = ws, user, role
        self.cls = redact.ROLE_CLASS[role]
        self.thash, self.expires = thash, expires
        self.live = False
        self.pending: list[bytes] = []
        self.token_checked = time.monotonic()
        self.welcome = b""
        self.catch_up: Any = None

    def push(self, frame: bytes) -> None:
        if self.live:
            broadcast((self.ws,), frame, text=True)
        else:
            self.pending.append(frame)

    def push_many(self, frames: list[bytes], wire: bytes) -> None:
        """Send a batch's frames in order with one socket write: ``frames``
        are the JSON texts, ``wire`` the same already framed (``ws_text_frame``).
        Same rules as ``websockets.broadcast``: a connection that is closing
        or mid-way through a fragmented send is skipped, a failed write only
        affects this connection."""
        if not self.live:
            self.pending.extend(frames)
            return
        ws = self.ws
        if ws.protocol.state is not State.OPEN or ws.send_in_progress is not None:
            return
        try:
            if ws.protocol.extensions:
                # permessage-deflate: the compressed bytes differ per connection
                for frame in frames:
                    ws.protocol.send_text(frame)
                ws.send_data()
            else:
                ws.transport.write(wire)
        except Exception as exc:
            log.warning("skipped a write to %s: %s", self.user, exc)


@dataclass
class Job:
    session: Session | None
    command: Command | None
    kind: str = "command"       # "command", "tick" or "prune"


def _event_frame(rec: EventRecord, data: Any) -> bytes:
    return encode(OutEvent(rec.seq, rec.ts, rec.kind, data))


def ws_text_frame(payload: bytes) -> bytes:
    """``payload`` as one unmasked, uncompressed WebSocket text frame (what a
    server sends), so a frame is built once however many clients get it."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big") + payload
    return b"\x81\x7f" + n.to_bytes(8, "big") + payload


def _redact_result(result: dict, cls: str) -> dict:
    if cls == redact.FULL:
        return result
    out = dict(result)
    if isinstance(out.get("case"), Case):
        out["case"] = redact.redact_case(out["case"], cls)
    if "entries" in out:
        out["entries"] = [redact.redact_history(e, cls) for e in out["entries"]]
    return out


class HubServer:
    def __init__(self, config: HubConfig, clock, grid, storage: Storage | None = None):
        self.config = config
        self.clock = clock
        self.storage = storage or Storage(config.data_dir / "hub.sqlite3", config.durability)
        self.core = HubCore(self.storage, clock, grid, config.rules)
        self.sessions: set[Session] = set()
        self.queue: asyncio.Queue[Job] = asyncio.Queue(maxsize=20_000)
        self._server = None
        self._tasks: list[asyncio.Task] = []
        self.port: int | None = None
        self.started_at = clock.now()
        self.stats = {"commands": 0, "batches": 0, "events": 0}

    # --- lifecycle -----------------------------------------------------------
    async def start(self) -> None:
        self._server = await serve(
            self._handle, self.config.host, self.config.port, max_size=MAX_FRAME_BYTES,
            process_request=self._process_request,
            compression="deflate" if self.config.compression == "deflate" else None,
            ping_interval=20, ping_timeout=20, max_queue=64)
        self.port = self._server.sockets[0].getsockname()[1]
        self._tasks = [asyncio.create_task(self._process_loop(), name="hub-processor"),
                       asyncio.create_task(self._timer_loop(), name="hub-timers")]
        log.info("hub listening on ws://%s:%s/ws (seq %d)", self.config.host, self.port, self.core.seq)

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            try:
                await t
            except (asyncio.CancelledError, Exception):
                pass
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self.storage.close()

    async def serve_forever(self) -> None:
        await self._server.serve_forever()

    # --- plain HTTP on the same port ---------------------------------------------
    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == "/ws":
            return None
        if path == "/healthz":
            body = json.dumps({"ok": True, "seq": self.core.seq}).encode()
            return self._response(200, body, "application/json")
        if path == "/grid.geojson" and self.config.grid_geojson is not None:
            return self._response(200, self.config.grid_geojson, "application/geo+json")
        return self._response(404, b"not found\n", "text/plain")

    @staticmethod
    def _response(status: int, body: bytes, ctype: str) -> Response:
        headers = Headers([("Content-Type", ctype), ("Content-Length", str(len(body))),
                           ("Cache-Control", "no-store")])
        return Response(status, http.HTTPStatus(status).phrase, headers, body)

    # --- a connection ---------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        session = await self._login(ws)
        if session is None:
            return
        try:
            await self._catch_up(session)
            await self._receive(session)
        except ConnectionClosed:
            pass
        finally:
            self.sessions.discard(session)

    async def _refuse(self, ws: ServerConnection, message: str) -> None:
        try:
            await ws.send(encode(Error("unauthorized", message)).decode())
            await ws.close(CLOSE_UNAUTHORIZED, "unauthorized")
        except ConnectionClosed:
            pass

    async def _login(self, ws: ServerConnection) -> Session | None:
        try:
            first = await asyncio.wait_for(ws.recv(), self.config.hello_timeout_s)
        except (asyncio.TimeoutError, ConnectionClosed):
            await self._refuse(ws, "no hello received")
            return None
        try:
            if isinstance(first, bytes):
                raise ProtocolError("binary frames are not part of the protocol")
            hello = decode_client_frame(first)
            if not isinstance(hello, Hello):
                raise ProtocolError("the first frame must be hello", "type")
        except ProtocolError as exc:
            await self._refuse(ws, f"expected hello first: {exc}")
            return None
        except RecursionError:  # msgspec's depth limit; see _receive
            await self._refuse(ws, "expected hello first: JSON nested too deeply")
            return None
        who = await self._authenticate(hello)
        if isinstance(who, str):
            await asyncio.sleep(self.config.login_fail_delay_s)
            await self._refuse(ws, who)
            return None
        user, role, token, expires = who
        session = Session(ws, user, role, token_hash(token), expires)
        # Seq and fan-out membership are taken together, with no await between.
        seq = self.core.seq
        self.sessions.add(session)
        now = self.clock.now()
        welcome = encode(Welcome(user, role, token, seq))
        # Additions to the contract's welcome: the hub's clock and its rate, so a
        # console shows SLA clocks in hub time (and a demo running at --speed N).
        extra = encode({"now": format_ts(now), "rate": getattr(self.clock, "rate", 1.0),
                        "hub": HUB_VERSION})
        session.welcome = welcome[:-1] + b"," + extra[1:]
        session.catch_up = self._plan_catch_up(session, hello.since, seq)
        log.info("login %s (%s) since=%s seq=%d", user, role, hello.since, seq)
        return session

    async def _authenticate(self, hello: Hello) -> tuple[str, str, str, datetime] | str:
        now = self.clock.now()
        if hello.token:
            row = self.storage.get_token(token_hash(hello.token))
            if row is None:
                return "unknown token"
            user, expires_at, revoked = row
            if revoked:
                return "token revoked"
            expires = parse_ts(expires_at)
            if expires <= now:
                return "token expired"
            urow = self.storage.get_user(user)
            if urow is None or urow[2]:
                return "user disabled"
            return user, urow[0], hello.token, expires
        if not hello.user or hello.password is None:
            return "hello needs user and password, or token"
        urow = self.storage.get_user(hello.user)
        stored = urow[1] if urow and not urow[2] else _DUMMY_HASH
        ok = await asyncio.to_thread(verify_password, hello.password, stored)
        if not ok or urow is None or urow[2]:
            return "wrong user or password"
        token = new_token()
        expires = now + self.config.token_ttl
        self.storage.add_token(token_hash(token), hello.user, format_ts(now), format_ts(expires))
        return hello.user, urow[0], token, expires

    def _plan_catch_up(self, session: Session, since: int | None, seq: int) -> Any:
        """Decide, synchronously with joining the fan-out, what to send first:
        nothing, a replay of (since, seq], or a snapshot at seq."""
        if since is not None and since == seq:
            return None
        first = self.storage.first_retained_seq()
        if since is not None and 0 <= since < seq and first is not None and first <= since + 1:
            return ("replay", since, seq)
        parts = self.core.snapshot_parts()
        if session.cls != redact.FULL:
            parts["cases"] = [redact.redact_case(c, session.cls) for c in parts["cases"]]
        return ("snapshot", encode(Snapshot(seq=seq, **parts)))

    async def _catch_up(self, session: Session) -> None:
        ws = session.ws
        await ws.send(session.welcome.decode())
        plan = session.catch_up
        session.catch_up = None
        if plan is not None and plan[0] == "snapshot":
            await ws.send(plan[1].decode())
        elif plan is not None:
            _, since, upto = plan
            for seq, ts, kind, data in self.storage.events_after(since):
                if seq > upto:
                    break
                await ws.send(self._stored_event_frame(seq, ts, kind, data, session.cls).decode())
        while session.pending:
            frames, session.pending = session.pending, []
            for frame in frames:
                await ws.send(frame.decode())
        session.live = True

    @staticmethod
    def _stored_event_frame(seq: int, ts: str, kind: str, data: bytes, cls: str) -> bytes:
        if kind in CASE_EVENTS and cls != redact.FULL:
            case = msgspec.json.decode(data, type=Case)
            return encode(OutEvent(seq, ts, kind, redact.redact_case(case, cls)))
        return encode(OutEvent(seq, ts, kind, msgspec.Raw(data)))

    async def _receive(self, session: Session) -> None:
        async for message in session.ws:
            if isinstance(message, bytes):
                session.push(encode(Error("bad_frame", "binary frames are not part of the protocol")))
                continue
            try:
                frame = decode_client_frame(message)
            except ProtocolError as exc:
                session.push(encode(Error("bad_frame", str(exc))))
                continue
            except RecursionError:
                # JSON nested ~1000 deep: the decoder gives up with
                # RecursionError, not ProtocolError; still just a bad frame
                session.push(encode(Error("bad_frame", "JSON nested too deeply")))
                continue
            if isinstance(frame, Hello):
                session.push(encode(Error("bad_frame", "already logged in: a second hello")))
                continue
            if not self._session_valid(session):
                ack = Ack(frame.id, False, error=AckError("unauthorized", "token expired or revoked"))
                session.push(encode(ack))
                await session.ws.close(CLOSE_UNAUTHORIZED, "unauthorized")
                return
            job = Job(session, frame)
            if self.queue.full():
                await self.queue.put(job)
            else:
                self.queue.put_nowait(job)

    def _session_valid(self, session: Session) -> bool:
        if self.clock.now() >= session.expires:
            return False
        if time.monotonic() - session.token_checked > 1.0:
            session.token_checked = time.monotonic()
            row = self.storage.get_token(session.thash)
            if row is None or row[2]:
                return False
        return True

    # --- the command processor -------------------------------------------------------
    async def _process_loop(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < self.config.batch_max and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            try:
                self._run_batch(batch)
            except Exception:  # the loop must survive anything a batch does
                log.exception("batch failed")

    def _run_batch(self, batch: list[Job]) -> None:
        st = self.storage
        st.begin()
        mutating = self.core.is_mutating
        st.prefetch_acks([(job.session.user, job.command.id) for job in batch
                          if job.kind == "command" and mutating(job.command.op)])
        ack_ts = format_ts(self.clock.now())   # when the acks are kept from (for pruning)
        acks: list[tuple[Session, str, bytes]] = []
        for job in batch:
            if job.kind == "command":
                acks.append((job.session, job.command.id,
                             self._run_command(job.session, job.command, ack_ts)))
            else:
                self._run_rule(job.kind)
        try:
            st.commit()
        except sqlite3.Error as exc:
            # Nothing of the batch is durable, so nothing of it may be seen.
            log.error("commit failed, batch of %d refused: %s", len(batch), exc)
            st.rollback()
            self.core.load()
            error = AckError("internal", f"storage error, not applied: {exc}")
            acks = [(s, cid, encode(Ack(cid, False, error=error))) for s, cid, _ in acks]
        events = self.core.take_events()
        self.stats["batches"] += 1
        self.stats["commands"] += len(acks)
        self.stats["events"] += len(events)
        self._fan_out(events, acks)
        self._shed_slow_clients()

    def _run_rule(self, kind: str) -> None:
        self.storage.savepoint()
        mark = len(self.core.pending_events)
        try:
            self.core.tick() if kind == "tick" else self.core.prune()
            self.storage.release()
        except Exception:
            log.exception("rule %s failed; state reloaded", kind)
            self._recover(mark)

    def _recover(self, mark: int) -> None:
        self.storage.rollback_to_savepoint()
        kept = self.core.pending_events[:mark]
        self.core.load()
        self.core.pending_events = kept

    def _run_command(self, session: Session, cmd: Command, ack_ts: str | None = None) -> bytes:
        core = self.core
        mutating = core.is_mutating(cmd.op)
        if mutating:
            previous = self.storage.get_ack(session.user, cmd.id)
            if previous is not None:
                return previous
        self.storage.savepoint()
        mark = len(core.pending_events)
        try:
            result = core.execute(session.user, session.role, cmd.op, cmd.args)
            seq = core.seq if len(core.pending_events) > mark else None
            ack = Ack(cmd.id, True, result=_redact_result(result, session.cls), seq=seq)
            self.storage.release()
        except CommandError as exc:
            self.storage.release()
            current = exc.current
            if isinstance(current, Case):
                current = redact.redact_case(current, session.cls)
            ack = Ack(cmd.id, False, error=AckError(exc.code, exc.message, current, exc.field))
        except Exception as exc:
            log.exception("command %s %s failed; state reloaded", cmd.op, cmd.id)
            self._recover(mark)
            return encode(Ack(cmd.id, False, error=AckError("internal", f"hub error: {type(exc).__name__}")))
        frame = encode(ack)
        if mutating:
            self.storage.put_ack(session.user, cmd.id, ack_ts or format_ts(self.clock.now()), frame)
        return frame

    def _fan_out(self, events: list[EventRecord], acks: list[tuple[Session, str, bytes]]) -> None:
        """Send a committed batch: every session gets the batch's events in
        seq order (redacted for its role class), then its own acks in command
        order. Frames are encoded and framed once per role class, and each
        connection gets one write."""
        own: dict[Session, list[bytes]] = {}
        for session, _, ack in acks:
            if session in own:
                own[session].append(ack)
            else:
                own[session] = [ack]
        sessions = self.sessions
        if events and sessions:
            classes = {s.cls for s in sessions}
            texts: dict[str, list[bytes]] = {cls: [] for cls in classes}
            framed: dict[str, list[bytes]] = {cls: [] for cls in classes}
            for rec in events:
                if rec.kind in CASE_EVENTS:
                    for cls in classes:
                        text = _event_frame(rec, redact.redact_case(rec.data, cls))
                        texts[cls].append(text)
                        framed[cls].append(ws_text_frame(text))
                else:
                    text = _event_frame(rec, msgspec.Raw(rec.raw))
                    wire = ws_text_frame(text)
                    for cls in classes:
                        texts[cls].append(text)
                        framed[cls].append(wire)
            wires = {cls: b"".join(framed[cls]) for cls in classes}
            for s in sessions:
                mine = own.pop(s, None)
                if mine is None:
                    s.push_many(texts[s.cls], wires[s.cls])
                else:
                    s.push_many(texts[s.cls] + mine,
                                wires[s.cls] + b"".join([ws_text_frame(a) for a in mine]))
        # acks of sessions that got no events (none in the batch, or the
        # session already left the fan-out)
        for s, mine in own.items():
            s.push_many(mine, b"".join([ws_text_frame(a) for a in mine]))

    def _shed_slow_clients(self) -> None:
        """A client that stopped reading would make the hub buffer without
        bound: close it (1013); it will reconnect and catch up with since."""
        limit = self.config.slow_client_bytes
        for s in list(self.sessions):
            transport = s.ws.transport
            size = transport.get_write_buffer_size() if transport else 0
            if size > limit or len(s.pending) * 200 > limit:
                log.warning("closing slow client %s: %d bytes unsent", s.user, size)
                self.sessions.discard(s)
                asyncio.ensure_future(s.ws.close(CLOSE_TRY_AGAIN, "too slow; reconnect with since"))

    # --- timers -------------------------------------------------------------------
    async def _timer_loop(self) -> None:
        last_prune = 0.0
        while True:
            await asyncio.sleep(self.config.tick_s)
            await self.queue.put(Job(None, None, "tick"))
            if time.monotonic() - last_prune > 3600:
                last_prune = time.monotonic()
                await self.queue.put(Job(None, None, "prune"))

    async def run_rules_now(self, kind: str = "tick") -> None:
        """Tests: apply the clock-driven rules (``tick``) or the retention
        pruning (``prune``) once, now."""
        self._run_batch([Job(None, None, kind)])
        await asyncio.sleep(0)

    # --- users ------------------------------------------------------------------------
    def add_user(self, name: str, role: str, password: str) -> None:
        self.storage.put_user(name, role, hash_password(password), format_ts(self.clock.now()))
