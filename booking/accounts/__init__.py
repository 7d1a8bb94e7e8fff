"""Users, roles, API tokens and who may do what."""
