"""Every table, imported in one place so that mappers and migrations see the whole schema."""
from booking.accounts.models import ApiToken, User, lab_managers  # noqa: F401
from booking.bookings.models import Booking, Notification, WaitlistEntry  # noqa: F401
from booking.core.db import db  # noqa: F401
from booking.devices.models import Device  # noqa: F401
from booking.registry.models import (Campus, Institution, Instrument, Lab, MaintenanceWindow,  # noqa: F401
                                     Qualification)
from booking.usage.models import UsageSession  # noqa: F401
# The SQL time-series store's tables live in the same database and migrations.
from telemetry.stores.sql import metadata as telemetry_metadata  # noqa: F401
