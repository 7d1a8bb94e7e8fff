"""A fleet of simulated device agents: ``labshare simulate --devices N``.

Each simulated device is a real :class:`~devices.agent.Agent` (real MQTT, real on-disk buffer)
with a :class:`~devices.probes.SimulatedProbe`: office-hours use in the lab's time zone, some
instruments busy, some idle, and a few that drop off the network now and then and come back with
their buffers. On start each device back-fills recent history, replayed through its buffer as an
agent returning from an outage would.
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import signal
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .agent import Agent
from .buffer import Buffer
from .config import AgentConfig
from .probes import SimulatedProbe

logger = logging.getLogger(__name__)
UTILISATIONS = (0.75, 0.55, 0.35, 0.2, 0.05)  # busy, average, quiet, rarely used, idle


def load_fleet(path: Path) -> list[dict]:
    """``[{"device_id", "password", "interval_s"?, "host"?, "port"?, "topic_prefix"?}, ...]``"""
    fleet = json.loads(Path(path).read_text())
    if not isinstance(fleet, list) or not all("device_id" in d and "password" in d for d in fleet):
        raise ValueError(f"{path}: expected a list of devices with device_id and password")
    return fleet


class SimulatedDevice:
    def __init__(self, index: int, entry: dict, host: str, port: int, prefix: str, buffer_dir: Path,
                 backfill: timedelta, flaky: bool):
        self.probe = SimulatedProbe(seed=index, utilisation=UTILISATIONS[index % len(UTILISATIONS)],
                                    busy_w=250.0 + 50 * (index % 7))
        config = AgentConfig(device_id=entry["device_id"], password=entry["password"],
                             host=entry.get("host", host), port=int(entry.get("port", port)),
                             topic_prefix=entry.get("topic_prefix", prefix),
                             interval_s=float(entry.get("interval_s", 10)), agent_name="labshare-simulator/0.1")
        buffer_file = buffer_dir / f"{entry['device_id']}.db"
        # History is back-filled once, when the device is first simulated; a restart resumes.
        self.backfill = backfill if not buffer_file.exists() else timedelta(0)
        self.agent = Agent(config, probe=self.probe, buffer=Buffer(buffer_file))
        self.flaky = flaky
        self.random = random.Random(index)

    def fill_history(self) -> int:
        """Readings for the recent past, as if the device had been offline and buffered them."""
        now, step = datetime.now(UTC), timedelta(seconds=self.agent.interval_s)
        ts, count = now - self.backfill, 0
        while ts < now:
            self.agent.record(self.probe.read(ts), ts)
            ts, count = ts + step, count + 1
        return count

    def run(self, stop: threading.Event) -> None:
        self.agent.start()
        next_outage = time.monotonic() + self.random.uniform(300, 1800)
        while not stop.is_set():
            self.agent.measured()
            if self.flaky and time.monotonic() > next_outage:
                self._outage(stop)
                next_outage = time.monotonic() + self.random.uniform(600, 3600)
            stop.wait(self.agent.interval_s)
        self.agent.close()

    def _outage(self, stop: threading.Event) -> None:
        """Drop off the network for a few minutes, measuring into the buffer meanwhile."""
        seconds = self.random.uniform(60, 300)
        logger.info("%s drops off the network for %.0f s", self.agent.config.device_id, seconds)
        self.agent.client.disconnect()
        self.agent.client.loop_stop()
        end = time.monotonic() + seconds
        while time.monotonic() < end and not stop.is_set():
            self.agent.measure()
            stop.wait(self.agent.interval_s)
        self.agent.client.reconnect()
        self.agent.client.loop_start()


def run_fleet(fleet: list[dict], host: str, port: int, prefix: str, buffer_dir: Path, backfill: timedelta,
              stop: threading.Event) -> None:
    devices = [SimulatedDevice(i, entry, host, port, prefix, buffer_dir, backfill, flaky=i % 5 == 4)
               for i, entry in enumerate(fleet)]
    total = 0
    for n, device in enumerate(devices, 1):
        total += device.fill_history()
        print(f"\rback-filling history: {n}/{len(devices)} devices, {total} readings", end="", flush=True)
    print(f"\nsimulating {len(devices)} devices against {host}:{port}", flush=True)
    threads = [threading.Thread(target=d.run, args=(stop,), name=d.agent.config.device_id, daemon=True)
               for d in devices]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(timeout=15)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="labshare simulate", description="Simulate a fleet of device agents")
    parser.add_argument("--fleet", default=".labshare-demo/fleet.json", help="device credentials (JSON)")
    parser.add_argument("--devices", type=int, default=None, help="simulate only the first N devices")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--topic-prefix", default="labshare/v1")
    parser.add_argument("--backfill-hours", type=float, default=6.0)
    parser.add_argument("--buffer-dir", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    fleet = load_fleet(Path(args.fleet))[:args.devices]
    buffer_dir = Path(args.buffer_dir or tempfile.mkdtemp(prefix="labshare-sim-"))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run_fleet(fleet, args.host, args.port, args.topic_prefix, buffer_dir, timedelta(hours=args.backfill_hours), stop)


if __name__ == "__main__":
    main()
