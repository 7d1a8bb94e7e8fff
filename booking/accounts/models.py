"""Users with roles scoped to an institution or to labs, and their hashed API tokens."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.core.db import db
from booking.core.timeutil import UTCDateTime, utcnow


class Role(str, enum.Enum):
    RESEARCHER = "researcher"
    LAB_MANAGER = "lab_manager"
    INSTITUTION_ADMIN = "institution_admin"
    PROVINCE_ADMIN = "province_admin"
    SERVICE = "service"


ROLES = tuple(role.value for role in Role)
# Roles that belong to one institution; the province admin and service accounts do not.
INSTITUTION_ROLES = (Role.RESEARCHER.value, Role.LAB_MANAGER.value, Role.INSTITUTION_ADMIN.value)

lab_managers = Table(
    "lab_managers",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("lab_id", Integer, ForeignKey("labs.id", ondelete="CASCADE"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="role_known"),
        CheckConstraint(
            f"(role IN {INSTITUTION_ROLES}) = (institution_id IS NOT NULL)", name="institution_matches_role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    calendar_key: Mapped[str] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution = relationship("Institution")
    managed_labs = relationship("Lab", secondary=lab_managers, order_by="Lab.id")

    @property
    def lab_ids(self) -> list[int]:
        return [lab.id for lab in self.managed_labs]

    @property
    def is_province_admin(self) -> bool:
        return self.role == Role.PROVINCE_ADMIN.value

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 is stored: the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
