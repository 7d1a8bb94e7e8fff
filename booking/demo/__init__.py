"""Demo data and the one-machine demo."""
