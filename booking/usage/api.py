"""``/api/v1/usage-sessions`` (the telemetry service) and an instrument's measured usage and telemetry."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app

from booking.accounts.auth import auth, current_user, require
from booking.accounts.models import Role
from booking.accounts.permissions import can_manage_instrument
from booking.core.db import db
from booking.core.schemas import WindowQuery
from booking.registry.models import Instrument
from booking.registry.operations import get_or_404
from telemetry.stores.factory import open_store

from . import operations
from .schemas import TelemetryOut, TelemetryQuery, UsageOut, UsageSessionIn, UsageSessionOut, parse_every

bp = APIBlueprint("usage", __name__, url_prefix="/api/v1", tag="Usage")


@bp.post("/usage-sessions")
@bp.auth_required(auth)
@bp.input(UsageSessionIn, arg_name="data")
@bp.output(UsageSessionOut)
def report_session(data):
    """Idempotent upsert of a measured session by ``session_id`` (service accounts only)."""
    require(current_user().role == Role.SERVICE.value, "only the telemetry service reports usage")
    return operations.upsert_session(data)


@bp.get("/instruments/<int:instrument_id>/usage")
@bp.auth_required(auth)
@bp.input(WindowQuery, location="query", arg_name="query")
@bp.output(UsageOut)
def instrument_usage(instrument_id: int, query):
    """Measured sessions (attributed to bookings) and effective hours between ``from`` and ``to``."""
    instrument = get_or_404(Instrument, instrument_id, "instrument")
    usage = operations.instrument_usage(instrument, query["from_"], query["to"])
    if not can_manage_instrument(current_user(), instrument):
        usage["sessions"] = [operations.redacted(s, current_user()) for s in usage["sessions"]]
    return usage


@bp.get("/instruments/<int:instrument_id>/telemetry")
@bp.auth_required(auth)
@bp.input(TelemetryQuery, location="query", arg_name="query")
@bp.output(TelemetryOut)
def instrument_telemetry(instrument_id: int, query):
    """A downsampled series of one metric: the mean per ``every`` bucket."""
    get_or_404(Instrument, instrument_id, "instrument")
    store = open_store(current_app.config["TELEMETRY_STORE"], sql_engine=db.engine)
    try:
        points = store.read_series(instrument_id, query["metric"], query["from_"], query["to"],
                                   parse_every(query["every"]))
    finally:
        store.close()
    return {"metric": query["metric"], "every": query["every"], "points": points}
