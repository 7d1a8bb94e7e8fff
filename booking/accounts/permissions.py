"""Who may do what: ``can_*`` predicates over a user and a registry object."""
from __future__ import annotations

from booking.registry.models import Instrument, Lab

from .models import Role, User


def can_manage_institution(user: User, institution_id: int) -> bool:
    return user.is_province_admin or (
        user.role == Role.INSTITUTION_ADMIN.value and user.institution_id == institution_id
    )


def can_manage_lab(user: User, lab: Lab) -> bool:
    if can_manage_institution(user, lab.institution_id):
        return True
    return user.role == Role.LAB_MANAGER.value and lab.id in user.lab_ids


def can_manage_instrument(user: User, instrument: Instrument) -> bool:
    return can_manage_lab(user, instrument.lab)


def can_create_user(actor: User, role: str, institution_id: int | None) -> bool:
    if actor.is_province_admin:
        return True
    return (
        actor.role == Role.INSTITUTION_ADMIN.value
        and institution_id == actor.institution_id
        and role in (Role.RESEARCHER.value, Role.LAB_MANAGER.value, Role.INSTITUTION_ADMIN.value)
    )


def can_book(user: User) -> bool:
    """Bookings are charged to an institution, so only institution-bound accounts book."""
    return user.institution_id is not None and user.role != Role.SERVICE.value


def can_list_users(user: User) -> bool:
    return user.role in (Role.LAB_MANAGER.value, Role.INSTITUTION_ADMIN.value, Role.PROVINCE_ADMIN.value)


def can_see_user(actor: User, other: User) -> bool:
    return actor.id == other.id or actor.is_province_admin or (
        can_list_users(actor) and actor.institution_id == other.institution_id
    )


def can_book_instrument(user: User, instrument: Instrument) -> bool:
    return can_book(user) and instrument.is_active and instrument.is_shared_with(user.institution_id)


def can_view_booking(user: User, booking) -> bool:
    """The booker, the instrument's managers and admins, and the booker's institution admin."""
    return (booking.user_id == user.id or can_manage_instrument(user, booking.instrument)
            or can_manage_institution(user, booking.user.institution_id))
