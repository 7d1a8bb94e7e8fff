from __future__ import annotations

from datetime import timedelta

from apiflask import Schema, fields, validators
from marshmallow import ValidationError, validates_schema

from booking.core.schemas import UTCDateTimeField, WindowQuery, check_window

MAX_POINTS = 10_000
EVERY_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> timedelta:
    """``"60s"``, ``"5m"``, ``"1h"``, ``"1d"`` → a timedelta."""
    return timedelta(seconds=int(text[:-1]) * EVERY_UNITS[text[-1]])


class UsageSessionIn(Schema):
    session_id = fields.String(required=True, validate=[validators.Length(min=1, max=100),
                                                        validators.Regexp(r"^[A-Za-z0-9_.:-]+$")])
    device_id = fields.String(required=True, validate=validators.Length(min=1, max=64))
    start = UTCDateTimeField(required=True)
    end = UTCDateTimeField(required=True, allow_none=True)
    source = fields.String(required=True, validate=validators.OneOf(("power", "event")))
    void = fields.Boolean(load_default=False)

    @validates_schema
    def _window(self, data, **_):
        check_window(data.get("start"), data.get("end"), timedelta(days=366), "end")


class UsageSessionOut(Schema):
    session_id = fields.String()
    device_id = fields.String()
    instrument_id = fields.Integer()
    start = UTCDateTimeField(attribute="start_dt")
    end = UTCDateTimeField(attribute="end_dt", allow_none=True)
    source = fields.String()
    void = fields.Boolean()
    booking_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    institution_id = fields.Integer(allow_none=True)
    external = fields.Boolean()


class SessionBrief(Schema):
    start = UTCDateTimeField(attribute="start_dt")
    end = UTCDateTimeField(attribute="end_dt", allow_none=True)
    booking_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    external = fields.Boolean()
    source = fields.String()


class UsageOut(Schema):
    sessions = fields.List(fields.Nested(SessionBrief))
    effective_hours = fields.Float()


class TelemetryQuery(WindowQuery):
    max_window = timedelta(days=31)

    metric = fields.String(load_default="power_w", validate=validators.Regexp(r"^[a-z][a-z0-9_]{0,63}$"))
    every = fields.String(load_default="60s", validate=validators.Regexp(r"^[1-9][0-9]{0,5}[smhd]$"))

    @validates_schema
    def _points(self, data, **_):
        if "from_" in data and "to" in data and "every" in data:
            if (data["to"] - data["from_"]) / parse_every(data["every"]) > MAX_POINTS:
                raise ValidationError(f"at most {MAX_POINTS} points; use a larger 'every'", "every")


class TelemetryOut(Schema):
    metric = fields.String()
    every = fields.String()
    points = fields.List(fields.Tuple((UTCDateTimeField(), fields.Float())))
