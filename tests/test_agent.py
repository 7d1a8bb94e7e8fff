"""The agent's parts that need no broker: the bounded buffer, probes, readings and commands."""
from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devices.agent import Agent
from devices.buffer import Buffer
from devices.config import AgentConfig
from devices.probes import CommandProbe, ProcessProbe, Reading, SimulatedProbe, _SessionTracker
from telemetry.contract import parse_message

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def test_buffer_keeps_order_and_drops_the_oldest_when_full(tmp_path):
    buffer = Buffer(tmp_path / "b.db", max_entries=5)
    for i in range(8):
        buffer.push("telemetry", str(i))
    assert [body for _, _, body in buffer.peek(10)] == ["3", "4", "5", "6", "7"]
    assert buffer.dropped == 3
    buffer.push("events", "e")
    buffer.push("telemetry", "8")
    rows = buffer.peek(10)
    assert [body for _, _, body in rows] == ["5", "6", "7"]  # a batch never mixes channels
    buffer.remove([row[0] for row in rows])
    assert [body for _, _, body in buffer.peek(10)] == ["e"]
    buffer.close()
    reopened = Buffer(tmp_path / "b.db", max_entries=5)
    assert len(reopened) == 2 and reopened.dropped == 5  # survives a restart


def agent(tmp_path, **overrides) -> Agent:
    config = AgentConfig(device_id="dev-1", password="x", interval_s=10, buffer_path=str(tmp_path / "default.db"),
                         **overrides)
    buffer = Buffer(tmp_path / "a.db")
    made = Agent(config, probe=SimulatedProbe(), buffer=buffer)
    assert made.buffer is buffer  # an empty buffer is falsy, and must still be the one used
    return made


def test_readings_become_valid_contract_messages_with_increasing_seq(tmp_path):
    a = agent(tmp_path)
    a.record(Reading({"in_use": True}, session="start", user="alice"), NOW)
    a.record(Reading({"in_use": True}), NOW + timedelta(seconds=10))
    rows = a.buffer.peek(10)
    event = parse_message("labshare/v1", "labshare/v1/devices/dev-1/events", rows[0][2].encode(), NOW)
    assert event.event.type == "session_start" and event.event.user == "alice" and event.event.seq == 1
    a.buffer.remove([rows[0][0]])
    samples = [json.loads(body) for _, _, body in a.buffer.peek(10)]
    assert [s["seq"] for s in samples] == [2, 3] and {s["boot"] for s in samples} == {a.boot}


def test_commands(tmp_path):
    marker = tmp_path / "interlock"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\necho \"$1\" > {marker}\n")
    hook.chmod(0o755)
    a = agent(tmp_path, interlock_command=str(hook))
    a.handle_command({"id": "1", "type": "config", "interval_s": 30})
    assert a.interval_s == 30
    a.handle_command({"id": "2", "type": "config", "interval_s": "fast"})
    assert a.interval_s == 30
    a.handle_command({"id": "3", "type": "interlock", "enable": False})
    assert marker.read_text().strip() == "off"


def test_command_probe_reads_json(tmp_path):
    script = tmp_path / "meter.py"
    script.write_text('import json; print(json.dumps({"meter": {"power": 412.5}}))')
    probe = CommandProbe(f"{sys.executable} {script}", field="meter.power")
    assert probe.read(NOW).metrics == {"power_w": 412.5}


def test_process_probe_opens_and_closes_sessions(tmp_path):
    proc = tmp_path / "proc"
    (proc / "42").mkdir(parents=True)
    (proc / "42" / "comm").write_text("bash\n")
    probe = ProcessProbe(["XRDControl"], proc=str(proc))
    assert probe.read(NOW) == Reading({"in_use": False})
    (proc / "43").mkdir()
    (proc / "43" / "comm").write_text("xrdcontrol\n")
    assert probe.read(NOW).session == "start"
    assert probe.read(NOW).session is None
    (proc / "43" / "comm").unlink()
    (proc / "43").rmdir()
    assert probe.read(NOW).session == "end"


def test_session_tracker_remembers_the_user():
    tracker = _SessionTracker()
    assert tracker.reading(True, "alice").session == "start"
    ended = tracker.reading(False, None)
    assert ended.session == "end" and ended.user == "alice"


@pytest.mark.parametrize("hour_utc, office", [(2, True), (15, False)])  # 10:00 and 23:00 in Shanghai, a Monday
def test_simulated_probe_is_busier_in_office_hours(hour_utc, office):
    probe = SimulatedProbe(seed=1, utilisation=0.6)
    monday = datetime(2026, 12, 7, hour_utc, tzinfo=UTC)
    busy = sum(probe.is_busy(monday + timedelta(weeks=w)) for w in range(200)) / 200
    assert (busy > 0.4) is office


def test_agent_config_from_toml(tmp_path):
    path = Path(tmp_path / "agent.toml")
    path.write_text('[mqtt]\nusername = "dev-9"\npassword = "pw"\nhost = "mqtt.example.edu"\n'
                    '[agent]\ninterval_s = 5\n[probe]\nkind = "http"\nurl = "http://plug/status"\nfield = "apower"\n')
    config = AgentConfig.load(path)
    assert (config.device_id, config.host, config.interval_s, config.probe_kind) == ("dev-9", "mqtt.example.edu", 5.0,
                                                                                     "http")
    assert config.probe_options == {"url": "http://plug/status", "field": "apower"}
