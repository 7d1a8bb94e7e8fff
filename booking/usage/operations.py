"""Recording usage sessions and reading measured usage of an instrument."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from booking.accounts.models import User
from booking.bookings.models import Booking
from booking.core.db import db
from booking.core.errors import ApiError
from booking.core.intervals import Interval, merge
from booking.core.timeutil import utcnow
from booking.devices.models import Device
from booking.registry.models import Instrument

from .models import UsageSession

ATTRIBUTABLE_STATUSES = ("confirmed", "completed", "no_show")


def attribute(instrument: Instrument, start: datetime, end: datetime) -> Booking | None:
    """The booking of this instrument that overlaps the session most (ties: the earlier booking)."""
    candidates = db.session.scalars(select(Booking).where(
        Booking.instrument_id == instrument.id, Booking.status.in_(ATTRIBUTABLE_STATUSES),
        Booking.start_dt < end, Booking.end_dt > start).order_by(Booking.start_dt, Booking.id)).all()
    session = Interval(start, end)
    best = max(candidates, key=lambda b: session.overlap_seconds(Interval(b.start_dt, b.end_dt)), default=None)
    return best


def upsert_session(data: dict, now: datetime | None = None) -> UsageSession:
    """Idempotent by ``session_id``: the same report twice leaves one session; a later one updates it."""
    now = now or utcnow()
    device = db.session.get(Device, data["device_id"])
    if device is None:
        raise ApiError(422, "unknown_device", f"device {data['device_id']} is not registered")
    session = db.session.get(UsageSession, data["session_id"])
    if session is None:
        session = UsageSession(session_id=data["session_id"])
        db.session.add(session)
    elif session.device_id != device.device_id:
        raise ApiError(409, "session_id_taken", "this session id belongs to another device")
    session.device_id, session.instrument_id = device.device_id, device.instrument_id
    session.start_dt, session.end_dt, session.source = data["start"], data["end"], data["source"]
    session.void = data.get("void", False)
    _attribute_session(session, device.instrument, now)
    db.session.flush()
    return session


def _attribute_session(session: UsageSession, instrument: Instrument, now: datetime) -> None:
    booking = attribute(instrument, session.start_dt, session.end_dt or max(now, session.start_dt))
    user = db.session.get(User, booking.user_id) if booking else None
    session.booking_id = booking.id if booking else None
    session.user_id = user.id if user else None
    session.institution_id = user.institution_id if user else None
    session.external = bool(user and user.institution_id != instrument.institution_id)


def sessions_between(instrument_id: int, start: datetime, end: datetime) -> list[UsageSession]:
    return db.session.scalars(select(UsageSession).where(
        UsageSession.instrument_id == instrument_id, UsageSession.void.is_(False), UsageSession.start_dt < end,
        or_(UsageSession.end_dt.is_(None), UsageSession.end_dt > start)).order_by(UsageSession.start_dt)).all()


def effective_hours(sessions: list[UsageSession], start: datetime, end: datetime, now: datetime) -> float:
    """Measured hours with overlaps merged and clipped to the period (running sessions up to now)."""
    spans = [Interval(max(s.start_dt, start), min(s.end_dt or now, end)) for s in sessions]
    seconds = sum((i.end - i.start).total_seconds() for i in merge(i for i in spans if i.end > i.start))
    return round(seconds / 3600, 6)


def instrument_usage(instrument: Instrument, start: datetime, end: datetime, now: datetime | None = None) -> dict:
    now = now or utcnow()
    sessions = sessions_between(instrument.id, start, end)
    return {"sessions": sessions, "effective_hours": effective_hours(sessions, start, end, now)}


def redacted(session: UsageSession, viewer: User) -> dict:
    """A session as someone who does not manage the instrument sees it: whose it is only if theirs."""
    own = session.user_id == viewer.id
    return {"start_dt": session.start_dt, "end_dt": session.end_dt, "source": session.source,
            "external": session.external, "booking_id": session.booking_id if own else None,
            "user_id": session.user_id if own else None}
