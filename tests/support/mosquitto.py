"""A throwaway mosquitto (Debian's package) with the dynamic-security plugin, on a free loopback port.

It runs with the limits of the shipped ``deploy/mosquitto.conf``; only paths, the listener and
the autosave interval (1 s, to test a broker restart) differ.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .postgres import free_port

SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto.conf"
OVERRIDDEN = ("listener", "plugin_opt_config_file", "persistence_location", "autosave_interval", "log_dest")
ADMIN_USER, ADMIN_PASSWORD = "admin", "admin-secret"


def _config(root: Path, port: int) -> str:
    kept = [line for line in SHIPPED.read_text().splitlines() if not line.startswith(OVERRIDDEN)]
    return "\n".join(kept + [
        f"listener {port} 127.0.0.1",
        f"plugin_opt_config_file {root}/dynsec.json",
        f"persistence_location {root}/",
        "autosave_interval 1",
        f"log_dest file {root}/mosquitto.log",
        "user root" if os.geteuid() == 0 else "",
    ]) + "\n"


class MosquittoServer:
    def __init__(self) -> None:
        if not shutil.which("mosquitto"):
            raise RuntimeError("mosquitto is not installed: apt-get install mosquitto mosquitto-clients")
        self.root = Path(tempfile.mkdtemp(prefix="labshare-mqtt-"))
        self.port = free_port()
        subprocess.run(["mosquitto_ctrl", "dynsec", "init", str(self.root / "dynsec.json"), ADMIN_USER,
                        ADMIN_PASSWORD], check=True, stdout=subprocess.DEVNULL)
        (self.root / "mosquitto.conf").write_text(_config(self.root, self.port))
        self.process: subprocess.Popen | None = None

    def start(self) -> MosquittoServer:
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.root / "mosquitto.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not start: {self.log()[-2000:]}")

    def log(self) -> str:
        path = self.root / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=15)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
