"""``agent.toml``: where the broker is, who the device is, what it measures."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from telemetry.contract import DEFAULT_PREFIX


@dataclass(frozen=True)
class AgentConfig:
    device_id: str
    password: str
    host: str = "127.0.0.1"
    port: int = 1883
    topic_prefix: str = DEFAULT_PREFIX
    tls: bool = False
    interval_s: float = 10.0
    buffer_path: str = "labshare-agent-buffer.db"
    buffer_max: int = 500_000
    batch_max: int = 500
    probe_kind: str = "simulated"
    probe_options: dict = field(default_factory=dict)
    interlock_command: str | None = None
    agent_name: str = "labshare-agent/0.1"

    @classmethod
    def load(cls, path: Path | str) -> AgentConfig:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
        mqtt, agent, probe = raw.get("mqtt", {}), raw.get("agent", {}), dict(raw.get("probe", {}))
        if "username" not in mqtt or "password" not in mqtt:
            raise ValueError(f"{path}: [mqtt] needs username (the device id) and password")
        return cls(device_id=mqtt["username"], password=mqtt["password"], host=mqtt.get("host", "127.0.0.1"),
                   port=int(mqtt.get("port", 1883)), topic_prefix=mqtt.get("topic_prefix", DEFAULT_PREFIX),
                   tls=bool(mqtt.get("tls", False)), interval_s=float(agent.get("interval_s", 10)),
                   buffer_path=agent.get("buffer", "labshare-agent-buffer.db"),
                   buffer_max=int(agent.get("buffer_max", 500_000)), batch_max=int(agent.get("batch_max", 500)),
                   probe_kind=probe.pop("kind", "simulated"), probe_options=probe,
                   interlock_command=raw.get("interlock", {}).get("command"))
