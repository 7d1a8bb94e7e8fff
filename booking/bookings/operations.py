"""Making, deciding and cancelling bookings."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking.accounts.models import User
from booking.core.db import db, is_postgresql
from booking.core.errors import ApiError
from booking.core.timeutil import utcnow
from booking.registry.models import Instrument

from . import rules
from .models import ACTIVE_STATUSES, EXCLUSION_CONSTRAINT, Booking


def needs_approval(instrument: Instrument, external: bool) -> bool:
    return instrument.approval == "all" or (instrument.approval == "external" and external)


def check_rules(instrument: Instrument, user: User, start: datetime, end: datetime, now: datetime,
                exclude_id: int | None = None) -> None:
    """Every allocation rule of DESIGN.md, in the order a user would want to hear them."""
    rules.check_bookable(instrument, user)
    rules.check_timing(instrument, start, end, now)
    rules.check_opening_hours(instrument, start, end)
    rules.check_qualified(instrument, user, start)
    rules.check_quota(instrument, user, start, end, exclude_id)
    rules.check_free(instrument, start, blocked_until(instrument, end), exclude_id)


def blocked_until(instrument: Instrument, end: datetime) -> datetime:
    return end + timedelta(minutes=instrument.buffer_minutes)


def create_booking(user: User, instrument: Instrument, start: datetime, end: datetime,
                   purpose: str | None = None, now: datetime | None = None) -> Booking:
    """Book ``[start, end)`` for ``user``, or raise the rule it breaks.

    The database has the last word on overlaps: on PostgreSQL the exclusion constraint refuses
    a booking that a concurrent request slipped in, and we answer that as a conflict.
    """
    now = now or utcnow()
    _lock_user(user)
    check_rules(instrument, user, start, end, now)
    external = user.institution_id != instrument.institution_id
    rate_kind, rate, amount = rules.price(instrument, external, start, end)
    booking = Booking(instrument_id=instrument.id, user_id=user.id, start_dt=start, end_dt=end,
                      blocked_until_dt=blocked_until(instrument, end), external=external, purpose=purpose,
                      status="pending" if needs_approval(instrument, external) else "confirmed",
                      rate_kind=rate_kind, rate_per_hour=rate, price_amount=amount, created_dt=now)
    _insert_guarded(booking, instrument)
    return booking


def _lock_user(user: User) -> None:
    """Serialise one user's concurrent bookings so quotas hold (SQLite serialises all writers)."""
    if is_postgresql():
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def _insert_guarded(booking: Booking, instrument: Instrument) -> None:
    savepoint = db.session.begin_nested()
    try:
        db.session.add(booking)
        db.session.flush()
    except IntegrityError as exc:
        savepoint.rollback()
        if EXCLUSION_CONSTRAINT not in str(exc.orig):
            raise
        conflicts = rules.find_conflicts(instrument, booking.start_dt, booking.blocked_until_dt)
        raise rules.conflict_error(conflicts) from exc
    savepoint.commit()


def get_booking(booking_id: int) -> Booking | None:
    return db.session.get(Booking, booking_id)


def _require_status(booking: Booking, allowed: tuple[str, ...], action: str) -> None:
    if booking.status not in allowed:
        raise ApiError(409, "invalid_state", f"a {booking.status} booking cannot be {action}",
                       {"status": booking.status})


def approve_booking(booking: Booking, manager: User, reason: str | None, now: datetime | None = None) -> Booking:
    """Confirm a pending booking; it must still be conflict-free."""
    now = now or utcnow()
    _require_status(booking, ("pending",), "approved")
    rules.check_bookable(booking.instrument, booking.user)
    rules.check_free(booking.instrument, booking.start_dt, booking.blocked_until_dt, booking.id)
    booking.confirm(manager.id, reason, now)
    db.session.flush()
    return booking


def reject_booking(booking: Booking, manager: User, reason: str | None, now: datetime | None = None) -> Booking:
    _require_status(booking, ("pending",), "rejected")
    booking.reject(manager.id, reason, now or utcnow())
    db.session.flush()
    return booking


def cancel_booking(booking: Booking, actor: User, reason: str | None, now: datetime | None = None) -> Booking:
    """Cancel a pending or confirmed booking that has not ended yet; the freed time goes to the waitlist."""
    now = now or utcnow()
    _require_status(booking, ACTIVE_STATUSES, "cancelled")
    if booking.end_dt <= now:
        raise ApiError(409, "invalid_state", "a booking that has ended cannot be cancelled", {"status": booking.status})
    booking.cancel(actor.id, reason, now)
    db.session.flush()
    return booking


def complete_finished_bookings(now: datetime | None = None) -> int:
    """Confirmed bookings whose end has passed become ``completed``. Idempotent."""
    now = now or utcnow()
    finished = db.session.scalars(select(Booking).where(Booking.status == "confirmed", Booking.end_dt <= now)).all()
    for booking in finished:
        booking.status = "completed"
    db.session.flush()
    return len(finished)
