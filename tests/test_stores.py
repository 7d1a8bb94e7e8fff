"""One contract suite for every time-series store that can run here.

SQL (SQLite and PostgreSQL) and InfluxDB 1.x always; InfluxDB 2.x when LABSHARE_TEST_INFLUXDB2_URL
(plus _TOKEN and _ORG) points at a server. Each test writes under its own bucket or database.
"""
from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine

from telemetry.contract import Event, Sample
from telemetry.stores import DeviceTags
from telemetry.stores.influx1 import Influx1Store
from telemetry.stores.sql import SqlStore, metadata

from .support.influxdb import InfluxServer

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
TAGS = DeviceTags("dev-1", instrument_id=7, lab_id=3, institution_id=1)
OTHER = DeviceTags("dev-2", instrument_id=8, lab_id=3, institution_id=1)
STORES = ["sql-sqlite", "sql-postgresql", "influx1", "influx2"]


@pytest.fixture(scope="session")
def influx_server():
    server = InfluxServer().start()
    yield server
    server.stop()


def _influx2():
    url = os.environ.get("LABSHARE_TEST_INFLUXDB2_URL")
    if not url:
        pytest.skip("LABSHARE_TEST_INFLUXDB2_URL is not set (InfluxDB 2 is not packaged for Debian)")
    from influxdb_client import InfluxDBClient

    from telemetry.stores.influx2 import Influx2Store

    token, org = os.environ["LABSHARE_TEST_INFLUXDB2_TOKEN"], os.environ.get("LABSHARE_TEST_INFLUXDB2_ORG", "labshare")
    bucket = f"test-{uuid.uuid4().hex[:8]}"
    with InfluxDBClient(url=url, token=token, org=org) as client:
        client.buckets_api().create_bucket(bucket_name=bucket, org=org)
    return Influx2Store(url, token, org, bucket)


@pytest.fixture(params=STORES)
def store(request, tmp_path):
    if request.param == "sql-sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'ts.db'}")
    elif request.param == "sql-postgresql":
        server = request.getfixturevalue("postgres")
        name = f"ts_{uuid.uuid4().hex[:10]}"
        server.execute(f"CREATE DATABASE {name}")
        engine = create_engine(server.url(name))
    if request.param.startswith("sql"):
        metadata.create_all(engine)
        backend = SqlStore(engine)
        request.addfinalizer(engine.dispose)  # a store handed an engine leaves it to its owner
    elif request.param == "influx1":
        backend = Influx1Store(request.getfixturevalue("influx_server").url, f"test_{uuid.uuid4().hex[:8]}")
        backend.create_database()
    else:
        backend = _influx2()
    yield backend
    backend.close()


def samples(n, tags=TAGS, boot="b1", watts=lambda i: 100.0 + i, start=T0):
    return [(Sample(tags.device_id, start + timedelta(seconds=10 * i), i, boot,
                    {"power_w": watts(i), "in_use": watts(i) >= 50}), tags) for i in range(n)]


def test_write_and_read_back_exactly(store):
    batch = samples(30) + samples(5, tags=OTHER)
    store.write(batch, [])
    back = store.read_samples("dev-1", T0, T0 + timedelta(minutes=10))
    assert back == [s for s, t in batch if t is TAGS]
    assert back[3].metrics == {"power_w": 103.0, "in_use": True}


def test_redelivered_batch_changes_nothing(store):
    batch = samples(10)
    store.write(batch, [])
    store.write(batch[3:7], [])
    assert len(store.read_samples("dev-1", T0, T0 + timedelta(hours=1))) == 10


def test_window_is_half_open(store):
    store.write(samples(10), [])
    window = store.read_samples("dev-1", T0 + timedelta(seconds=20), T0 + timedelta(seconds=50))
    assert [s.seq for s in window] == [2, 3, 4]


def test_events_round_trip(store):
    events = [(Event("dev-1", T0 + timedelta(seconds=i), i, "b1", kind, "alice"), TAGS)
              for i, kind in enumerate(("session_start", "badge", "session_end"))]
    store.write([], events)
    back = store.read_events("dev-1", T0, T0 + timedelta(minutes=1))
    assert [(e.type, e.seq, e.user) for e in back] == [("session_start", 0, "alice"), ("badge", 1, "alice"),
                                                      ("session_end", 2, "alice")]


def test_downsampled_series_is_the_bucket_mean(store):
    store.write(samples(12, watts=lambda i: float(i * 10)), [])  # 0..110 W, every 10 s for 2 minutes
    series = store.read_series(7, "power_w", T0, T0 + timedelta(minutes=5), timedelta(minutes=1))
    assert series == [(T0, 25.0), (T0 + timedelta(minutes=1), 85.0)]
    assert store.read_series(8, "power_w", T0, T0 + timedelta(minutes=5), timedelta(minutes=1)) == []
