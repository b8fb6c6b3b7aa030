"""SQLite persistence for the hub: one file, WAL mode.

Objects are stored as their wire JSON (msgspec) beside the few columns that are
queried. The hub's command processor is the only writer; it wraps a batch of
commands in one transaction and commits before any client sees the batch's
events or acks (group commit), so an acked command survives ``kill -9``.

``synchronous=NORMAL`` (the default) makes a commit durable against a crash of
the hub process: the WAL is written before COMMIT returns. ``durability="full"``
also fsyncs the WAL at every commit, for power loss, at a latency cost.

Write-behind inside a transaction: the rows written once or more per ingested
reading (events, readings, acks, sensor rows) are staged in memory between
``begin()`` and ``commit()`` and written with one ``executemany`` per table
just before COMMIT (a sensor written many times in a batch is written once).
Every method that reads one of those tables writes the staged rows first, so
reads see everything written before them. The per-command savepoint follows
the staged rows: ``rollback_to_savepoint()`` drops what the command staged,
and the SQL ``SAVEPOINT`` itself is only issued when the command writes SQL
directly (rows staged by earlier commands are written before it, so a
rollback of this command can never take them along).

Checkpoints run on a thread of their own (``Checkpointer``, its own
connection, ``PRAGMA wal_checkpoint(PASSIVE)``) instead of inside the
COMMIT that crosses SQLite's auto-checkpoint threshold: copying the WAL into
the database (and its fsync) then neither stalls the hub's event loop nor
holds the GIL, and a commit costs about the same every time.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable, Iterator

import msgspec

from console.protocol import Camera, Case, Detection, HistoryEntry, Sensor, Unit

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, kind TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY, status TEXT NOT NULL, updated_at TEXT NOT NULL,
    overdue_sent INTEGER NOT NULL DEFAULT 0, ai_key TEXT, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS cases_status ON cases(status, updated_at);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, ts TEXT NOT NULL, user TEXT NOT NULL, op TEXT NOT NULL,
    target TEXT, version INTEGER, status TEXT, note TEXT, seq INTEGER);
CREATE INDEX IF NOT EXISTS audit_target ON audit(target, version);
CREATE TABLE IF NOT EXISTS sensors (
    id TEXT PRIMARY KEY, episode_case TEXT, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS readings (sensor TEXT NOT NULL, ts TEXT NOT NULL, value REAL NOT NULL);
CREATE INDEX IF NOT EXISTS readings_sensor_ts ON readings(sensor, ts);
CREATE TABLE IF NOT EXISTS cameras (id TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS detections (
    id TEXT PRIMARY KEY, dkey TEXT NOT NULL, state TEXT NOT NULL, last_rx TEXT NOT NULL,
    evidence BLOB NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS detections_state ON detections(state);
CREATE TABLE IF NOT EXISTS units (id TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, pw_hash TEXT NOT NULL, created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY, user TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS acks (
    user TEXT NOT NULL, id TEXT NOT NULL, ts TEXT NOT NULL, ack BLOB NOT NULL,
    PRIMARY KEY (user, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS acks_ts ON acks(ts);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

_enc = msgspec.json.Encoder()
_dec_case = msgspec.json.Decoder(Case)
_dec_sensor = msgspec.json.Decoder(Sensor)
_dec_camera = msgspec.json.Decoder(Camera)
_dec_detection = msgspec.json.Decoder(Detection)
_dec_unit = msgspec.json.Decoder(Unit)


class StorageError(RuntimeError):
    pass


log = logging.getLogger("hub.storage")

_INSERT_EVENTS = "INSERT INTO events VALUES (?, ?, ?, ?)"
_INSERT_READINGS = "INSERT INTO readings VALUES (?, ?, ?)"
_REPLACE_SENSORS = "INSERT OR REPLACE INTO sensors VALUES (?, ?, ?)"
_REPLACE_ACKS = "INSERT OR REPLACE INTO acks VALUES (?, ?, ?, ?)"


class Checkpointer:
    """Checkpoints the WAL from a thread of its own (``poke()`` after each
    commit; at most one pass every ``interval_s``).

    A passive checkpoint running beside the writer rarely finds the WAL fully
    copied at the moment the writer starts its next transaction, and only
    then does SQLite start the WAL over: once the WAL holds more than
    ``restart_frames``, ``restart_due`` asks the writer to finish the copy
    itself before its next BEGIN (a short one: the pages written since the
    last pass here)."""

    def __init__(self, path: Path, interval_s: float = 0.05, restart_frames: int = 4000):
        self.path, self.interval_s, self.restart_frames = path, interval_s, restart_frames
        self.restart_due = False
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="hub-checkpoint", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        pause = threading.Event()
        try:
            while not self._stop:
                self._wake.wait()
                self._wake.clear()
                if self._stop:
                    break
                try:
                    busy, frames, _ = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if not busy and frames > self.restart_frames:
                        self.restart_due = True
                except sqlite3.Error as exc:   # the disk? try again after the next commit
                    log.warning("checkpoint failed: %s", exc)
                pause.wait(self.interval_s)
        finally:
            db.close()

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join(10)


class Storage:
    def __init__(self, path: Path, durability: str = "normal", checkpoint_thread: bool = True):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # write-behind state (see the module doc)
        self._tx = False            # between begin() and commit()/rollback(): stage
        self._sp = False            # between savepoint() and release()/rollback_to_savepoint()
        self._sp_sql = False        # ... and the SQL SAVEPOINT has been issued
        self._marks = (0, 0, 0, 0)  # staged lengths at savepoint()
        self._events: list[tuple] = []
        self._readings: list[tuple] = []
        self._sensors: list[tuple[str, str | None, Sensor]] = []
        self._acks: list[tuple] = []
        self._ack_index: dict[tuple[str, str], bytes] = {}
        # acks looked up for the batch (prefetch_acks): key -> ack, None = absent
        self._ack_known: dict[tuple[str, str], bytes | None] = {}
        self.db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)
        self._check_version()
        self._checkpointer: Checkpointer | None = None
        if checkpoint_thread:
            self.db.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = Checkpointer(self.path)

    def _check_version(self) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise StorageError(f"{self.path} was written by a newer hub (schema {row[0]})")

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
        self.db.close()

    # --- transactions -------------------------------------------------------
    def begin(self) -> None:
        ckpt = self._checkpointer
        if ckpt is not None and ckpt.restart_due:
            ckpt.restart_due = False
            self.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.db.execute("BEGIN IMMEDIATE")
        self._tx = True

    def commit(self) -> None:
        self._flush()
        self.db.execute("COMMIT")
        self._tx = False
        self._ack_known.clear()
        if self._checkpointer is not None:
            self._checkpointer.poke()

    def rollback(self) -> None:
        self._drop_staged()
        self._ack_known.clear()
        self._tx = self._sp = self._sp_sql = False
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def savepoint(self) -> None:
        if not self._tx:
            self.db.execute("SAVEPOINT cmd")
            return
        self._sp, self._sp_sql = True, False
        self._marks = (len(self._events), len(self._readings), len(self._sensors), len(self._acks))

    def release(self) -> None:
        if not self._tx:
            self.db.execute("RELEASE cmd")
            return
        if self._sp_sql:
            self.db.execute("RELEASE cmd")
        self._sp = self._sp_sql = False

    def rollback_to_savepoint(self) -> None:
        if not self._tx:
            self.db.execute("ROLLBACK TO cmd")
            self.db.execute("RELEASE cmd")
            return
        if self._sp_sql:
            self.db.execute("ROLLBACK TO cmd")
            self.db.execute("RELEASE cmd")
            self._ack_known.clear()   # (acks written since may be gone again)
        me, mr, ms, ma = self._marks
        del self._events[me:]
        del self._readings[mr:]
        del self._sensors[ms:]
        if len(self._acks) > ma:
            del self._acks[ma:]
            self._ack_index = {(u, i): a for u, i, _, a in self._acks}
        self._sp = self._sp_sql = False

    # --- write-behind ---------------------------------------------------------
    def _w(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        """Execute a write. Inside a command's savepoint, the first direct
        write issues the SQL SAVEPOINT (after writing what earlier commands
        staged)."""
        if self._sp and not self._sp_sql:
            self._open_sql_savepoint()
        return self.db.execute(sql, params)

    def _open_sql_savepoint(self) -> None:
        self._write_staged(*self._marks)
        self.db.execute("SAVEPOINT cmd")
        self._sp_sql = True
        self._marks = (0, 0, 0, 0)

    def _flush(self) -> None:
        """Write every staged row (before a read of their tables, and at commit)."""
        if self._events or self._readings or self._sensors or self._acks:
            if self._sp and not self._sp_sql:
                self._open_sql_savepoint()
            self._write_staged(len(self._events), len(self._readings), len(self._sensors),
                               len(self._acks))

    def _write_staged(self, ne: int, nr: int, ns: int, na: int) -> None:
        """Write the first ``n`` staged rows of each table, and forget them."""
        db = self.db
        if ne:
            db.executemany(_INSERT_EVENTS, self._events[:ne])
            del self._events[:ne]
        if nr:
            db.executemany(_INSERT_READINGS, self._readings[:nr])
            del self._readings[:nr]
        if ns:
            last: dict[str, tuple[str | None, Sensor]] = {}
            for sid, episode, sensor in self._sensors[:ns]:
                last[sid] = (episode, sensor)
            db.executemany(_REPLACE_SENSORS, [(sid, ep, _enc.encode(sensor))
                                              for sid, (ep, sensor) in last.items()])
            del self._sensors[:ns]
        if na:
            db.executemany(_REPLACE_ACKS, self._acks[:na])
            known = self._ack_known
            for u, i, _, a in self._acks[:na]:
                if (u, i) in known:
                    known[(u, i)] = a
            del self._acks[:na]
            self._ack_index = {(u, i): a for u, i, _, a in self._acks}

    def _drop_staged(self) -> None:
        self._events.clear()
        self._readings.clear()
        self._sensors.clear()
        self._acks.clear()
        self._ack_index.clear()
        self._marks = (0, 0, 0, 0)

    # --- meta and counters ---------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._w("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def next_counter(self, name: str) -> int:
        row = self._w(
            "INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value=value+1 "
            "RETURNING value", (name,)).fetchone()
        return row[0]

    # --- events -----------------------------------------------------------
    def append_event(self, seq: int, ts: str, kind: str, data: bytes) -> None:
        if self._tx:
            self._events.append((seq, ts, kind, data))
        else:
            self.db.execute(_INSERT_EVENTS, (seq, ts, kind, data))

    def last_seq(self) -> int:
        self._flush()
        return self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0] or \
            int(self.get_meta("seq_floor") or 0)

    def first_retained_seq(self) -> int | None:
        self._flush()
        row = self.db.execute("SELECT MIN(seq) FROM events").fetchone()
        return row[0]

    def events_after(self, since: int, batch: int = 2000) -> Iterator[tuple[int, str, str, bytes]]:
        self._flush()
        last = since
        while True:
            rows = self.db.execute(
                "SELECT seq, ts, kind, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                (last, batch)).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def prune(self, before_ts: str) -> None:
        """Drop events, readings and acks older than the retention window.
        The newest seq is remembered so seq never restarts after a full prune."""
        self._flush()
        self._ack_known.clear()
        self.set_meta("seq_floor", str(self.last_seq()))
        self._w("DELETE FROM events WHERE ts < ?", (before_ts,))
        self._w("DELETE FROM readings WHERE ts < ?", (before_ts,))
        self._w("DELETE FROM acks WHERE ts < ?", (before_ts,))
        self._w("DELETE FROM detections WHERE state != 'pending' AND last_rx < ?", (before_ts,))

    # --- cases --------------------------------------------------------------
    def put_case(self, case: Case, ai_key: str | None = None) -> None:
        """Insert or update a case; ``ai_key`` (the AI sighting it came from)
        is set on insert only."""
        self._w(
            "INSERT INTO cases (id, status, updated_at, ai_key, data) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET status=excluded.status, updated_at=excluded.updated_at, "
            "data=excluded.data", (case.id, case.status, case.updated_at, ai_key, _enc.encode(case)))

    def open_ai_keys(self) -> dict[str, str]:
        return dict(self.db.execute(
            "SELECT ai_key, id FROM cases WHERE ai_key IS NOT NULL "
            "AND status NOT IN ('closed','rejected')"))

    def get_case(self, case_id: str) -> Case | None:
        row = self.db.execute("SELECT data FROM cases WHERE id=?", (case_id,)).fetchone()
        return _dec_case.decode(row[0]) if row else None

    def live_cases(self, updated_since: str) -> list[Case]:
        rows = self.db.execute(
            "SELECT data FROM cases WHERE status NOT IN ('closed','rejected') OR updated_at >= ?",
            (updated_since,)).fetchall()
        return [_dec_case.decode(r[0]) for r in rows]

    def overdue_sent(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM cases WHERE overdue_sent=1")}

    def mark_overdue_sent(self, case_id: str) -> None:
        self._w("UPDATE cases SET overdue_sent=1 WHERE id=?", (case_id,))

    def count_cases(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]

    # --- audit --------------------------------------------------------------
    def add_audit(self, ts: str, user: str, op: str, target: str | None, version: int | None,
                  status: str | None, note: str | None, seq: int | None) -> None:
        self._w("INSERT INTO audit (ts, user, op, target, version, status, note, seq) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (ts, user, op, target, version, status, note, seq))

    def case_history(self, case_id: str) -> list[HistoryEntry]:
        rows = self.db.execute(
            "SELECT seq, ts, user, op, version, status, note FROM audit "
            "WHERE target=? AND version IS NOT NULL ORDER BY version, id", (case_id,)).fetchall()
        return [HistoryEntry(*r) for r in rows]

    # --- sensors, readings, cameras, units, detections ----------------------
    def put_sensor(self, sensor: Sensor, episode_case: str | None) -> None:
        if self._tx:   # encoded when written: once per batch, however often it changed
            self._sensors.append((sensor.id, episode_case, sensor))
        else:
            self.db.execute(_REPLACE_SENSORS, (sensor.id, episode_case, _enc.encode(sensor)))

    def sensors(self) -> list[tuple[Sensor, str | None]]:
        self._flush()
        return [(_dec_sensor.decode(d), ep) for ep, d in
                self.db.execute("SELECT episode_case, data FROM sensors ORDER BY id")]

    def add_reading(self, sensor: str, ts: str, value: float) -> None:
        if self._tx:
            self._readings.append((sensor, ts, value))
        else:
            self.db.execute(_INSERT_READINGS, (sensor, ts, value))

    def readings(self, sensor: str, since: str, until: str | None, limit: int) -> list[tuple[str, float]]:
        self._flush()
        if until is None:
            until = "9999"
        rows = self.db.execute(
            "SELECT ts, value FROM readings WHERE sensor=? AND ts >= ? AND ts <= ? "
            "ORDER BY ts DESC LIMIT ?", (sensor, since, until, limit)).fetchall()
        rows.reverse()
        return rows

    def put_camera(self, camera: Camera) -> None:
        self._w("INSERT OR REPLACE INTO cameras VALUES (?, ?)", (camera.id, _enc.encode(camera)))

    def cameras(self) -> list[Camera]:
        return [_dec_camera.decode(r[0]) for r in self.db.execute("SELECT data FROM cameras ORDER BY id")]

    def put_unit(self, unit: Unit) -> None:
        self._w("INSERT OR REPLACE INTO units VALUES (?, ?)", (unit.id, _enc.encode(unit)))

    def units(self) -> list[Unit]:
        return [_dec_unit.decode(r[0]) for r in self.db.execute("SELECT data FROM units ORDER BY id")]

    def put_detection(self, det: Detection, key: str, state: str, last_rx: str,
                      evidence: list[Any]) -> None:
        self._w("INSERT OR REPLACE INTO detections VALUES (?, ?, ?, ?, ?, ?)",
                        (det.id, key, state, last_rx, _enc.encode(evidence), _enc.encode(det)))

    def pending_detections(self) -> list[tuple[Detection, str, str, bytes]]:
        rows = self.db.execute(
            "SELECT data, dkey, last_rx, evidence FROM detections WHERE state='pending'").fetchall()
        return [(_dec_detection.decode(d), k, rx, ev) for d, k, rx, ev in rows]

    # --- users, tokens, acks ------------------------------------------------
    def put_user(self, name: str, role: str, pw_hash: str, created_at: str) -> None:
        self._w("INSERT OR REPLACE INTO users (name, role, pw_hash, created_at) VALUES (?, ?, ?, ?)",
                        (name, role, pw_hash, created_at))

    def get_user(self, name: str) -> tuple[str, str, int] | None:
        row = self.db.execute("SELECT role, pw_hash, disabled FROM users WHERE name=?", (name,)).fetchone()
        return tuple(row) if row else None

    def users(self) -> list[tuple[str, str]]:
        return list(self.db.execute("SELECT name, role FROM users ORDER BY name"))

    def add_token(self, thash: str, user: str, created_at: str, expires_at: str) -> None:
        self._w("INSERT INTO tokens VALUES (?, ?, ?, ?, 0)", (thash, user, created_at, expires_at))

    def get_token(self, thash: str) -> tuple[str, str, int] | None:
        row = self.db.execute("SELECT user, expires_at, revoked FROM tokens WHERE hash=?", (thash,)).fetchone()
        return tuple(row) if row else None

    def revoke_token(self, thash: str) -> None:
        self._w("UPDATE tokens SET revoked=1 WHERE hash=?", (thash,))

    def revoke_user_tokens(self, user: str) -> int:
        return self._w("UPDATE tokens SET revoked=1 WHERE user=? AND revoked=0", (user,)).rowcount

    def prefetch_acks(self, keys: Iterable[tuple[str, str]]) -> None:
        """Look up the acks of many (user, command id) at once (a batch's
        mutating commands): one query per user and 500 ids instead of one per
        command. Valid until the end of the transaction."""
        by_user: dict[str, list[str]] = {}
        for user, cmd_id in keys:
            by_user.setdefault(user, []).append(cmd_id)
        known = self._ack_known
        for user, ids in by_user.items():
            ids = list(dict.fromkeys(ids))
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                found = dict(self.db.execute(
                    f"SELECT id, ack FROM acks WHERE user=? AND id IN ({','.join('?' * len(chunk))})",
                    (user, *chunk)))
                for cmd_id in chunk:
                    known[(user, cmd_id)] = found.get(cmd_id)

    def get_ack(self, user: str, cmd_id: str) -> bytes | None:
        key = (user, cmd_id)
        staged = self._ack_index.get(key)
        if staged is not None:
            return staged
        if key in self._ack_known:
            return self._ack_known[key]
        row = self.db.execute("SELECT ack FROM acks WHERE user=? AND id=?", (user, cmd_id)).fetchone()
        return row[0] if row else None

    def put_ack(self, user: str, cmd_id: str, ts: str, ack: bytes) -> None:
        if self._tx:
            self._acks.append((user, cmd_id, ts, ack))
            self._ack_index[(user, cmd_id)] = ack
        else:
            self.db.execute(_REPLACE_ACKS, (user, cmd_id, ts, ack))

    def execute_script(self, statements: Iterable[str]) -> None:
        self._flush()
        for s in statements:
            self._w(s)
