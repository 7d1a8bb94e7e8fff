"""Availability and calendar feeds of instruments, and the personal feed."""
from __future__ import annotations

from datetime import timedelta

from apiflask import APIBlueprint, Schema, fields
from flask import Response, request
from sqlalchemy import select

from booking.accounts.auth import auth
from booking.accounts.operations import user_for_calendar_key
from booking.bookings.models import ACTIVE_STATUSES, Booking
from booking.bookings.schemas import AvailabilityOut, AvailabilityQuery
from booking.core.db import db
from booking.core.errors import ApiError
from booking.core.intervals import Interval
from booking.core.timeutil import utcnow
from booking.registry.models import Instrument
from booking.registry.operations import get_or_404
from booking.search.operations import availability, busy_periods

from .ics import instrument_busy_calendar, personal_calendar

bp = APIBlueprint("calendars", __name__, url_prefix="/api/v1", tag="Calendars")

FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=180)
ICS_MIMETYPE = "text/calendar; charset=utf-8"


class FeedKeyQuery(Schema):
    key = fields.String(required=True)


@bp.get("/instruments/<int:instrument_id>/availability")
@bp.auth_required(auth)
@bp.input(AvailabilityQuery, location="query", arg_name="query")
@bp.output(AvailabilityOut)
def instrument_availability(instrument_id: int, query):
    """Free and busy time between ``from`` and ``to`` (at most 62 days); no one's name is shown."""
    instrument = get_or_404(Instrument, instrument_id, "instrument")
    return availability(instrument, Interval(query["from_"], query["to"]))


@bp.get("/instruments/<int:instrument_id>/calendar.ics")
@bp.doc(responses={200: {"description": "An iCalendar feed of busy times", "content": {"text/calendar": {}}}})
def instrument_calendar(instrument_id: int):
    """Busy times from 30 days back to 180 ahead; public, as it holds no personal data."""
    instrument = get_or_404(Instrument, instrument_id, "instrument")
    now = utcnow()
    busy = busy_periods(instrument, Interval(now - FEED_PAST, now + FEED_FUTURE))
    return Response(instrument_busy_calendar(instrument, busy, request.host), mimetype=ICS_MIMETYPE)


@bp.get("/me/calendar.ics")
@bp.input(FeedKeyQuery, location="query", arg_name="query")
@bp.doc(responses={200: {"description": "The caller's bookings as iCalendar", "content": {"text/calendar": {}}}})
def personal_calendar_feed(query):
    """The feed key (see ``GET /me``) stands in for a token, as calendar apps cannot send one."""
    user = user_for_calendar_key(query["key"])
    if user is None:
        raise ApiError(401, "not_authenticated", "unknown calendar feed key")
    now = utcnow()
    bookings = db.session.scalars(select(Booking).where(
        Booking.user_id == user.id, Booking.status.in_(ACTIVE_STATUSES + ("completed",)),
        Booking.end_dt > now - FEED_PAST, Booking.start_dt < now + FEED_FUTURE).order_by(Booking.start_dt)).all()
    return Response(personal_calendar(user, bookings, request.host), mimetype=ICS_MIMETYPE)
