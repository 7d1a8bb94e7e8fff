"""Instrument search (keywords, place, distance, a free window) and availability."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import contains_eager

from booking.accounts.models import User
from booking.accounts.permissions import can_book_instrument
from booking.bookings.models import ACTIVE_STATUSES, Booking
from booking.core.db import db
from booking.core.geo import distance_km
from booking.core.intervals import Interval, covers, merge, opening_intervals, subtract
from booking.registry.models import Campus, Institution, Instrument, Lab, MaintenanceWindow

KEYWORD_COLUMNS = (Instrument.name, Instrument.model, Instrument.manufacturer, Instrument.category,
                   Instrument.description, Institution.name, Institution.name_en, Lab.name)


def search_instruments(user: User, query: dict) -> list[Instrument]:
    """Instruments matching the query, each with ``distance_km`` and ``bookable`` set for this caller."""
    stmt = (select(Instrument).join(Instrument.lab).join(Lab.campus).join(Campus.institution)
            .options(contains_eager(Instrument.lab).contains_eager(Lab.campus).contains_eager(Campus.institution))
            .order_by(Instrument.id))
    for condition in _conditions(query):
        stmt = stmt.where(condition)
    instruments = db.session.scalars(stmt).unique().all()
    if "free_from" in query:
        window = Interval(query["free_from"], query["free_to"])
        instruments = [i for i in instruments if covers(opening_intervals(i.lab.opening_hours, i.lab.timezone,
                                                                          window), window)]
    instruments = _by_distance(instruments, query)
    for instrument in instruments:
        instrument.bookable = can_book_instrument(user, instrument)
    return instruments


def _conditions(query: dict) -> list:
    conditions = [Instrument.status == query["status"]] if "status" in query else [Instrument.status != "retired"]
    for term in query.get("q", "").split():
        conditions.append(or_(*(column.icontains(term, autoescape=True) for column in KEYWORD_COLUMNS)))
    if "category" in query:
        conditions.append(Instrument.category.startswith(query["category"], autoescape=True))
    if "city" in query:
        conditions.append(Campus.city.ilike(query["city"].replace("%", r"\%").replace("_", r"\_"), escape="\\"))
    for name, column in (("institution_id", Campus.institution_id), ("lab_id", Instrument.lab_id),
                         ("resource", Instrument.resource)):
        if name in query:
            conditions.append(column == query[name])
    if "free_from" in query:
        conditions += _free_conditions(query["free_from"], query["free_to"])
    return conditions


def _free_conditions(start: datetime, end: datetime) -> list:
    booked = exists().where(Booking.instrument_id == Instrument.id, Booking.status.in_(ACTIVE_STATUSES),
                            Booking.start_dt < end, Booking.blocked_until_dt > start)
    closed = exists().where(MaintenanceWindow.instrument_id == Instrument.id,
                            MaintenanceWindow.start_dt < end, MaintenanceWindow.end_dt > start)
    return [Instrument.status == "active", ~booked, ~closed]


def _by_distance(instruments: list[Instrument], query: dict) -> list[Instrument]:
    if "near" not in query:
        for instrument in instruments:
            instrument.distance_km = None
        return instruments
    lat, lon = (float(x) for x in query["near"].split(","))
    for instrument in instruments:
        campus = instrument.lab.campus
        instrument.distance_km = round(distance_km(lat, lon, campus.lat, campus.lon), 3)
    if "radius_km" in query:
        instruments = [i for i in instruments if i.distance_km <= query["radius_km"]]
    return sorted(instruments, key=lambda i: (i.distance_km, i.id))


def busy_periods(instrument: Instrument, window: Interval) -> list[tuple[Interval, str]]:
    """What makes time unbookable inside ``window``: bookings (with buffer), maintenance, closed hours."""
    bookings = db.session.scalars(select(Booking).where(
        Booking.instrument_id == instrument.id, Booking.status.in_(ACTIVE_STATUSES),
        and_(Booking.start_dt < window.end, Booking.blocked_until_dt > window.start))).all()
    maintenance = db.session.scalars(select(MaintenanceWindow).where(
        MaintenanceWindow.instrument_id == instrument.id,
        MaintenanceWindow.start_dt < window.end, MaintenanceWindow.end_dt > window.start)).all()
    busy = [(Interval(b.start_dt, b.blocked_until_dt), "booking") for b in bookings]
    busy += [(Interval(m.start_dt, m.end_dt), "maintenance") for m in maintenance]
    if instrument.is_active:
        open_periods = opening_intervals(instrument.lab.opening_hours, instrument.lab.timezone, window)
        busy += [(closed, "closed") for closed in subtract(window, open_periods)]
    else:
        busy.append((window, "closed"))
    clipped = [(Interval(max(i.start, window.start), min(i.end, window.end)), kind) for i, kind in busy]
    return sorted(clipped, key=lambda item: (item[0].start, item[0].end, item[1]))


def availability(instrument: Instrument, window: Interval) -> dict:
    """Free and busy time; busy entries say only why, never whose."""
    busy = busy_periods(instrument, window)
    free = subtract(window, merge(interval for interval, _ in busy))
    return {"free": [{"start": i.start, "end": i.end} for i in free],
            "busy": [{"start": i.start, "end": i.end, "kind": kind} for i, kind in busy]}
