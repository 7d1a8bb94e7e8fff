"""A registered device agent of one instrument. Its MQTT password lives only in the broker."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.core.db import db
from booking.core.timeutil import UTCDateTime, utcnow

DEVICE_KINDS = ("power_meter", "pc_agent", "smart_plug", "other")


class Device(db.Model):
    __tablename__ = "devices"
    __table_args__ = (
        CheckConstraint(f"kind IN {DEVICE_KINDS}", name="kind_known"),
        CheckConstraint("in_use_threshold_w >= 0", name="threshold_not_negative"),
        CheckConstraint("report_interval_s > 0", name="interval_positive"),
    )

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    in_use_threshold_w: Mapped[float] = mapped_column(Float, default=50.0)
    report_interval_s: Mapped[float] = mapped_column(Float, default=10.0)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agent: Mapped[str | None] = mapped_column(String(100))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    secret_rotated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    instrument = relationship("Instrument")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_dt is not None

    @property
    def lab_id(self) -> int:
        return self.instrument.lab_id

    @property
    def institution_id(self) -> int:
        return self.instrument.institution_id
