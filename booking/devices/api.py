"""``/api/v1/devices``: registration, presence, secret rotation, revocation."""
from __future__ import annotations

from apiflask import APIBlueprint

from booking.accounts.auth import auth, current_user, require
from booking.accounts.models import Role
from booking.accounts.permissions import can_manage_instrument
from booking.core.db import db
from booking.core.errors import not_found
from booking.core.schemas import paginate_list
from booking.registry.models import Instrument
from booking.registry.operations import get_or_404

from . import operations
from .models import Device
from .schemas import DeviceCreatedOut, DeviceIn, DeviceOut, DevicePage, DeviceQuery, MqttOut, PresenceIn

bp = APIBlueprint("devices", __name__, url_prefix="/api/v1", tag="Devices")


def _device(device_id: str) -> Device:
    device = db.session.get(Device, device_id)
    if device is None:
        raise not_found("device", device_id)
    return device


def _managed_device(device_id: str) -> Device:
    device = _device(device_id)
    require(can_manage_instrument(current_user(), device.instrument), "only the instrument's lab managers may")
    return device


def _is_service() -> bool:
    return current_user().role == Role.SERVICE.value


@bp.post("/devices")
@bp.auth_required(auth)
@bp.input(DeviceIn, arg_name="data")
@bp.output(DeviceCreatedOut, status_code=201)
def register_device(data):
    """Register a device agent; the MQTT password in the answer is shown once."""
    instrument = get_or_404(Instrument, data["instrument_id"], "instrument")
    require(can_manage_instrument(current_user(), instrument), "only the instrument's lab managers may")
    device, password = operations.register_device(instrument, data["kind"], data["in_use_threshold_w"],
                                                  data["report_interval_s"])
    device.mqtt = operations.mqtt_settings(device.device_id, password)
    return device


@bp.get("/devices")
@bp.auth_required(auth)
@bp.input(DeviceQuery, location="query", arg_name="query")
@bp.output(DevicePage)
def list_devices(query):
    """All devices for the telemetry worker and the province admin; managers see their instruments'."""
    actor = current_user()
    devices = db.session.scalars(operations.devices_query(query["include_revoked"])).all()
    if not (_is_service() or actor.is_province_admin):
        devices = [d for d in devices if can_manage_instrument(actor, d.instrument)]
    if "instrument_id" in query:
        devices = [d for d in devices if d.instrument_id == query["instrument_id"]]
    return paginate_list(devices, query["page"], query["per_page"])


@bp.get("/devices/<device_id>")
@bp.auth_required(auth)
@bp.output(DeviceOut)
def get_device(device_id: str):
    """A device's kind, instrument and presence (online, last seen)."""
    return _device(device_id)


@bp.post("/devices/<device_id>/rotate-secret")
@bp.auth_required(auth)
@bp.output(MqttOut)
def rotate_secret(device_id: str):
    """A new MQTT password (shown once); the old one stops working at once."""
    device = _managed_device(device_id)
    return operations.mqtt_settings(device.device_id, operations.rotate_secret(device))


@bp.delete("/devices/<device_id>")
@bp.auth_required(auth)
@bp.output({}, status_code=204)
def revoke_device(device_id: str):
    """Revoke the device: its broker account is deleted and its connection cut."""
    operations.revoke_device(_managed_device(device_id))
    return ""


@bp.post("/devices/<device_id>/presence")
@bp.auth_required(auth)
@bp.input(PresenceIn, arg_name="data")
@bp.output(DeviceOut)
def record_presence(device_id: str, data):
    """Presence seen by the telemetry worker (service accounts only)."""
    require(_is_service(), "only the telemetry service reports presence")
    return operations.record_presence(_device(device_id), data["online"], data["last_seen"], data["agent"])
