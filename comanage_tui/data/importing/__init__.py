"""Importing PSA/ITSM CSV exports: read, map, replay, stage, report, compare verdicts."""
