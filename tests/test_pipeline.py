"""End to end on real mosquitto: device → broker → worker → store → booking API."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from booking.accounts.operations import create_user
from booking.bookings.models import Booking
from booking.core.db import db, write_intent
from booking.usage.models import UsageSession
from devices.agent import Agent
from devices.buffer import Buffer
from devices.config import AgentConfig
from devices.probes import Reading
from telemetry.stores.sql import samples_table
from telemetry.worker import outbox
from telemetry.worker.runner import Worker
from telemetry.worker.settings import WorkerSettings

from .support.api import Api
from .support.mosquitto import MosquittoServer
from .support.platform import (SERVICE_EMAIL, SERVICE_PASSWORD, WORKER_PASSWORD, WORKER_USER, DevicePublisher,
                               broker_config, create_worker_account, serve_app, wait_for,
                               worker_environment)


@pytest.fixture
def broker():
    server = MosquittoServer().start()
    yield server
    server.remove()


def worker_settings(broker, base, database_url, prefix, state_dir) -> WorkerSettings:
    return WorkerSettings(mqtt_host="127.0.0.1", mqtt_port=broker.port, mqtt_username=WORKER_USER,
                          mqtt_password=WORKER_PASSWORD, client_id=f"worker-{prefix}", topic_prefix=prefix,
                          api_url=base, service_email=SERVICE_EMAIL, service_password=SERVICE_PASSWORD,
                          state_dir=state_dir, store={"TSDB": "sql", "DATABASE_URL": database_url},
                          batch_wait_s=0.2, sweep_interval_s=1.0)


@pytest.fixture
def platform(app, world, broker, database_url):
    """Booking service on real HTTP, mosquitto with dynsec, the worker's accounts, two registered meters."""
    prefix = f"t{uuid.uuid4().hex[:8]}/v1"
    app.config.update(broker_config(broker, prefix))
    create_worker_account(broker, prefix)
    create_user(SERVICE_EMAIL, "Telemetry worker", SERVICE_PASSWORD, "service", None)
    db.session.commit()
    with serve_app(app) as (base, stop_server):
        api = Api(app.test_client()).as_(world.manager)
        devices = [api.post("/api/v1/devices", json={"instrument_id": world.instrument.id, "kind": "power_meter",
                                                    "report_interval_s": 10}).get_json() for _ in range(2)]
        assert all("mqtt" in d for d in devices), devices
        db.session.rollback()  # hold no SQLite lock while the worker and the server write
        yield SimpleNamespace(base=base, prefix=prefix, devices=devices, api=api, broker=broker,
                              database_url=database_url, stop_server=stop_server)


@pytest.fixture
def pipeline(platform, tmp_path):
    worker = Worker(worker_settings(platform.broker, platform.base, platform.database_url, platform.prefix,
                                    tmp_path / "worker"))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    wait_for(lambda: worker.source.connected.is_set())
    platform.worker = worker
    yield platform
    worker.stop()
    thread.join(timeout=30)


def readings(start: datetime, watts: list[float], seq0: int = 0, boot: str = "boot-1") -> list[dict]:
    return [{"ts": (start + timedelta(seconds=10 * i)).isoformat(), "seq": seq0 + i, "boot": boot,
             "metrics": {"power_w": w}} for i, w in enumerate(watts)]


def read_only(query):
    """Run a read in its own short transaction: on SQLite a lingering one would block the server's writes."""
    db.session.rollback()
    token = write_intent.set(False)
    try:
        return query()
    finally:
        db.session.rollback()
        write_intent.reset(token)


def stored_samples(device_id: str) -> int:
    return read_only(lambda: db.session.scalar(select(func.count()).select_from(samples_table)
                                               .where(samples_table.c.device_id == device_id)))


def live_sessions(device_id: str) -> list[SimpleNamespace]:
    """Sessions as plain values (ORM objects would reopen a transaction when read later)."""
    columns = ("start_dt", "end_dt", "booking_id", "external", "user_id", "source")
    return read_only(lambda: [SimpleNamespace(**{c: getattr(s, c) for c in columns}) for s in db.session.scalars(
        select(UsageSession).where(UsageSession.device_id == device_id, UsageSession.void.is_(False))
        .order_by(UsageSession.start_dt))])


