"""InfluxDB 1.x through its v1 HTTP API: line protocol to ``/write``, InfluxQL from ``/query``.

Tags (indexed, low cardinality): device, instrument, lab, institution. Fields: the metrics, plus
``seq`` and ``boot`` — as fields, not tags, because a point's identity is measurement + tags +
timestamp: a redelivered sample then overwrites itself instead of adding a series.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import requests

from telemetry.contract import Event, Sample

from .base import (DeviceTags, PermanentWriteError, TimeSeriesStore, TransientWriteError, event_fields,
                   sample_fields)

SAMPLES, EVENTS = "telemetry", "events"
TAG_FIELDS = {"time", "device", "instrument", "lab", "institution", "seq", "boot"}
TIMEOUT_S = 30


def _escape_key(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", r"\,").replace("=", r"\=").replace(" ", r"\ ")


def _field_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _line(measurement: str, tags: DeviceTags, fields: dict, ts: datetime) -> str:
    tag_text = (f"device={_escape_key(tags.device_id)},instrument={tags.instrument_id},lab={tags.lab_id},"
                f"institution={tags.institution_id}")
    field_text = ",".join(f"{_escape_key(k)}={_field_value(v)}" for k, v in sorted(fields.items()))
    return f"{measurement},{tag_text} {field_text} {round(ts.timestamp() * 1000)}"


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _time_range(start: datetime, end: datetime) -> str:
    return f"time >= {round(start.timestamp() * 1000)}ms AND time < {round(end.timestamp() * 1000)}ms"


class Influx1Store(TimeSeriesStore):
    def __init__(self, url: str, database: str, username: str | None = None, password: str | None = None):
        self.url, self.database = url.rstrip("/"), database
        self.http = requests.Session()
        if username:
            self.http.auth = (username, password or "")

    def create_database(self) -> None:
        self._query(f'CREATE DATABASE "{self.database}"', method="POST")

    def write(self, samples: Sequence[tuple[Sample, DeviceTags]], events: Sequence[tuple[Event, DeviceTags]]) -> None:
        lines = [_line(SAMPLES, t, sample_fields(s), s.ts) for s, t in samples]
        lines += [_line(EVENTS, t, event_fields(e), e.ts) for e, t in events]
        if not lines:
            return
        try:
            response = self.http.post(f"{self.url}/write", params={"db": self.database, "precision": "ms"},
                                      data="\n".join(lines).encode(), timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            raise TransientWriteError(str(exc)) from exc
        if 400 <= response.status_code < 500:
            raise PermanentWriteError(f"InfluxDB refused the batch: {response.text[:500]}")
        if response.status_code != 204:
            raise TransientWriteError(f"InfluxDB answered {response.status_code}: {response.text[:500]}")

    def _query(self, q: str, method: str = "GET") -> list[dict]:
        response = self.http.request(method, f"{self.url}/query", params={"db": self.database, "q": q,
                                                                          "epoch": "ms"}, timeout=TIMEOUT_S)
        response.raise_for_status()
        result = response.json()["results"][0]
        if "error" in result:
            raise RuntimeError(f"InfluxQL error: {result['error']}")
        return [dict(zip(series["columns"], row)) for series in result.get("series", []) for row in series["values"]]

    def read_samples(self, device_id: str, start: datetime, end: datetime) -> list[Sample]:
        rows = self._query(f"SELECT * FROM {SAMPLES} WHERE device = {_quote(device_id)} AND {_time_range(start, end)}")
        samples = [Sample(device_id, datetime.fromtimestamp(r["time"] / 1000, UTC), int(r["seq"]), r["boot"] or "",
                          {k: v for k, v in r.items() if k not in TAG_FIELDS and v is not None}) for r in rows]
        return sorted(samples, key=lambda s: (s.ts, s.seq))

    def read_events(self, device_id: str, start: datetime, end: datetime) -> list[Event]:
        rows = self._query(f"SELECT * FROM {EVENTS} WHERE device = {_quote(device_id)} AND {_time_range(start, end)}")
        events = [Event(device_id, datetime.fromtimestamp(r["time"] / 1000, UTC), int(r["seq"]), r["boot"] or "",
                        r["type"], r.get("user") or None) for r in rows]
        return sorted(events, key=lambda e: (e.ts, e.seq))

    def read_series(self, instrument_id: int, metric: str, start: datetime, end: datetime,
                    every: timedelta) -> list[tuple[datetime, float]]:
        seconds = max(1, int(every.total_seconds()))
        rows = self._query(f'SELECT mean("{metric.replace(chr(34), "")}") AS value FROM {SAMPLES} '
                           f"WHERE instrument = '{int(instrument_id)}' AND {_time_range(start, end)} "
                           f"GROUP BY time({seconds}s) fill(none)")
        return [(datetime.fromtimestamp(r["time"] / 1000, UTC), float(r["value"])) for r in rows]

    def close(self) -> None:
        self.http.close()
