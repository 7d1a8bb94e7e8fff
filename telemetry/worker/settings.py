"""Worker settings from ``LABSHARE_*`` environment variables."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from telemetry.contract import DEFAULT_PREFIX
from telemetry.stores.factory import settings_from_environment


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"LABSHARE_{name}", default)


@dataclass(frozen=True)
class WorkerSettings:
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_username: str | None = None
    mqtt_password: str | None = None
    client_id: str = "labshare-worker"
    share_group: str | None = None
    topic_prefix: str = DEFAULT_PREFIX
    api_url: str = "http://127.0.0.1:8000"
    service_email: str | None = None
    service_password: str | None = None
    state_dir: Path = Path(".labshare-worker")
    store: dict = field(default_factory=lambda: {"TSDB": "sql", "DATABASE_URL": "sqlite:///labshare.db"})
    batch_size: int = 500
    batch_wait_s: float = 0.5
    queue_size: int = 10_000
    sweep_interval_s: float = 10.0

    @classmethod
    def from_environment(cls) -> WorkerSettings:
        mqtt = urlparse(_env("MQTT_URL", "mqtt://127.0.0.1:1883"))
        return cls(
            mqtt_host=mqtt.hostname or "127.0.0.1", mqtt_port=mqtt.port or 1883,
            mqtt_username=_env("WORKER_MQTT_USERNAME") or mqtt.username,
            mqtt_password=_env("WORKER_MQTT_PASSWORD") or mqtt.password,
            client_id=_env("WORKER_CLIENT_ID", "labshare-worker"), share_group=_env("WORKER_SHARE_GROUP"),
            topic_prefix=_env("MQTT_TOPIC_PREFIX", DEFAULT_PREFIX), api_url=_env("API_URL", "http://127.0.0.1:8000"),
            service_email=_env("SERVICE_EMAIL"), service_password=_env("SERVICE_PASSWORD"),
            state_dir=Path(_env("WORKER_STATE_DIR", ".labshare-worker")), store=settings_from_environment(),
            batch_size=int(_env("WORKER_BATCH_SIZE", "500")), queue_size=int(_env("WORKER_QUEUE_SIZE", "10000")),
        )
