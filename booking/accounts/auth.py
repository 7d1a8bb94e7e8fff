"""Bearer-token authentication for the API."""
from __future__ import annotations

from apiflask import HTTPTokenAuth

from booking.core.errors import ApiError

from .models import User
from .operations import user_for_token

auth = HTTPTokenAuth(scheme="Bearer", description="A token from POST /api/v1/auth/token")


@auth.verify_token
def _verify(token: str) -> User | None:
    return user_for_token(token) if token else None


@auth.error_processor
def _auth_error(error):
    raise ApiError(401, "not_authenticated", "a valid bearer token is required")


def current_user() -> User:
    return auth.current_user


def require(allowed: bool, message: str = "you are not allowed to do this") -> None:
    """Raise 403 unless ``allowed``: the one way views refuse an authenticated caller."""
    if not allowed:
        raise ApiError(403, "forbidden", message)
