"""Institutions, campuses, labs, instruments (and bookable spaces), qualifications, maintenance."""
