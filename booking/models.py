"""Every table, imported in one place so that mappers and migrations see the whole schema."""
from booking.accounts.models import ApiToken, User, lab_managers  # noqa: F401
from booking.bookings.models import Booking, Notification, WaitlistEntry  # noqa: F401
from booking.core.db import db  # noqa: F401
from booking.registry.models import (Campus, Institution, Instrument, Lab, MaintenanceWindow,  # noqa: F401
                                     Qualification)
