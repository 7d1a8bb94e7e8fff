"""The worker's own durable state in one SQLite file: seen messages, reported sessions, dead letters.

It survives a restart (or a SIGKILL): a redelivered message is recognised by (device, boot, seq)
and counted as a duplicate, and sessions already reported are known so that only changes are sent.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    device_id TEXT NOT NULL, boot TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
    seen_ms INTEGER NOT NULL, PRIMARY KEY (device_id, boot, seq, kind)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reported_sessions (
    session_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER,
    source TEXT NOT NULL, void INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS ix_reported_device ON reported_sessions (device_id, start_ms);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY, received_ms INTEGER NOT NULL, topic TEXT NOT NULL, reason TEXT NOT NULL,
    detail TEXT NOT NULL, payload BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    key TEXT PRIMARY KEY, path TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    due_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL);
"""
DEAD_LETTER_PAYLOAD_BYTES = 4096


@dataclass(frozen=True)
class ReportedSession:
    session_id: str
    device_id: str
    start_ms: int
    end_ms: int | None
    source: str
    void: bool


def now_ms() -> int:
    return int(time.time() * 1000)


class WorkerState:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self.lock = threading.RLock()

    def transaction(self):
        return _Transaction(self)

    def unseen(self, keys: Iterable[tuple[str, str, int, str]]) -> set[tuple[str, str, int, str]]:
        """Which of these (device, boot, seq, kind) keys have not been stored before."""
        keys = list(keys)
        with self.lock:
            known = {row for key in keys for row in self.db.execute(
                "SELECT device_id, boot, seq, kind FROM seen WHERE device_id=? AND boot=? AND seq=? AND kind=?", key)}
        return set(keys) - known

    def mark_seen(self, keys: Iterable[tuple[str, str, int, str]]) -> None:
        stamp = now_ms()
        self.db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?, ?, ?, ?)", [(*k, stamp) for k in keys])

    def prune_seen(self, older_than_ms: int) -> None:
        with self.lock:
            self.db.execute("DELETE FROM seen WHERE seen_ms < ?", (older_than_ms,))

    def dead_letter(self, topic: str, reason: str, detail: str, payload: bytes) -> None:
        with self.lock:
            self.db.execute("INSERT INTO dead_letters (received_ms, topic, reason, detail, payload) VALUES (?,?,?,?,?)",
                            (now_ms(), topic[:500], reason, detail[:1000], payload[:DEAD_LETTER_PAYLOAD_BYTES]))
            self._count(f"dead_letter.{reason}", 1)

    def count(self, name: str, by: int = 1) -> None:
        with self.lock:
            self._count(name, by)

    def _count(self, name: str, by: int) -> None:
        self.db.execute("INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + ?",
                        (name, by, by))

    def counters(self) -> dict[str, int]:
        with self.lock:
            return dict(self.db.execute("SELECT name, value FROM counters ORDER BY name"))

    def dead_letters(self) -> list[tuple[str, str, str]]:
        with self.lock:
            return list(self.db.execute("SELECT topic, reason, detail FROM dead_letters ORDER BY id"))

    def reported(self, device_id: str, from_ms: int) -> list[ReportedSession]:
        """Live (non-void) sessions of a device that end at or after ``from_ms``, or are still open."""
        with self.lock:
            rows = self.db.execute(
                "SELECT session_id, device_id, start_ms, end_ms, source, void FROM reported_sessions "
                "WHERE device_id = ? AND void = 0 AND (end_ms IS NULL OR end_ms >= ?) ORDER BY start_ms",
                (device_id, from_ms)).fetchall()
        return [ReportedSession(*row[:5], bool(row[5])) for row in rows]

    def open_session_devices(self) -> list[str]:
        with self.lock:
            return [r[0] for r in self.db.execute(
                "SELECT DISTINCT device_id FROM reported_sessions WHERE end_ms IS NULL AND void = 0")]

    def record_reported(self, sessions: Iterable[ReportedSession]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO reported_sessions VALUES (?, ?, ?, ?, ?, ?)",
                            [(s.session_id, s.device_id, s.start_ms, s.end_ms, s.source, int(s.void))
                             for s in sessions])

    def close(self) -> None:
        self.db.close()


class _Transaction:
    """``with state.transaction():`` — one atomic, durable step (BEGIN IMMEDIATE … COMMIT)."""

    def __init__(self, state: WorkerState):
        self.state = state

    def __enter__(self):
        self.state.lock.acquire()
        self.state.db.execute("BEGIN IMMEDIATE")
        return self.state

    def __exit__(self, exc_type, *_):
        try:
            self.state.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.state.lock.release()
