"""The device agent: measure at the report interval, keep everything on disk, send when connected.

* status is retained, with a Last Will ``{"online": false}`` so the platform sees a dead agent;
* every sample and event gets this run's ``boot`` and the next ``seq``;
* readings go to the on-disk buffer first and leave it only once the broker acknowledged them,
  in order and in batches of up to 500, so an outage of any length replays exactly;
* paho reconnects with backoff; commands (``ping``, ``config``, ``interlock``) are handled.
"""
from __future__ import annotations

import argparse
import json
import logging
import shlex
import signal
import subprocess
import threading
import uuid
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from telemetry.contract import (ContractError, Event, Sample, event_payload, parse_command, sample_body,
                                status_payload, topic)

from .buffer import Buffer
from .config import AgentConfig
from .probes import Reading, make_probe

logger = logging.getLogger(__name__)
PUBLISH_TIMEOUT_S = 10


class Agent:
    def __init__(self, config: AgentConfig, probe=None, buffer: Buffer | None = None):
        self.config = config
        self.probe = probe or make_probe(config.probe_kind, config.probe_options)
        # "is not None": an empty Buffer is falsy (it has a length), and must still be used.
        self.buffer = buffer if buffer is not None else Buffer(config.buffer_path, config.buffer_max)
        self.boot, self.seq = uuid.uuid4().hex[:12], 0
        self.interval_s = config.interval_s
        self.connected, self.stopping, self.wake_sender = threading.Event(), threading.Event(), threading.Event()
        self.client = self._client()
        self.sender = threading.Thread(target=self._send_loop, name=f"send-{config.device_id}", daemon=True)
        self.probe_errors = 0

    def _topic(self, channel: str) -> str:
        return topic(self.config.topic_prefix, self.config.device_id, channel)

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.config.device_id, clean_session=True)
        client.username_pw_set(self.config.device_id, self.config.password)
        if self.config.tls:
            client.tls_set()
        client.will_set(self._topic("status"), status_payload(False), qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=60)
        client.on_connect, client.on_disconnect, client.on_message = (self._on_connect, self._on_disconnect,
                                                                      self._on_message)
        return client

    # ---- connection -------------------------------------------------------------------------

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties):
        if reason_code.is_failure:
            logger.error("broker refused the device: %s", reason_code)
            return
        client.publish(self._topic("status"), self._status(True), qos=1, retain=True)
        client.subscribe(self._topic("commands"), qos=1)
        self.connected.set()
        self.wake_sender.set()
        logger.info("connected; %d buffered entries to send", len(self.buffer))

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties):
        self.connected.clear()
        if not self.stopping.is_set():
            logger.warning("disconnected (%s); buffering until the broker is back", reason_code)

    def _status(self, online: bool) -> bytes:
        return status_payload(online, datetime.now(UTC), self.config.agent_name, self.interval_s, self.boot)

    # ---- measuring --------------------------------------------------------------------------

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def record(self, reading: Reading, now: datetime) -> None:
        """Put one reading (and the session event it implies) into the buffer."""
        if reading.session:
            kind = "session_start" if reading.session == "start" else "session_end"
            event = Event(self.config.device_id, now, self._next_seq(), self.boot, kind, reading.user)
            self.buffer.push("events", event_payload(event).decode())
        sample = Sample(self.config.device_id, now, self._next_seq(), self.boot, reading.metrics)
        self.buffer.push("telemetry", json.dumps(sample_body(sample)))

    def measure(self) -> None:
        now = datetime.now(UTC)
        try:
            reading = self.probe.read(now)
        except Exception as exc:  # a flaky meter must not stop the agent
            self.probe_errors += 1
            logger.warning("probe failed: %s", exc)
            return
        self.record(reading, now)

    # ---- sending ----------------------------------------------------------------------------

    def flush(self) -> int:
        """Send buffered entries in order while connected; returns how many left the buffer."""
        sent = 0
        while self.connected.is_set() and not self.stopping.is_set():
            rows = self.buffer.peek(self.config.batch_max)
            if not rows:
                break
            channel = rows[0][1]
            if channel == "telemetry":
                bodies = [json.loads(body) for _, _, body in rows]
                payload = json.dumps(bodies[0] if len(bodies) == 1 else {"samples": bodies}).encode()
            else:
                rows = rows[:1]
                payload = rows[0][2].encode()
            if not self._publish(channel, payload):
                break
            self.buffer.remove([row_id for row_id, _, _ in rows])
            sent += len(rows)
        return sent

    def _publish(self, channel: str, payload: bytes) -> bool:
        info = self.client.publish(self._topic(channel), payload, qos=1)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            return False
        try:
            info.wait_for_publish(PUBLISH_TIMEOUT_S)
        except (RuntimeError, ValueError):
            return False
        return info.is_published()

    # ---- commands ---------------------------------------------------------------------------

    def _on_message(self, _client, _userdata, message):
        try:
            command = parse_command(bytes(message.payload))
        except ContractError as exc:
            logger.warning("ignored a malformed command: %s", exc)
            return
        threading.Thread(target=self.handle_command, args=(command,), daemon=True).start()

    def handle_command(self, command: dict) -> None:
        if command["type"] == "ping":
            self.client.publish(self._topic("status"), self._status(True), qos=1, retain=True)
        elif command["type"] == "config":
            interval = command.get("interval_s")
            if isinstance(interval, (int, float)) and not isinstance(interval, bool) and 1 <= interval <= 3600:
                self.interval_s = float(interval)
                logger.info("report interval now %.0f s", interval)
        elif command["type"] == "interlock":
            self._interlock(command)

    def _interlock(self, command: dict) -> None:
        if not self.config.interlock_command:
            logger.warning("interlock command %s received but no hook is configured", command["id"])
            return
        state = "on" if command.get("enable", True) else "off"
        subprocess.run([*shlex.split(self.config.interlock_command), state], timeout=30, check=False)

    # ---- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background and start sending; measuring is the caller's loop (:meth:`run`)."""
        self.client.connect_async(self.config.host, self.config.port, keepalive=max(30, int(self.interval_s * 3)))
        self.client.loop_start()
        self.sender.start()

    def measured(self) -> None:
        """One reading taken, and the sender told there is something to send."""
        self.measure()
        self.wake_sender.set()

    def _send_loop(self) -> None:
        """Sending runs apart from measuring: a publish waiting on a vanished broker must not
        delay the next reading."""
        while not self.stopping.is_set():
            self.wake_sender.clear()
            try:
                self.flush()
            except Exception:  # keep sending whatever one publish did
                logger.exception("sending failed; will retry")
            self.wake_sender.wait(1.0)

    def run(self) -> None:
        """Measure at the report interval (sending in the background) until :meth:`stop`."""
        self.start()
        while not self.stopping.is_set():
            self.measured()
            self.stopping.wait(self.interval_s)
        self.close()

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        self.stopping.set()
        self.wake_sender.set()
        if self.sender.is_alive():
            self.sender.join(timeout=PUBLISH_TIMEOUT_S + 5)
        if self.connected.is_set():
            # A clean goodbye: the retained status says offline (the Will only fires on a crash).
            self.client.publish(self._topic("status"), status_payload(False), qos=1, retain=True).wait_for_publish(5)
        self.client.disconnect()
        self.client.loop_stop()
        self.buffer.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="labshare-agent", description="LabShare device agent")
    parser.add_argument("--config", required=True, help="path to agent.toml")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    agent = Agent(AgentConfig.load(args.config))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: agent.stop())
    agent.run()
