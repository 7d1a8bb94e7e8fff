"""Real services for tests, each on a free loopback port in a temporary directory."""
