"""iCalendar (RFC 5545) feeds: an instrument's busy times and a user's own bookings."""
