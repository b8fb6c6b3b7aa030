"""SQLite persistence for the hub: one file, WAL mode.

Objects are stored as their wire JSON (msgspec) beside the few columns that are
queried. The hub's command processor is the only writer; it wraps a batch of
commands in one transaction and commits before any client sees the batch's
events or acks (group commit), so an acked command survives ``kill -9``.

``synchronous=NORMAL`` (the default) makes a commit durable against a crash of
the hub process: the WAL is written before COMMIT returns. ``durability="full"``
also fsyncs the WAL at every commit, for power loss, at a latency cost.
"""
from __future__ import annotations

import sqlite3
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


class Storage:
    def __init__(self, path: Path, durability: str = "normal"):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)
        self._check_version()

    def _check_version(self) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise StorageError(f"{self.path} was written by a newer hub (schema {row[0]})")

    def close(self) -> None:
        self.db.close()

    # --- transactions -------------------------------------------------------
    def begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def savepoint(self) -> None:
        self.db.execute("SAVEPOINT cmd")

    def release(self) -> None:
        self.db.execute("RELEASE cmd")

    def rollback_to_savepoint(self) -> None:
        self.db.execute("ROLLBACK TO cmd")
        self.db.execute("RELEASE cmd")

    # --- meta and counters ---------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def next_counter(self, name: str) -> int:
        row = self.db.execute(
            "INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value=value+1 "
            "RETURNING value", (name,)).fetchone()
        return row[0]

    # --- events -----------------------------------------------------------
    def append_event(self, seq: int, ts: str, kind: str, data: bytes) -> None:
        self.db.execute("INSERT INTO events VALUES (?, ?, ?, ?)", (seq, ts, kind, data))

    def last_seq(self) -> int:
        return self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0] or \
            int(self.get_meta("seq_floor") or 0)

    def first_retained_seq(self) -> int | None:
        row = self.db.execute("SELECT MIN(seq) FROM events").fetchone()
        return row[0]

    def events_after(self, since: int, batch: int = 2000) -> Iterator[tuple[int, str, str, bytes]]:
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
        self.set_meta("seq_floor", str(self.last_seq()))
        self.db.execute("DELETE FROM events WHERE ts < ?", (before_ts,))
        self.db.execute("DELETE FROM readings WHERE ts < ?", (before_ts,))
        self.db.execute("DELETE FROM acks WHERE ts < ?", (before_ts,))
        self.db.execute("DELETE FROM detections WHERE state != 'pending' AND last_rx < ?", (before_ts,))

    # --- cases --------------------------------------------------------------
    def put_case(self, case: Case, ai_key: str | None = None) -> None:
        """Insert or update a case; ``ai_key`` (the AI sighting it came from)
        is set on insert only."""
        self.db.execute(
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
        self.db.execute("UPDATE cases SET overdue_sent=1 WHERE id=?", (case_id,))

    def count_cases(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]

    # --- audit --------------------------------------------------------------
    def add_audit(self, ts: str, user: str, op: str, target: str | None, version: int | None,
                  status: str | None, note: str | None, seq: int | None) -> None:
        self.db.execute("INSERT INTO audit (ts, user, op, target, version, status, note, seq) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (ts, user, op, target, version, status, note, seq))

    def case_history(self, case_id: str) -> list[HistoryEntry]:
        rows = self.db.execute(
            "SELECT seq, ts, user, op, version, status, note FROM audit "
            "WHERE target=? AND version IS NOT NULL ORDER BY version, id", (case_id,)).fetchall()
        return [HistoryEntry(*r) for r in rows]

    # --- sensors, readings, cameras, units, detections ----------------------
    def put_sensor(self, sensor: Sensor, episode_case: str | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO sensors VALUES (?, ?, ?)",
                        (sensor.id, episode_case, _enc.encode(sensor)))

    def sensors(self) -> list[tuple[Sensor, str | None]]:
        return [(_dec_sensor.decode(d), ep) for ep, d in
                self.db.execute("SELECT episode_case, data FROM sensors ORDER BY id")]

    def add_reading(self, sensor: str, ts: str, value: float) -> None:
        self.db.execute("INSERT INTO readings VALUES (?, ?, ?)", (sensor, ts, value))

    def readings(self, sensor: str, since: str, until: str | None, limit: int) -> list[tuple[str, float]]:
        if until is None:
            until = "9999"
        rows = self.db.execute(
            "SELECT ts, value FROM readings WHERE sensor=? AND ts >= ? AND ts <= ? "
            "ORDER BY ts DESC LIMIT ?", (sensor, since, until, limit)).fetchall()
        rows.reverse()
        return rows

    def put_camera(self, camera: Camera) -> None:
        self.db.execute("INSERT OR REPLACE INTO cameras VALUES (?, ?)", (camera.id, _enc.encode(camera)))

    def cameras(self) -> list[Camera]:
        return [_dec_camera.decode(r[0]) for r in self.db.execute("SELECT data FROM cameras ORDER BY id")]

    def put_unit(self, unit: Unit) -> None:
        self.db.execute("INSERT OR REPLACE INTO units VALUES (?, ?)", (unit.id, _enc.encode(unit)))

    def units(self) -> list[Unit]:
        return [_dec_unit.decode(r[0]) for r in self.db.execute("SELECT data FROM units ORDER BY id")]

    def put_detection(self, det: Detection, key: str, state: str, last_rx: str,
                      evidence: list[Any]) -> None:
        self.db.execute("INSERT OR REPLACE INTO detections VALUES (?, ?, ?, ?, ?, ?)",
                        (det.id, key, state, last_rx, _enc.encode(evidence), _enc.encode(det)))

    def pending_detections(self) -> list[tuple[Detection, str, str, bytes]]:
        rows = self.db.execute(
            "SELECT data, dkey, last_rx, evidence FROM detections WHERE state='pending'").fetchall()
        return [(_dec_detection.decode(d), k, rx, ev) for d, k, rx, ev in rows]

    # --- users, tokens, acks ------------------------------------------------
    def put_user(self, name: str, role: str, pw_hash: str, created_at: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO users (name, role, pw_hash, created_at) VALUES (?, ?, ?, ?)",
                        (name, role, pw_hash, created_at))

    def get_user(self, name: str) -> tuple[str, str, int] | None:
        row = self.db.execute("SELECT role, pw_hash, disabled FROM users WHERE name=?", (name,)).fetchone()
        return tuple(row) if row else None

    def users(self) -> list[tuple[str, str]]:
        return list(self.db.execute("SELECT name, role FROM users ORDER BY name"))

    def add_token(self, thash: str, user: str, created_at: str, expires_at: str) -> None:
        self.db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, 0)", (thash, user, created_at, expires_at))

    def get_token(self, thash: str) -> tuple[str, str, int] | None:
        row = self.db.execute("SELECT user, expires_at, revoked FROM tokens WHERE hash=?", (thash,)).fetchone()
        return tuple(row) if row else None

    def revoke_token(self, thash: str) -> None:
        self.db.execute("UPDATE tokens SET revoked=1 WHERE hash=?", (thash,))

    def revoke_user_tokens(self, user: str) -> int:
        return self.db.execute("UPDATE tokens SET revoked=1 WHERE user=? AND revoked=0", (user,)).rowcount

    def get_ack(self, user: str, cmd_id: str) -> bytes | None:
        row = self.db.execute("SELECT ack FROM acks WHERE user=? AND id=?", (user, cmd_id)).fetchone()
        return row[0] if row else None

    def put_ack(self, user: str, cmd_id: str, ts: str, ack: bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO acks VALUES (?, ?, ?, ?)", (user, cmd_id, ts, ack))

    def execute_script(self, statements: Iterable[str]) -> None:
        for s in statements:
            self.db.execute(s)
