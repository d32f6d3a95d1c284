"""The read model: every figure the dashboard, the snapshot, `check` and `explain` show (see docs/FIGURES.md)."""
