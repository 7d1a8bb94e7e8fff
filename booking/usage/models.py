"""A usage session measured on an instrument and reported by the telemetry worker."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from booking.core.db import db
from booking.core.timeutil import UTCDateTime, utcnow


class UsageSession(db.Model):
    __tablename__ = "usage_sessions"
    __table_args__ = (
        CheckConstraint("end_dt IS NULL OR end_dt > start_dt", name="end_after_start"),
        CheckConstraint("source IN ('power', 'event')", name="source_known"),
        Index("ix_usage_sessions_instrument_start", "instrument_id", "start_dt"),
    )

    session_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.device_id"), index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    start_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    end_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(8))
    # A session later merged into an earlier one (late data closed the gap) is kept but void.
    void: Mapped[bool] = mapped_column(Boolean, default=False)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    external: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
