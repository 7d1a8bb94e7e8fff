"""The demo's in-process MQTT broker (amqtt), on loopback only, in a thread of its own.

It is for the one-machine demo: any named client is accepted because only local processes can
reach it. Production runs mosquitto with the dynamic-security plugin (deploy/mosquitto.conf).
"""
from __future__ import annotations

import asyncio
import logging
import threading

from amqtt.broker import Broker

logger = logging.getLogger(__name__)


class DemoBroker:
    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.host, self.port = host, port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="mqtt-broker", daemon=True)
        self.broker: Broker | None = None

    def _config(self) -> dict:
        return {"listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
                "session_expiry_interval": 86400,
                # Clients must name themselves (every LabShare client does): amqtt keeps persistent
                # sessions, and so queues messages for an absent worker, only for named clients.
                # Passwords are not checked; the listener is on loopback only.
                "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": False}}}

    async def _start(self) -> None:
        self.broker = Broker(self._config(), loop=self.loop)
        await self.broker.start()

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=30)
        logger.info("demo MQTT broker listening on %s:%s", self.host, self.port)

    def stop(self) -> None:
        if self.broker is not None:
            asyncio.run_coroutine_threadsafe(self.broker.shutdown(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
