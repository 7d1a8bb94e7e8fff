"""Usage sessions from a device's samples and events: a pure, deterministic state machine.

DESIGN.md's rules: a sample is in use if ``metrics.in_use`` is true, else if ``power_w`` ≥ the
device's threshold. A session starts at the first in-use sample after a not-in-use one and ends
at the first not-in-use sample after it; ``session_start``/``session_end`` events open and close
sessions directly. Silence longer than 3 × the report interval ends an open session at its last
in-use sample. Sessions of one device less than 60 s apart are one. Observations are processed
in timestamp order, and duplicates (same boot and seq) count once.

Because the result depends only on the observations, the worker can re-derive sessions over a
window whenever late (replayed) data arrives, and report the difference.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .contract import Event, Sample

MERGE_GAP = timedelta(seconds=60)
SILENCE_FACTOR = 3


@dataclass(frozen=True)
class DeviceProfile:
    device_id: str
    threshold_w: float = 50.0
    interval_s: float = 10.0

    @property
    def silence(self) -> timedelta:
        return timedelta(seconds=SILENCE_FACTOR * self.interval_s)


@dataclass(frozen=True)
class UsageSession:
    device_id: str
    start: datetime
    end: datetime | None  # None: still running
    source: str           # "power" or "event"

    @property
    def session_id(self) -> str:
        """Stable for a given start, so re-deriving and re-reporting is idempotent."""
        return f"{self.device_id}-{int(self.start.timestamp() * 1000)}"

    @property
    def is_open(self) -> bool:
        return self.end is None


def _ordered(observations: Iterable[Sample | Event]) -> list[Sample | Event]:
    unique = {(o.boot, o.seq, type(o).__name__): o for o in observations}
    return sorted(unique.values(), key=lambda o: (o.ts, o.seq))


class _Machine:
    def __init__(self, profile: DeviceProfile):
        self.profile = profile
        self.sessions: list[UsageSession] = []
        self.start: datetime | None = None
        self.source = "power"
        self.last_in_use: datetime | None = None
        self.last_seen: datetime | None = None

    def close(self, end: datetime) -> None:
        if self.start is not None and end > self.start:
            self.sessions.append(UsageSession(self.profile.device_id, self.start, end, self.source))
        self.start = None

    def open(self, ts: datetime, source: str) -> None:
        if self.start is None:
            self.start, self.source = ts, source
        elif source == "event":
            self.source = "event"  # a PC agent's explicit session takes over a power-detected one

    def observe(self, item: Sample | Event) -> None:
        if self.start is not None and self.last_seen and item.ts - self.last_seen > self.profile.silence:
            self.close(self.last_in_use)
        self.last_seen = item.ts
        if isinstance(item, Event):
            self._event(item)
        elif item.is_in_use(self.profile.threshold_w):
            self.open(item.ts, "power")
            self.last_in_use = item.ts
        elif self.start is not None and self.source == "power":
            self.close(item.ts)

    def _event(self, event: Event) -> None:
        if event.type == "session_start":
            self.open(event.ts, "event")
            self.last_in_use = event.ts
        elif event.type == "session_end" and self.start is not None:
            self.close(event.ts)

    def finish(self, now: datetime | None) -> list[UsageSession]:
        if self.start is not None:
            if now is None or now - self.last_seen > self.profile.silence:
                self.close(self.last_in_use)
            else:
                self.sessions.append(UsageSession(self.profile.device_id, self.start, None, self.source))
        return self.sessions


def merge_close_sessions(sessions: list[UsageSession]) -> list[UsageSession]:
    merged: list[UsageSession] = []
    for session in sessions:
        previous = merged[-1] if merged else None
        if previous and previous.end is not None and session.start - previous.end < MERGE_GAP:
            source = "event" if "event" in (previous.source, session.source) else "power"
            merged[-1] = replace(previous, end=session.end, source=source)
        else:
            merged.append(session)
    return merged


def derive_sessions(profile: DeviceProfile, observations: Iterable[Sample | Event],
                    now: datetime | None = None) -> list[UsageSession]:
    """Sessions of one device. With ``now``, a session whose device is still reporting stays open."""
    machine = _Machine(profile)
    for item in _ordered(observations):
        machine.observe(item)
    return merge_close_sessions(machine.finish(now))
