"""Bookings and waitlist entries.

On PostgreSQL the migration adds ``ex_bookings_no_overlap``: an exclusion constraint
(btree_gist) over ``tstzrange(start_dt, blocked_until_dt)`` of active bookings of one
instrument, so the database itself refuses a double allocation. ``blocked_until_dt`` is the
end plus the instrument's buffer time, fixed when the booking is made.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.core.db import db
from booking.core.timeutil import UTCDateTime, utcnow

BOOKING_STATUSES = ("pending", "confirmed", "rejected", "cancelled", "completed", "no_show")
ACTIVE_STATUSES = ("pending", "confirmed")
EXCLUSION_CONSTRAINT = "ex_bookings_no_overlap"
WAITLIST_STATUSES = ("waiting", "booked", "notified", "expired")


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(f"status IN {BOOKING_STATUSES}", name="status_known"),
        CheckConstraint("end_dt > start_dt", name="end_after_start"),
        CheckConstraint("blocked_until_dt >= end_dt", name="buffer_not_negative"),
        CheckConstraint("rate_kind IN ('internal', 'external')", name="rate_kind_known"),
        Index("ix_bookings_instrument_start", "instrument_id", "start_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    start_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    end_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    external: Mapped[bool] = mapped_column(Boolean)
    purpose: Mapped[str | None] = mapped_column(String(1000))
    rate_kind: Mapped[str] = mapped_column(String(16))
    rate_per_hour: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    price_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    status_reason: Mapped[str | None] = mapped_column(String(1000))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    instrument = relationship("Instrument")
    user = relationship("User", foreign_keys=[user_id])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def hours(self) -> Decimal:
        return Decimal((self.end_dt - self.start_dt).total_seconds()) / Decimal(3600)

    @property
    def price(self) -> dict:
        return {"amount": self.price_amount, "currency": "CNY", "rate": self.rate_kind}

    def is_late_cancellation(self) -> bool:
        if self.status != "cancelled" or self.cancelled_dt is None:
            return False
        hours_before = (self.start_dt - self.cancelled_dt).total_seconds() / 3600
        return hours_before < self.instrument.late_cancel_hours

    # State verbs: each checks nothing but records the transition; rules live in operations.
    def confirm(self, by_user_id: int, reason: str | None, now: datetime) -> None:
        self.status, self.decided_by_id, self.decided_dt, self.status_reason = "confirmed", by_user_id, now, reason

    def reject(self, by_user_id: int, reason: str | None, now: datetime) -> None:
        self.status, self.decided_by_id, self.decided_dt, self.status_reason = "rejected", by_user_id, now, reason

    def cancel(self, by_user_id: int, reason: str | None, now: datetime) -> None:
        self.status, self.decided_by_id, self.cancelled_dt, self.status_reason = "cancelled", by_user_id, now, reason


class WaitlistEntry(db.Model):
    """A wish for a window that is taken now; served in order when the window frees up."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint(f"status IN {WAITLIST_STATUSES}", name="status_known"),
        CheckConstraint("end_dt > start_dt", name="end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    start_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    end_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    auto_book: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    served_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(db.Model):
    """A message for a user (waitlist offers, approvals); read through the API."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(1000))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instruments.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
