"""The waitlist: wishes for taken time, served in order when that time frees up."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from booking.accounts.models import User
from booking.core.db import db
from booking.core.errors import ApiError
from booking.core.timeutil import iso_z, utcnow
from booking.registry.models import Instrument

from . import operations, rules
from .models import Booking, Notification, WaitlistEntry


def join_waitlist(user: User, instrument: Instrument, start: datetime, end: datetime, auto_book: bool,
                  now: datetime | None = None) -> WaitlistEntry:
    """Queue for a window; the window must be one the user could book if it were free."""
    now = now or utcnow()
    rules.check_bookable(instrument, user)
    rules.check_timing(instrument, start, end, now)
    rules.check_opening_hours(instrument, start, end)
    rules.check_qualified(instrument, user, start)
    entry = WaitlistEntry(instrument_id=instrument.id, user_id=user.id, start_dt=start, end_dt=end,
                          auto_book=auto_book, status="waiting", created_dt=now)
    db.session.add(entry)
    db.session.flush()
    return entry


def leave_waitlist(entry: WaitlistEntry) -> None:
    if entry.status != "waiting":
        raise ApiError(409, "invalid_state", f"this waitlist entry is {entry.status} already", {"status": entry.status})
    db.session.delete(entry)
    db.session.flush()


def offer_freed_time(freed: Booking, now: datetime | None = None) -> WaitlistEntry | None:
    """Serve the first eligible waiting entry that overlaps the freed booking: book it or notify it."""
    now = now or utcnow()
    candidates = db.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.instrument_id == freed.instrument_id, WaitlistEntry.status == "waiting",
        WaitlistEntry.start_dt < freed.blocked_until_dt, WaitlistEntry.end_dt > freed.start_dt,
    ).order_by(WaitlistEntry.created_dt, WaitlistEntry.id)).all()
    for entry in candidates:
        if entry.start_dt < now:
            entry.status = "expired"
            continue
        if _serve(entry, freed.instrument, now):
            return entry
    return None


def _serve(entry: WaitlistEntry, instrument: Instrument, now: datetime) -> bool:
    user = db.session.get(User, entry.user_id)
    savepoint = db.session.begin_nested()
    try:
        if entry.auto_book:
            entry.booking_id = operations.create_booking(user, instrument, entry.start_dt, entry.end_dt,
                                                         "waitlist", now).id
        else:
            operations.check_rules(instrument, user, entry.start_dt, entry.end_dt, now)
    except ApiError:
        savepoint.rollback()
        return False
    savepoint.commit()
    entry.status, entry.served_dt = ("booked" if entry.auto_book else "notified"), now
    message = (f"Booked from the waitlist: {instrument.name}, {iso_z(entry.start_dt)}–{iso_z(entry.end_dt)}"
               if entry.auto_book else
               f"The time you waited for is free: {instrument.name}, {iso_z(entry.start_dt)}–{iso_z(entry.end_dt)}")
    db.session.add(Notification(user_id=user.id, kind=f"waitlist_{entry.status}", message=message,
                                booking_id=entry.booking_id, instrument_id=instrument.id, created_dt=now))
    db.session.flush()
    return True
