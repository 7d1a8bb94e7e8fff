"""``/api/v1/auth/token``, ``/api/v1/me`` and ``/api/v1/users``."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy import select

from booking.core.db import db
from booking.core.errors import ApiError, not_found
from booking.core.limits import limiter
from booking.core.schemas import paginate

from . import operations, permissions
from .auth import auth, current_user, require
from .models import User
from .schemas import MeOut, TokenIn, TokenOut, UserIn, UserOut, UserPage, UserQuery

bp = APIBlueprint("accounts", __name__, url_prefix="/api/v1", tag="Accounts")


@bp.post("/auth/token")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@bp.input(TokenIn, arg_name="credentials")
@bp.output(TokenOut)
def create_token(credentials):
    """Exchange e-mail and password for a bearer token."""
    user = operations.authenticate(credentials["email"], credentials["password"])
    if user is None:
        raise ApiError(401, "invalid_credentials", "e-mail or password is wrong")
    token, record = operations.issue_token(user, current_app.config["TOKEN_TTL"])
    return {"token": token, "expires_at": record.expires_dt, "user": user}


@bp.get("/me")
@bp.auth_required(auth)
@bp.output(MeOut)
def me():
    """The caller, with role, institution and personal calendar feed."""
    return current_user()


@bp.post("/users")
@bp.auth_required(auth)
@bp.input(UserIn, arg_name="data")
@bp.output(UserOut, status_code=201)
def create_user(data):
    """Create an account (province admin anywhere; institution admin in its institution)."""
    require(permissions.can_create_user(current_user(), data["role"], data["institution_id"]),
            "you may not create this account")
    return operations.create_user(**data)


@bp.get("/users")
@bp.auth_required(auth)
@bp.input(UserQuery, location="query", arg_name="query")
@bp.output(UserPage)
def list_users(query):
    """Accounts the caller may see: all for the province admin, else their institution's."""
    actor = current_user()
    require(permissions.can_list_users(actor))
    stmt = select(User).order_by(User.id)
    if not actor.is_province_admin:
        stmt = stmt.where(User.institution_id == actor.institution_id)
    if "email" in query:
        stmt = stmt.where(User.email == operations.normalise_email(query["email"]))
    for column in ("institution_id", "role"):
        if column in query:
            stmt = stmt.where(getattr(User, column) == query[column])
    return paginate(stmt, query["page"], query["per_page"])


@bp.get("/users/<int:user_id>")
@bp.auth_required(auth)
@bp.output(UserOut)
def get_user(user_id: int):
    user = db.session.get(User, user_id)
    if user is None or not permissions.can_see_user(current_user(), user):
        raise not_found("user", user_id)
    return user
