from __future__ import annotations

from datetime import timedelta

from apiflask import Schema, fields, validators
from marshmallow import ValidationError, validates, validates_schema

from booking.core.intervals import validate_opening_hours
from booking.core.schemas import Id, QueryId, Money, PageQuery, UTCDateTimeField, check_window, page_schema
from booking.core.timeutil import is_valid_zone

from .models import APPROVALS, KINDS, RESOURCES, SHARING, STATUSES

_name = validators.Length(min=1, max=200)


class InstitutionIn(Schema):
    code = fields.String(required=True, validate=[validators.Length(min=1, max=32),
                                                  validators.Regexp(r"^[A-Za-z0-9_-]+$")])
    name = fields.String(required=True, validate=_name)
    name_en = fields.String(allow_none=True, validate=validators.Length(max=200))


class InstitutionOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)


class CampusIn(Schema):
    institution_id = Id(required=True)
    name = fields.String(required=True, validate=_name)
    city = fields.String(required=True, validate=validators.Length(min=1, max=100))
    lat = fields.Float(required=True, allow_nan=False, validate=validators.Range(min=-90, max=90))
    lon = fields.Float(required=True, allow_nan=False, validate=validators.Range(min=-180, max=180))


class CampusOut(Schema):
    id = fields.Integer()
    institution_id = fields.Integer()
    name = fields.String()
    city = fields.String()
    lat = fields.Float()
    lon = fields.Float()


class LabIn(Schema):
    campus_id = Id(required=True)
    name = fields.String(required=True, validate=_name)
    timezone = fields.String(load_default="Asia/Shanghai")
    opening_hours = fields.Dict(keys=fields.String(), values=fields.Raw(), allow_none=True, load_default=None)

    @validates("timezone")
    def _zone(self, value, **_):
        if not is_valid_zone(value):
            raise ValidationError(f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)")

    @validates("opening_hours")
    def _hours(self, value, **_):
        if value is not None:
            try:
                validate_opening_hours(value)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc


class LabOut(Schema):
    id = fields.Integer()
    campus_id = fields.Integer()
    institution_id = fields.Integer()
    name = fields.String()
    timezone = fields.String()
    opening_hours = fields.Dict(allow_none=True)


class PolicySchema(Schema):
    slot_minutes = fields.Integer(validate=validators.Range(min=1, max=1440))
    min_minutes = fields.Integer(validate=validators.Range(min=1, max=60 * 24 * 14))
    max_minutes = fields.Integer(validate=validators.Range(min=1, max=60 * 24 * 14))
    horizon_days = fields.Integer(validate=validators.Range(min=1, max=730))
    buffer_minutes = fields.Integer(validate=validators.Range(min=0, max=1440))
    approval = fields.String(validate=validators.OneOf(APPROVALS))
    requires_training = fields.Boolean()
    no_show_grace_minutes = fields.Integer(validate=validators.Range(min=0, max=1440))
    auto_release = fields.Boolean()
    quota_hours_per_week = fields.Integer(allow_none=True, validate=validators.Range(min=1, max=168))
    late_cancel_hours = fields.Integer(validate=validators.Range(min=0, max=24 * 30))


class RatesSchema(Schema):
    internal_per_hour = Money()
    external_per_hour = Money()


class InstrumentIn(Schema):
    lab_id = Id(required=True)
    name = fields.String(required=True, validate=_name)
    resource = fields.String(load_default="instrument", validate=validators.OneOf(RESOURCES))
    category = fields.String(required=True, validate=[validators.Length(min=1, max=64),
                                                      validators.Regexp(r"^[a-z0-9_.-]+$")])
    manufacturer = fields.String(allow_none=True, validate=validators.Length(max=200))
    model = fields.String(allow_none=True, validate=validators.Length(max=200))
    asset_no = fields.String(allow_none=True, validate=validators.Length(max=64))
    description = fields.String(allow_none=True, validate=validators.Length(max=5000))
    original_value_cny = Money(required=True)
    purchase_date = fields.Date(allow_none=True)
    kind = fields.String(load_default="general", validate=validators.OneOf(KINDS))
    sharing = fields.String(load_default="province", validate=validators.OneOf(SHARING))
    status = fields.String(load_default="active", validate=validators.OneOf(STATUSES))
    policy = fields.Nested(PolicySchema, load_default=dict)
    rates = fields.Nested(RatesSchema, load_default=dict)


