"""Device agents: registration, broker credentials, presence."""
