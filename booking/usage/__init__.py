"""Measured usage sessions, attributed to bookings, users and institutions."""
