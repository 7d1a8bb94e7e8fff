"""The allocation rules of DESIGN.md, each refusal with the CONTRACT's status and code.

These checks give clear answers; the guarantee against double allocation under concurrency is
the database's (exclusion constraint on PostgreSQL, serialised writers on SQLite).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from booking.accounts.models import User
from booking.core.db import db
from booking.core.errors import ApiError
from booking.core.intervals import Interval, covers, opening_intervals
from booking.core.timeutil import iso_z, zone
from booking.registry.models import Instrument, MaintenanceWindow, Qualification

from .models import ACTIVE_STATUSES, Booking

CENT = Decimal("0.01")


def refuse(http_status: int, code: str, message: str, **details) -> ApiError:
    return ApiError(http_status, code, message, details)


def check_bookable(instrument: Instrument, user: User) -> None:
    if not instrument.is_shared_with(user.institution_id):
        raise refuse(403, "not_shared_with_you", "this instrument is not shared with your institution")
    if not instrument.is_active:
        raise refuse(422, "instrument_unavailable", f"the instrument is {instrument.status}", status=instrument.status)


def check_timing(instrument: Instrument, start: datetime, end: datetime, now: datetime) -> None:
    if start < now:
        raise refuse(422, "in_past", "the booking starts in the past")
    horizon = now + timedelta(days=instrument.horizon_days)
    if start > horizon:
        raise refuse(422, "outside_horizon", f"bookings open {instrument.horizon_days} days ahead",
                     latest_start=iso_z(horizon))
    minutes = (end - start).total_seconds() / 60
    if minutes < instrument.min_minutes:
        raise refuse(422, "too_short", f"the shortest booking is {instrument.min_minutes} minutes",
                     min_minutes=instrument.min_minutes)
    if minutes > instrument.max_minutes:
        raise refuse(422, "too_long", f"the longest booking is {instrument.max_minutes} minutes",
                     max_minutes=instrument.max_minutes)
    check_alignment(instrument, start, end)


def check_alignment(instrument: Instrument, start: datetime, end: datetime) -> None:
    """Start on the slot grid of the lab's local day; the duration a whole number of slots."""
    slot = instrument.slot_minutes * 60
    local = start.astimezone(zone(instrument.lab.timezone))
    since_midnight = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    if since_midnight % slot or (end - start).total_seconds() % slot:
        raise refuse(422, "not_aligned", f"bookings start and end on {instrument.slot_minutes}-minute slots",
                     slot_minutes=instrument.slot_minutes)


def check_opening_hours(instrument: Instrument, start: datetime, end: datetime) -> None:
    wanted = Interval(start, end)
    if not covers(opening_intervals(instrument.lab.opening_hours, instrument.lab.timezone, wanted), wanted):
        raise refuse(422, "outside_opening_hours", "the lab is closed during part of this time",
                     opening_hours=instrument.lab.opening_hours, timezone=instrument.lab.timezone)


def check_qualified(instrument: Instrument, user: User, start: datetime) -> None:
    if not instrument.requires_training:
        return
    qualification = db.session.scalar(select(Qualification).where(
        Qualification.instrument_id == instrument.id, Qualification.user_id == user.id))
    day = start.astimezone(zone(instrument.lab.timezone)).date()
    if qualification is None or not qualification.is_valid_on(day):
        raise refuse(403, "not_qualified", "this instrument requires training; ask the lab manager to qualify you")


def check_quota(instrument: Instrument, user: User, start: datetime, end: datetime, exclude_id: int | None) -> None:
    """At most ``quota_hours_per_week`` booked hours per user in the lab's calendar week."""
    if instrument.quota_hours_per_week is None:
        return
    tz = zone(instrument.lab.timezone)
    local = start.astimezone(tz)
    week_start = datetime.combine(local.date() - timedelta(days=local.weekday()), datetime.min.time(), tz)
    week_end = week_start + timedelta(days=7)
    existing = db.session.scalars(select(Booking).where(
        Booking.instrument_id == instrument.id, Booking.user_id == user.id, Booking.id != (exclude_id or 0),
        Booking.status.in_(ACTIVE_STATUSES + ("completed",)),
        Booking.start_dt < week_end, Booking.end_dt > week_start)).all()
    used = sum((b.end_dt - b.start_dt).total_seconds() for b in existing) / 3600
    wanted = (end - start).total_seconds() / 3600
    if used + wanted > instrument.quota_hours_per_week:
        raise refuse(422, "quota_exceeded", f"your weekly quota is {instrument.quota_hours_per_week} h",
                     quota_hours=instrument.quota_hours_per_week, used_hours=round(used, 3))


def find_conflicts(instrument: Instrument, start: datetime, blocked_until: datetime,
                   exclude_id: int | None = None) -> list[dict]:
    """Active bookings (with their buffers) and maintenance windows that overlap."""
    bookings = db.session.scalars(select(Booking).where(
        Booking.instrument_id == instrument.id, Booking.status.in_(ACTIVE_STATUSES), Booking.id != (exclude_id or 0),
        Booking.start_dt < blocked_until, Booking.blocked_until_dt > start).order_by(Booking.start_dt)).all()
    windows = db.session.scalars(select(MaintenanceWindow).where(
        MaintenanceWindow.instrument_id == instrument.id,
        MaintenanceWindow.start_dt < blocked_until, MaintenanceWindow.end_dt > start)).all()
    return ([{"start": iso_z(b.start_dt), "end": iso_z(b.blocked_until_dt), "kind": "booking"} for b in bookings]
            + [{"start": iso_z(m.start_dt), "end": iso_z(m.end_dt), "kind": "maintenance"} for m in windows])


def conflict_error(conflicts: list[dict]) -> ApiError:
    return refuse(409, "booking_conflict", "the instrument is not free for all of this time", conflicts=conflicts)


def check_free(instrument: Instrument, start: datetime, blocked_until: datetime, exclude_id: int | None) -> None:
    conflicts = find_conflicts(instrument, start, blocked_until, exclude_id)
    if conflicts:
        raise conflict_error(conflicts)


def price(instrument: Instrument, external: bool, start: datetime, end: datetime) -> tuple[str, Decimal, Decimal]:
    """Rate kind, hourly rate and amount (to the cent, half up)."""
    rate = instrument.external_rate if external else instrument.internal_rate
    hours = Decimal(int((end - start).total_seconds())) / Decimal(3600)
    return ("external" if external else "internal"), rate, (rate * hours).quantize(CENT, ROUND_HALF_UP)

