"""Creating users, checking passwords and issuing API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from booking.core.db import db
from booking.core.errors import ApiError
from booking.core.timeutil import utcnow
from booking.registry.models import Institution, Lab

from .models import INSTITUTION_ROLES, ApiToken, User

_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown e-mail as slow as for a known one.
_DUMMY_HASH = _hasher.hash("labshare-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(email: str, name: str, password: str, role: str, institution_id: int | None,
                lab_ids: list[int] | None = None) -> User:
    """Create an account; institution-bound roles need an institution, lab managers their labs."""
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise ApiError(409, "email_taken", f"an account for {email} exists already", {"email": email})
    if (role in INSTITUTION_ROLES) != (institution_id is not None):
        raise ApiError(422, "institution_mismatch",
                       f"role {role} {'needs' if role in INSTITUTION_ROLES else 'takes no'} institution_id")
    if institution_id is not None and db.session.get(Institution, institution_id) is None:
        raise ApiError(422, "unknown_institution", f"institution {institution_id} does not exist")
    labs = _labs_of_institution(lab_ids or [], institution_id)
    user = User(email=email, name=name, password_hash=hash_password(password), role=role,
                institution_id=institution_id, calendar_key=secrets.token_urlsafe(24), managed_labs=labs)
    db.session.add(user)
    db.session.flush()
    return user


def _labs_of_institution(lab_ids: list[int], institution_id: int | None) -> list[Lab]:
    labs = db.session.scalars(select(Lab).where(Lab.id.in_(lab_ids))).all() if lab_ids else []
    missing = set(lab_ids) - {lab.id for lab in labs}
    if missing:
        raise ApiError(422, "unknown_lab", "some labs do not exist", {"lab_ids": sorted(missing)})
    foreign = [lab.id for lab in labs if lab.institution_id != institution_id]
    if foreign:
        raise ApiError(422, "lab_outside_institution", "a lab manager manages labs of their own institution",
                       {"lab_ids": foreign})
    return list(labs)


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, ttl: timedelta, now: datetime | None = None) -> tuple[str, ApiToken]:
    """A new bearer token; only its digest is stored, the token is returned once."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    record = ApiToken(user=user, token_hash=_digest(token), created_dt=now, expires_dt=now + ttl)
    db.session.add(record)
    db.session.flush()
    return token, record


def user_for_token(token: str, now: datetime | None = None) -> User | None:
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if record is None or record.expires_dt <= (now or utcnow()) or not record.user.is_active:
        return None
    return record.user


def user_for_calendar_key(key: str) -> User | None:
    return db.session.scalar(select(User).where(User.calendar_key == key, User.is_active.is_(True)))
