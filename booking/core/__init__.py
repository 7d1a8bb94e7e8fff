"""Infrastructure shared by every booking feature: database, errors, time, schemas."""
