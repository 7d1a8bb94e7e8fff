"""A throwaway InfluxDB 1.x (Debian's ``influxdb`` package) on free loopback ports."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from .postgres import free_port

CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{root}/meta"
[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
[logging]
  level = "warn"
"""


class InfluxServer:
    def __init__(self) -> None:
        if not shutil.which("influxd"):
            raise RuntimeError("InfluxDB 1.x is not installed: apt-get install influxdb")
        self.root = Path(tempfile.mkdtemp(prefix="labshare-influx-"))
        self.port = free_port()
        (self.root / "influxdb.conf").write_text(CONFIG.format(root=self.root, rpc_port=free_port(),
                                                               http_port=self.port))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> InfluxServer:
        with open(self.root / "influxd.log", "wb") as log:
            self.process = subprocess.Popen(["influxd", "-config", str(self.root / "influxdb.conf")],
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/ping", timeout=1).status_code == 204:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"influxd did not start: {(self.root / 'influxd.log').read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)
