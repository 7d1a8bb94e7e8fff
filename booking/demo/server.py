"""``labshare demo``: the whole system on one machine with embedded defaults.

In this process: the web service (SQLite) and the MQTT broker (amqtt, loopback). As child
processes, exactly as in production: the ingestion worker and the device simulator.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import make_server

from booking.accounts.models import User
from booking.accounts.operations import create_user, normalise_email
from booking.app import create_app
from booking.core.db import db

from .broker import DemoBroker
from .fleet import SERVICE_EMAIL, ensure_fleet, ensure_service_account
from .seed import DEMO_PASSWORD, demo_accounts, seed_demo

logger = logging.getLogger(__name__)
WORKER_MQTT_USER = "labshare-worker"


class DemoError(RuntimeError):
    """Something a newcomer can fix (a port in use), said plainly."""


def ensure_port_free(host: str, port: int, flag: str) -> None:
    if port == 0:
        return
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise DemoError(f"{host}:{port} is in use ({exc.strerror}); choose another with {flag} "
                            f"(a system mosquitto often holds 1883)") from exc


def prepare_database(app, devices: int, data_dir: Path) -> tuple[str, list[dict]]:
    """Migrate, seed once, add the admin named by the environment, the devices and the service account."""
    with app.app_context():
        upgrade()
        seed_demo()
        _ensure_env_admin()
        service_password = ensure_service_account()
        fleet = ensure_fleet(devices, data_dir / "fleet.json")
        db.session.commit()
    return service_password, fleet


def _ensure_env_admin() -> None:
    email, password = os.environ.get("LABSHARE_ADMIN_EMAIL"), os.environ.get("LABSHARE_ADMIN_PASSWORD")
    if email and password and not db.session.scalar(select(User.id).where(User.email == normalise_email(email))):
        create_user(email, "Administrator", password, "province_admin", None)


class Demo:
    def __init__(self, host: str, port: int, mqtt_port: int, data_dir: Path, devices: int, simulator: bool,
                 echo=print):
        self.host, self.port, self.mqtt_port, self.data_dir = host, port, mqtt_port, data_dir.resolve()
        self.devices, self.simulator, self.echo = devices, simulator, echo
        self.database_url = f"sqlite:///{self.data_dir / 'labshare.db'}"
        self.children: list[subprocess.Popen] = []

    def _child_env(self, api_url: str, service_password: str) -> dict[str, str]:
        return {**os.environ, "LABSHARE_MQTT_URL": f"mqtt://127.0.0.1:{self.mqtt_port}",
                "LABSHARE_WORKER_MQTT_USERNAME": WORKER_MQTT_USER, "LABSHARE_WORKER_MQTT_PASSWORD": "loopback",
                "LABSHARE_API_URL": api_url, "LABSHARE_SERVICE_EMAIL": SERVICE_EMAIL,
                "LABSHARE_SERVICE_PASSWORD": service_password, "LABSHARE_DATABASE_URL": self.database_url,
                "LABSHARE_TSDB": "sql", "LABSHARE_WORKER_STATE_DIR": str(self.data_dir / "worker")}

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = open(self.data_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it open
        self.children.append(subprocess.Popen([sys.executable, *args], env=env, stdout=log, stderr=subprocess.STDOUT))
        log.close()
        self.echo(f"  {name} started (log: {self.data_dir / f'{name}.log'})")

    def run(self) -> None:
        """Serve until Ctrl-C or SIGTERM, then stop everything cleanly."""
        ensure_port_free(self.host, self.port, "--port")
        ensure_port_free("127.0.0.1", self.mqtt_port, "--mqtt-port")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        app = create_app({"SQLALCHEMY_DATABASE_URI": self.database_url, "MQTT_URL": f"mqtt://127.0.0.1:{self.mqtt_port}",
                          "TELEMETRY_STORE": {"TSDB": "sql"}})
        self.echo(f"Preparing the database in {self.data_dir} …")
        service_password, fleet = prepare_database(app, self.devices if self.simulator else 0, self.data_dir)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        broker = DemoBroker(self.mqtt_port)
        broker.start()
        self.echo(f"  MQTT broker on 127.0.0.1:{self.mqtt_port} (loopback only)")
        server = make_server(self.host, self.port, app, threaded=True)
        web = threading.Thread(target=server.serve_forever, name="web", daemon=True)
        web.start()
        api_url = f"http://127.0.0.1:{server.server_port}"
        env = self._child_env(api_url, service_password)
        self._spawn("worker", ["-m", "telemetry.worker"], env)
        if self.simulator and fleet:
            self._spawn("simulator", ["-m", "devices.simulator", "--fleet", str(self.data_dir / "fleet.json"),
                                      "--port", str(self.mqtt_port), "--buffer-dir", str(self.data_dir / "agents"),
                                      "--devices", str(len(fleet))], env)
        self._welcome(server.server_port, len(fleet))
        stop.wait()
        self.echo("Stopping …")
        self._stop_children()
        server.shutdown()
        web.join(timeout=10)
        broker.stop()
        self.echo("Stopped.")

    def _stop_children(self) -> None:
        for child in reversed(self.children):
            child.send_signal(signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()

    def _welcome(self, port: int, devices: int) -> None:
        url = f"http://{self.host}:{port}"
        self.echo(f"\nLabShare demo is running at {url}\n  API docs: {url}/api/docs\n"
                  f"  OpenAPI:  {url}/api/v1/openapi.json\n  simulated devices: {devices}\n")
        self.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for account in demo_accounts():
            self.echo(f"  {account.email:<42} {account.role:<18} {account.institution or ''}")
        self.echo("\nPress Ctrl-C to stop.")


def run_demo(host: str, port: int, data_dir: Path, mqtt_port: int = 1883, devices: int = 12, simulator: bool = True,
             echo=print) -> None:
    Demo(host, port, mqtt_port, data_dir, devices, simulator, echo).run()


