from __future__ import annotations

from apiflask import Schema, fields, validators

from booking.core.schemas import Id, PageQuery, QueryId, UTCDateTimeField, page_schema

from .models import DEVICE_KINDS


class DeviceIn(Schema):
    instrument_id = Id(required=True)
    kind = fields.String(required=True, validate=validators.OneOf(DEVICE_KINDS))
    in_use_threshold_w = fields.Float(load_default=50.0, allow_nan=False, validate=validators.Range(min=0, max=1e6))
    report_interval_s = fields.Float(load_default=10.0, allow_nan=False, validate=validators.Range(min=1, max=3600))


class MqttOut(Schema):
    host = fields.String()
    port = fields.Integer()
    username = fields.String()
    password = fields.String()
    topic_prefix = fields.String()


class DeviceOut(Schema):
    device_id = fields.String()
    instrument_id = fields.Integer()
    lab_id = fields.Integer()
    institution_id = fields.Integer()
    kind = fields.String()
    in_use_threshold_w = fields.Float()
    report_interval_s = fields.Float()
    online = fields.Boolean()
    last_seen = UTCDateTimeField(attribute="last_seen_dt", allow_none=True)
    agent = fields.String(allow_none=True)
    revoked = fields.Boolean(attribute="is_revoked")


class DeviceCreatedOut(DeviceOut):
    mqtt = fields.Nested(MqttOut)


class DeviceQuery(PageQuery):
    instrument_id = QueryId()
    include_revoked = fields.Boolean(load_default=False)


class PresenceIn(Schema):
    online = fields.Boolean(allow_none=True, load_default=None)
    last_seen = UTCDateTimeField(allow_none=True, load_default=None)
    agent = fields.String(allow_none=True, load_default=None, validate=validators.Length(max=100))


DevicePage = page_schema(DeviceOut, "DevicePage")
