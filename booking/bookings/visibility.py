"""Which bookings an actor may see, as a SQL condition (the list-side twin of ``can_view_booking``)."""
from __future__ import annotations

from sqlalchemy import or_

from booking.accounts.models import Role, User
from booking.registry.models import Campus, Instrument

from .models import Booking


def visible_to(actor: User):
    """None for the province admin (everything); else their own bookings, plus those of the labs
    they manage, plus for an institution admin those of its instruments and of its people.

    The statement it filters must join ``Booking.instrument``, ``Instrument.lab`` and ``Lab.campus``.
    """
    if actor.is_province_admin:
        return None
    own = Booking.user_id == actor.id
    if actor.role == Role.INSTITUTION_ADMIN.value:
        return or_(own, Campus.institution_id == actor.institution_id,
                   Booking.user.has(User.institution_id == actor.institution_id))
    if actor.role == Role.LAB_MANAGER.value:
        return or_(own, Instrument.lab_id.in_(actor.lab_ids))
    return own
