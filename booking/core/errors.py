"""One error format for the whole API: ``{"error": {"code", "message", "details"}}``."""
from __future__ import annotations

import logging

from apiflask import APIFlask, HTTPError
from werkzeug.exceptions import HTTPException, InternalServerError

logger = logging.getLogger(__name__)

DEFAULT_CODES = {
    400: "invalid_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "rule_violation",
    429: "too_many_requests",
    500: "internal_error",
}


class ApiError(HTTPError):
    """An error the API answers on purpose, with a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(status, message, detail=details or {}, extra_data={"code": code})

    @property
    def code(self) -> str:
        return self.extra_data["code"]


def not_found(what: str, ident) -> ApiError:
    return ApiError(404, "not_found", f"{what} {ident} does not exist", {"id": ident})


def error_body(status: int, code: str, message: str, details) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _process_http_error(error: HTTPError):
    code = (error.extra_data or {}).get("code") or _code_for(error)
    body = error_body(error.status_code, code, error.message or code, error.detail)
    return body, error.status_code, error.headers


def _code_for(error: HTTPError) -> str:
    if error.status_code == 400 and isinstance(error.detail, dict) and error.detail:
        return "validation_error"
    return DEFAULT_CODES.get(error.status_code, "error")


def _handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException) and not isinstance(exc, InternalServerError):
        code = DEFAULT_CODES.get(exc.code, "error")
        return error_body(exc.code, code, exc.description, {}), exc.code
    logger.exception("unhandled error")
    return error_body(500, "internal_error", "internal server error", {}), 500


def init_app(app: APIFlask) -> None:
    app.error_processor(_process_http_error)
    app.register_error_handler(Exception, _handle_unexpected)
