"""Registering device agents and keeping their broker accounts in step."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from booking.core.db import db
from booking.core.errors import ApiError
from booking.core.timeutil import utcnow
from booking.registry.models import Instrument

from .broker import BrokerEndpoint, BrokerError, DynsecAdmin, NoBrokerAdmin
from .models import Device


def broker_admin():
    config = current_app.config
    if config["BROKER_ADMIN"] == "dynsec":
        endpoint = BrokerEndpoint.from_url(config["MQTT_URL"], config["MQTT_ADMIN_USERNAME"],
                                           config["MQTT_ADMIN_PASSWORD"])
        return DynsecAdmin(endpoint, config["MQTT_TOPIC_PREFIX"])
    return NoBrokerAdmin()


def mqtt_settings(device_id: str, password: str) -> dict:
    config = current_app.config
    public = BrokerEndpoint.from_url(config["MQTT_PUBLIC_URL"] or config["MQTT_URL"])
    return {"host": public.host, "port": public.port, "username": device_id, "password": password,
            "topic_prefix": config["MQTT_TOPIC_PREFIX"]}


def _broker_call(action, *args) -> None:
    try:
        action(*args)
    except BrokerError as exc:
        raise ApiError(503, "broker_unavailable", f"the MQTT broker did not take the change: {exc}") from exc


def register_device(instrument: Instrument, kind: str, threshold_w: float, interval_s: float) -> tuple[Device, str]:
    """Create the device and its broker account; the password is returned once and not stored."""
    device = Device(device_id=f"dev-{secrets.token_hex(6)}", instrument_id=instrument.id, kind=kind,
                    in_use_threshold_w=threshold_w, report_interval_s=interval_s)
    db.session.add(device)
    db.session.flush()
    password = secrets.token_urlsafe(24)
    _broker_call(broker_admin().create_device, device.device_id, password)
    return device, password


def rotate_secret(device: Device) -> str:
    _require_active(device)
    password = secrets.token_urlsafe(24)
    _broker_call(broker_admin().set_password, device.device_id, password)
    device.secret_rotated_dt = utcnow()
    db.session.flush()
    return password


def revoke_device(device: Device) -> None:
    _require_active(device)
    _broker_call(broker_admin().delete_device, device.device_id)
    device.revoked_dt, device.online = utcnow(), False
    db.session.flush()


def _require_active(device: Device) -> None:
    if device.is_revoked:
        raise ApiError(409, "device_revoked", f"device {device.device_id} was revoked")


def record_presence(device: Device, online: bool | None, seen: datetime | None, agent: str | None) -> Device:
    """Presence as the worker saw it: retained status, Last Will, and the newest message."""
    if online is not None:
        device.online = online
    if seen is not None and (device.last_seen_dt is None or seen > device.last_seen_dt):
        device.last_seen_dt = seen
    if agent:
        device.agent = agent
    db.session.flush()
    return device


def devices_query(include_revoked: bool = False):
    stmt = select(Device).order_by(Device.created_dt, Device.device_id)
    return stmt if include_revoked else stmt.where(Device.revoked_dt.is_(None))
