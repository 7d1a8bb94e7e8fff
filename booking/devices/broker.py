"""Managing device accounts in the MQTT broker at run time, without a restart.

With mosquitto, accounts and per-device ACLs go through the dynamic-security plugin's control
topic. The demo's in-process broker listens on loopback only and has no accounts to manage.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

logger = logging.getLogger(__name__)

CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = f"{CONTROL_TOPIC}/response"
TIMEOUT_S = 10


class BrokerError(RuntimeError):
    """The broker did not accept an account change."""


@dataclass(frozen=True)
class BrokerEndpoint:
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str, username: str | None = None, password: str | None = None) -> BrokerEndpoint:
        parsed = urlparse(url)
        return cls(parsed.hostname or "127.0.0.1", parsed.port or 1883, username or parsed.username,
                   password or parsed.password)


def device_acls(prefix: str, device_id: str) -> list[dict]:
    """A device may publish only under its own topics and read only its commands."""
    base = f"{prefix}/devices/{device_id}"
    return [
        {"acltype": "publishClientSend", "topic": f"{base}/status", "allow": True},
        {"acltype": "publishClientSend", "topic": f"{base}/telemetry", "allow": True},
        {"acltype": "publishClientSend", "topic": f"{base}/events", "allow": True},
        {"acltype": "subscribeLiteral", "topic": f"{base}/commands", "allow": True},
        {"acltype": "publishClientReceive", "topic": f"{base}/commands", "allow": True},
    ]


def service_acls(prefix: str, role: str) -> list[dict]:
    """The worker reads every device topic (also as a shared subscription); the booking service
    sends commands."""
    everything = f"{prefix}/devices/#"
    if role == "worker":
        return [{"acltype": "subscribePattern", "topic": everything, "allow": True},
                {"acltype": "subscribePattern", "topic": f"$share/+/{everything}", "allow": True},
                {"acltype": "publishClientReceive", "topic": everything, "allow": True}]
    return [{"acltype": "publishClientSend", "topic": f"{prefix}/devices/+/commands", "allow": True},
            {"acltype": "subscribePattern", "topic": everything, "allow": True},
            {"acltype": "publishClientReceive", "topic": everything, "allow": True}]


class NoBrokerAdmin:
    """The embedded demo: the in-process broker on loopback accepts any local client."""

    def create_device(self, device_id: str, password: str) -> None:
        logger.info("demo broker: device %s needs no broker account", device_id)

    def set_password(self, device_id: str, password: str) -> None:
        logger.info("demo broker: device %s needs no broker account", device_id)

    def delete_device(self, device_id: str) -> None:
        logger.info("demo broker: device %s had no broker account", device_id)


class DynsecAdmin:
    """mosquitto's dynamic-security plugin, driven over MQTT by an admin account."""

    def __init__(self, endpoint: BrokerEndpoint, prefix: str):
        self.endpoint, self.prefix = endpoint, prefix

    def create_device(self, device_id: str, password: str) -> None:
        role = f"device-{device_id}"
        self.run([{"command": "createRole", "rolename": role, "acls": device_acls(self.prefix, device_id)},
                  {"command": "createClient", "username": device_id, "password": password,
                   "roles": [{"rolename": role}]}])

    def set_password(self, device_id: str, password: str) -> None:
        self.run([{"command": "setClientPassword", "username": device_id, "password": password}])

    def delete_device(self, device_id: str) -> None:
        # Deleting the client also disconnects it, so a revoked agent is cut off at once.
        self.run([{"command": "deleteClient", "username": device_id},
                  {"command": "deleteRole", "rolename": f"device-{device_id}"}], tolerate=("not found",))

    def create_service_account(self, username: str, password: str, role: str) -> None:
        rolename = f"labshare-{role}"
        self.run([{"command": "createRole", "rolename": rolename, "acls": service_acls(self.prefix, role)},
                  {"command": "createClient", "username": username, "password": password,
                   "roles": [{"rolename": rolename}]}], tolerate=("already exists",))

    def run(self, commands: list[dict], tolerate: tuple[str, ...] = ()) -> list[dict]:
        """Send commands on the control topic and wait for the plugin's answers."""
        responses = self._exchange(commands)
        failures = [r for r in responses if r.get("error") and not any(t in r["error"].lower() for t in tolerate)]
        if failures:
            raise BrokerError("; ".join(f"{r.get('command')}: {r['error']}" for r in failures))
        return responses

    def _exchange(self, commands: list[dict]) -> list[dict]:
        done, answer = threading.Event(), {}
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"labshare-admin-{uuid.uuid4().hex[:8]}")
        client.username_pw_set(self.endpoint.username, self.endpoint.password)

        def on_connect(client, _userdata, _flags, reason_code, _properties):
            if reason_code.is_failure:
                answer["error"] = f"connect refused: {reason_code}"
                done.set()
            else:
                client.subscribe(RESPONSE_TOPIC, qos=1)

        def on_subscribe(client, *_):
            client.publish(CONTROL_TOPIC, json.dumps({"commands": commands}), qos=1)

        def on_message(_client, _userdata, message):
            answer["responses"] = json.loads(message.payload).get("responses", [])
            done.set()

        client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
        try:
            client.connect(self.endpoint.host, self.endpoint.port, keepalive=30)
        except OSError as exc:
            raise BrokerError(f"cannot reach the broker: {exc}") from exc
        client.loop_start()
        try:
            if not done.wait(TIMEOUT_S):
                raise BrokerError("the broker did not answer the account change in time")
        finally:
            client.disconnect()
            client.loop_stop()
        if "error" in answer:
            raise BrokerError(answer["error"])
        return answer["responses"]
