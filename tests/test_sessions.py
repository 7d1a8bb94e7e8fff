"""Usage-session detection, table-driven: each row is a device's observations and the sessions they make."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from telemetry.contract import Event, Sample
from telemetry.sessions import DeviceProfile, derive_sessions

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
PROFILE = DeviceProfile("dev-1", threshold_w=50, interval_s=10)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def power(*readings, boot="b1", start_seq=0):
    """Samples every 10 s with the given power readings (None: no sample, the device is silent)."""
    return [Sample("dev-1", at(10 * i), start_seq + i, boot, {"power_w": w})
            for i, w in enumerate(readings) if w is not None]


def spans(sessions):
    return [((s.start - T0).total_seconds(), None if s.end is None else (s.end - T0).total_seconds(), s.source)
            for s in sessions]


@pytest.mark.parametrize("name, observations, expected", [
    ("idle", power(5, 5, 5), []),
    ("one run", power(5, 300, 300, 300, 5), [(10, 40, "power")]),
    ("threshold is inclusive", power(0, 50, 49.9), [(10, 20, "power")]),
    ("in_use overrides power", [Sample("dev-1", at(0), 0, "b", {"power_w": 1000, "in_use": False}),
                                Sample("dev-1", at(10), 1, "b", {"power_w": 0, "in_use": True}),
                                Sample("dev-1", at(20), 2, "b", {"in_use": False})], [(10, 20, "power")]),
    ("gap under 60 s merges", power(300, 5, 5, 5, 5, 300, 5), [(0, 60, "power")]),
    ("gap of 60 s splits", power(300, 5, 5, 5, 5, 5, 5, 300, 5), [(0, 10, "power"), (70, 80, "power")]),
    ("silence ends at last in-use sample", power(300, 300, None, None, None, None, 5), [(0, 10, "power")]),
    ("silence of exactly 3 intervals is not silence", power(300, None, None, 300, 5), [(0, 40, "power")]),
    ("events open and close", [Event("dev-1", at(5), 0, "b", "session_start", "alice"),
                               *[Sample("dev-1", at(5 + 10 * i), i, "b", {"in_use": True}) for i in range(1, 5)],
                               Event("dev-1", at(48), 9, "b", "session_end", "alice")], [(5, 48, "event")]),
    ("a PC that stops reporting ends at its last heartbeat",
     [Event("dev-1", at(0), 0, "b", "session_start"), Sample("dev-1", at(10), 1, "b", {"in_use": True}),
      Event("dev-1", at(900), 2, "b", "session_end")], [(0, 10, "event")]),
    ("low power does not end an event session",
     [Event("dev-1", at(0), 0, "b", "session_start"), *power(5, 5, 5, start_seq=1)[1:],
      Event("dev-1", at(25), 9, "b", "session_end")], [(0, 25, "event")]),
    ("duplicates count once", power(300, 300, 5) + power(300, 300, 5), [(0, 20, "power")]),
])
def test_derivation(name, observations, expected):
    assert spans(derive_sessions(PROFILE, observations)) == expected


def test_out_of_order_replay_gives_the_same_sessions():
    readings = power(5, 300, 300, 300, 300, 5, 300, 300, 5)
    assert derive_sessions(PROFILE, list(reversed(readings))) == derive_sessions(PROFILE, readings)


def test_open_session_while_device_reports():
    observations = power(5, 300, 300)
    assert spans(derive_sessions(PROFILE, observations, now=at(25))) == [(10, None, "power")]
    assert spans(derive_sessions(PROFILE, observations, now=at(60))) == [(10, 20, "power")]


def test_session_ids_are_stable():
    first = derive_sessions(PROFILE, power(5, 300, 5))[0]
    again = derive_sessions(PROFILE, power(5, 300, 300, 5))[0]
    assert first.session_id == again.session_id == f"dev-1-{int(at(10).timestamp() * 1000)}"
