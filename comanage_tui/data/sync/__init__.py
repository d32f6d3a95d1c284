"""`comanage sync`: pull tickets from a PSA/ITSM API through the importer's pipeline (see engine.py)."""
