"""The registry of who owns what, where, and on which terms it is shared."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.core.db import db
from booking.core.timeutil import UTCDateTime, utcnow

RESOURCES = ("instrument", "space")
KINDS = ("general", "special")
SHARING = ("internal", "province", "public")
STATUSES = ("active", "maintenance", "retired")
APPROVALS = ("none", "external", "all")
DEFAULT_TIMEZONE = "Asia/Shanghai"

# Policy defaults as the CONTRACT states them; quota and late cancellation are our extensions.
POLICY_DEFAULTS = {
    "slot_minutes": 30,
    "min_minutes": 30,
    "max_minutes": 480,
    "horizon_days": 60,
    "buffer_minutes": 0,
    "approval": "none",
    "requires_training": False,
    "no_show_grace_minutes": 15,
    "auto_release": True,
    "quota_hours_per_week": None,
    "late_cancel_hours": 24,
}


class Institution(db.Model):
    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campuses = relationship("Campus", back_populates="institution", order_by="Campus.id")


class Campus(db.Model):
    __tablename__ = "campuses"
    __table_args__ = (
        CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)

    institution: Mapped[Institution] = relationship(back_populates="campuses")
    labs = relationship("Lab", back_populates="campus", order_by="Lab.id")


class Lab(db.Model):
    __tablename__ = "labs"

    id: Mapped[int] = mapped_column(primary_key=True)
    campus_id: Mapped[int] = mapped_column(ForeignKey("campuses.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    # {"mon": [["08:00", "18:00"]], ...}; None means open around the clock.
    opening_hours: Mapped[dict | None] = mapped_column(JSON)

    campus: Mapped[Campus] = relationship(back_populates="labs")
    instruments = relationship("Instrument", back_populates="lab", order_by="Instrument.id")

    @property
    def institution_id(self) -> int:
        return self.campus.institution_id


class Instrument(db.Model):
    """A bookable resource: an instrument or a space (a cleanroom bay, a bench)."""

    __tablename__ = "instruments"
    __table_args__ = (
        CheckConstraint(f"resource IN {RESOURCES}", name="resource_known"),
        CheckConstraint(f"kind IN {KINDS}", name="kind_known"),
        CheckConstraint(f"sharing IN {SHARING}", name="sharing_known"),
        CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        CheckConstraint(f"approval IN {APPROVALS}", name="approval_known"),
        CheckConstraint("original_value_cny >= 0", name="value_not_negative"),
        CheckConstraint("slot_minutes > 0 AND min_minutes > 0 AND max_minutes >= min_minutes", name="durations_sane"),
        CheckConstraint("horizon_days > 0 AND buffer_minutes >= 0", name="horizon_buffer_sane"),
        CheckConstraint("internal_rate >= 0 AND external_rate >= 0", name="rates_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("labs.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    resource: Mapped[str] = mapped_column(String(16), default="instrument")
    category: Mapped[str] = mapped_column(String(64), index=True)
    manufacturer: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    asset_no: Mapped[str | None] = mapped_column(String(64))
    original_value_cny: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    purchase_date: Mapped[date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16), default="general")
    sharing: Mapped[str] = mapped_column(String(16), default="province")
    status: Mapped[str] = mapped_column(String(16), default="active")
    description: Mapped[str | None] = mapped_column(Text)

    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    min_minutes: Mapped[int] = mapped_column(Integer, default=30)
    max_minutes: Mapped[int] = mapped_column(Integer, default=480)
    horizon_days: Mapped[int] = mapped_column(Integer, default=60)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    approval: Mapped[str] = mapped_column(String(16), default="none")
    requires_training: Mapped[bool] = mapped_column(Boolean, default=False)
    no_show_grace_minutes: Mapped[int] = mapped_column(Integer, default=15)
    auto_release: Mapped[bool] = mapped_column(Boolean, default=True)
    quota_hours_per_week: Mapped[int | None] = mapped_column(Integer)
    late_cancel_hours: Mapped[int] = mapped_column(Integer, default=24)

    internal_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    external_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lab: Mapped[Lab] = relationship(back_populates="instruments")

    @property
    def institution_id(self) -> int:
        return self.lab.campus.institution_id

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def policy(self) -> dict:
        return {name: getattr(self, name) for name in POLICY_DEFAULTS}

    @property
    def rates(self) -> dict:
        return {"internal_per_hour": self.internal_rate, "external_per_hour": self.external_rate}

    def is_shared_with(self, institution_id: int | None) -> bool:
        """Whether users of that institution may book it (the owner always may)."""
        return self.sharing != "internal" or institution_id == self.institution_id


class Qualification(db.Model):
    """A user trained and allowed to run an instrument that requires training."""

    __tablename__ = "qualifications"
    __table_args__ = (UniqueConstraint("instrument_id", "user_id", name="uq_qualifications_instrument_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_on: Mapped[date | None] = mapped_column(Date)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def is_valid_on(self, day: date) -> bool:
        return self.expires_on is None or self.expires_on >= day


class MaintenanceWindow(db.Model):
    __tablename__ = "maintenance_windows"
    __table_args__ = (CheckConstraint("end_dt > start_dt", name="end_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    start_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    end_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