def test_measured_session_reaches_the_booking_api(pipeline, world):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(hours=2)
    booking = Booking(instrument_id=world.instrument.id, user_id=world.external.id, start_dt=start,
                      end_dt=start + timedelta(hours=2), blocked_until_dt=start + timedelta(hours=2), status="confirmed",
                      external=True, rate_kind="external", rate_per_hour=150, price_amount=300)
    db.session.add(booking)
    db.session.commit()
    booking_id, instrument_id, external_id = booking.id, world.instrument.id, world.external.id
    db.session.rollback()
    device = pipeline.devices[0]
    publisher = DevicePublisher(pipeline.broker.port, device["mqtt"])
    first_use = start + timedelta(minutes=20)
    watts = [5.0] * 6 + [320.0] * 360 + [4.0] * 6  # one hour of use, every 10 s
    samples = readings(first_use - timedelta(minutes=1), watts)
    for chunk in range(0, len(samples), 100):
        publisher.publish("telemetry", {"samples": samples[chunk:chunk + 100]})
    publisher.close()

    sessions = wait_for(lambda: [s for s in live_sessions(device["device_id"]) if s.end_dt is not None])
    assert stored_samples(device["device_id"]) == len(samples)
    [session] = sessions
    assert session.start_dt == first_use
    assert session.end_dt == first_use + timedelta(hours=1)
    assert session.booking_id == booking_id and session.external is True

    usage = pipeline.api.get(f"/api/v1/instruments/{instrument_id}/usage",
                             query_string={"from": start.isoformat(), "to": now.isoformat()}).get_json()
    assert usage["effective_hours"] == 1.0
    assert usage["sessions"][0]["user_id"] == external_id
    series = pipeline.api.get(f"/api/v1/instruments/{instrument_id}/telemetry", query_string={
        "from": first_use.isoformat(), "to": (first_use + timedelta(minutes=10)).isoformat(), "every": "1m"}).get_json()
    assert [round(v, 3) for _, v in series["points"]] == [320.0] * 10
    assert series["points"][0][0] == first_use.strftime("%Y-%m-%dT%H:%M:%SZ")
    status = wait_for(lambda: pipeline.api.get(f"/api/v1/devices/{device['device_id']}").get_json()["last_seen"])
    assert status.startswith((first_use + timedelta(minutes=61)).strftime("%Y-%m-%dT%H"))


def test_a_device_cannot_publish_as_another(pipeline):
    victim, intruder = pipeline.devices
    publisher = DevicePublisher(pipeline.broker.port, intruder["mqtt"])
    now = datetime.now(UTC)
    publisher.publish("telemetry", {"ts": now.isoformat(), "seq": 1, "metrics": {"power_w": 999}},
                      device_id=victim["device_id"])
    publisher.publish("telemetry", {"ts": now.isoformat(), "seq": 1, "metrics": {"power_w": 1}})
    wait_for(lambda: stored_samples(intruder["device_id"]) == 1)
    assert stored_samples(victim["device_id"]) == 0
    publisher.close()
    wrong = DevicePublisher(pipeline.broker.port, {**victim["mqtt"], "password": "guess"}, client_id="wrong")
    assert wrong.refused.wait(5)
    wrong.close()


def test_bad_messages_are_dead_lettered_and_the_worker_goes_on(pipeline):
    device = pipeline.devices[0]
    publisher = DevicePublisher(pipeline.broker.port, device["mqtt"])
    now = datetime.now(UTC)
    bad = [b"not json", b"\xff\xfe", b'{"ts": 1, "seq": 1, "metrics": {"power_w": NaN}}',
           b'{"ts": "' + (now + timedelta(hours=1)).isoformat().encode() + b'", "seq": 2, "metrics": {"p_w": 1}}',
           b'{"seq": "x"}', b"[]", b'{"ts": 1, "seq": 3, "metrics": {"power_w": 1}, "x": 1}']
    for payload in bad:
        publisher.publish("telemetry", payload)
    publisher.publish("events", {"ts": now.isoformat(), "seq": 9, "type": "explosion"})
    publisher.publish("telemetry", {"ts": now.isoformat(), "seq": 10, "boot": "b", "metrics": {"power_w": 12.5}})
    wait_for(lambda: stored_samples(device["device_id"]) == 1)
    reasons = sorted(reason for _, reason, _ in pipeline.worker.state.dead_letters())
    assert reasons == sorted(["invalid_json", "invalid_utf8", "non_finite_number", "ts_in_future", "wrong_type",
                              "wrong_type", "unknown_field", "bad_event"])
    publisher.close()


def test_duplicates_and_out_of_order_replays_count_once(pipeline, world):
    device = pipeline.devices[0]
    publisher = DevicePublisher(pipeline.broker.port, device["mqtt"])
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    samples = readings(start, [5.0] + [200.0] * 30 + [5.0] * 3)
    publisher.publish("telemetry", {"samples": samples[20:]})     # the live tail first
    publisher.publish("telemetry", {"samples": samples[:20]})     # then the replayed head
    publisher.publish("telemetry", {"samples": samples[10:25]})   # and a duplicate stretch
    wait_for(lambda: stored_samples(device["device_id"]) == len(samples))
    sessions = wait_for(lambda: [s for s in live_sessions(device["device_id"]) if s.end_dt])
    assert [(s.start_dt, s.end_dt) for s in sessions] == [(start + timedelta(seconds=10),
                                                          start + timedelta(seconds=310))]
    assert pipeline.worker.state.counters()["duplicates"] == 15
    publisher.close()


def start_worker_process(platform, state_dir, client_id: str) -> subprocess.Popen:
    env = {**os.environ, **worker_environment(platform.broker, platform.base, platform.database_url,
                                              platform.prefix, state_dir), "LABSHARE_WORKER_CLIENT_ID": client_id}
    with open(state_dir.parent / f"{client_id}.log", "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "telemetry.worker"], env=env, stdout=log,
                                stderr=subprocess.STDOUT)


