"""One Screen per file: the dashboard's views."""
