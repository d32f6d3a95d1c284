"""Headless core: models, database, SLA engine, exporters. Never imports Textual."""