def test_sigkill_mid_stream_loses_and_duplicates_nothing(platform, tmp_path, request):
    device = platform.devices[0]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    samples = readings(start, [5.0] * 10 + [250.0] * 1500 + [5.0] * 10)  # 1520 messages, 15000 s of use
    worker = start_worker_process(platform, tmp_path / "state", "worker-kill")
    request.addfinalizer(lambda: worker.poll() is None and (worker.kill() or worker.wait()))
    publisher = DevicePublisher(platform.broker.port, device["mqtt"])
    # Until the worker has subscribed once, the broker has no session to queue for it: probe first.
    wait_for(lambda: publisher.publish("telemetry", samples[0]) or stored_samples(device["device_id"]) == 1,
             timeout=30, interval=0.5)

    def stream():
        for sample in samples[1:]:
            publisher.publish("telemetry", sample)
            time.sleep(0.002)  # a steady stream, so that the kill lands in the middle of it
    sending = threading.Thread(target=stream)
    sending.start()
    wait_for(lambda: stored_samples(device["device_id"]) > 300, timeout=60)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    killed_at = stored_samples(device["device_id"])
    assert killed_at < len(samples)  # it really died mid-stream
    sending.join()
    publisher.close()
    restarted = start_worker_process(platform, tmp_path / "state", "worker-kill")
    request.addfinalizer(lambda: restarted.poll() is None and (restarted.kill() or restarted.wait()))
    try:
        wait_for(lambda: stored_samples(device["device_id"]) == len(samples), timeout=120)
        expected = [(start + timedelta(seconds=100), start + timedelta(seconds=15100))]
        # Reports converge: a session first seen partly (before the kill) is extended, never doubled.
        wait_for(lambda: [(s.start_dt, s.end_dt) for s in live_sessions(device["device_id"])] == expected,
                 timeout=60)
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(timeout=30) == 0


class ScriptedMeter:
    """A meter whose load the test switches; it remembers every reading it gave."""

    def __init__(self):
        self.watts = 5.0
        self.readings: list[tuple[datetime, float]] = []

    def read(self, now):
        self.readings.append((now, self.watts))
        return Reading({"power_w": self.watts})


def test_agent_offline_replays_its_buffer_and_hours_are_exact(pipeline, tmp_path):
    device = pipeline.devices[0]
    meter = ScriptedMeter()
    config = AgentConfig(device_id=device["device_id"], password=device["mqtt"]["password"], host="127.0.0.1",
                         port=pipeline.broker.port, topic_prefix=pipeline.prefix, interval_s=0.1)
    agent = Agent(config, probe=meter, buffer=Buffer(tmp_path / "agent.db"))
    runner = threading.Thread(target=agent.run, daemon=True)
    runner.start()
    try:
        wait_for(lambda: stored_samples(device["device_id"]) >= 5)
        pipeline.broker.stop()                     # the network is gone
        wait_for(lambda: not agent.connected.is_set())
        time.sleep(0.5)
        meter.watts = 320.0                        # the instrument runs while the agent is offline
        time.sleep(2.0)
        meter.watts = 4.0
        time.sleep(0.5)
        assert len(agent.buffer) > 20              # all of it waits on disk
        pipeline.broker.start()
        wait_for(lambda: len(agent.buffer) == 0, timeout=60)
    finally:
        agent.stop()
        runner.join(timeout=30)
    busy = [ts for ts, watts in meter.readings if watts >= 50]
    first_idle_after = next(ts for ts, watts in meter.readings if ts > busy[-1])
    wait_for(lambda: stored_samples(device["device_id"]) == len(meter.readings), timeout=60)
    expected = [(busy[0].replace(microsecond=busy[0].microsecond // 1000 * 1000),
                 first_idle_after.replace(microsecond=first_idle_after.microsecond // 1000 * 1000))]
    wait_for(lambda: [(s.start_dt, s.end_dt) for s in live_sessions(device["device_id"])] == expected, timeout=60)
    status = pipeline.api.get(f"/api/v1/devices/{device['device_id']}").get_json()
    assert status["online"] is False  # the agent said goodbye with a retained offline status


def test_booking_service_outage_delays_reports_but_loses_none(pipeline, app):
    """Sessions measured while the booking service is down arrive once it is back."""
    device = pipeline.devices[0]
    port = int(pipeline.base.rsplit(":", 1)[1])
    pipeline.stop_server()                                        # the booking service goes away
    publisher = DevicePublisher(pipeline.broker.port, device["mqtt"])
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    publisher.publish("telemetry", {"samples": readings(start, [5.0] + [300.0] * 60 + [5.0] * 2)})
    publisher.close()
    wait_for(lambda: stored_samples(device["device_id"]) == 63)
    wait_for(lambda: outbox.pending(pipeline.worker.state) >= 1)
    assert live_sessions(device["device_id"]) == []
    with serve_app(app, port=port):                               # back, on the same address
        sessions = wait_for(lambda: live_sessions(device["device_id"]), timeout=60)
    assert [(s.start_dt, s.end_dt) for s in sessions] == [(start + timedelta(seconds=10),
                                                          start + timedelta(seconds=610))]
