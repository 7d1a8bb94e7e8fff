"""The store interface every backend implements, and the buckets of a downsampled series."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from telemetry.contract import Event, Sample


@dataclass(frozen=True)
class DeviceTags:
    """Where a device's data belongs. Low-cardinality identifiers, used as tags."""

    device_id: str
    instrument_id: int
    lab_id: int
    institution_id: int


class TransientWriteError(RuntimeError):
    """The store did not take the batch now (down, overloaded); the same batch may be retried."""


class PermanentWriteError(RuntimeError):
    """The store refuses this batch for good (e.g. a field type conflict); retrying will not help."""


class TimeSeriesStore(ABC):
    """Writes are synchronous and idempotent: when ``write`` returns, the batch is stored; writing
    the same samples again (a redelivered MQTT message) changes nothing."""

    @abstractmethod
    def write(self, samples: Sequence[tuple[Sample, DeviceTags]], events: Sequence[tuple[Event, DeviceTags]]) -> None:
        ...

    @abstractmethod
    def read_samples(self, device_id: str, start: datetime, end: datetime) -> list[Sample]:
        """Raw samples of one device with ``start <= ts < end``, in timestamp order."""

    @abstractmethod
    def read_events(self, device_id: str, start: datetime, end: datetime) -> list[Event]:
        ...

    @abstractmethod
    def read_series(self, instrument_id: int, metric: str, start: datetime, end: datetime,
                    every: timedelta) -> list[tuple[datetime, float]]:
        """Mean of a numeric metric per ``every`` bucket (aligned to the epoch); empty buckets left out."""

    def close(self) -> None:
        """Flush and release connections."""


def sample_fields(sample: Sample) -> dict:
    """A sample's fields in a time-series point: its metrics, and seq and boot (fields, not tags,
    so that a redelivered sample overwrites its own point)."""
    return {**sample.metrics, "seq": sample.seq, "boot": sample.boot}


def event_fields(event: Event) -> dict:
    return {"type": event.type, "seq": event.seq, "boot": event.boot, "user": event.user or ""}


def bucket_start(ts: datetime, every: timedelta) -> datetime:
    seconds = every.total_seconds()
    return datetime.fromtimestamp((ts.timestamp() // seconds) * seconds, ts.tzinfo)


def mean_by_bucket(points: list[tuple[datetime, float]], every: timedelta) -> list[tuple[datetime, float]]:
    sums: dict[datetime, list[float]] = {}
    for ts, value in points:
        sums.setdefault(bucket_start(ts, every), []).append(value)
    return [(bucket, sum(values) / len(values)) for bucket, values in sorted(sums.items())]
