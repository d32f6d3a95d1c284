"""The period review (`comanage review`, the dashboard's Review screen): one model built once from the read model."""
