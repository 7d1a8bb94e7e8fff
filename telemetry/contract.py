"""The MQTT contract of device agents: topics and payloads, as a pure module.

No paho, no InfluxDB: the worker, the agent and the booking service all parse and build
messages through here, so one set of rules decides what is valid.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

DEFAULT_PREFIX = "labshare/v1"
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_BATCH_SAMPLES = 500
MAX_FUTURE_SKEW = timedelta(minutes=5)
DEVICE_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
METRIC_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CHANNELS = ("status", "telemetry", "events", "commands")
EVENT_TYPES = ("session_start", "session_end", "badge", "fault", "maintenance_start", "maintenance_end")
COMMAND_TYPES = ("interlock", "config", "ping")
MAX_METRICS = 64


class ContractError(ValueError):
    """A message that breaks the contract; ``reason`` is a stable code for dead letters and counters."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Topic:
    prefix: str
    device_id: str
    channel: str

    def __str__(self) -> str:
        return f"{self.prefix}/devices/{self.device_id}/{self.channel}"


@dataclass(frozen=True)
class Sample:
    device_id: str
    ts: datetime
    seq: int
    boot: str
    metrics: Mapping[str, float | bool] = field(default_factory=dict)

    def is_in_use(self, threshold_w: float) -> bool:
        """In use if ``in_use`` says so, else if power is at or above the device's threshold."""
        if "in_use" in self.metrics:
            return bool(self.metrics["in_use"])
        power = self.metrics.get("power_w")
        return power is not None and not isinstance(power, bool) and power >= threshold_w


@dataclass(frozen=True)
class Event:
    device_id: str
    ts: datetime
    seq: int
    boot: str
    type: str
    user: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Status:
    device_id: str
    online: bool
    ts: datetime | None
    agent: str | None = None
    interval_s: float | None = None
    boot: str | None = None


@dataclass(frozen=True)
class TelemetryMessage:
    device_id: str
    samples: tuple[Sample, ...]


@dataclass(frozen=True)
class EventMessage:
    device_id: str
    event: Event


@dataclass(frozen=True)
class StatusMessage:
    device_id: str
    status: Status


Parsed = TelemetryMessage | EventMessage | StatusMessage


# ---- topics ---------------------------------------------------------------------------------

def topic(prefix: str, device_id: str, channel: str) -> str:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if not DEVICE_ID_PATTERN.match(device_id):
        raise ValueError(f"invalid device id {device_id!r}")
    return str(Topic(prefix, device_id, channel))


def subscription(prefix: str, channel: str, share_group: str | None = None) -> str:
    """The worker's subscription for one channel of all devices, optionally as a shared subscription."""
    base = f"{prefix}/devices/+/{channel}"
    return f"$share/{share_group}/{base}" if share_group else base


def parse_topic(prefix: str, text: str) -> Topic:
    head = f"{prefix}/devices/"
    if not text.startswith(head):
        raise ContractError("bad_topic", f"topic {text[:200]!r} is not under {head}")
    parts = text[len(head):].split("/")
    if len(parts) != 2 or not DEVICE_ID_PATTERN.match(parts[0]) or parts[1] not in CHANNELS:
        raise ContractError("bad_topic", f"topic {text[:200]!r} is not {head}<device>/<channel>")
    return Topic(prefix, parts[0], parts[1])


# ---- payloads -------------------------------------------------------------------------------

def _reject_constant(name: str):
    raise ContractError("non_finite_number", f"{name} is not a number JSON allows")


def decode_json(payload: bytes) -> dict:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ContractError("too_large", f"{len(payload)} bytes is over {MAX_PAYLOAD_BYTES}")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContractError("invalid_utf8", str(exc)) from exc
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ContractError("invalid_json", str(exc)) from exc
    except RecursionError as exc:
        raise ContractError("invalid_json", "nested too deeply") from exc
    if not isinstance(value, dict):
        raise ContractError("wrong_type", "the payload must be a JSON object")
    return value


def parse_ts(value: Any, now: datetime) -> datetime:
    """RFC 3339 with an offset, or Unix seconds; not more than 5 minutes in the future."""
    if isinstance(value, bool) or value is None:
        raise ContractError("wrong_type", "ts must be an RFC 3339 string or Unix seconds")
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or not 0 < value < 32503680000:
            raise ContractError("bad_ts", f"ts {value!r} is out of range")
        ts = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str):
        try:
            ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ContractError("bad_ts", f"ts {value[:64]!r} is not RFC 3339") from exc
        if ts.tzinfo is None:
            raise ContractError("bad_ts", "ts needs a time zone offset")
        ts = ts.astimezone(UTC)
    else:
        raise ContractError("wrong_type", "ts must be an RFC 3339 string or Unix seconds")
    if ts - now > MAX_FUTURE_SKEW:
        raise ContractError("ts_in_future", f"ts {ts.isoformat()} is more than 5 minutes ahead")
    return ts


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ContractError("wrong_type", f"{name} must be a non-negative integer")
    return value


def _optional_str(value: Any, name: str, limit: int = 64) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ContractError("wrong_type", f"{name} must be a string of at most {limit} characters")
    return value


