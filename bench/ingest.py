"""Worker ingestion throughput by batch size, against the SQL store on SQLite.

Runs the worker's real batch step (parse, dedupe, store, derive sessions, commit state and
outbox) on synthetic single-sample messages and prints messages per second, with each batch
size as a ratio against batch size 1 measured in the same run.

    .venv/bin/python bench/ingest.py [--messages 5000]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine  # noqa: E402

from telemetry.stores.sql import SqlStore, metadata  # noqa: E402
from telemetry.worker.booking_api import DeviceDirectory  # noqa: E402
from telemetry.worker.mqtt_source import ReceivedMessage  # noqa: E402
from telemetry.worker.processor import Processor  # noqa: E402
from telemetry.worker.state import WorkerState  # noqa: E402

PREFIX = "labshare/v1"
DEVICES = 20


class Directory(DeviceDirectory):
    def __init__(self):
        self.refreshed_at = float("inf")
        self.devices = {f"dev-{i}": {"device_id": f"dev-{i}", "instrument_id": i + 1, "lab_id": 1,
                                     "institution_id": 1, "in_use_threshold_w": 50.0, "report_interval_s": 10.0}
                        for i in range(DEVICES)}


def messages(count: int) -> list[ReceivedMessage]:
    start = datetime.now(UTC) - timedelta(seconds=10 * count // DEVICES + 60)
    out = []
    for n in range(count):
        device, step = n % DEVICES, n // DEVICES
        watts = 300.0 if (step // 30) % 2 else 5.0  # five-minute runs and pauses
        body = {"ts": (start + timedelta(seconds=10 * step)).isoformat(), "seq": step, "boot": "bench",
                "metrics": {"power_w": watts}}
        out.append(ReceivedMessage(f"{PREFIX}/devices/dev-{device}/telemetry", json.dumps(body).encode(), n, 1,
                                   False, 1))
    return out


def run(batch_size: int, count: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/ts.db")
        metadata.create_all(engine)
        processor = Processor(WorkerState(Path(tmp) / "worker.db"), SqlStore(engine), Directory(), PREFIX)
        stream = messages(count)
        began = time.perf_counter()
        for i in range(0, count, batch_size):
            processor.process(stream[i:i + batch_size])
            done = min(i + batch_size, count)
            if done % (count // 10) < batch_size:
                print(f"\r  batch {batch_size:>4}: {done}/{count} messages", end="", file=sys.stderr, flush=True)
        elapsed = time.perf_counter() - began
        print(file=sys.stderr)
        engine.dispose()
        return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    baseline = run(1, args.messages)
    print(f"{'batch size':>10} {'messages/s':>12} {'vs batch 1':>11}")
    print(f"{1:>10} {baseline:>12.0f} {1.0:>10.1f}x")
    for size in (50, 500):
        rate = run(size, args.messages)
        print(f"{size:>10} {rate:>12.0f} {rate / baseline:>10.1f}x")


if __name__ == "__main__":
    main()
