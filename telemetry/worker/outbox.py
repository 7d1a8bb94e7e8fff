"""A durable outbox for reports to the booking service: nothing is lost while it is down.

Reports are rows in the worker's state database, written in the same transaction that records
what was derived; a sender thread posts them in order and deletes each once the booking
service took it. A newer report with the same key (a session whose end is now known) replaces
an unsent older one, so retries never send stale data.
"""
from __future__ import annotations

import json
import logging
import threading

import requests

from .state import WorkerState, now_ms

logger = logging.getLogger(__name__)

MAX_BACKOFF_MS = 60_000
RETRYABLE_STATUSES = {401, 408, 425, 429}


def enqueue(state: WorkerState, key: str, path: str, body: dict) -> None:
    """Call inside ``state.transaction()``."""
    stamp = now_ms()
    state.db.execute("INSERT INTO outbox (key, path, body, attempts, due_ms, created_ms) VALUES (?, ?, ?, 0, ?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET path = excluded.path, body = excluded.body, attempts = 0, "
                     "due_ms = excluded.due_ms", (key, path, json.dumps(body), stamp, stamp))


def pending(state: WorkerState) -> int:
    with state.lock:
        return state.db.execute("SELECT count(*) FROM outbox").fetchone()[0]


class OutboxSender:
    """Posts due reports with exponential backoff; ``post(path, body)`` returns an HTTP status."""

    def __init__(self, state: WorkerState, post, poll_s: float = 0.2):
        self.state, self.post, self.poll_s = state, post, poll_s
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="outbox", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread.is_alive():
            self.thread.join(timeout=30)

    def _due(self) -> list[tuple[str, str, str, int]]:
        with self.state.lock:
            return self.state.db.execute("SELECT key, path, body, attempts FROM outbox WHERE due_ms <= ? "
                                         "ORDER BY created_ms LIMIT 100", (now_ms(),)).fetchall()

    def send_due(self) -> int:
        """One pass over the due reports; returns how many were delivered."""
        delivered = 0
        for key, path, body, attempts in self._due():
            try:
                status = self.post(path, json.loads(body))
            except requests.RequestException as exc:
                logger.warning("booking service unreachable (%s); will retry %s", exc, key)
                status = None
            if status is not None and (status < 400 or status not in RETRYABLE_STATUSES and status < 500):
                if status >= 400:
                    logger.error("booking service refused %s for good (HTTP %s); dropped", key, status)
                    self.state.count("outbox.refused")
                self._delete(key, body)
                delivered += status < 400
            else:
                self._retry_later(key, attempts)
        return delivered

    def _delete(self, key: str, body: str) -> None:
        with self.state.lock:  # only if not replaced by a newer report meanwhile
            self.state.db.execute("DELETE FROM outbox WHERE key = ? AND body = ?", (key, body))

    def _retry_later(self, key: str, attempts: int) -> None:
        delay = min(MAX_BACKOFF_MS, 500 * 2 ** attempts)
        with self.state.lock:
            self.state.db.execute("UPDATE outbox SET attempts = attempts + 1, due_ms = ? WHERE key = ?",
                                  (now_ms() + delay, key))

    def _run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.send_due()
            except Exception:  # the sender must outlive any single bad report
                logger.exception("outbox pass failed")
            self.stop_event.wait(self.poll_s)
