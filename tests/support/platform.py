"""The whole pipeline on loopback: booking service (real HTTP), mosquitto with dynsec, worker, devices."""
from __future__ import annotations

import json
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import paho.mqtt.client as mqtt
import requests
from paho.mqtt.enums import CallbackAPIVersion
from werkzeug.serving import make_server

from booking.core.db import db
from booking.devices.broker import BrokerEndpoint, DynsecAdmin

from .mosquitto import ADMIN_PASSWORD, ADMIN_USER, MosquittoServer

WORKER_USER, WORKER_PASSWORD = "labshare-worker", "worker-secret"
SERVICE_EMAIL, SERVICE_PASSWORD = "telemetry@labshare.test", "service-password"


@contextmanager
def serve_app(app, port: int = 0):
    """The app behind a real threaded HTTP server: yields its URL and a function that stops it early."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stopped = threading.Event()

    def stop() -> None:
        if not stopped.is_set():
            stopped.set()
            server.shutdown()
            server.server_close()
            thread.join()
    try:
        yield f"http://127.0.0.1:{server.server_port}", stop
    finally:
        stop()


def broker_config(broker: MosquittoServer, prefix: str) -> dict:
    return {"BROKER_ADMIN": "dynsec", "MQTT_URL": f"mqtt://127.0.0.1:{broker.port}", "MQTT_TOPIC_PREFIX": prefix,
            "MQTT_ADMIN_USERNAME": ADMIN_USER, "MQTT_ADMIN_PASSWORD": ADMIN_PASSWORD}


def create_worker_account(broker: MosquittoServer, prefix: str) -> None:
    DynsecAdmin(BrokerEndpoint("127.0.0.1", broker.port, ADMIN_USER, ADMIN_PASSWORD), prefix) \
        .create_service_account(WORKER_USER, WORKER_PASSWORD, "worker")


def worker_environment(broker: MosquittoServer, api_url: str, database_url: str, prefix: str,
                       state_dir: Path) -> dict[str, str]:
    return {"LABSHARE_MQTT_URL": f"mqtt://127.0.0.1:{broker.port}", "LABSHARE_WORKER_MQTT_USERNAME": WORKER_USER,
            "LABSHARE_WORKER_MQTT_PASSWORD": WORKER_PASSWORD, "LABSHARE_MQTT_TOPIC_PREFIX": prefix,
            "LABSHARE_API_URL": api_url, "LABSHARE_SERVICE_EMAIL": SERVICE_EMAIL,
            "LABSHARE_SERVICE_PASSWORD": SERVICE_PASSWORD, "LABSHARE_WORKER_STATE_DIR": str(state_dir),
            "LABSHARE_DATABASE_URL": database_url, "LABSHARE_TSDB": "sql",
            "LABSHARE_WORKER_CLIENT_ID": f"worker-{uuid.uuid4().hex[:6]}"}


class DevicePublisher:
    """A device's MQTT connection with its own credentials."""

    def __init__(self, port: int, credentials: dict, client_id: str | None = None):
        self.prefix, self.device_id = credentials["topic_prefix"], credentials["username"]
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id or self.device_id)
        self.client.username_pw_set(credentials["username"], credentials["password"])
        self.refused = threading.Event()
        self.connected = threading.Event()
        self.client.on_connect = lambda c, u, f, rc, p: (self.refused if rc.is_failure else self.connected).set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.connected.wait(5)

    def publish(self, channel: str, body, device_id: str | None = None, retain: bool = False) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        info = self.client.publish(f"{self.prefix}/devices/{device_id or self.device_id}/{channel}", payload,
                                   qos=1, retain=retain)
        info.wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")


def api_get(base: str, token: str, path: str, **params):
    response = requests.get(f"{base}{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return response.json()


def commit():
    db.session.commit()
