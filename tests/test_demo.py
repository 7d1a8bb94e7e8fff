"""``labshare demo`` as a newcomer runs it: a real process, real HTTP, stopped by SIGTERM."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from icalendar import Calendar

from booking.demo.seed import DEMO_PASSWORD

from .conftest import next_monday, rfc3339
from .support.platform import wait_for
from .support.postgres import free_port

LABSHARE = str(Path(sys.executable).with_name("labshare"))


def start_demo(tmp_path, *flags):
    port = free_port()
    process = subprocess.Popen([LABSHARE, "demo", "--port", str(port), "--mqtt-port", str(free_port()),
                                "--data-dir", str(tmp_path / "data"), *flags],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/readyz", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"demo did not start: {process.communicate()[0]}")
    return base, process


@pytest.fixture
def demo(tmp_path):
    base, process = start_demo(tmp_path, "--no-simulator")
    yield base, process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_demo_serves_seeded_data_and_a_booking_shows_up(demo):
    base, process = demo
    login = requests.post(f"{base}/api/v1/auth/token",
                          json={"email": "researcher@dlmu.demo.labshare.cn", "password": DEMO_PASSWORD}, timeout=10)
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    catalogue = requests.get(f"{base}/api/v1/instruments?per_page=500", headers=auth, timeout=10).json()
    assert catalogue["total"] >= 60
    assert {i["campus"]["city"] for i in catalogue["items"]} == {"Shenyang", "Dalian"}
    assert len({i["institution"]["code"] for i in catalogue["items"]}) >= 6
    instrument = next(i for i in catalogue["items"] if i["bookable"] and not i["policy"]["requires_training"]
                      and i["policy"]["approval"] == "none" and i["institution"]["code"] == "NEU")
    start = next_monday(10)
    booking = requests.post(f"{base}/api/v1/bookings", headers=auth, timeout=10, json={
        "instrument_id": instrument["id"], "start": rfc3339(start), "end": rfc3339(start + timedelta(hours=1))})
    assert booking.status_code == 201, booking.text
    assert booking.json()["external"] is True and booking.json()["price"]["rate"] == "external"

    window = {"from": rfc3339(start - timedelta(hours=2)), "to": rfc3339(start + timedelta(hours=4))}
    busy = requests.get(f"{base}/api/v1/instruments/{instrument['id']}/availability", params=window, headers=auth,
                        timeout=10).json()["busy"]
    assert {"start": booking.json()["start"], "end": booking.json()["end"], "kind": "booking"} in busy
    ics = requests.get(f"{base}/api/v1/instruments/{instrument['id']}/calendar.ics", timeout=10)
    events = Calendar.from_ical(ics.content).walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [start]

    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "LabShare demo is running at" in output and "admin@demo.labshare.cn" in output
    assert output.rstrip().endswith("Stopped.")


def login(base: str, email: str) -> dict:
    response = requests.post(f"{base}/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD}, timeout=10)
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_demo_shows_live_measured_usage(tmp_path):
    base, process = start_demo(tmp_path, "--devices", "3")
    try:
        auth = login(base, "admin@demo.labshare.cn")
        def poll(path, **params):
            """A reading while the demo is busy ingesting its back-filled history; None to try again."""
            try:
                return requests.get(f"{base}{path}", params=params, headers=auth, timeout=30).json()
            except requests.RequestException:
                return None

        def online():
            body = poll("/api/v1/devices")
            return [d for d in body["items"] if d["online"]] if body else []
        devices = wait_for(lambda: len(online()) == 3 and online(), timeout=120)
        assert all(d["agent"].startswith("labshare-simulator") for d in devices)
        now = datetime.now(UTC)
        window = {"from": (now - timedelta(hours=7)).isoformat(), "to": now.isoformat(), "every": "1h"}
        points = wait_for(lambda: (poll(f"/api/v1/instruments/{devices[0]['instrument_id']}/telemetry", **window)
                                   or {}).get("points"), timeout=120)
        assert all(value > 0 for _, value in points)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0 and output.rstrip().endswith("Stopped.")
    assert "simulated devices: 3" in output


@pytest.mark.parametrize("command", [["web", "--workers", "2"], ["scheduler"]])
def test_production_processes_start_and_stop_cleanly(tmp_path, command):
    env = {**os.environ, "LABSHARE_DATABASE_URL": f"sqlite:///{tmp_path / 'labshare.db'}"}
    subprocess.run([LABSHARE, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    extra = ["--bind", f"127.0.0.1:{port}"] if command[0] == "web" else []
    process = subprocess.Popen([LABSHARE, *command, *extra], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        if command[0] == "web":
            assert wait_for(lambda: _ready(f"http://127.0.0.1:{port}/readyz"), timeout=30)
        else:
            for line in process.stdout:  # stop it only once it has started (and handles SIGTERM)
                if "Scheduler started" in line:
                    break
            assert process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output


def _ready(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_demo_says_plainly_when_a_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([LABSHARE, "demo", "--port", str(free_port()), "--mqtt-port", str(port),
                                 "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"127.0.0.1:{port} is in use" in result.stderr and "--mqtt-port" in result.stderr
    assert "Traceback" not in result.stderr
