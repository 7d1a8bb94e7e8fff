"""Fields and schemas shared by every feature's API."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from apiflask import Schema, fields, validators
from apiflask.schema_adapters.marshmallow import parser
from marshmallow import ValidationError, validates_schema
from sqlalchemy import func, select

from .db import db

from .timeutil import iso_z, to_utc

MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 50


class UTCDateTimeField(fields.AwareDateTime):
    """Accepts RFC 3339 with an offset (naive times are refused); answers UTC with ``Z``."""

    def _deserialize(self, value, attr, data, **kwargs):
        return to_utc(super()._deserialize(value, attr, data, **kwargs))

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_z(value)


class Money(fields.Decimal):
    """A decimal string in CNY with two places, e.g. ``"240.00"``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("places", 2)
        kwargs.setdefault("as_string", True)
        kwargs.setdefault("allow_nan", False)
        kwargs.setdefault("validate", validators.Range(min=Decimal("0"), max=Decimal("1e12")))
        super().__init__(**kwargs)


def Id(strict: bool = True, **kwargs):  # noqa: N802 - reads like a field type
    """A row id; strict in JSON bodies (``"7"`` is refused), lenient in query strings where all is text."""
    return fields.Integer(strict=strict, validate=validators.Range(min=1, max=2**31 - 1), **kwargs)


def QueryId(**kwargs):  # noqa: N802
    return Id(strict=False, **kwargs)


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validators.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE, validate=validators.Range(min=1, max=MAX_PER_PAGE))


class WindowQuery(Schema):
    """A ``from``/``to`` window, both required, bounded so a request cannot ask for years."""

    max_window = timedelta(days=370)

    from_ = UTCDateTimeField(required=True, data_key="from")
    to = UTCDateTimeField(required=True)

    @validates_schema
    def _check_window(self, data, **_):
        check_window(data.get("from_"), data.get("to"), self.max_window, "to")


def check_window(start, end, max_span: timedelta, field: str) -> None:
    if start is None or end is None:
        return
    if end <= start:
        raise ValidationError("must be after the start", field)
    if end - start > max_span:
        raise ValidationError(f"the window may span at most {max_span.days} days", field)


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A list envelope ``{"items", "total", "page", "per_page"}`` for one item schema."""
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "total": fields.Integer(),
        "page": fields.Integer(),
        "per_page": fields.Integer(),
    })


def paginate(select_stmt, page: int, per_page: int) -> dict:
    """Run a SELECT for one page and count the whole result."""
    total = db.session.scalar(select(func.count()).select_from(select_stmt.order_by(None).subquery()))
    items = db.session.scalars(select_stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def paginate_list(items: list, page: int, per_page: int) -> dict:
    start = (page - 1) * per_page
    return {"items": items[start:start + per_page], "total": len(items), "page": page, "per_page": per_page}


def make_query_strings_strict() -> None:
    """Refuse unknown query parameters, as bodies do: a misspelt filter must not silently match all.

    webargs excludes unknown query keys by default; ``None`` defers to the schema (RAISE).
    """
    parser.DEFAULT_UNKNOWN_BY_LOCATION = {**parser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}
