from __future__ import annotations

from datetime import timedelta

from apiflask import Schema, fields, validators
from marshmallow import validates_schema

from booking.core.schemas import Id, QueryId, Money, PageQuery, UTCDateTimeField, WindowQuery, check_window, page_schema

from .models import BOOKING_STATUSES

# No policy allows more than two weeks; anything longer is a malformed request.
MAX_BOOKING_SPAN = timedelta(days=14)


class SlotIn(Schema):
    instrument_id = Id(required=True)
    start = UTCDateTimeField(required=True)
    end = UTCDateTimeField(required=True)

    @validates_schema
    def _window(self, data, **_):
        check_window(data.get("start"), data.get("end"), MAX_BOOKING_SPAN, "end")


class BookingIn(SlotIn):
    purpose = fields.String(allow_none=True, load_default=None, validate=validators.Length(max=1000))


class PriceOut(Schema):
    amount = Money()
    currency = fields.String()
    rate = fields.String()


class BookingOut(Schema):
    id = fields.Integer()
    instrument_id = fields.Integer()
    user_id = fields.Integer()
    start = UTCDateTimeField(attribute="start_dt")
    end = UTCDateTimeField(attribute="end_dt")
    status = fields.String()
    external = fields.Boolean()
    purpose = fields.String(allow_none=True)
    price = fields.Nested(PriceOut)
    reason = fields.String(attribute="status_reason", allow_none=True)
    created_at = UTCDateTimeField(attribute="created_dt")
    decided_at = UTCDateTimeField(attribute="decided_dt", allow_none=True)
    cancelled_at = UTCDateTimeField(attribute="cancelled_dt", allow_none=True)


class BookingQuery(PageQuery):
    instrument_id = QueryId()
    from_ = UTCDateTimeField(data_key="from")
    to = UTCDateTimeField()
    mine = fields.Boolean(load_default=False)
    status = fields.String(validate=validators.OneOf(BOOKING_STATUSES))

    @validates_schema
    def _window(self, data, **_):
        check_window(data.get("from_"), data.get("to"), timedelta(days=3660), "to")


class ReasonIn(Schema):
    reason = fields.String(allow_none=True, load_default=None, validate=validators.Length(max=1000))


class WaitlistIn(SlotIn):
    auto_book = fields.Boolean(load_default=False)


class WaitlistOut(Schema):
    id = fields.Integer()
    instrument_id = fields.Integer()
    user_id = fields.Integer()
    start = UTCDateTimeField(attribute="start_dt")
    end = UTCDateTimeField(attribute="end_dt")
    auto_book = fields.Boolean()
    status = fields.String()
    booking_id = fields.Integer(allow_none=True)
    created_at = UTCDateTimeField(attribute="created_dt")


class WaitlistQuery(PageQuery):
    mine = fields.Boolean(load_default=True)
    instrument_id = QueryId()


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    message = fields.String()
    booking_id = fields.Integer(allow_none=True)
    instrument_id = fields.Integer(allow_none=True)
    created_at = UTCDateTimeField(attribute="created_dt")


class ChargeQuery(WindowQuery):
    institution_id = QueryId()
    instrument_id = QueryId()
    format = fields.String(load_default="json", validate=validators.OneOf(("json", "csv")))


class ChargeOut(Schema):
    booking_id = fields.Integer()
    instrument_id = fields.Integer()
    user_id = fields.Integer()
    institution_id = fields.Integer()
    basis = fields.String()
    start = UTCDateTimeField()
    end = UTCDateTimeField()
    hours = fields.Decimal(as_string=True, places=3)
    rate_kind = fields.String()
    rate = Money()
    amount = Money()
    currency = fields.String()


class ChargeList(Schema):
    items = fields.List(fields.Nested(ChargeOut))
    total = fields.Integer()
    amount = Money()


class BusyOut(Schema):
    start = UTCDateTimeField()
    end = UTCDateTimeField()
    kind = fields.String()


class FreeOut(Schema):
    start = UTCDateTimeField()
    end = UTCDateTimeField()


class AvailabilityOut(Schema):
    free = fields.List(fields.Nested(FreeOut))
    busy = fields.List(fields.Nested(BusyOut))


class AvailabilityQuery(WindowQuery):
    max_window = timedelta(days=62)


BookingPage = page_schema(BookingOut, "BookingPage")
WaitlistPage = page_schema(WaitlistOut, "WaitlistPage")
NotificationPage = page_schema(NotificationOut, "NotificationPage")
