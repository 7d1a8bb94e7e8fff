"""The embedded default: samples and events in SQL tables of the booking database.

Rows are unique per (device, boot, seq), so a redelivered message inserts nothing.
Timestamps are epoch milliseconds: exact, sortable, and the same on SQLite and PostgreSQL.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from telemetry.contract import Event, Sample

from .base import DeviceTags, PermanentWriteError, TimeSeriesStore, TransientWriteError, mean_by_bucket

metadata = MetaData()



def _observation_columns() -> list[Column]:
    """What samples and events share: identity (device, boot, seq), time and instrument."""
    return [Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
            Column("device_id", String(64), nullable=False),
            Column("boot", String(64), nullable=False),
            Column("seq", BigInteger, nullable=False),
            Column("ts_ms", BigInteger, nullable=False),
            Column("instrument_id", Integer, nullable=False)]


samples_table = Table(
    "telemetry_samples", metadata,
    *_observation_columns(),
    Column("lab_id", Integer, nullable=False),
    Column("institution_id", Integer, nullable=False),
    Column("metrics", JSON, nullable=False),
    Index("uq_telemetry_samples_device_boot_seq", "device_id", "boot", "seq", unique=True),
    Index("ix_telemetry_samples_device_ts", "device_id", "ts_ms"),
    Index("ix_telemetry_samples_instrument_ts", "instrument_id", "ts_ms"),
)

events_table = Table(
    "telemetry_events", metadata,
    *_observation_columns(),
    Column("type", String(32), nullable=False),
    Column("user_ref", String(200)),
    Column("data", JSON, nullable=False),
    Index("uq_telemetry_events_device_boot_seq", "device_id", "boot", "seq", unique=True),
    Index("ix_telemetry_events_device_ts", "device_id", "ts_ms"),
)


def to_ms(ts: datetime) -> int:
    return round(ts.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class SqlStore(TimeSeriesStore):
    def __init__(self, url_or_engine: str | Engine):
        # An engine handed in (the booking service's) belongs to its owner and is not disposed here.
        self.owns_engine = isinstance(url_or_engine, str)
        self.engine = create_engine(url_or_engine) if self.owns_engine else url_or_engine

    def _insert(self, table):
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        return insert(table).on_conflict_do_nothing(index_elements=["device_id", "boot", "seq"])

    def write(self, samples: Sequence[tuple[Sample, DeviceTags]], events: Sequence[tuple[Event, DeviceTags]]) -> None:
        sample_rows = [{"device_id": s.device_id, "boot": s.boot, "seq": s.seq, "ts_ms": to_ms(s.ts),
                        "instrument_id": t.instrument_id, "lab_id": t.lab_id, "institution_id": t.institution_id,
                        "metrics": dict(s.metrics)} for s, t in samples]
        event_rows = [{"device_id": e.device_id, "boot": e.boot, "seq": e.seq, "ts_ms": to_ms(e.ts),
                       "instrument_id": t.instrument_id, "type": e.type, "user_ref": e.user, "data": dict(e.data)}
                      for e, t in events]
        try:
            with self.engine.begin() as connection:
                if sample_rows:
                    connection.execute(self._insert(samples_table), sample_rows)
                if event_rows:
                    connection.execute(self._insert(events_table), event_rows)
        except OperationalError as exc:
            raise TransientWriteError(str(exc)) from exc
        except DBAPIError as exc:
            raise PermanentWriteError(str(exc)) from exc

    def read_samples(self, device_id: str, start: datetime, end: datetime) -> list[Sample]:
        stmt = (select(samples_table).where(samples_table.c.device_id == device_id,
                                            samples_table.c.ts_ms >= to_ms(start), samples_table.c.ts_ms < to_ms(end))
                .order_by(samples_table.c.ts_ms, samples_table.c.seq))
        with self.engine.connect() as connection:
            return [Sample(r.device_id, from_ms(r.ts_ms), r.seq, r.boot, r.metrics) for r in connection.execute(stmt)]

    def read_events(self, device_id: str, start: datetime, end: datetime) -> list[Event]:
        stmt = (select(events_table).where(events_table.c.device_id == device_id,
                                           events_table.c.ts_ms >= to_ms(start), events_table.c.ts_ms < to_ms(end))
                .order_by(events_table.c.ts_ms, events_table.c.seq))
        with self.engine.connect() as connection:
            return [Event(r.device_id, from_ms(r.ts_ms), r.seq, r.boot, r.type, r.user_ref, r.data)
                    for r in connection.execute(stmt)]

    def read_series(self, instrument_id: int, metric: str, start: datetime, end: datetime,
                    every: timedelta) -> list[tuple[datetime, float]]:
        stmt = (select(samples_table.c.ts_ms, samples_table.c.metrics)
                .where(samples_table.c.instrument_id == instrument_id, samples_table.c.ts_ms >= to_ms(start),
                       samples_table.c.ts_ms < to_ms(end)).order_by(samples_table.c.ts_ms))
        with self.engine.connect() as connection:
            points = [(from_ms(ts_ms), float(metrics[metric])) for ts_ms, metrics in connection.execute(stmt)
                      if isinstance(metrics.get(metric), (int, float)) and not isinstance(metrics.get(metric), bool)]
        return mean_by_bucket(points, every)

    def close(self) -> None:
        if self.owns_engine:
            self.engine.dispose()