class InstitutionBrief(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)


class CampusBrief(Schema):
    id = fields.Integer()
    name = fields.String()
    city = fields.String()
    lat = fields.Float()
    lon = fields.Float()


class LabBrief(Schema):
    id = fields.Integer()
    name = fields.String()
    timezone = fields.String()


class InstrumentOut(Schema):
    id = fields.Integer()
    lab_id = fields.Integer()
    name = fields.String()
    resource = fields.String()
    category = fields.String()
    manufacturer = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    asset_no = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    original_value_cny = Money()
    purchase_date = fields.Date(allow_none=True)
    kind = fields.String()
    sharing = fields.String()
    status = fields.String()
    policy = fields.Nested(PolicySchema)
    rates = fields.Nested(RatesSchema)
    institution = fields.Nested(InstitutionBrief, attribute="lab.campus.institution")
    campus = fields.Nested(CampusBrief, attribute="lab.campus")
    lab = fields.Nested(LabBrief)
    distance_km = fields.Float(allow_none=True)
    bookable = fields.Boolean()


class InstrumentQuery(PageQuery):
    q = fields.String(validate=validators.Length(max=200))
    category = fields.String(validate=validators.Length(max=64))
    institution_id = QueryId()
    lab_id = QueryId()
    city = fields.String(validate=validators.Length(max=100))
    resource = fields.String(validate=validators.OneOf(RESOURCES))
    status = fields.String(validate=validators.OneOf(STATUSES))
    free_from = UTCDateTimeField()
    free_to = UTCDateTimeField()
    near = fields.String(validate=validators.Regexp(r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$"))
    radius_km = fields.Float(allow_nan=False, validate=validators.Range(min=0, max=5000))

    @validates_schema
    def _pairs(self, data, **_):
        if ("free_from" in data) != ("free_to" in data):
            raise ValidationError("free_from and free_to go together", "free_to")
        check_window(data.get("free_from"), data.get("free_to"), timedelta(days=31), "free_to")
        if "radius_km" in data and "near" not in data:
            raise ValidationError("radius_km needs near=<lat>,<lon>", "radius_km")
        if "near" in data:
            lat, lon = (float(x) for x in data["near"].split(","))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValidationError("near is out of range", "near")


class QualificationIn(Schema):
    user_id = Id(required=True)
    expires_on = fields.Date(allow_none=True, load_default=None)


class QualificationOut(Schema):
    id = fields.Integer()
    instrument_id = fields.Integer()
    user_id = fields.Integer()
    expires_on = fields.Date(allow_none=True)
    created_at = UTCDateTimeField(attribute="created_dt")


class MaintenanceIn(Schema):
    start = UTCDateTimeField(required=True)
    end = UTCDateTimeField(required=True)
    reason = fields.String(required=True, validate=validators.Length(min=1, max=500))

    @validates_schema
    def _window(self, data, **_):
        check_window(data.get("start"), data.get("end"), timedelta(days=366), "end")


class AffectedBooking(Schema):
    id = fields.Integer()
    start = UTCDateTimeField(attribute="start_dt")
    end = UTCDateTimeField(attribute="end_dt")
    status = fields.String()


class MaintenanceOut(Schema):
    id = fields.Integer()
    instrument_id = fields.Integer()
    start = UTCDateTimeField(attribute="start_dt")
    end = UTCDateTimeField(attribute="end_dt")
    reason = fields.String()
    affected_bookings = fields.List(fields.Nested(AffectedBooking))


InstitutionPage = page_schema(InstitutionOut, "InstitutionPage")
CampusPage = page_schema(CampusOut, "CampusPage")
LabPage = page_schema(LabOut, "LabPage")
InstrumentPage = page_schema(InstrumentOut, "InstrumentPage")
