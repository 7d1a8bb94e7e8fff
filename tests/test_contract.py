"""The MQTT contract: every malformed message is refused with a stable reason."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from telemetry.contract import (ContractError, EventMessage, StatusMessage, TelemetryMessage, parse_message,
                                subscription, telemetry_payload, topic)

P = "labshare/v1"
NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
T = f"{P}/devices/dev-1/telemetry"


def parse(payload, where=T):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return parse_message(P, where, raw, now=NOW)


def test_single_sample_and_batch():
    one = parse({"ts": "2026-12-07T09:00:00+08:00", "seq": 3, "boot": "b", "metrics": {"power_w": 312.5,
                                                                                          "in_use": True}})
    assert isinstance(one, TelemetryMessage) and one.samples[0].ts == NOW and one.samples[0].metrics["in_use"] is True
    batch = parse({"samples": [{"ts": NOW.timestamp() - i, "seq": i, "metrics": {"power_w": i}} for i in range(500)]})
    assert len(batch.samples) == 500 and batch.samples[1].ts == NOW - timedelta(seconds=1)


def test_events_and_status():
    event = parse({"ts": NOW.timestamp(), "seq": 1, "type": "session_start", "user": "alice"},
                  f"{P}/devices/pc-7/events")
    assert isinstance(event, EventMessage) and event.event.user == "alice"
    status = parse({"online": False}, f"{P}/devices/pc-7/status")
    assert isinstance(status, StatusMessage) and status.status.online is False


@pytest.mark.parametrize("payload, where, reason", [
    (b"not json", T, "invalid_json"),
    (b"\xff\xfe\x00", T, "invalid_utf8"),
    (b"[1,2]", T, "wrong_type"),
    (b'{"ts": 1, "seq": 1, "metrics": {"power_w": NaN}}', T, "non_finite_number"),
    (b'{"ts": 1, "seq": 1, "metrics": {"power_w": Infinity}}', T, "non_finite_number"),
    (b"{" * 100_000, T, "invalid_json"),
    (b'{"x": "' + b"a" * (300 * 1024) + b'"}', T, "too_large"),
    ({"ts": "yesterday", "seq": 1, "metrics": {"power_w": 1}}, T, "bad_ts"),
    ({"ts": "2026-12-07T09:00:00", "seq": 1, "metrics": {"power_w": 1}}, T, "bad_ts"),
    ({"ts": (NOW + timedelta(minutes=6)).timestamp(), "seq": 1, "metrics": {"power_w": 1}}, T, "ts_in_future"),
    ({"ts": 1e300, "seq": 1, "metrics": {"power_w": 1}}, T, "bad_ts"),
    ({"ts": 1, "seq": -1, "metrics": {"power_w": 1}}, T, "wrong_type"),
    ({"ts": 1, "seq": "1", "metrics": {"power_w": 1}}, T, "wrong_type"),
    ({"ts": 1, "seq": True, "metrics": {"power_w": 1}}, T, "wrong_type"),
    ({"ts": 1, "seq": 1, "metrics": {}}, T, "wrong_type"),
    ({"ts": 1, "seq": 1, "metrics": {"Power W": 1}}, T, "bad_metric"),
    ({"ts": 1, "seq": 1, "metrics": {"power_w": "high"}}, T, "bad_metric"),
    ({"ts": 1, "seq": 1, "metrics": {"power_w": 1}, "extra": 1}, T, "unknown_field"),
    ({"samples": []}, T, "wrong_type"),
    ({"samples": [{"ts": 1, "seq": i, "metrics": {"a": 1}} for i in range(501)]}, T, "wrong_type"),
    ({"ts": 1, "seq": 1, "type": "party"}, f"{P}/devices/d/events", "bad_event"),
    ({"online": "yes"}, f"{P}/devices/d/status", "wrong_type"),
    ({"id": "1", "type": "ping"}, f"{P}/devices/d/commands", "bad_topic"),
    ({"ts": 1, "seq": 1, "metrics": {"a": 1}}, f"{P}/devices/d/telemetry/extra", "bad_topic"),
    ({"ts": 1, "seq": 1, "metrics": {"a": 1}}, f"{P}/devices/bad id/telemetry", "bad_topic"),
    ({"ts": 1, "seq": 1, "metrics": {"a": 1}}, "other/devices/d/telemetry", "bad_topic"),
])
def test_malformed_messages_are_refused_with_a_reason(payload, where, reason):
    with pytest.raises(ContractError) as caught:
        parse(payload, where)
    assert caught.value.reason == reason


def test_topics_and_round_trip():
    assert topic(P, "dev-1", "telemetry") == T
    assert subscription(P, "telemetry", "workers") == f"$share/workers/{P}/devices/+/telemetry"
    batch = parse({"samples": [{"ts": NOW.timestamp(), "seq": i, "boot": "b", "metrics": {"power_w": 1.5}}
                               for i in range(3)]})
    again = parse_message(P, T, telemetry_payload(list(batch.samples)), now=NOW)
    assert again.samples == batch.samples
