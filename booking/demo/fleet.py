"""The demo's devices and the worker's service account, written for the simulator and the worker."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

from sqlalchemy import select

from booking.accounts.models import User
from booking.accounts.operations import create_user, hash_password
from booking.core.db import db
from booking.devices.models import Device
from booking.devices.operations import register_device
from booking.registry.models import Instrument

SERVICE_EMAIL = "telemetry@demo.labshare.cn"


def ensure_service_account() -> str:
    """The worker's account; a fresh password on every demo start, handed to the worker only."""
    password = secrets.token_urlsafe(18)
    user = db.session.scalar(select(User).where(User.email == SERVICE_EMAIL))
    if user is None:
        create_user(SERVICE_EMAIL, "Telemetry worker", password, "service", None)
    else:
        user.password_hash = hash_password(password)
    return password


def ensure_fleet(count: int, fleet_file: Path) -> list[dict]:
    """Devices on the first ``count`` active instruments, kept in ``fleet_file`` across restarts."""
    fleet = json.loads(fleet_file.read_text()) if fleet_file.exists() else []
    known = {entry["device_id"] for entry in fleet}
    fleet = [e for e in fleet if db.session.get(Device, e["device_id"]) is not None]
    taken = set(db.session.scalars(select(Device.instrument_id)))
    candidates = db.session.scalars(select(Instrument).where(Instrument.status == "active")
                                    .order_by(Instrument.id)).all()
    for instrument in candidates:
        if len(fleet) >= count:
            break
        if instrument.id in taken:
            continue
        device, password = register_device(instrument, "power_meter", 50.0, 10.0)
        fleet.append({"device_id": device.device_id, "password": password, "instrument_id": instrument.id,
                      "interval_s": device.report_interval_s})
    if {e["device_id"] for e in fleet} != known:
        fleet_file.write_text(json.dumps(fleet, indent=2))
    return fleet[:count]
