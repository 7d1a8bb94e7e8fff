"""One batch of MQTT messages: parse, store, derive sessions, queue reports — then acknowledge.

Order matters for "nothing lost, nothing twice": the store write is confirmed before anything is
acknowledged, and the seen-marks, reported sessions and outbox rows are committed in one
transaction before the acknowledgements go out. A crash anywhere before that commit makes the
broker redeliver the batch; writing it again is harmless (idempotent stores, stable session ids).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from telemetry.contract import ContractError, Event, EventMessage, Sample, StatusMessage, parse_message, rfc3339
from telemetry.sessions import MERGE_GAP, UsageSession, derive_sessions
from telemetry.stores import DeviceTags, PermanentWriteError, TimeSeriesStore

from . import outbox
from .booking_api import DeviceDirectory
from .mqtt_source import ReceivedMessage
from .state import ReportedSession, WorkerState

logger = logging.getLogger(__name__)
FUTURE_MARGIN = timedelta(minutes=6)
# Last-seen times are reported at most this often per device; status changes always at once.
PRESENCE_EVERY_S = 30.0


@dataclass
class Batch:
    samples: list[tuple[Sample, DeviceTags]] = field(default_factory=list)
    events: list[tuple[Event, DeviceTags]] = field(default_factory=list)
    statuses: list[StatusMessage] = field(default_factory=list)
    seen_keys: set = field(default_factory=set)
    touched: dict[str, datetime] = field(default_factory=dict)  # device → earliest new observation
    latest: dict[str, datetime] = field(default_factory=dict)   # device → newest observation
    duplicates: int = 0


def _ms(ts: datetime) -> int:
    return round(ts.timestamp() * 1000)


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class Processor:
    def __init__(self, state: WorkerState, store: TimeSeriesStore, directory: DeviceDirectory, prefix: str):
        self.state, self.store, self.directory, self.prefix = state, store, directory, prefix
        self.presence_sent: dict[str, float] = {}

    # ---- parsing ----------------------------------------------------------------------------

    def _classify(self, messages: list[ReceivedMessage], now: datetime) -> Batch:
        batch = Batch()
        for message in messages:
            try:
                parsed = parse_message(self.prefix, message.topic, message.payload, now)
                tags = self.directory.tags(parsed.device_id)
                if tags is None:
                    raise ContractError("unknown_device", f"device {parsed.device_id} is not registered")
            except ContractError as exc:
                self.state.dead_letter(message.topic, exc.reason, exc.detail, message.payload)
                logger.warning("dead letter %s on %s: %s (payload %r)", exc.reason, message.topic[:200],
                               exc.detail[:200], message.payload[:100])
                continue
            self._add(batch, parsed, tags)
        return batch

    def _add(self, batch: Batch, parsed, tags: DeviceTags) -> None:
        if isinstance(parsed, StatusMessage):
            batch.statuses.append(parsed)
            return
        items = [(parsed.event, "event")] if isinstance(parsed, EventMessage) else [(s, "sample") for s in
                                                                                    parsed.samples]
        keys = {(item.device_id, item.boot, item.seq, kind): item for item, kind in items}
        fresh = self.state.unseen(set(keys) - batch.seen_keys)
        batch.duplicates += len(keys) - len(fresh)
        for key in fresh:
            item = keys[key]
            (batch.events if key[3] == "event" else batch.samples).append((item, tags))
            batch.seen_keys.add(key)
            batch.touched[item.device_id] = min(batch.touched.get(item.device_id, item.ts), item.ts)
            batch.latest[item.device_id] = max(batch.latest.get(item.device_id, item.ts), item.ts)

    # ---- the batch --------------------------------------------------------------------------

    def process(self, messages: list[ReceivedMessage], now: datetime | None = None) -> None:
        """Handle one batch; raises TransientWriteError if the store did not take it (nothing acked)."""
        now = now or datetime.now(UTC)
        batch = self._classify(messages, now)
        try:
            self.store.write(batch.samples, batch.events)
        except PermanentWriteError as exc:
            for message in messages:
                self.state.dead_letter(message.topic, "store_rejected", str(exc), message.payload)
            return
        reports = [self._session_changes(device, since, now) for device, since in batch.touched.items()]
        with self.state.transaction():
            self.state.mark_seen(batch.seen_keys)
            for changes in reports:
                self._queue_reports(changes)
            self._queue_presence(batch)
            self.state.count("samples.stored", len(batch.samples))
            self.state.count("events.stored", len(batch.events))
            self.state.count("duplicates", batch.duplicates)

    def _queue_presence(self, batch: Batch) -> None:
        latest_status = {s.device_id: s.status for s in batch.statuses}
        clock = time.monotonic()
        due = {d for d in batch.latest if clock - self.presence_sent.get(d, float("-inf")) >= PRESENCE_EVERY_S}
        for device_id in due | set(latest_status):
            self.presence_sent[device_id] = clock
            status = latest_status.get(device_id)
            seen = batch.latest.get(device_id) or (status.ts if status else None)
            body = {"online": status.online if status else True, "last_seen": rfc3339(seen) if seen else None,
                    "agent": status.agent if status else None}
            outbox.enqueue(self.state, f"presence:{device_id}", f"/api/v1/devices/{device_id}/presence", body)

    # ---- sessions ---------------------------------------------------------------------------

    def _session_changes(self, device_id: str, since: datetime, now: datetime):
        """Re-derive a device's sessions from the store around new data; return what changed."""
        profile = self.directory.profile(device_id)
        margin = MERGE_GAP + profile.silence
        reported = self.state.reported(device_id, _ms(since - margin))
        window_start = min([since - margin] + [_from_ms(r.start_ms) - margin for r in reported])
        window_end = now + FUTURE_MARGIN
        observations = (self.store.read_samples(device_id, window_start, window_end)
                        + self.store.read_events(device_id, window_start, window_end))
        derived = [s for s in derive_sessions(profile, observations, now) if s.start >= window_start]
        return self._diff(device_id, derived, [r for r in reported if _from_ms(r.start_ms) >= window_start])

    def _diff(self, device_id: str, derived: list[UsageSession],
              reported: list[ReportedSession]) -> list[ReportedSession]:
        """The sessions whose report changed: new or altered ones, and (void) ones merged away by late data."""
        known = {r.session_id: r for r in reported}
        changes = []
        for session in derived:
            record = ReportedSession(session.session_id, device_id, _ms(session.start),
                                     _ms(session.end) if session.end else None, session.source, False)
            if known.pop(session.session_id, None) != record:
                changes.append(record)
        return changes + [replace(stale, void=True) for stale in known.values()]

    def _queue_reports(self, changes: list[ReportedSession]) -> None:
        """Call inside ``state.transaction()``: remember what is reported and queue the reports."""
        for record in changes:
            outbox.enqueue(self.state, record.session_id, "/api/v1/usage-sessions", _report_body(record))
        self.state.record_reported(changes)

    def sweep(self, now: datetime | None = None) -> None:
        """Close sessions of devices that went silent: no message arrives to trigger that."""
        now = now or datetime.now(UTC)
        for device_id in self.state.open_session_devices():
            if self.directory.lookup(device_id) is None:
                continue
            open_sessions = [r for r in self.state.reported(device_id, 0) if r.end_ms is None]
            since = min(_from_ms(r.start_ms) for r in open_sessions)
            changes = self._session_changes(device_id, since, now)
            with self.state.transaction():
                self._queue_reports(changes)


def _report_body(record: ReportedSession) -> dict:
    return {"session_id": record.session_id, "device_id": record.device_id, "start": rfc3339(_from_ms(record.start_ms)),
            "end": rfc3339(_from_ms(record.end_ms)) if record.end_ms is not None else None, "source": record.source,
            "void": record.void}

