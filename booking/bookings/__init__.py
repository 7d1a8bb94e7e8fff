"""Bookings, the allocation rules that guard them, the waitlist and charges."""
