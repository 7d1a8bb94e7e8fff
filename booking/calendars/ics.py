"""Building iCalendar documents with the ``icalendar`` library."""
from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

from booking.core.intervals import Interval
from booking.core.timeutil import utcnow

PRODID = "-//LabShare//Instrument sharing//EN"
BUSY_TITLES = {"booking": "Busy", "maintenance": "Maintenance", "closed": "Closed"}


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(uid: str, start: datetime, end: datetime, summary: str, stamp: datetime, **extra) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    for key, value in extra.items():
        event.add(key, value)
    return event


def instrument_busy_calendar(instrument, busy: list[tuple[Interval, str]], host: str) -> bytes:
    """Busy periods only: never who booked, so the feed can be shared freely."""
    calendar, stamp = _calendar(f"{instrument.name} — busy times"), utcnow()
    for interval, kind in busy:
        if kind == "closed":
            continue
        uid = f"instrument-{instrument.id}-{kind}-{int(interval.start.timestamp())}@{host}"
        calendar.add_component(_event(uid, interval.start, interval.end, BUSY_TITLES[kind], stamp, transp="OPAQUE"))
    return calendar.to_ical()


def personal_calendar(user, bookings: list, host: str) -> bytes:
    calendar, stamp = _calendar(f"LabShare — {user.name}"), utcnow()
    for booking in bookings:
        instrument = booking.instrument
        status = "TENTATIVE" if booking.status == "pending" else "CONFIRMED"
        location = f"{instrument.lab.name}, {instrument.lab.campus.name}, {instrument.lab.campus.institution.name}"
        calendar.add_component(_event(f"booking-{booking.id}@{host}", booking.start_dt, booking.end_dt,
                                      instrument.name, stamp, status=status, location=location,
                                      description=booking.purpose or ""))
    return calendar.to_ical()
