"""Creating and changing registry entries."""
from __future__ import annotations

from sqlalchemy import select

from booking.accounts.models import User
from booking.bookings.models import ACTIVE_STATUSES, Booking
from booking.core.db import db
from booking.core.errors import ApiError, not_found

from .models import POLICY_DEFAULTS, Campus, Institution, Instrument, Lab, MaintenanceWindow, Qualification

_RATE_COLUMNS = {"internal_per_hour": "internal_rate", "external_per_hour": "external_rate"}


def get_or_404(model, ident: int, what: str):
    obj = db.session.get(model, ident)
    if obj is None:
        raise not_found(what, ident)
    return obj


def _reference(model, ident: int, field: str):
    """A referenced row in a request body: its absence is a broken rule, not a missing URL."""
    obj = db.session.get(model, ident)
    if obj is None:
        raise ApiError(422, "unknown_reference", f"{field} {ident} does not exist", {"field": field})
    return obj


def create_institution(data: dict) -> Institution:
    if db.session.scalar(select(Institution.id).where(Institution.code == data["code"])):
        raise ApiError(409, "code_taken", f"institution code {data['code']} is taken", {"code": data["code"]})
    institution = Institution(**data)
    db.session.add(institution)
    db.session.flush()
    return institution


def update_institution(institution: Institution, data: dict) -> Institution:
    code = data.get("code")
    if code and code != institution.code and db.session.scalar(select(Institution.id).where(Institution.code == code)):
        raise ApiError(409, "code_taken", f"institution code {code} is taken", {"code": code})
    return _assign(institution, data)


def create_campus(data: dict) -> Campus:
    _reference(Institution, data["institution_id"], "institution_id")
    return _add(Campus(**data))


def create_lab(data: dict) -> Lab:
    _reference(Campus, data["campus_id"], "campus_id")
    return _add(Lab(**data))


def create_instrument(data: dict) -> Instrument:
    _reference(Lab, data["lab_id"], "lab_id")
    instrument = Instrument(**{k: v for k, v in data.items() if k not in ("policy", "rates")})
    _apply_policy_and_rates(instrument, data, defaults=True)
    return _add(instrument)


def update_instrument(instrument: Instrument, data: dict) -> Instrument:
    if "lab_id" in data:
        lab = _reference(Lab, data["lab_id"], "lab_id")
        if lab.institution_id != instrument.institution_id:
            raise ApiError(422, "lab_outside_institution", "an instrument moves only between its owner's labs")
    _assign(instrument, {k: v for k, v in data.items() if k not in ("policy", "rates")})
    _apply_policy_and_rates(instrument, data, defaults=False)
    return instrument


def _apply_policy_and_rates(instrument: Instrument, data: dict, defaults: bool) -> None:
    policy = {**POLICY_DEFAULTS, **data.get("policy", {})} if defaults else data.get("policy", {})
    merged = policy if defaults else {**instrument.policy, **policy}
    if merged["max_minutes"] < merged["min_minutes"]:
        raise ApiError(422, "invalid_policy", "max_minutes must not be below min_minutes")
    for name, value in policy.items():
        setattr(instrument, name, value)
    for name, value in data.get("rates", {}).items():
        setattr(instrument, _RATE_COLUMNS[name], value)


def grant_qualification(instrument: Instrument, user_id: int, expires_on, granted_by_id: int) -> Qualification:
    _reference(User, user_id, "user_id")
    qualification = db.session.scalar(select(Qualification).where(
        Qualification.instrument_id == instrument.id, Qualification.user_id == user_id))
    if qualification is None:
        qualification = Qualification(instrument_id=instrument.id, user_id=user_id)
        db.session.add(qualification)
    qualification.expires_on, qualification.granted_by_id = expires_on, granted_by_id
    db.session.flush()
    return qualification


def add_maintenance(instrument: Instrument, data: dict, created_by_id: int) -> MaintenanceWindow:
    """Close an instrument for a window; active bookings inside it are reported, not touched."""
    window = _add(MaintenanceWindow(instrument_id=instrument.id, created_by_id=created_by_id, start_dt=data["start"],
                                    end_dt=data["end"], reason=data["reason"]))
    window.affected_bookings = db.session.scalars(select(Booking).where(
        Booking.instrument_id == instrument.id, Booking.status.in_(ACTIVE_STATUSES),
        Booking.start_dt < window.end_dt, Booking.end_dt > window.start_dt).order_by(Booking.start_dt)).all()
    return window


def _add(obj):
    db.session.add(obj)
    db.session.flush()
    return obj


def _assign(obj, data: dict):
    for name, value in data.items():
        setattr(obj, name, value)
    db.session.flush()
    return obj


def update_campus(campus: Campus, data: dict) -> Campus:
    if "institution_id" in data and data["institution_id"] != campus.institution_id:
        raise ApiError(422, "immutable_field", "a campus cannot change institution", {"field": "institution_id"})
    return _assign(campus, data)


def update_lab(lab: Lab, data: dict) -> Lab:
    if "campus_id" in data:
        campus = _reference(Campus, data["campus_id"], "campus_id")
        if campus.institution_id != lab.institution_id:
            raise ApiError(422, "immutable_field", "a lab moves only between its institution's campuses",
                           {"field": "campus_id"})
    return _assign(lab, data)
