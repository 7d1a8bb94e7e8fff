"""The worker's one MQTT connection (paho-mqtt 2.x).

A persistent session (fixed client id, clean session off) makes the broker queue QoS 1 messages
while the worker is away. Messages are acknowledged by hand, only after their batch is stored:
paho's callbacks do nothing but hand each message to a bounded queue, so a slow store slows the
broker's delivery (back-pressure) instead of growing memory.
"""
from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from telemetry.contract import subscription

logger = logging.getLogger(__name__)

CHANNELS = ("status", "telemetry", "events")


@dataclass(frozen=True)
class ReceivedMessage:
    """A message as the rest of the worker sees it: no paho types past this module."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    retain: bool
    connection: int  # which connection delivered it: a packet id means nothing on another one


class MqttSource:
    def __init__(self, host: str, port: int, client_id: str, prefix: str, username: str | None = None,
                 password: str | None = None, share_group: str | None = None, queue_size: int = 10_000):
        self.host, self.port, self.prefix, self.share_group = host, port, prefix, share_group
        self.messages: queue.Queue[ReceivedMessage] = queue.Queue(maxsize=queue_size)
        self.connected = threading.Event()
        self.connection = 0
        self.stopping = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                                  protocol=mqtt.MQTTv311, manual_ack=True)
        if username:
            self.client.username_pw_set(username, password)
        self.client.max_inflight_messages_set(1000)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def _on_connect(self, client, _userdata, flags, reason_code, _properties):
        if reason_code.is_failure:
            logger.error("broker refused the connection: %s", reason_code)
            return
        # Subscriptions are renewed on every connect; the broker keeps them in the session anyway.
        client.subscribe([(subscription(self.prefix, channel, self.share_group), 1) for channel in CHANNELS])
        self.connection += 1
        logger.info("connected to %s:%s (session present: %s)", self.host, self.port, flags.session_present)
        self.connected.set()

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties):
        self.connected.clear()
        if not self.stopping.is_set():
            logger.warning("disconnected from the broker (%s); reconnecting", reason_code)

    def _on_message(self, _client, _userdata, message):
        item = ReceivedMessage(message.topic, bytes(message.payload), message.mid, message.qos, message.retain,
                               self.connection)
        while not self.stopping.is_set():
            try:
                self.messages.put(item, timeout=0.5)
                return
            except queue.Full:
                continue  # back-pressure: paho reads nothing more until there is room

    def start(self) -> None:
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()

    def ack(self, message: ReceivedMessage) -> None:
        """Acknowledge a stored message. One from an earlier connection is left alone: the broker
        sends it again on this one, and the worker recognises the duplicate."""
        if message.qos > 0 and message.connection == self.connection and self.connected.is_set():
            self.client.ack(message.mid, message.qos)

    def stop(self) -> None:
        self.stopping.set()
        self.client.disconnect()
        self.client.loop_stop()
