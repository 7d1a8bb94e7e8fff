"""Finding instruments across universities and campuses, and their free time."""
