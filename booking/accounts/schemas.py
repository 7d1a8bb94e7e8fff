from __future__ import annotations

from apiflask import Schema, fields, validators

from booking.core.schemas import Id, QueryId, PageQuery, UTCDateTimeField, page_schema

from .models import ROLES


class TokenIn(Schema):
    email = fields.String(required=True, validate=validators.Length(min=3, max=254))
    password = fields.String(required=True, validate=validators.Length(min=1, max=1024))


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    institution_id = fields.Integer(allow_none=True)
    lab_ids = fields.List(fields.Integer())
    created_at = UTCDateTimeField(attribute="created_dt")


class MeOut(UserOut):
    calendar_feed = fields.Method("_feed")

    def _feed(self, user) -> str:
        return f"/api/v1/me/calendar.ics?key={user.calendar_key}"


class TokenOut(Schema):
    token = fields.String()
    expires_at = UTCDateTimeField()
    user = fields.Nested(UserOut)


class UserIn(Schema):
    email = fields.Email(required=True, validate=validators.Length(max=254))
    name = fields.String(required=True, validate=validators.Length(min=1, max=200))
    password = fields.String(required=True, validate=validators.Length(min=8, max=1024))
    role = fields.String(required=True, validate=validators.OneOf(ROLES))
    institution_id = Id(allow_none=True, load_default=None)
    lab_ids = fields.List(Id(), load_default=list, validate=validators.Length(max=200))


class UserQuery(PageQuery):
    email = fields.String(validate=validators.Length(max=254))
    institution_id = QueryId()
    role = fields.String(validate=validators.OneOf(ROLES))


UserPage = page_schema(UserOut, "UserPage")
