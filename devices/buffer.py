"""Store-and-forward: what the agent measured, kept on disk until the broker has it.

A bounded SQLite queue. When it is full the oldest entries go first and are counted, so a device
offline for weeks keeps its most recent history and says how much it had to drop.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Buffer:
    def __init__(self, path: Path | str, max_entries: int = 500_000):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        self.max_entries = max_entries
        self.lock = threading.Lock()

    def push(self, channel: str, body: str) -> None:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT INTO pending (channel, body) VALUES (?, ?)", (channel, body))
            overflow = self.db.execute("SELECT count(*) FROM pending").fetchone()[0] - self.max_entries
            if overflow > 0:
                self.db.execute("DELETE FROM pending WHERE id IN (SELECT id FROM pending ORDER BY id LIMIT ?)",
                                (overflow,))
                self.db.execute("INSERT INTO meta VALUES ('dropped', ?) ON CONFLICT(name) DO UPDATE "
                                "SET value = value + excluded.value", (overflow,))
            self.db.execute("COMMIT")

    def peek(self, limit: int) -> list[tuple[int, str, str]]:
        """The oldest entries of one channel, in order (a batch never mixes channels)."""
        with self.lock:
            first = self.db.execute("SELECT channel FROM pending ORDER BY id LIMIT 1").fetchone()
            if first is None:
                return []
            rows = self.db.execute("SELECT id, channel, body FROM pending ORDER BY id LIMIT ?", (limit,)).fetchall()
        same = []
        for row in rows:
            if row[1] != first[0]:
                break
            same.append(row)
        return same

    def remove(self, ids: list[int]) -> None:
        with self.lock:
            self.db.executemany("DELETE FROM pending WHERE id = ?", [(i,) for i in ids])

    def __len__(self) -> int:
        with self.lock:
            return self.db.execute("SELECT count(*) FROM pending").fetchone()[0]

    @property
    def dropped(self) -> int:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE name = 'dropped'").fetchone()
        return row[0] if row else 0

    def close(self) -> None:
        self.db.close()
