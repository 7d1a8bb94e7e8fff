"""What an agent measures: a power meter or smart plug, a PC's activity, or a simulation.

A probe returns the metrics of one moment; PC probes also say who started or ended a session.
"""
from __future__ import annotations

import json
import math
import random
import shlex
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import requests


@dataclass(frozen=True)
class Reading:
    metrics: dict[str, float | bool]
    session: str | None = None        # "start" or "end" when a PC session begins or ends
    user: str | None = None
    extra: dict = field(default_factory=dict)


def _dig(document, path: str):
    for part in path.split("."):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


class CommandProbe:
    """Runs a command that prints watts (a number) or JSON; ``field`` picks a value out of the JSON."""

    def __init__(self, command: str, field: str | None = None, scale: float = 1.0, timeout_s: float = 10):
        self.command, self.field, self.scale, self.timeout_s = shlex.split(command), field, scale, timeout_s

    def read(self, now: datetime) -> Reading:
        output = subprocess.run(self.command, capture_output=True, text=True, timeout=self.timeout_s,
                                check=True).stdout.strip()
        value = _dig(json.loads(output), self.field) if self.field else float(output)
        return Reading({"power_w": float(value) * self.scale})


class HttpJsonProbe:
    """Reads a smart plug's or meter's JSON endpoint, e.g. Shelly ``/rpc/Switch.GetStatus?id=0`` → ``apower``."""

    def __init__(self, url: str, field: str, scale: float = 1.0, timeout_s: float = 5):
        self.url, self.field, self.scale, self.timeout_s = url, field, scale, timeout_s
        self.http = requests.Session()

    def read(self, now: datetime) -> Reading:
        response = self.http.get(self.url, timeout=self.timeout_s)
        response.raise_for_status()
        return Reading({"power_w": float(_dig(response.json(), self.field)) * self.scale})


class _SessionTracker:
    """Turns an in-use flag into session_start/session_end transitions."""

    def __init__(self):
        self.active_user: str | None = None
        self.active = False

    def reading(self, in_use: bool, user: str | None) -> Reading:
        session = None
        if in_use and not self.active:
            session = "start"
        elif not in_use and self.active:
            session = "end"
            user = user or self.active_user
        self.active, self.active_user = in_use, (user if in_use else None)
        return Reading({"in_use": in_use}, session, user)


class ProcessProbe:
    """In use while one of the named programs (the instrument's control software) runs."""

    def __init__(self, names: list[str], proc: str = "/proc"):
        self.names, self.proc = {n.lower() for n in names}, Path(proc)
        self.tracker = _SessionTracker()

    def _running(self) -> bool:
        for entry in self.proc.iterdir():
            if entry.name.isdigit():
                try:
                    if (entry / "comm").read_text().strip().lower() in self.names:
                        return True
                except OSError:
                    continue  # the process ended while we looked
        return False

    def read(self, now: datetime) -> Reading:
        return self.tracker.reading(self._running(), None)


class LoggedInUserProbe:
    """In use while someone is logged in at the instrument PC (``who``)."""

    def __init__(self, command: str = "who"):
        self.command = shlex.split(command)
        self.tracker = _SessionTracker()

    def read(self, now: datetime) -> Reading:
        lines = subprocess.run(self.command, capture_output=True, text=True, timeout=10).stdout.splitlines()
        users = [line.split()[0] for line in lines if line.strip()]
        return self.tracker.reading(bool(users), users[0] if users else None)


class SimulatedProbe:
    """A plausible instrument: idle draw, runs in office hours (lab time), occasional long runs."""

    def __init__(self, seed: int = 0, idle_w: float = 15.0, busy_w: float = 450.0, utilisation: float = 0.5,
                 utc_offset_h: float = 8.0):
        self.random = random.Random(seed)
        self.idle_w, self.busy_w, self.utilisation, self.offset = idle_w, busy_w, utilisation, utc_offset_h
        self.seed = seed

    def is_busy(self, now: datetime) -> bool:
        """Busy in whole hours chosen by a hash of the hour, more often in local office hours."""
        local_hour = (now.timestamp() / 3600 + self.offset)
        hour_index, hour_of_day = int(local_hour), int(local_hour) % 24
        weekday = int(local_hour // 24 + 3) % 7  # 1970-01-01 was a Thursday
        office = 8 <= hour_of_day < 19 and weekday < 5
        chance = self.utilisation if office else self.utilisation / 8
        return random.Random(hour_index * 7919 + self.seed).random() < chance

    def read(self, now: datetime) -> Reading:
        base = self.busy_w if self.is_busy(now) else self.idle_w
        wobble = 1 + 0.05 * math.sin(now.timestamp() / 60 + self.seed) + self.random.uniform(-0.02, 0.02)
        return Reading({"power_w": round(base * wobble, 1), "current_a": round(base * wobble / 230, 3)})


def make_probe(kind: str, options: dict):
    probes = {"command": CommandProbe, "http": HttpJsonProbe, "process": ProcessProbe, "user": LoggedInUserProbe,
              "simulated": SimulatedProbe}
    if kind not in probes:
        raise ValueError(f"unknown probe kind {kind!r}; use one of {', '.join(probes)}")
    return probes[kind](**options)


