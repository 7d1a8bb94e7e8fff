"""The booking service as the worker sees it: devices to learn, reports to post."""
from __future__ import annotations

import logging
import threading
import time

import requests

from telemetry.sessions import DeviceProfile
from telemetry.stores import DeviceTags

logger = logging.getLogger(__name__)

TIMEOUT_S = 15
REFRESH_AT_MOST_EVERY_S = 5.0


class BookingApi:
    def __init__(self, base_url: str, email: str | None, password: str | None):
        self.base_url, self.email, self.password = base_url.rstrip("/"), email, password
        self.http = requests.Session()
        self.token: str | None = None
        self.lock = threading.Lock()

    def _login(self) -> None:
        response = self.http.post(f"{self.base_url}/api/v1/auth/token",
                                  json={"email": self.email, "password": self.password}, timeout=TIMEOUT_S)
        response.raise_for_status()
        self.token = response.json()["token"]

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """A request with the service token, logging in again once if it expired."""
        with self.lock:
            for attempt in (1, 2):
                if self.token is None:
                    self._login()
                response = self.http.request(method, f"{self.base_url}{path}", timeout=TIMEOUT_S,
                                             headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
                if response.status_code != 401 or attempt == 2:
                    return response
                self.token = None
        raise AssertionError("unreachable")

    def post(self, path: str, body: dict) -> int:
        return self.request("POST", path, json=body).status_code

    def devices(self) -> list[dict]:
        items, page = [], 1
        while True:
            response = self.request("GET", "/api/v1/devices", params={"per_page": 500, "page": page})
            response.raise_for_status()
            body = response.json()
            items += body["items"]
            if len(items) >= body["total"] or not body["items"]:
                return items
            page += 1

    def close(self) -> None:
        self.http.close()


class DeviceDirectory:
    """Registered devices, cached; refreshed when an unknown id shows up (at most every few seconds)."""

    def __init__(self, api: BookingApi):
        self.api = api
        self.devices: dict[str, dict] = {}
        self.refreshed_at = 0.0

    def refresh(self) -> None:
        self.devices = {d["device_id"]: d for d in self.api.devices()}
        self.refreshed_at = time.monotonic()
        logger.info("device directory: %d devices", len(self.devices))

    def lookup(self, device_id: str) -> dict | None:
        if device_id not in self.devices and time.monotonic() - self.refreshed_at > REFRESH_AT_MOST_EVERY_S:
            try:
                self.refresh()
            except requests.RequestException as exc:
                logger.warning("cannot refresh devices: %s", exc)
        return self.devices.get(device_id)

    def tags(self, device_id: str) -> DeviceTags | None:
        device = self.lookup(device_id)
        if device is None:
            return None
        return DeviceTags(device_id, device["instrument_id"], device["lab_id"], device["institution_id"])

    def profile(self, device_id: str) -> DeviceProfile:
        device = self.devices[device_id]
        return DeviceProfile(device_id, device["in_use_threshold_w"], device["report_interval_s"])
