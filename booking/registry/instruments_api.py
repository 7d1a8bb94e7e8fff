"""``/api/v1/instruments``: search, details, registration, qualifications, maintenance."""
from __future__ import annotations

from apiflask import APIBlueprint

from booking.accounts.auth import auth, current_user, require
from booking.accounts.permissions import can_book_instrument, can_manage_instrument, can_manage_lab
from booking.core.db import db
from booking.core.schemas import paginate_list
from booking.search.operations import search_instruments

from . import operations
from .models import Instrument, Lab
from .schemas import (InstrumentIn, InstrumentOut, InstrumentPage, InstrumentQuery, MaintenanceIn, MaintenanceOut,
                      QualificationIn, QualificationOut)

bp = APIBlueprint("instruments", __name__, url_prefix="/api/v1", tag="Instruments")


def get_instrument(instrument_id: int) -> Instrument:
    instrument = operations.get_or_404(Instrument, instrument_id, "instrument")
    instrument.bookable = can_book_instrument(current_user(), instrument)
    return instrument


def _require_manager(instrument: Instrument) -> None:
    require(can_manage_instrument(current_user(), instrument), "only this lab's managers may do this")


@bp.get("/instruments")
@bp.auth_required(auth)
@bp.input(InstrumentQuery, location="query", arg_name="query")
@bp.output(InstrumentPage)
def list_instruments(query):
    """Search instruments and spaces of every university: keywords, place, distance, a free window."""
    return paginate_list(search_instruments(current_user(), query), query["page"], query["per_page"])


@bp.get("/instruments/<int:instrument_id>")
@bp.auth_required(auth)
@bp.output(InstrumentOut)
def get_one(instrument_id: int):
    return get_instrument(instrument_id)


@bp.post("/instruments")
@bp.auth_required(auth)
@bp.input(InstrumentIn, arg_name="data")
@bp.output(InstrumentOut, status_code=201)
def create_instrument(data):
    """Register an instrument or space (admins, or the lab's managers)."""
    lab = db.session.get(Lab, data["lab_id"])
    require(lab is None or can_manage_lab(current_user(), lab), "only this lab's managers may add instruments")
    return operations.create_instrument(data)


@bp.patch("/instruments/<int:instrument_id>")
@bp.auth_required(auth)
@bp.input(InstrumentIn(partial=True), arg_name="data")
@bp.output(InstrumentOut)
def update_instrument(instrument_id: int, data):
    instrument = get_instrument(instrument_id)
    _require_manager(instrument)
    target = db.session.get(Lab, data["lab_id"]) if "lab_id" in data else None
    require(target is None or can_manage_lab(current_user(), target), "you do not manage the target lab")
    return operations.update_instrument(instrument, data)


@bp.post("/instruments/<int:instrument_id>/qualifications")
@bp.auth_required(auth)
@bp.input(QualificationIn, arg_name="data")
@bp.output(QualificationOut, status_code=201)
def qualify_user(instrument_id: int, data):
    """Record that a user is trained on this instrument (lab manager)."""
    instrument = get_instrument(instrument_id)
    _require_manager(instrument)
    return operations.grant_qualification(instrument, data["user_id"], data["expires_on"], current_user().id)


@bp.post("/instruments/<int:instrument_id>/maintenance")
@bp.auth_required(auth)
@bp.input(MaintenanceIn, arg_name="data")
@bp.output(MaintenanceOut, status_code=201)
def add_maintenance(instrument_id: int, data):
    """Close the instrument for a window; the response lists the bookings inside it."""
    instrument = get_instrument(instrument_id)
    _require_manager(instrument)
    return operations.add_maintenance(instrument, data, current_user().id)
