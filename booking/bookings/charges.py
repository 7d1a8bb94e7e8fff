"""Charges: completed, no-show and late-cancelled bookings at the rate they were booked at."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from booking.accounts.models import User
from booking.core.db import db
from booking.core.timeutil import iso_z
from booking.registry.models import Campus, Instrument, Lab

from .models import Booking
from .visibility import visible_to

CSV_COLUMNS = ("booking_id", "instrument_id", "user_id", "institution_id", "basis", "start", "end",
               "hours", "rate_kind", "rate", "amount", "currency")


def _basis(booking: Booking) -> str | None:
    if booking.status in ("completed", "no_show"):
        return booking.status
    return "late_cancellation" if booking.is_late_cancellation() else None


def list_charges(actor: User, query: dict) -> list[dict]:
    payer = aliased(User)
    stmt = (select(Booking, payer.institution_id).join(Booking.instrument).join(Instrument.lab).join(Lab.campus)
            .join(payer, payer.id == Booking.user_id)
            .where(Booking.status.in_(("completed", "no_show", "cancelled")),
                   and_(Booking.start_dt >= query["from_"], Booking.start_dt < query["to"]))
            .order_by(Booking.start_dt, Booking.id))
    scope = visible_to(actor)
    if scope is not None:
        stmt = stmt.where(scope)
    if "instrument_id" in query:
        stmt = stmt.where(Booking.instrument_id == query["instrument_id"])
    if "institution_id" in query:
        stmt = stmt.where(or_(Campus.institution_id == query["institution_id"],
                              payer.institution_id == query["institution_id"]))
    rows = []
    for booking, payer_institution in db.session.execute(stmt):
        basis = _basis(booking)
        if basis:
            rows.append(_row(booking, basis, payer_institution))
    return rows


def _row(booking: Booking, basis: str, payer_institution: int) -> dict:
    return {"booking_id": booking.id, "instrument_id": booking.instrument_id, "user_id": booking.user_id,
            "institution_id": payer_institution, "basis": basis, "start": booking.start_dt, "end": booking.end_dt,
            "hours": booking.hours.quantize(Decimal("0.001")), "rate_kind": booking.rate_kind,
            "rate": booking.rate_per_hour, "amount": booking.price_amount, "currency": "CNY"}


def charges_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "start": iso_z(row["start"]), "end": iso_z(row["end"])})
    return out.getvalue()