def _metrics(value: Any) -> dict[str, float | bool]:
    if not isinstance(value, dict) or not value:
        raise ContractError("wrong_type", "metrics must be a non-empty object")
    if len(value) > MAX_METRICS:
        raise ContractError("wrong_type", f"at most {MAX_METRICS} metrics per sample")
    metrics = {}
    for name, item in value.items():
        if not METRIC_NAME_PATTERN.match(name):
            raise ContractError("bad_metric", f"metric name {name[:64]!r} is not snake_case")
        if isinstance(item, bool):
            metrics[name] = item
        elif isinstance(item, (int, float)) and math.isfinite(item):
            metrics[name] = float(item)
        else:
            raise ContractError("bad_metric", f"metric {name} must be a finite number or a boolean")
    return metrics


def _sample(device_id: str, raw: Any, now: datetime) -> Sample:
    if not isinstance(raw, dict):
        raise ContractError("wrong_type", "a sample must be an object")
    _only(raw, {"ts", "seq", "boot", "metrics"})
    return Sample(device_id, parse_ts(raw.get("ts"), now), _int(raw.get("seq"), "seq"),
                  _optional_str(raw.get("boot"), "boot") or "", _metrics(raw.get("metrics")))


def _only(raw: dict, allowed: set[str]) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise ContractError("unknown_field", f"unknown fields: {', '.join(sorted(unknown))[:200]}")


def parse_telemetry(device_id: str, body: dict, now: datetime) -> TelemetryMessage:
    if "samples" in body:
        _only(body, {"samples"})
        raw = body["samples"]
        if not isinstance(raw, list) or not 0 < len(raw) <= MAX_BATCH_SAMPLES:
            raise ContractError("wrong_type", f"samples must be a list of 1 to {MAX_BATCH_SAMPLES} samples")
        return TelemetryMessage(device_id, tuple(_sample(device_id, item, now) for item in raw))
    return TelemetryMessage(device_id, (_sample(device_id, body, now),))


def parse_event(device_id: str, body: dict, now: datetime) -> EventMessage:
    _only(body, {"ts", "seq", "boot", "type", "user", "data"})
    kind = body.get("type")
    if kind not in EVENT_TYPES:
        raise ContractError("bad_event", f"event type must be one of {', '.join(EVENT_TYPES)}")
    data = body.get("data") or {}
    if not isinstance(data, dict):
        raise ContractError("wrong_type", "data must be an object")
    return EventMessage(device_id, Event(device_id, parse_ts(body.get("ts"), now), _int(body.get("seq"), "seq"),
                                         _optional_str(body.get("boot"), "boot") or "", kind,
                                         _optional_str(body.get("user"), "user", 200), data))


def parse_status(device_id: str, body: dict, now: datetime) -> StatusMessage:
    online = body.get("online")
    if not isinstance(online, bool):
        raise ContractError("wrong_type", "online must be a boolean")
    ts = parse_ts(body["ts"], now) if body.get("ts") is not None else None
    interval = body.get("interval_s")
    if interval is not None and (isinstance(interval, bool) or not isinstance(interval, (int, float))
                                 or not 0 < interval <= 86400):
        raise ContractError("wrong_type", "interval_s must be a positive number of seconds")
    return StatusMessage(device_id, Status(device_id, online, ts, _optional_str(body.get("agent"), "agent", 100),
                                           interval, _optional_str(body.get("boot"), "boot")))


PARSERS = {"telemetry": parse_telemetry, "events": parse_event, "status": parse_status}


def parse_message(prefix: str, topic_text: str, payload: bytes, now: datetime | None = None) -> Parsed:
    """Parse one device message, or raise :class:`ContractError` saying why it is refused."""
    where = parse_topic(prefix, topic_text)
    if where.channel not in PARSERS:
        raise ContractError("bad_topic", f"devices do not publish on {where.channel}")
    return PARSERS[where.channel](where.device_id, decode_json(payload), now or datetime.now(UTC))


# ---- building messages (agent side) ---------------------------------------------------------

def rfc3339(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sample_body(sample: Sample) -> dict:
    return {"ts": rfc3339(sample.ts), "seq": sample.seq, "boot": sample.boot, "metrics": dict(sample.metrics)}


def telemetry_payload(samples: list[Sample]) -> bytes:
    if len(samples) == 1:
        return json.dumps(sample_body(samples[0])).encode()
    return json.dumps({"samples": [sample_body(s) for s in samples]}).encode()


def event_payload(event: Event) -> bytes:
    body = {"ts": rfc3339(event.ts), "seq": event.seq, "boot": event.boot, "type": event.type}
    if event.user:
        body["user"] = event.user
    if event.data:
        body["data"] = dict(event.data)
    return json.dumps(body).encode()


def status_payload(online: bool, ts: datetime | None = None, agent: str | None = None,
                   interval_s: float | None = None, boot: str | None = None) -> bytes:
    body: dict[str, Any] = {"online": online}
    for key, value in (("ts", rfc3339(ts) if ts else None), ("agent", agent), ("interval_s", interval_s),
                       ("boot", boot)):
        if value is not None:
            body[key] = value
    return json.dumps(body).encode()


def parse_command(payload: bytes) -> dict:
    """A command for a device: ``{"id", "type", ...}``; raises ContractError if malformed."""
    body = decode_json(payload)
    if not isinstance(body.get("id"), str) or body.get("type") not in COMMAND_TYPES:
        raise ContractError("bad_command", f"a command needs an id and a type in {', '.join(COMMAND_TYPES)}")
    return body
