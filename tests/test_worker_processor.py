"""The worker's batch step without a broker: whatever arrives, it records why and goes on."""
from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine

from telemetry.stores import TransientWriteError
from telemetry.stores.sql import SqlStore, metadata
from telemetry.worker.booking_api import DeviceDirectory
from telemetry.worker.mqtt_source import MqttSource, ReceivedMessage
from telemetry.worker.processor import Processor
from telemetry.worker.runner import Worker
from telemetry.worker.settings import WorkerSettings
from telemetry.worker.state import WorkerState

P = "labshare/v1"
NOW = datetime.now(UTC).replace(microsecond=0)


class KnownDevices(DeviceDirectory):
    """The device directory with its cache filled, as after a refresh from the booking API."""

    def __init__(self, devices):
        self.devices, self.refreshed_at = {d["device_id"]: d for d in devices}, float("inf")


@pytest.fixture
def processor(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'ts.db'}")
    metadata.create_all(engine)
    store = SqlStore(engine)
    devices = KnownDevices([{"device_id": "dev-1", "instrument_id": 1, "lab_id": 1, "institution_id": 1,
                             "in_use_threshold_w": 50.0, "report_interval_s": 10.0}])
    yield Processor(WorkerState(tmp_path / "worker.db"), store, devices, P)
    engine.dispose()


def message(payload: bytes, topic: str = f"{P}/devices/dev-1/telemetry", mid: int = 1) -> ReceivedMessage:
    return ReceivedMessage(topic, payload, mid, 1, False, 1)


def sample(seq: int, watts: float = 100.0, ts: datetime = NOW) -> bytes:
    return json.dumps({"ts": ts.isoformat(), "seq": seq, "boot": "b", "metrics": {"power_w": watts}}).encode()


def test_hostile_batch_is_dead_lettered_and_the_valid_message_stored(processor):
    hostile = [
        message(b"x" * (10 * 1024 * 1024)),                                   # 10 MB
        message(b'{"ts": 1, "seq": 1, "metrics": {"power_w": Infinity}}'),
        message(b"\xc3\x28"),                                                  # invalid UTF-8
        message(sample(1), topic=f"{P}/devices/dev-1"),                       # wrong topic shape
        message(sample(1), topic=f"{P}/devices/dev-1/telemetry/x"),
        message(sample(1), topic=f"{P}/devices/dev-9/telemetry"),             # unknown device
        message(sample(1, ts=NOW + timedelta(hours=2))),                      # clock skew
        message(sample(2)),                                                    # and one good one
    ]
    processor.process(hostile, now=NOW)
    reasons = [reason for _, reason, _ in processor.state.dead_letters()]
    assert reasons == ["too_large", "non_finite_number", "invalid_utf8", "bad_topic", "bad_topic", "unknown_device",
                       "ts_in_future"]
    assert [s.seq for s in processor.store.read_samples("dev-1", NOW - timedelta(1), NOW + timedelta(1))] == [2]
    counters = processor.state.counters()
    assert counters["dead_letter.bad_topic"] == 2 and counters["samples.stored"] == 1


def test_redelivery_after_a_restart_is_recognised(processor, tmp_path):
    batch = [message(sample(i, ts=NOW - timedelta(seconds=10 * (5 - i))), mid=i) for i in range(5)]
    processor.process(batch, now=NOW)
    restarted = Processor(WorkerState(tmp_path / "worker.db"), processor.store, processor.directory, P)
    restarted.process(batch, now=NOW)
    assert restarted.state.counters()["duplicates"] == 5
    assert len(processor.store.read_samples("dev-1", NOW - timedelta(1), NOW + timedelta(1))) == 5


def offline_worker(tmp_path) -> Worker:
    """A worker wired to a real SQL store and state, with no broker or booking service behind it."""
    worker = Worker(WorkerSettings(state_dir=tmp_path / "w", api_url="http://127.0.0.1:9",
                                   store={"TSDB": "sql", "DATABASE_URL": f"sqlite:///{tmp_path}/ts.db"}))
    metadata.create_all(worker.store.engine)
    worker.processor.directory = KnownDevices([{"device_id": "dev-1", "instrument_id": 1, "lab_id": 1,
                                                "institution_id": 1, "in_use_threshold_w": 50.0,
                                                "report_interval_s": 10.0}])
    return worker


def test_nothing_is_acknowledged_until_the_store_took_the_batch(tmp_path):
    worker = offline_worker(tmp_path)
    events, real_write = [], worker.store.write

    def flaky_write(samples, batch_events):
        if not any(e == "write failed" for e in events):
            events.append("write failed")
            raise TransientWriteError("influx is restarting")
        real_write(samples, batch_events)
        events.append("written")
    worker.store.write = flaky_write
    worker.source.ack = lambda m: events.append(f"ack {m.mid}")
    worker._handle([message(sample(1), mid=11), message(sample(2), mid=12)])
    assert events == ["write failed", "written", "ack 11", "ack 12"]
    worker.store.close()
    worker.state.close()


def test_a_full_queue_holds_paho_back():
    source = MqttSource("127.0.0.1", 1883, "bp-test", P, queue_size=2)
    delivered = threading.Event()

    def deliver(mid):
        source._on_message(None, None, SimpleNamespace(topic=f"{P}/devices/d/telemetry", payload=b"{}", mid=mid,
                                                       qos=1, retain=False))
    deliver(1)
    deliver(2)
    third = threading.Thread(target=lambda: (deliver(3), delivered.set()))
    third.start()
    assert not delivered.wait(0.5)          # paho's thread waits: nothing is dropped, nothing grows
    assert source.messages.get().mid == 1
    assert delivered.wait(2)
    third.join()
    assert [source.messages.get().mid for _ in range(2)] == [2, 3]


def test_sigterm_flushes_what_is_queued(tmp_path):
    worker = offline_worker(tmp_path)
    acked = []
    worker.source.ack = lambda m: acked.append(m.mid)
    for seq in range(3):
        worker.source.messages.put(message(sample(seq, ts=NOW - timedelta(seconds=10 * seq)), mid=20 + seq))
    store, state_path = worker.store, tmp_path / "w" / "worker.db"
    worker._shutdown()
    assert acked == [20, 21, 22]
    reader, state = SqlStore(store.engine.url.render_as_string()), WorkerState(state_path)
    assert [s.seq for s in reader.read_samples("dev-1", NOW - timedelta(1), NOW + timedelta(1))] == [2, 1, 0]
    assert state.counters()["samples.stored"] == 3
    reader.close()
    state.close()
