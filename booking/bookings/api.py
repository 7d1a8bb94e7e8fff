"""``/api/v1/bookings``, ``/waitlist``, ``/charges`` and ``/me/notifications``."""
from __future__ import annotations

from decimal import Decimal

from apiflask import APIBlueprint
from flask import Response
from sqlalchemy import select

from booking.accounts.auth import auth, current_user, require
from booking.accounts.permissions import can_book, can_manage_instrument, can_view_booking
from booking.core.db import db
from booking.core.errors import not_found
from booking.core.schemas import PageQuery, paginate
from booking.registry.models import Instrument, Lab
from booking.registry.operations import get_or_404

from . import charges, operations, waitlist
from .models import Booking, Notification, WaitlistEntry
from .schemas import (BookingIn, BookingOut, BookingPage, BookingQuery, ChargeList, ChargeQuery, NotificationPage,
                      ReasonIn, WaitlistIn, WaitlistOut, WaitlistPage, WaitlistQuery)
from .visibility import visible_to

bp = APIBlueprint("bookings", __name__, url_prefix="/api/v1", tag="Bookings")


def _visible_booking(booking_id: int) -> Booking:
    booking = operations.get_booking(booking_id)
    if booking is None or not can_view_booking(current_user(), booking):
        raise not_found("booking", booking_id)
    return booking


def _bookable_instrument(instrument_id: int) -> Instrument:
    require(can_book(current_user()), "only accounts of an institution can book")
    return get_or_404(Instrument, instrument_id, "instrument")


@bp.post("/bookings")
@bp.auth_required(auth)
@bp.input(BookingIn, arg_name="data")
@bp.output(BookingOut, status_code=201)
def create_booking(data):
    """Book an instrument; ``pending`` when its policy asks for the manager's approval."""
    instrument = _bookable_instrument(data["instrument_id"])
    return operations.create_booking(current_user(), instrument, data["start"], data["end"], data["purpose"])


@bp.get("/bookings")
@bp.auth_required(auth)
@bp.input(BookingQuery, location="query", arg_name="query")
@bp.output(BookingPage)
def list_bookings(query):
    """Bookings the caller may see: their own, and those of instruments they manage."""
    actor = current_user()
    stmt = select(Booking).join(Booking.instrument).join(Instrument.lab).join(Lab.campus).order_by(Booking.start_dt,
                                                                                                   Booking.id)
    visible = visible_to(actor)
    if visible is not None:
        stmt = stmt.where(visible)
    if query["mine"]:
        stmt = stmt.where(Booking.user_id == actor.id)
    if "instrument_id" in query:
        stmt = stmt.where(Booking.instrument_id == query["instrument_id"])
    if "status" in query:
        stmt = stmt.where(Booking.status == query["status"])
    if "from_" in query:
        stmt = stmt.where(Booking.end_dt > query["from_"])
    if "to" in query:
        stmt = stmt.where(Booking.start_dt < query["to"])
    return paginate(stmt, query["page"], query["per_page"])


@bp.get("/bookings/<int:booking_id>")
@bp.auth_required(auth)
@bp.output(BookingOut)
def get_booking(booking_id: int):
    return _visible_booking(booking_id)


@bp.post("/bookings/<int:booking_id>/cancel")
@bp.auth_required(auth)
@bp.input(ReasonIn, arg_name="data")
@bp.output(BookingOut)
def cancel_booking(booking_id: int, data):
    """Cancel (the booker or the lab's managers); the freed time is offered to the waitlist."""
    booking = _visible_booking(booking_id)
    require(booking.user_id == current_user().id or can_manage_instrument(current_user(), booking.instrument),
            "only the booker or the lab's managers may cancel")
    operations.cancel_booking(booking, current_user(), data["reason"])
    waitlist.offer_freed_time(booking)
    return booking


@bp.post("/bookings/<int:booking_id>/approve")
@bp.auth_required(auth)
@bp.input(ReasonIn, arg_name="data")
@bp.output(BookingOut)
def approve_booking(booking_id: int, data):
    booking = _visible_booking(booking_id)
    require(can_manage_instrument(current_user(), booking.instrument), "only the lab's managers may approve")
    return operations.approve_booking(booking, current_user(), data["reason"])


@bp.post("/bookings/<int:booking_id>/reject")
@bp.auth_required(auth)
@bp.input(ReasonIn, arg_name="data")
@bp.output(BookingOut)
def reject_booking(booking_id: int, data):
    booking = _visible_booking(booking_id)
    require(can_manage_instrument(current_user(), booking.instrument), "only the lab's managers may reject")
    operations.reject_booking(booking, current_user(), data["reason"])
    waitlist.offer_freed_time(booking)
    return booking


@bp.post("/waitlist")
@bp.auth_required(auth)
@bp.input(WaitlistIn, arg_name="data")
@bp.output(WaitlistOut, status_code=201)
def join_waitlist(data):
    """Wait for a taken window; booked automatically (``auto_book``) or notified when it frees up."""
    instrument = _bookable_instrument(data["instrument_id"])
    return waitlist.join_waitlist(current_user(), instrument, data["start"], data["end"], data["auto_book"])


@bp.get("/waitlist")
@bp.auth_required(auth)
@bp.input(WaitlistQuery, location="query", arg_name="query")
@bp.output(WaitlistPage)
def list_waitlist(query):
    stmt = select(WaitlistEntry).where(WaitlistEntry.user_id == current_user().id).order_by(WaitlistEntry.id)
    if "instrument_id" in query:
        stmt = stmt.where(WaitlistEntry.instrument_id == query["instrument_id"])
    return paginate(stmt, query["page"], query["per_page"])


@bp.delete("/waitlist/<int:entry_id>")
@bp.auth_required(auth)
@bp.output({}, status_code=204)
def leave_waitlist(entry_id: int):
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None or entry.user_id != current_user().id:
        raise not_found("waitlist entry", entry_id)
    waitlist.leave_waitlist(entry)
    return ""


@bp.get("/me/notifications")
@bp.auth_required(auth)
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(NotificationPage)
def list_notifications(query):
    """Messages for the caller, newest first (waitlist offers and bookings made for them)."""
    stmt = select(Notification).where(Notification.user_id == current_user().id).order_by(Notification.id.desc())
    return paginate(stmt, query["page"], query["per_page"])


@bp.get("/charges")
@bp.auth_required(auth)
@bp.input(ChargeQuery, location="query", arg_name="query")
@bp.output(ChargeList)
@bp.doc(description="Charges of completed, no-show and late-cancelled bookings; `format=csv` for a spreadsheet.")
def list_charges(query):
    rows = charges.list_charges(current_user(), query)
    if query["format"] == "csv":
        return Response(charges.charges_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=charges.csv"})
    return {"items": rows, "total": len(rows), "amount": sum((r["amount"] for r in rows), start=Decimal(0))}
