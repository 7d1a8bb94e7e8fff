"""``labshare worker``: wires the MQTT source, the processor, the store and the outbox together."""
from __future__ import annotations

import logging
import queue
import signal
import threading
import time

import requests

from telemetry.stores import TransientWriteError
from telemetry.stores.factory import open_store

from .booking_api import BookingApi, DeviceDirectory
from .mqtt_source import MqttSource, ReceivedMessage
from .outbox import OutboxSender
from .processor import Processor
from .settings import WorkerSettings
from .state import WorkerState, now_ms

logger = logging.getLogger(__name__)

SEEN_RETENTION_MS = 14 * 86400 * 1000
MAX_STORE_BACKOFF_S = 30.0


class Worker:
    def __init__(self, settings: WorkerSettings):
        self.settings = settings
        self.state = WorkerState(settings.state_dir / "worker.db")
        self.store = open_store(settings.store)
        self.api = BookingApi(settings.api_url, settings.service_email, settings.service_password)
        self.directory = DeviceDirectory(self.api)
        self.processor = Processor(self.state, self.store, self.directory, settings.topic_prefix)
        self.source = MqttSource(settings.mqtt_host, settings.mqtt_port, settings.client_id, settings.topic_prefix,
                                 settings.mqtt_username, settings.mqtt_password, settings.share_group,
                                 settings.queue_size)
        self.sender = OutboxSender(self.state, self.api.post)
        self.stop_event = threading.Event()

    def _learn_devices(self) -> None:
        delay = 1.0
        while not self.stop_event.is_set():
            try:
                self.directory.refresh()
                return
            except requests.RequestException as exc:
                logger.warning("booking service not reachable yet (%s); retrying in %.0f s", exc, delay)
                self.stop_event.wait(delay)
                delay = min(delay * 2, 30)

    def _next_batch(self) -> list[ReceivedMessage]:
        messages: list[ReceivedMessage] = []
        deadline = time.monotonic() + self.settings.batch_wait_s
        while len(messages) < self.settings.batch_size:
            timeout = deadline - time.monotonic()
            try:
                messages.append(self.source.messages.get(timeout=max(timeout, 0) if messages else 0.2))
            except queue.Empty:
                break
            if timeout <= 0:
                break
        return messages

    def _handle(self, messages: list[ReceivedMessage]) -> None:
        """Store the batch (retrying while the store is away), then acknowledge every message."""
        delay = 0.5
        while True:
            try:
                self.processor.process(messages)
                break
            except TransientWriteError as exc:
                logger.warning("store unavailable (%s); retrying the batch in %.1f s", exc, delay)
                if self.stop_event.wait(delay) and delay >= MAX_STORE_BACKOFF_S:
                    return  # stopping with the store down: leave the batch unacknowledged for redelivery
                delay = min(delay * 2, MAX_STORE_BACKOFF_S)
        for message in messages:
            self.source.ack(message)

    def run(self) -> None:
        self._learn_devices()
        self.sender.start()
        self.source.start()
        last_sweep = time.monotonic()
        logger.info("worker running")
        while not self.stop_event.is_set():
            messages = self._next_batch()
            if messages:
                self._handle(messages)
            if time.monotonic() - last_sweep >= self.settings.sweep_interval_s:
                self.processor.sweep()
                self.state.prune_seen(now_ms() - SEEN_RETENTION_MS)
                last_sweep = time.monotonic()
        self._shutdown()

    def _shutdown(self) -> None:
        """Flush: handle what is already queued, acknowledge it, then leave."""
        remaining: list[ReceivedMessage] = []
        while True:
            try:
                remaining.append(self.source.messages.get_nowait())
            except queue.Empty:
                break
        if remaining:
            self._handle(remaining)
        self.source.stop()
        self.sender.send_due()
        self.sender.stop()
        self.store.close()
        self.api.close()
        self.state.close()
        logger.info("worker stopped")

    def stop(self) -> None:
        self.stop_event.set()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = Worker(WorkerSettings.from_environment())
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    worker.run()
