"""InfluxDB 2.x through influxdb-client: writes confirmed synchronously, reads in Flux.

influxdb-client's batching WriteApi retries in the background and then drops a batch, and its
``flush()`` does not wait; acknowledged MQTT messages must never be lost, so the worker batches
itself and writes each batch with the SYNCHRONOUS write API, which raises when a write fails.
Tags and fields are chosen as in the 1.x store (seq and boot are fields).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from influxdb_client import InfluxDBClient, Point, WritePrecision
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.rest import ApiException
from urllib3.exceptions import HTTPError

from telemetry.contract import Event, Sample

from .base import (DeviceTags, PermanentWriteError, TimeSeriesStore, TransientWriteError, event_fields,
                   sample_fields)

SAMPLES, EVENTS = "telemetry", "events"
NON_METRIC_COLUMNS = {"seq", "boot"}


def _point(measurement: str, tags: DeviceTags, fields: dict, ts: datetime) -> Point:
    point = (Point(measurement).tag("device", tags.device_id).tag("instrument", str(tags.instrument_id))
             .tag("lab", str(tags.lab_id)).tag("institution", str(tags.institution_id))
             .time(round(ts.timestamp() * 1000), WritePrecision.MS))
    for key, value in fields.items():
        point = point.field(key, value)
    return point


def _flux_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Influx2Store(TimeSeriesStore):
    def __init__(self, url: str, token: str, org: str, bucket: str):
        self.client = InfluxDBClient(url=url, token=token, org=org, timeout=30_000)
        self.org, self.bucket = org, bucket
        self.write_api = self.client.write_api(write_options=SYNCHRONOUS)
        self.query_api = self.client.query_api()

    def write(self, samples: Sequence[tuple[Sample, DeviceTags]], events: Sequence[tuple[Event, DeviceTags]]) -> None:
        points = [_point(SAMPLES, t, sample_fields(s), s.ts) for s, t in samples]
        points += [_point(EVENTS, t, event_fields(e), e.ts) for e, t in events]
        if not points:
            return
        try:
            self.write_api.write(bucket=self.bucket, org=self.org, record=points)
        except ApiException as exc:
            if exc.status and 400 <= exc.status < 500 and exc.status != 429:
                raise PermanentWriteError(str(exc)) from exc
            raise TransientWriteError(str(exc)) from exc
        except (HTTPError, OSError) as exc:
            raise TransientWriteError(str(exc)) from exc

    def _range(self, start: datetime, end: datetime) -> str:
        return f"from(bucket: {_flux_string(self.bucket)}) |> range(start: {start.isoformat()}, stop: {end.isoformat()})"

    def _rows(self, flux: str) -> list[dict]:
        return [record.values for table in self.query_api.query(flux, org=self.org) for record in table.records]

    def read_samples(self, device_id: str, start: datetime, end: datetime) -> list[Sample]:
        rows = self._rows(f'{self._range(start, end)} |> filter(fn: (r) => r._measurement == "{SAMPLES}" '
                          f"and r.device == {_flux_string(device_id)}) "
                          '|> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")')
        samples = []
        for row in rows:
            metrics = {k: v for k, v in row.items() if not k.startswith("_") and k not in NON_METRIC_COLUMNS
                       and k not in ("result", "table", "device", "instrument", "lab", "institution") and v is not None}
            samples.append(Sample(device_id, row["_time"], int(row["seq"]), row.get("boot") or "", metrics))
        return sorted(samples, key=lambda s: (s.ts, s.seq))

    def read_events(self, device_id: str, start: datetime, end: datetime) -> list[Event]:
        rows = self._rows(f'{self._range(start, end)} |> filter(fn: (r) => r._measurement == "{EVENTS}" '
                          f"and r.device == {_flux_string(device_id)}) "
                          '|> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")')
        events = [Event(device_id, row["_time"], int(row["seq"]), row.get("boot") or "", row["type"],
                        row.get("user") or None) for row in rows]
        return sorted(events, key=lambda e: (e.ts, e.seq))

    def read_series(self, instrument_id: int, metric: str, start: datetime, end: datetime,
                    every: timedelta) -> list[tuple[datetime, float]]:
        seconds = max(1, int(every.total_seconds()))
        rows = self._rows(f'{self._range(start, end)} |> filter(fn: (r) => r._measurement == "{SAMPLES}" '
                          f'and r.instrument == "{int(instrument_id)}" and r._field == {_flux_string(metric)}) '
                          f"|> group() |> aggregateWindow(every: {seconds}s, fn: mean, createEmpty: false, "
                          "timeSrc: \"_start\")")
        return [(row["_time"], float(row["_value"])) for row in rows]

    def close(self) -> None:
        self.write_api.close()
        self.client.close()
